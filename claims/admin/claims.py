"""Claims: the workflow, the verdict, evidence and history, all through services."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as confirm_deletion
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from claims.admin.base import (
    ReadOnlyAdmin,
    ServiceAdmin,
    ServiceForm,
    actor_of,
    adopt_saved,
    id_list,
    unix_newlines,
)
from claims.admin.highlight import claim_admin_url
from claims.anchoring.quotes import anchor_quote
from claims.models import (
    ARTICLE_BODY_MAX,
    SUMMARY_MAX,
    Article,
    Claim,
    ClaimEvent,
    ClaimStatus,
    Correction,
    Evidence,
)
from claims.platform.errors import DomainError, ValidationFailed
from claims.selectors.history import claim_events
from claims.services.claims import TRANSITIONS, claim_create, claim_delete, claim_update
from claims.services.evidence import evidence_add

# --- claims ----------------------------------------------------------------------------------

VERDICT_FIELDS = ("status", "rating", "summary", "claimant")
EVIDENCE_FIELDS = ("evidence_url", "evidence_title", "evidence_publisher", "evidence_note")


class ClaimAddForm(ServiceForm):
    start = forms.IntegerField(required=False, min_value=0, max_value=ARTICLE_BODY_MAX)
    end = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=ARTICLE_BODY_MAX,
        help_text="Offsets of the quote in the body. Leave both empty when the quote occurs once.",
    )

    class Meta:
        model = Claim
        fields = ("article", "quote", "claimant", "start", "end")

    def clean_quote(self) -> str:
        return unix_newlines(self.cleaned_data["quote"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        article, quote = cleaned.get("article"), cleaned.get("quote")
        start, end = cleaned.get("start"), cleaned.get("end")
        if (start is None) != (end is None) and "start" not in self.errors and "end" not in self.errors:
            self.add_error("end" if end is None else "start", "Give both start and end, or neither.")
        elif article is not None and quote and self.refusal is None:
            # The service anchors the quote again when it saves; anchoring it here shows a
            # misplaced quote on the right field, before the model's own checks of the offsets.
            try:
                anchor = anchor_quote(article.body, quote, start=start, end=end)
            except ValidationFailed as refusal:
                self.add_refusal(refusal)
            else:
                cleaned["start"], cleaned["end"] = anchor.start, anchor.end
        return cleaned


class ClaimChangeForm(ServiceForm):
    note = forms.CharField(
        required=False,
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why: kept in the claim's history. Needed to withdraw or correct a published verdict.",
    )
    # The version the form was rendered from: if the claim has moved on since, the save is
    # refused (the admin's If-Match).
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Claim
        fields = VERDICT_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("expected_version", self.instance.version)
        current = self.instance.status
        moves = [
            ClaimStatus(s).label
            for s in ClaimStatus.values
            if s in TRANSITIONS.get(current, ()) and s != current
        ]
        if "status" in self.fields:
            label, targets = ClaimStatus(current).label, ", ".join(moves) or "nothing"
            help_text = f"From “{label}” a claim may move to: {targets}."
            if current in TRANSITIONS.get(current, ()):
                help_text += (
                    f" A new rating or summary while it stays “{label}” is a correction: give a note."
                )
            self.fields["status"].help_text = help_text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        changes = set(self.changed_data) & set(VERDICT_FIELDS)
        if self.refusal is None and cleaned.get("note") and not changes and not cleaned.get("evidence_url"):
            self.add_error(
                "note", "A note is kept with a change; change the status, verdict or claimant too."
            )
        return cleaned

    def stale_message(self) -> str:
        return (
            f"This claim was changed by someone else since you opened it (you opened version "
            f"{self.data.get('expected_version')}; it is now at version {self.instance.version}), "
            "so your change was not saved. Reload the page to see their change, then make yours again."
        )


class ClaimChangeFormWithEvidence(ClaimChangeForm):
    evidence_url = forms.URLField(
        required=False, max_length=2000, label="Add evidence: URL", assume_scheme="https"
    )
    evidence_title = forms.CharField(required=False, max_length=500, label="Title")
    evidence_publisher = forms.CharField(required=False, max_length=200, label="Publisher")
    evidence_note = forms.CharField(
        required=False,
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Evidence note",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        described = any(cleaned.get(name) for name in EVIDENCE_FIELDS[1:])
        if described and not cleaned.get("evidence_url") and "evidence_url" not in self.errors:
            self.add_error("evidence_url", "Give the evidence's URL, or clear its other fields.")
        return cleaned


class ArticleFilter(admin.SimpleListFilter):
    """By article, listed by headline: the related-field filter would load every article's body."""

    title = "article"
    parameter_name = "article"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        headlines = Article.objects.order_by("-id").values_list("id", "headline")
        return [(str(pk), Truncator(headline).chars(60)) for pk, headline in headlines]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Claim]) -> QuerySet[Claim]:
        value = self.value()
        if value is None:
            return queryset
        if not value.isascii() or not value.isdigit():
            raise IncorrectLookupParameters(f"Not an article id: {value!r}")
        return queryset.filter(article_id=int(value))


