"""Who may do what: clients read, editors read and write, admins (superusers) everything."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from claims.accounts import roles


class ReadOnlyForClientsWritesForEditors(BasePermission):
    message = "Your role may only read; writing needs an editor's token."

    def has_permission(self, request: Request, view: Any) -> bool:
        role = roles.role_of(request.user)
        if role is None:
            self.message = "This token has no role; ask an admin to give its user the client or editor role."
            return False
        return request.method in SAFE_METHODS or role in (roles.EDITOR, roles.ADMIN)


class EditorsOnly(BasePermission):
    message = "Only editors may see this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return roles.role_of(request.user) in (roles.EDITOR, roles.ADMIN)


class AnyRole(BasePermission):
    """Any token whose user has a role, for reads and writes alike (its own webhooks)."""

    message = "This token has no role; ask an admin to give its user the client or editor role."

    def has_permission(self, request: Request, view: Any) -> bool:
        return roles.role_of(request.user) is not None
