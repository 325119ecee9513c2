"""Reads of tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from claims.accounts import roles
from claims.models import ApiToken
from claims.platform.db import raw


def api_token_for_prefix(*, prefix: str) -> ApiToken | None:
    """The token with its user and the user's role, in one query.

    Every API request runs this, so it is one hand-written statement rather than an ORM query
    with two subqueries, which cost more to compile than to run. The user comes back with only
    the fields authentication and the history need; the others load on access, never by a save.
    """
    user_model = get_user_model()
    memberships = user_model.groups.through._meta.db_table
    group_table = Group._meta.db_table
    in_group = (
        f"EXISTS (SELECT 1 FROM {memberships} m JOIN {group_table} g ON g.id = m.group_id "
        "WHERE m.user_id = u.id AND g.name = %s)"
    )
    sql = (
        "SELECT t.id, t.user_id, t.prefix, t.digest, t.expires_at, t.revoked_at, "
        f"u.username, u.is_active, u.is_superuser, u.is_staff, {in_group}, {in_group} "
        f"FROM {ApiToken._meta.db_table} t JOIN {user_model._meta.db_table} u ON u.id = t.user_id "
        "WHERE t.prefix = %s"
    )
    using = raw.reading(ApiToken)
    row = raw.fetch_one(using, sql, [roles.EDITOR, roles.CLIENT, prefix])
    if row is None:
        return None
    token_id, user_id, prefix, digest, expires_at, revoked_at, username, *flags, is_editor, is_client = row
    is_active, is_superuser, is_staff = (bool(flag) for flag in flags)
    token = raw.instance(
        ApiToken, using, id=token_id, user_id=user_id, prefix=prefix, digest=digest,
        expires_at=raw.aware(expires_at), revoked_at=raw.aware(revoked_at),
    )  # fmt: skip
    user: Any = raw.instance(
        user_model, using, id=user_id, username=username, is_active=is_active, is_superuser=is_superuser,
        is_staff=is_staff,
    )  # fmt: skip
    user.api_role = (
        roles.ADMIN if user.is_superuser
        else roles.EDITOR if is_editor
        else roles.CLIENT if is_client
        else None
    )  # fmt: skip
    token.user = user
    return token