@admin.register(Claim)
class ClaimAdmin(ServiceAdmin):
    list_display = ("id", "quote_excerpt", "claimant", "status", "rating", "article", "version", "updated_at")
    list_display_links = ("id", "quote_excerpt")
    list_filter = ("status", "rating", ArticleFilter, ("claimant", admin.AllValuesFieldListFilter))
    search_fields = ("quote", "claimant")
    search_help_text = "Words from the quote, or the claimant."
    list_select_related = ("article",)
    ordering = ("-id",)
    autocomplete_fields = ("article",)
    actions = ("move_to_in_review", "mark_not_checkable", "delete_selected")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        # The article is shown by its headline; its body stays in the database.
        return super().get_queryset(request).select_related("article").defer("article__body")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ClaimAddForm
        elif request.user.has_perm("claims.add_evidence"):
            kwargs["form"] = ClaimChangeFormWithEvidence
        else:
            kwargs["form"] = ClaimChangeForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [(None, {"fields": ("article", "quote", "claimant", ("start", "end"))})]
        evidence: tuple[str, ...] = ("evidence_list",)
        if request.user.has_perm("claims.add_evidence"):
            evidence += EVIDENCE_FIELDS
        return [
            (None, {"fields": ("article", "quote_in_context", "span", "claimant")}),
            ("Verdict", {"fields": ("status", "rating", "summary", "note", "expected_version")}),
            ("Evidence", {"fields": evidence}),
            ("History", {"fields": ("history",)}),
            ("Record", {"fields": ("version", "created_at", "updated_at", "published_at")}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        return (
            "article",
            "quote_in_context",
            "span",
            "evidence_list",
            "history",
            "version",
            "created_at",
            "updated_at",
            "published_at",
        )

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        if change:
            # Only pending claims can be deleted. The form's initial status is the stored one;
            # `obj` carries the posted one when a save was refused.
            context["show_delete"] = context["adminform"].form.initial.get("status") == ClaimStatus.PENDING
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request: HttpRequest, obj: Claim, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            created = claim_create(
                actor=actor_of(request),
                article_id=data["article"].pk,
                quote=data["quote"],
                claimant=data["claimant"],
                start=data["start"],
                end=data["end"],
            )
            adopt_saved(obj, created)
            return
        claim = claim_update(
            actor=actor_of(request),
            claim_id=obj.pk,
            expected_versions=frozenset({data["expected_version"]}),
            note=data["note"],
            **{name: data[name] for name in VERDICT_FIELDS if name in form.changed_data},
        )
        if data.get("evidence_url"):
            evidence_add(
                actor=actor_of(request),
                claim_id=claim.pk,
                url=data["evidence_url"],
                title=data["evidence_title"],
                publisher=data["evidence_publisher"],
                note=data["evidence_note"],
                expected_versions=frozenset({claim.version}),
            )
        obj.refresh_from_db()

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The claim's whole history (API, admin and commands alike), not only the admin's log."""
        query = urlencode({"q": unquote(object_id)})
        return HttpResponseRedirect(f"{reverse('admin:claims_claimevent_changelist')}?{query}")

    def delete_model(self, request: HttpRequest, obj: Claim) -> None:
        claim_delete(actor=actor_of(request), claim_id=obj.pk, expected_versions=None)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as refusal:
            # The view's transaction rolled back, the admin's log entry included.
            self.message_user(request, refusal.detail, messages.ERROR)
            return HttpResponseRedirect(claim_admin_url(int(unquote(object_id))))

    # --- actions: one service call per claim, so one history event each --------------------

    @admin.action(permissions=["change"], description="Move selected claims to “In review”")
    def move_to_in_review(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        self._move_each(request, queryset, ClaimStatus.IN_REVIEW)

    @admin.action(permissions=["change"], description="Mark selected claims “Not checkable”")
    def mark_not_checkable(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        self._move_each(request, queryset, ClaimStatus.NOT_CHECKABLE)

    def _move_each(self, request: HttpRequest, queryset: QuerySet[Claim], status: str) -> None:
        """Each claim moves in its own transaction, as it is when its turn comes; a refusal
        stops only its own claim, and is reported with the service's reason."""
        moved: list[int] = []
        already: list[int] = []
        refused: defaultdict[str, list[int]] = defaultdict(list)
        for claim_id, current in queryset.order_by("id").values_list("id", "status"):
            if current == status:
                already.append(claim_id)
                continue
            try:
                claim_update(
                    actor=actor_of(request), claim_id=claim_id, expected_versions=None, status=status
                )
            except DomainError as refusal:
                refused[refusal.detail].append(claim_id)
            else:
                moved.append(claim_id)
        label = ClaimStatus(status).label
        if moved:
            self.message_user(request, f"Moved to “{label}”: claim {id_list(moved)}.", messages.SUCCESS)
        if already:
            self.message_user(request, f"Already “{label}”: claim {id_list(already)}.", messages.INFO)
        for reason, claim_ids in refused.items():
            self.message_user(request, f"Not moved: claim {id_list(claim_ids)}. {reason}", messages.ERROR)

    @admin.action(permissions=["delete"], description="Delete selected pending claims")
    def delete_selected(self, request: HttpRequest, queryset: QuerySet[Claim]) -> TemplateResponse | None:
        if not request.POST.get("post"):
            return cast(TemplateResponse, confirm_deletion(self, request, queryset))  # Django's page
        deleted: list[int] = []
        refused: defaultdict[str, list[int]] = defaultdict(list)
        for claim in queryset.order_by("id"):
            try:
                with transaction.atomic():
                    # A list, as Django's own delete_view passes.
                    self.log_deletions(request, [claim])  # type: ignore[arg-type]
                    claim_delete(actor=actor_of(request), claim_id=claim.pk, expected_versions=None)
            except DomainError as refusal:
                refused[refusal.detail].append(claim.pk)
            else:
                deleted.append(claim.pk)
        if deleted:
            self.message_user(request, f"Deleted claim {id_list(deleted)}.", messages.SUCCESS)
        for reason, claim_ids in refused.items():
            self.message_user(request, f"Not deleted: claim {id_list(claim_ids)}. {reason}", messages.ERROR)
        return None

    # --- what the pages show -------------------------------------------------------------

    @admin.display(description="quote", ordering="quote")
    def quote_excerpt(self, claim: Claim) -> str:
        return Truncator(claim.quote).chars(80)

    @admin.display(description="quote, in its context")
    def quote_in_context(self, claim: Claim) -> SafeString:
        return format_html(
            '<div class="claim-context">{}{}<mark>{}</mark>{}{}</div>',
            "…" if claim.prefix and claim.start > len(claim.prefix) else "",
            claim.prefix,
            claim.quote,
            claim.suffix,
            "…" if claim.suffix else "",
        )

    @admin.display(description="span")
    def span(self, claim: Claim) -> str:
        return f"body[{claim.start}:{claim.end}]"

    @admin.display(description="evidence")
    def evidence_list(self, claim: Claim) -> SafeString | str:
        items = Evidence.objects.filter(claim_id=claim.pk).select_related("added_by").order_by("id")
        rows = format_html_join(
            "",
            '<tr><td><a href="{}" rel="noopener noreferrer" target="_blank">{}</a></td>'
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    item.url,
                    item.title or item.url,
                    item.publisher,
                    item.note,
                    timezone.localtime(item.added_at).strftime("%Y-%m-%d %H:%M"),
                    item.added_by.get_username() if item.added_by else "",
                )
                for item in items
            ),
        )
        if not rows:
            return "None yet."
        return format_html(
            "<table><thead><tr><th>source</th><th>publisher</th><th>note</th><th>added</th><th>by</th>"
            "</tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="history")
    def history(self, claim: Claim) -> SafeString:
        events = claim_events(claim_id=claim.pk)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    event.version,
                    timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
                    event.actor.get_username(),
                    event.get_action_display(),
                    _changes_html(event.changes),
                    event.note,
                )
                for event in events
            ),
        )
        return format_html(
            '<table class="claim-history"><thead><tr><th>version</th><th>at</th><th>actor</th>'
            "<th>action</th><th>changes</th><th>note</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )


def _changes_html(changes: dict[str, Any]) -> SafeString:
    def shown(value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, str):
            return Truncator(value).chars(80)
        return Truncator(json.dumps(value, ensure_ascii=False)).chars(80)

    return format_html_join(
        "",
        "<div>{}: {} → {}</div>",
        ((field, shown(old), shown(new)) for field, (old, new) in changes.items()),
    )


# --- history: read-only ----------------------------------------------------------------------


class _ClaimLinkMixin:
    @admin.display(description="claim", ordering="claim_id")
    def claim_link(self, row: ClaimEvent | Correction) -> SafeString:
        # By id: the claim may have been deleted, and its history outlives it.
        return format_html('<a href="{}">Claim {}</a>', claim_admin_url(row.claim_id), row.claim_id)


@admin.register(ClaimEvent)
class ClaimEventAdmin(_ClaimLinkMixin, ReadOnlyAdmin):
    list_display = ("at", "claim_link", "version", "action", "actor", "note_excerpt")
    list_filter = ("action",)
    # Not the claim: a join would hide the history of deleted claims.
    list_select_related = ("actor",)
    search_fields = ("claim_id__exact",)
    search_help_text = "A claim's id."
    ordering = ("-id",)
    fields = readonly_fields = ("at", "claim_link", "version", "action", "actor", "changes_shown", "note")

    @admin.display(description="note")
    def note_excerpt(self, event: ClaimEvent) -> str:
        return Truncator(event.note).chars(80)

    @admin.display(description="changes")
    def changes_shown(self, event: ClaimEvent) -> SafeString:
        return _changes_html(event.changes)


@admin.register(Correction)
class CorrectionAdmin(_ClaimLinkMixin, ReadOnlyAdmin):
    list_display = ("at", "claim_link", "from_rating", "to_rating", "note")
    ordering = ("-id",)
    fields = readonly_fields = ("at", "claim_link", "from_rating", "to_rating", "note")
