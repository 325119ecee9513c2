"""API tokens, for superusers only: created and revoked through services, never shown twice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from claims.accounts import roles
from claims.accounts.services import token_create, token_revoke
from claims.admin.base import ServiceAdmin, ServiceForm, adopt_saved
from claims.models import (
    ApiToken,
)

# --- API tokens: superusers only -------------------------------------------------------------


class TokenAddForm(ServiceForm):
    username = forms.CharField(
        max_length=150, validators=[UnicodeUsernameValidator()], help_text="Created if there is no such user."
    )
    role = forms.ChoiceField(
        choices=[(role, role) for role in roles.GROUPS],
        help_text="The user's role becomes this one: a user has one role.",
    )
    days = forms.IntegerField(
        required=False,
        min_value=1,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
        help_text="Days until it expires. Empty: it never expires.",
    )

    class Meta:
        model = ApiToken
        fields = ("name",)


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceAdmin):
    """Tokens are created through the service, which shows the plaintext once, and revoked
    through it; nothing else about a token can be edited, and its digest is never shown."""

    list_display = ("__str__", "user", "name", "created_at", "expires_at", "revoked_at", "state")
    list_select_related = ("user",)
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("user__username", "name", "prefix")
    ordering = ("-id",)
    actions = ("revoke_selected",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a user deletes its tokens; otherwise revoke, which keeps the record.
        return request.user.is_superuser

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # revoke instead: a revoked token stays on record
        return actions

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = TokenAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [(None, {"fields": ("username", "role", "days", "name")})]
        return [(None, {"fields": ("user", "name", "prefix", "created_at", "expires_at", "revoked_at")})]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if obj is None else ("user", "name", "prefix", "created_at", "expires_at", "revoked_at")

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        data = form.cleaned_data
        token, plaintext = token_create(
            username=data["username"], role=data["role"], days=data["days"], name=data["name"]
        )
        adopt_saved(obj, token)
        self.message_user(
            request,
            format_html(
                "The new token for {}: <code>{}</code> Copy it now: only its hash is stored, and it "
                "will not be shown again.",
                data["username"],
                plaintext,
            ),
            messages.SUCCESS,
        )

    @admin.display(description="state")
    def state(self, token: ApiToken) -> str:
        if token.revoked_at is not None:
            return "revoked"
        if token.expires_at is not None and token.expires_at <= timezone.now():
            return "expired"
        return "live"

    @admin.action(permissions=["revoke"], description="Revoke selected tokens")
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        live = list(queryset.filter(revoked_at__isnull=True).values_list("prefix", flat=True))
        revoked = sum(token_revoke(prefix=prefix) for prefix in live)
        self.message_user(request, f"Revoked {revoked} token{'s' if revoked != 1 else ''}.", messages.SUCCESS)
