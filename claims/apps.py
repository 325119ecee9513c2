from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from claims.ratelimit import Rate

        # A malformed rate stops the process at start-up, like every other bad setting.
        Rate.parse(settings.RATE_LIMIT_TOKEN)
        Rate.parse(settings.RATE_LIMIT_ADDRESS)
