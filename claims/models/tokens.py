"""API tokens, stored as digests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the prefix finds the row without a scan.

    The token itself is `ct_<prefix>_<secret>`, shown once when created (see `claims.accounts.tokens`).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(digest__length=64),
                name="claims_apitoken_digest_sha256",
                violation_error_message="A token's digest is a SHA-256 in hex.",
            ),
        ]
        # Every API request looks its token up by prefix: the unique index on prefix.

    def __str__(self) -> str:
        return f"ct_{self.prefix}_… ({self.user})"
