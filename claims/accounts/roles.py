"""The API's roles: Django groups `client` and `editor`, plus superusers as admins."""

from __future__ import annotations

from typing import Any

CLIENT = "client"
EDITOR = "editor"
ADMIN = "admin"
GROUPS = (CLIENT, EDITOR)


# The model permissions of the editors' desk in the admin (migration 0003 grants the same).
# History and corrections are append-only, and articles are never deleted: claims point into them.
EDITOR_PERMISSIONS = {
    "article": ("view", "add", "change"),
    "claim": ("view", "add", "change", "delete"),
    "evidence": ("view", "add"),
    "claimevent": ("view",),
    "correction": ("view",),
}


def role_of(user: Any) -> str | None:
    """The user's role. Token authentication sets `api_role` from the token query itself, so an
    API request costs no query here; other callers (the admin) ask the database once."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return ADMIN
    if hasattr(user, "api_role"):
        return user.api_role
    names = set(user.groups.filter(name__in=GROUPS).values_list("name", flat=True))
    role = EDITOR if EDITOR in names else CLIENT if CLIENT in names else None
    user.api_role = role
    return role


def sees_drafts(user: Any) -> bool:
    """Editors and admins see draft verdicts; clients see verdicts only once published."""
    return role_of(user) in (EDITOR, ADMIN)
