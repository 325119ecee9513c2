"""`Authorization: Bearer <token>` (or DRF's `Token <token>`) against hashed, expiring tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from claims.accounts.selectors import api_token_for_prefix
from claims.accounts.tokens import digest_matches, parse_prefix

SCHEMES = {"bearer", "token"}


class BearerTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, Any] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() not in SCHEMES:
            # Another scheme (Basic, say) is not ours to judge; the request stays anonymous.
            return None
        credentials = credentials.strip()
        if not credentials or " " in credentials:
            raise exceptions.AuthenticationFailed("Send the token as `Authorization: Bearer <token>`.")
        prefix = parse_prefix(credentials)
        token = api_token_for_prefix(prefix=prefix) if prefix else None
        # One message for every failure, so a caller cannot probe which prefixes exist.
        if token is None or not digest_matches(credentials, token.digest):
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        if token.expires_at is not None and token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("This token has expired; ask for a new one.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This token's user is deactivated.")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes this authentication."""

    target_class = "claims.accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "`Authorization: Bearer <token>`; `Token <token>` is accepted too.",
        }
