"""The plumbing of the editors' desk: admin forms whose save is a service call."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, cast

from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from claims.accounts import roles
from claims.platform.db.statements import planned_for_values
from claims.platform.errors import DomainError, InvalidTransition, PreconditionFailed, ValidationFailed

# Set on the request when a service refused a save: the view then renders the posted form again
# with the refusal as its errors (see ServiceAdmin.changeform_view).
REFUSAL = "_claims_admin_refusal"


def actor_of(request: HttpRequest) -> User:
    # The admin lets only logged-in, active staff this far.
    return cast(User, request.user)


def adopt_saved(obj: Model, saved: Model) -> None:
    """Make the admin's unsaved instance the row a service saved, for the log entry, the message
    and the redirect that follow the save."""
    for field in saved._meta.concrete_fields:
        if field.attname in saved.__dict__:  # deferred fields stay deferred
            setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def unix_newlines(text: str) -> str:
    """Browsers send a textarea's line breaks as CRLF; the text's offsets count a line break as
    one character, as the API's clients do."""
    return text.replace("\r\n", "\n")


def id_list(ids: Iterable[int]) -> str:
    return ", ".join(str(i) for i in ids)


# --- the plumbing: forms whose save is a service call ----------------------------------------


class ServiceForm(forms.ModelForm):
    """A model form that never saves itself: its admin calls a service in `save_model`. If the
    service refuses, the admin builds the form again with `refusal` set, and the refusal becomes
    the form's errors."""

    refusal: ClassVar[DomainError | None] = None

    def clean(self) -> dict[str, Any]:
        super().clean()
        if self.refusal is not None:
            self.add_refusal(self.refusal)
        return self.cleaned_data

    def add_refusal(self, refusal: DomainError) -> None:
        if isinstance(refusal, ValidationFailed):
            for field, reasons in refusal.errors.items():
                for reason in reasons:
                    self.add_error(field if field in self.fields else None, reason)
        elif isinstance(refusal, PreconditionFailed):
            self.add_error(None, self.stale_message())
        elif isinstance(refusal, InvalidTransition) and "status" in self.fields:
            self.add_error("status", refusal.detail)
        else:
            self.add_error(None, refusal.detail)

    def stale_message(self) -> str:
        noun = self._meta.model._meta.verbose_name
        return (
            f"This {noun} was changed by someone else since you opened it, so your change was not "
            "saved. Reload the page to see their change, then make yours again."
        )


class DeskAdmin(admin.ModelAdmin):
    """An admin of the desk: for editors and admins only, whatever model permissions a staff user
    has been given by hand."""

    def _on_desk(self, request: HttpRequest) -> bool:
        return roles.role_of(request.user) in (roles.EDITOR, roles.ADMIN)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._on_desk(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._on_desk(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._on_desk(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._on_desk(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._on_desk(request) and super().has_delete_permission(request, obj)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        # A search's or a filter's best plan depends on its value
        # (claims/platform/db/statements.py). The page's rows are read as its template renders,
        # so it renders here, inside the block.
        with planned_for_values(bool(request.GET)):
            response = super().changelist_view(request, extra_context)
            if isinstance(response, TemplateResponse):
                response.render()
        return response


class ServiceAdmin(DeskAdmin):
    """Saves through a service in `save_model`. A DomainError raised there escapes the view's
    transaction, which rolls back everything the save did (the admin's log entry is written after
    `save_model`, so it never exists); the view then runs again on the same POST, and the form
    shows the refusal."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as refusal:
            if request.method != "POST" or hasattr(request, REFUSAL):
                raise
            setattr(request, REFUSAL, refusal)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, REFUSAL, None)
        if refusal is not None and issubclass(form, ServiceForm):
            form = type(form.__name__, (form,), {"refusal": refusal})
        return form

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing to save: the service saved the row, and every inline here is read-only. The
        admin's change message reads what each formset saved, which is nothing."""
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class ReadOnlyAdmin(DeskAdmin):
    """History is append-only: nobody adds, changes or deletes it here, superusers included."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
