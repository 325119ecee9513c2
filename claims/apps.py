from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from corsheaders.signals import check_request_enabled
        from django.db.backends.signals import connection_created

        from claims.feed.tasks import announce
        from claims.platform.cors import public_paths_for_any_origin
        from claims.platform.db.timestamps import use_compiled_loader
        from claims.platform.ratelimit import AddressRateThrottle, LoginRateThrottle, TokenRateThrottle
        from claims.services.changes import change_recorded

        check_request_enabled.connect(public_paths_for_any_origin, dispatch_uid="claims.platform.cors")
        connection_created.connect(use_compiled_loader, dispatch_uid="claims.platform.db.timestamps")
        # Every recorded change wakes the webhook workers, in the write's transaction.
        change_recorded.connect(announce, dispatch_uid="claims.feed.tasks.announce")

        # A malformed rate stops the process at start-up, like every other bad setting.
        TokenRateThrottle()
        AddressRateThrottle()
        LoginRateThrottle()
