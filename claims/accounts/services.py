"""Writes to tokens and roles."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.accounts import roles
from claims.accounts.tokens import generate_token
from claims.models import (
    ApiToken,
)
from claims.platform.errors import ValidationFailed


def token_create(*, username: str, role: str, days: int | None, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for `username` (created if new), whose role becomes `role`. Returns the
    token row and the plaintext token, which exists nowhere else: show it once."""
    if role not in roles.GROUPS:
        raise ValidationFailed({"role": [f"Role must be one of {', '.join(roles.GROUPS)}."]})
    with transaction.atomic():
        user, _ = get_user_model().objects.get_or_create(username=username)
        role_groups = _role_groups()
        # A user has one role: switching to client takes editing away.
        user.groups.remove(*[g for n, g in role_groups.items() if n != role])
        user.groups.add(role_groups[role])
        if not user.is_superuser:
            # Editors work in the Django admin too; clients never do.
            user.is_staff = role == roles.EDITOR
            user.save(update_fields=["is_staff"])
        expires_at = timezone.now() + timedelta(days=days) if days is not None else None
        for _attempt in range(5):
            new = generate_token()
            try:
                with transaction.atomic():
                    token = ApiToken.objects.create(
                        user=user, name=name, prefix=new.prefix, digest=new.digest, expires_at=expires_at
                    )
                return token, new.plaintext
            except IntegrityError:
                continue  # a 1-in-4-billion prefix collision: draw again
    raise RuntimeError("Could not draw a unique token prefix.")


def _role_groups() -> dict[str, Group]:
    """The role groups, created with their permissions if missing (migration 0003 creates them;
    a flushed or hand-pruned database may not have them)."""
    groups = {}
    for name in roles.GROUPS:
        group, created = Group.objects.get_or_create(name=name)
        if created and name == roles.EDITOR:
            permissions = roles.EDITOR_PERMISSIONS.items()
            codenames = [f"{action}_{model}" for model, actions in permissions for action in actions]
            group.permissions.set(
                Permission.objects.filter(content_type__app_label="claims", codename__in=codenames)
            )
        groups[name] = group
    return groups


def token_revoke(*, prefix: str | None = None, username: str | None = None) -> int:
    """Revoke one token by its prefix, or every live token of a user. Returns how many."""
    tokens = ApiToken.objects.filter(revoked_at__isnull=True)
    if prefix:
        tokens = tokens.filter(prefix=prefix)
    elif username:
        tokens = tokens.filter(user__username=username)
    else:
        raise ValidationFailed({"token": ["Name a token prefix or a username."]})
    return tokens.update(revoked_at=timezone.now())
