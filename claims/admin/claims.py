"""Claims: the workflow, the verdict, evidence and history, all through services."""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as confirm_deletion
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ForeignKey, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from claims.admin.anchors import QUEUE_TITLE, queue_url, review_of, score_shown, unsettled
from claims.admin.base import (
    ReadOnlyAdmin,
    ServiceAdmin,
    ServiceForm,
    actor_of,
    adopt_saved,
    id_list,
    unix_newlines,
)
from claims.admin.display import (
    DESK_CSS,
    QUOTE_PICKER_JS,
    anchor_badge,
    clip,
    labels,
    rating_label,
    status_badge,
    status_label,
    when,
)
from claims.admin.highlight import claim_admin_url, current_spans, highlight_claims
from claims.anchoring.quotes import CONTEXT_CHARS, anchor_quote
from claims.models import (
    ARTICLE_BODY_MAX,
    SUMMARY_MAX,
    AnchorKind,
    Article,
    Claim,
    ClaimEvent,
    ClaimStatus,
    Correction,
    Evidence,
)
from claims.platform.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    PreconditionFailed,
    ValidationFailed,
)
from claims.selectors.history import claim_events
from claims.services.claims import TRANSITIONS, Placing, claim_create, claim_delete, claim_update
from claims.services.evidence import evidence_add

# --- claims ----------------------------------------------------------------------------------

VERDICT_FIELDS = ("status", "rating", "summary", "claimant")
EVIDENCE_FIELDS = ("evidence_url", "evidence_title", "evidence_publisher", "evidence_note")


def article_id_from(value: Any) -> int | None:
    """An article id as a URL or a form gives it, or None if it is not one (`?article=abc`)."""
    text = str(value) if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:  # a bigint has 19 digits
        return None
    return int(text)


class ArticleAutocomplete(AutocompleteSelect):
    """The article picker, which shows the chosen article by looking it up: a value that is not an
    article id (`?article=abc`, or a tampered POST) would fail that lookup, so it shows nothing."""

    def optgroups(self, name: str, value: Any, attrs: dict[str, Any] | None = None) -> Any:
        return super().optgroups(name, [v for v in value if article_id_from(v) is not None], attrs)


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
        widgets = {"quote": forms.Textarea(attrs={"rows": 3})}

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
        # The status as stored when the form was built: on a refused save, the instance carries
        # the posted status by the time the refusal is shown.
        self.current_status = current = self.instance.status
        moves = TRANSITIONS.get(current, frozenset()) - {current}
        if "status" in self.fields:
            label = status_label(current)
            help_text = f"From “{label}” a claim may move to: {labels(moves)}."
            if current in TRANSITIONS.get(current, ()):
                help_text += (
                    f" A new rating or summary while it stays “{label}” is a correction: give a note."
                )
            field = self.fields["status"]
            field.help_text = help_text
            # Offered: where it is and where it may go. Any status still validates as a choice,
            # so a move the workflow forbids is refused by the service, with its reason.
            field.widget.choices = [
                (value, text) for value, text in ClaimStatus.choices if value == current or value in moves
            ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        changes = set(self.changed_data) & set(VERDICT_FIELDS)
        if self.refusal is None and cleaned.get("note") and not changes and not cleaned.get("evidence_url"):
            self.add_error(
                "note", "A note is kept with a change; change the status, verdict or claimant too."
            )
        return cleaned

    def add_refusal(self, refusal: DomainError) -> None:
        if isinstance(refusal, InvalidTransition) and "status" in self.fields:
            self.add_error("status", move_refused(self.current_status, str(self.data.get("status"))))
        else:
            super().add_refusal(refusal)

    def stale_message(self) -> str:
        return (
            f"This claim was changed by someone else since you opened it (you opened version "
            f"{self.data.get('expected_version')}; it is now at version {self.instance.version}), "
            "so your change was not saved. Reload the page to see their change, then make yours again."
        )


def move_refused(current: str, requested: str) -> str:
    """The workflow's refusal of a move, in the labels the status field shows."""
    allowed = TRANSITIONS.get(current, frozenset()) - {current}
    return (
        f"From “{status_label(current)}” a claim cannot move to “{status_label(requested)}”; "
        f"it may move to: {labels(allowed)}."
    )


def delete_refused(status: str | None) -> str:
    return (
        f"Only pending claims can be deleted, not “{status_label(status)}” ones: move a claim back "
        "to “Pending” first if it really should go."
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


# The form that places an unsettled claim again. Its controls stand in the claim's page, inside the
# page's own form, and belong to this one by their `form` attribute (forms cannot nest); the
# form element itself is outside (change_form.html).
PLACE_FORM = "claim-place"


class PlaceForm(forms.Form):
    """Where an unsettled claim stands in the article's current text, as the editor says: its
    words there, and their offsets if the words occur more than once (selecting them in the text
    fills all three, quote-picker.js)."""

    quote = forms.CharField(
        max_length=ARTICLE_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "form": PLACE_FORM}),
        help_text="Its exact words in the current text.",
    )
    start = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=ARTICLE_BODY_MAX,
        widget=forms.NumberInput(attrs={"form": PLACE_FORM}),
    )
    end = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=ARTICLE_BODY_MAX,
        widget=forms.NumberInput(attrs={"form": PLACE_FORM}),
        help_text="Offsets of the words in the current text. Leave both empty when they occur once.",
    )
    # The claim's version the page showed: a claim changed since is not placed.
    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput(attrs={"form": PLACE_FORM}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "place_%s")  # the page's own form has fields with ids too
        super().__init__(*args, **kwargs)

    def clean_quote(self) -> str:
        return unix_newlines(self.cleaned_data["quote"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("start"), cleaned.get("end")
        if (start is None) != (end is None) and "start" not in self.errors and "end" not in self.errors:
            self.add_error("end" if end is None else "start", "Give both start and end, or neither.")
        return cleaned

    def add_refusal(self, refusal: DomainError) -> None:
        if isinstance(refusal, ValidationFailed):
            for field, reasons in refusal.errors.items():
                for reason in reasons:
                    self.add_error(field if field in ("quote", "start", "end") else None, reason)
        else:
            self.add_error(None, refusal.detail)


def reasons_of(refusal: DomainError) -> str:
    """A service's refusal as one sentence or a few, without the API's field names."""
    if isinstance(refusal, ValidationFailed):
        return " ".join(reason for reasons in refusal.errors.values() for reason in reasons)
    return refusal.detail


def version_from(value: Any) -> int | None:
    text = str(value) if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    return int(text)


class ArticleFilter(admin.SimpleListFilter):
    """By article, listed by headline: the related-field filter would load every article's body."""

    title = "article"
    parameter_name = "article"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        headlines = Article.objects.order_by("-id").values_list("id", "headline")
        return [(str(pk), clip(headline, 60)) for pk, headline in headlines]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Claim]) -> QuerySet[Claim]:
        value = self.value()
        if value is None:
            return queryset
        article_id = article_id_from(value)
        if article_id is None:
            raise IncorrectLookupParameters(f"Not an article id: {value!r}")
        return queryset.filter(article_id=article_id)


@admin.register(Claim)
class ClaimAdmin(ServiceAdmin):
    list_display = ("id", "quote_excerpt", "claimant", "verdict", "article_headline", "updated")
    list_display_links = ("id", "quote_excerpt")
    list_filter = (
        "status",
        "rating",
        # The editors' queue after a correction: ?anchor__exact=fuzzy, ?anchor__exact=orphaned.
        "anchor",
        ArticleFilter,
        ("claimant", admin.AllValuesFieldListFilter),
    )
    search_fields = ("quote", "claimant")
    search_help_text = "Words from the quote, or the claimant."
    list_select_related = ("article",)
    ordering = ("-id",)
    autocomplete_fields = ("article",)
    actions = ("move_to_in_review", "mark_not_checkable", "delete_selected")

    class Media:
        css = {"all": (DESK_CSS,)}
        js = (QUOTE_PICKER_JS,)

    def get_view_on_site_url(self, obj: Any = None) -> str | None:
        # A published verdict's public page; an unpublished claim has none (it is a 404 there).
        if obj is None or obj.status != ClaimStatus.PUBLISHED:
            return None
        return reverse("reader-claim", args=[obj.pk])

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        # The article is shown by its headline; its body stays in the database.
        return super().get_queryset(request).select_related("article").defer("article__body")

    def get_list_display(self, request: HttpRequest) -> Any:
        # Filtered to one article, the article column would say the same thing on every row.
        if article_id_from(request.GET.get(ArticleFilter.parameter_name)) is not None:
            return tuple(name for name in self.list_display if name != "article_headline")
        return self.list_display

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view  # staff only, CSRF-protected, never cached
        return [
            path("source/", view(self.source_view), name="claims_claim_source"),
            path("<path:object_id>/accept/", view(self.accept_view), name="claims_claim_accept"),
            path("<path:object_id>/place/", view(self.place_view), name="claims_claim_place"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        anchor = request.GET.get("anchor__exact")
        if anchor in (AnchorKind.FUZZY, AnchorKind.ORPHANED):
            # The queue: the list says what it is, and what the editor does with each claim.
            extra_context = {
                **(extra_context or {}),
                "title": f"{QUEUE_TITLE}: {AnchorKind(anchor).label.lower()}",
                "anchor_queue": anchor,
                "anchor_queue_other": queue_url(
                    AnchorKind.ORPHANED if anchor == AnchorKind.FUZZY else AnchorKind.FUZZY,
                    article_id_from(request.GET.get(ArticleFilter.parameter_name)),
                ),
            }
        return super().changelist_view(request, extra_context)

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "article":
            kwargs["widget"] = ArticleAutocomplete(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        if "article" in initial and article_id_from(initial["article"]) is None:
            del initial["article"]  # `?article=abc`: the form opens with no article chosen
        return initial

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
            # The article's text is shown between the two (change_form.html), to pick the quote from.
            return [
                (None, {"fields": ("article",)}),
                (None, {"fields": ("quote", "claimant", ("start", "end"))}),
            ]
        evidence: tuple[str, ...] = ("evidence_list",)
        if request.user.has_perm("claims.add_evidence"):
            evidence += EVIDENCE_FIELDS
        # An unsettled claim's words and place are shown by the panel under its first fieldset
        # (change_form.html), old beside new; its stored context would mix the two.
        placed = () if unsettled(obj) else ("quote_in_context", "span")
        return [
            (None, {"fields": ("article", *placed, "claimant")}),
            ("Verdict", {"fields": ("status", "rating", "summary", "note", "expected_version")}),
            ("Evidence", {"fields": evidence}),
            ("History", {"fields": ("history",)}),
            ("Record", {"fields": ("version", "created", "updated", "published")}),
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
            "created",
            "updated",
            "published",
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
        form = context["adminform"].form
        if change:
            # Only pending claims can be deleted. The form's initial status is the stored one;
            # `obj` carries the posted one when a save was refused.
            context["show_delete"] = form.initial.get("status") == ClaimStatus.PENDING
            # The page's title and breadcrumb, cut between words (the model's str cuts anywhere).
            context["subtitle"] = context["desk_crumb"] = (
                f"Claim {obj.pk}: {clip(obj.claimant, 40)}: “{clip(obj.quote, 90)}”"
            )
            if unsettled(obj):
                context["anchor_review"] = self.anchor_review(
                    obj, context.get("place_form"), can_settle=self.has_change_permission(request, obj)
                )
        if add:
            chosen = form.data.get("article") if form.is_bound else form.initial.get("article")
            context["claim_source"] = claim_source(chosen)
            context["claim_source_url"] = reverse("admin:claims_claim_source")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def source_view(self, request: HttpRequest) -> HttpResponse:
        """The text of the article `?article=` names, for the add form's picker to show when the
        editor chooses another article."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        source = claim_source(request.GET.get("article"))
        return TemplateResponse(
            request,
            "admin/claims/claim/source.html",
            {"claim_source": source},
            status=200 if source is not None else 404,
        )

    # --- settling a claim a correction unsettled: accepted as it is, or placed again ----------

    def anchor_review(
        self, claim: Claim, place_form: PlaceForm | None, *, can_settle: bool
    ) -> dict[str, Any]:
        """The panel of an unsettled claim's page (anchor_review.html): its old words in the old
        text beside its place in the current one, and the forms that settle it."""
        article = Article.objects.only(*SOURCE_FIELDS).get(pk=claim.article_id)
        review = review_of(claim, body=article.body, revision=article.revision)
        if place_form is None:
            # Its words to start from, not its offsets: words edited by hand are found by
            # themselves, and a selection in the text fills the offsets again.
            place_form = PlaceForm(initial={"quote": claim.quote, "expected_version": claim.version})
        event = review.event
        return {
            "review": review,
            "corrected_by": event.actor.get_username() if event else "",
            "corrected_at": when(event.at) if event else "",
            "note": event.note if event else "",
            "score": score_shown(review.score),
            "badge": anchor_badge(claim.anchor),
            "can_settle": can_settle,
            "version": claim.version,
            "accept_url": reverse("admin:claims_claim_accept", args=[claim.pk]),
            "place_url": reverse("admin:claims_claim_place", args=[claim.pk]),
            "place_form": place_form,
            "place_form_id": PLACE_FORM,
            "source": source_of(article),
            "article": article,
        }

    def _claim_to_settle(self, request: HttpRequest, object_id: str) -> Claim:
        claim = self.get_object(request, unquote(object_id))
        if claim is None:
            raise Http404(f"There is no claim {object_id}.")
        if not self.has_change_permission(request, claim):
            raise PermissionDenied
        return claim

    def _stale(self, request: HttpRequest, claim_id: int, opened: int, what: str) -> None:
        now = Claim.objects.filter(pk=claim_id).values_list("version", flat=True).first()
        self.message_user(
            request,
            f"This claim was changed by someone else since you opened it (you opened version {opened}; "
            f"it is now at version {now}), so {what}. Here it is as it now stands: look again, then "
            "settle it if it still needs it.",
            messages.ERROR,
        )

    def accept_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Accept this place: the fuzzy claim stands, exact, where the re-anchoring put it."""
        claim = self._claim_to_settle(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        back = HttpResponseRedirect(claim_admin_url(claim.pk))
        version = version_from(request.POST.get("expected_version"))
        if version is None:
            self.message_user(request, "The form was damaged, so nothing changed. Try again.", messages.ERROR)
            return back
        try:
            with transaction.atomic():
                settled = claim_update(
                    actor=actor_of(request),
                    claim_id=claim.pk,
                    expected_versions=frozenset({version}),
                    placing=Placing(accept=True),
                )
                self.log_change(request, settled, "Accepted its place after a correction.")
        except PreconditionFailed:
            self._stale(request, claim.pk, version, "its place was not accepted")
        except DomainError as refusal:
            self.message_user(request, f"Its place was not accepted. {reasons_of(refusal)}", messages.ERROR)
        else:
            self.message_user(
                request,
                f"Accepted: claim {claim.pk} now stands exactly on “{clip(settled.quote, 120)}”.",
                messages.SUCCESS,
            )
        return back

    def place_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Place it here: the unsettled claim stands, exact, on the words the editor gives."""
        claim = self._claim_to_settle(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not unsettled(claim):
            # Its page has no place form to show a refusal on; and there is nothing to settle.
            self.message_user(
                request,
                f"Claim {claim.pk} already stands exactly in the current text (someone may have "
                "settled it since you opened it), so nothing was changed.",
                messages.WARNING,
            )
            return HttpResponseRedirect(claim_admin_url(claim.pk))
        form = PlaceForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            placing = Placing(quote=data["quote"], start=data["start"], end=data["end"])
            try:
                with transaction.atomic():
                    settled = claim_update(
                        actor=actor_of(request),
                        claim_id=claim.pk,
                        expected_versions=frozenset({data["expected_version"]}),
                        placing=placing,
                    )
                    self.log_change(request, settled, "Placed again after a correction.")
            except PreconditionFailed:
                self._stale(request, claim.pk, data["expected_version"], "it was not placed")
                return HttpResponseRedirect(claim_admin_url(claim.pk))
            except DomainError as refusal:
                form.add_refusal(refusal)
            else:
                self.message_user(
                    request,
                    f"Placed: claim {claim.pk} now stands exactly on “{clip(settled.quote, 120)}”, "
                    f"characters {settled.start} to {settled.end} of the current text.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(claim_admin_url(claim.pk))
        # The claim's page again, as a GET would show it, with this form's errors and the words
        # the editor gave; its own form still posts to the claim's page.
        shown = copy.copy(request)
        shown.method = "GET"
        return self.change_view(
            shown, object_id, form_url=claim_admin_url(claim.pk), extra_context={"place_form": form}
        )

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
            claim_id = int(unquote(object_id))
            reason = refusal.detail
            status = Claim.objects.filter(pk=claim_id).values_list("status", flat=True).first()
            if isinstance(refusal, Conflict) and status is not None:
                reason = delete_refused(status)
            self.message_user(request, reason, messages.ERROR)
            return HttpResponseRedirect(claim_admin_url(claim_id))

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
            except InvalidTransition:
                refused[move_refused(current, status)].append(claim_id)
            except DomainError as refusal:
                refused[refusal.detail].append(claim_id)
            else:
                moved.append(claim_id)
        label = status_label(status)
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
            except Conflict:
                refused[delete_refused(claim.status)].append(claim.pk)
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
    def quote_excerpt(self, claim: Claim) -> SafeString | str:
        # A fuzzy or orphaned claim says so, after its words.
        badge = anchor_badge(claim.anchor)
        return format_html("{} {}", clip(claim.quote, 160), badge) if badge else clip(claim.quote, 160)

    @admin.display(description="status", ordering="status")
    def verdict(self, claim: Claim) -> SafeString:
        """The status, and under it the rating once there is one."""
        if not claim.rating:
            return status_badge(claim.status)
        return format_html(
            '{}<span class="claim-rating">{}</span>', status_badge(claim.status), rating_label(claim.rating)
        )

    @admin.display(description="article", ordering="article__headline")
    def article_headline(self, claim: Claim) -> SafeString:
        headline = claim.article.headline
        return format_html('<span title="{}">{}</span>', headline, clip(headline, 48))

    @admin.display(description="updated", ordering="updated_at")
    def updated(self, claim: Claim) -> SafeString | str:
        return when(claim.updated_at)

    @admin.display(description="created", ordering="created_at")
    def created(self, claim: Claim) -> SafeString | str:
        return when(claim.created_at)

    @admin.display(description="published", ordering="published_at")
    def published(self, claim: Claim) -> SafeString | str:
        return when(claim.published_at)

    @admin.display(description="quote, in its context")
    def quote_in_context(self, claim: Claim) -> SafeString:
        # The stored context is cut at a fixed length; shown, it starts and ends between words.
        prefix, suffix = claim.prefix, claim.suffix
        cut_before = bool(prefix) and claim.start > len(prefix)
        if cut_before and not prefix[0].isspace() and (space := re.search(r"\s", prefix)):
            prefix = prefix[space.end() :]  # the word cut in two goes
        cut_after = len(suffix) == CONTEXT_CHARS
        if cut_after and not suffix[-1].isspace() and (spaces := re.findall(r"\s", suffix)):
            suffix = suffix[: suffix.rindex(spaces[-1])]
        return format_html(
            '<div class="claim-context">{}{}<mark>{}</mark>{}{}</div>',
            "…" if cut_before else "",
            prefix,
            claim.quote,
            suffix,
            "…" if cut_after else "",
        )

    @admin.display(description="span")
    def span(self, claim: Claim) -> str:
        return f"body[{claim.start}:{claim.end}]"

    @admin.display(description="evidence")
    def evidence_list(self, claim: Claim) -> SafeString | str:
        items = Evidence.objects.filter(claim_id=claim.pk).select_related("added_by").order_by("id")
        rows = format_html_join(
            "",
            '<tr><td data-label="source">{}</td><td data-label="publisher">{}</td>'
            '<td class="claim-note" data-label="note">{}</td><td data-label="added">{}</td>'
            '<td data-label="by">{}</td></tr>',
            (
                (
                    _link(item.url, item.title or item.url),
                    item.publisher,
                    item.note,
                    when(item.added_at),
                    item.added_by.get_username() if item.added_by else "",
                )
                for item in items
            ),
        )
        if not rows:
            return "None yet."
        return format_html(
            '<table class="claim-evidence desk-table"><thead><tr><th>source</th><th>publisher</th>'
            "<th>note</th><th>added</th><th>by</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="history")
    def history(self, claim: Claim) -> SafeString:
        events = claim_events(claim_id=claim.pk)
        rows = format_html_join(
            "",
            '<tr><td data-label="version">{}</td><td data-label="at">{}</td><td data-label="by">{}</td>'
            '<td data-label="action">{}</td><td class="claim-changes" data-label="changes">{}</td>'
            '<td class="claim-note" data-label="note">{}</td></tr>',
            (
                (
                    event.version,
                    when(event.at),
                    event.actor.get_username(),
                    event.get_action_display(),
                    _changes_html(event.changes),
                    event.note,
                )
                for event in events
            ),
        )
        return format_html(
            '<table class="claim-history">'
            '<colgroup><col class="v"><col class="at"><col class="by"><col class="action">'
            '<col class="changes"><col class="note"></colgroup>'
            "<thead><tr><th>version</th><th>at</th><th>by</th><th>action</th><th>changes</th>"
            "<th>note</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )


# What the picker's text needs of an article.
SOURCE_FIELDS = ("id", "headline", "language", "body", "revision")


def claim_source(chosen: Any) -> dict[str, Any] | None:
    """The article an add form is for (`?article=`, or the one chosen in a posted form), with its
    text, to pick the quote from (`source_of`)."""
    article_id = article_id_from(chosen)
    if article_id is None:
        return None
    article = Article.objects.filter(pk=article_id).only(*SOURCE_FIELDS).first()
    return None if article is None else source_of(article)


def source_of(article: Article) -> dict[str, Any]:
    """The article's current text as HTML, to pick words from: the claims that stand in it
    marked, and every character as stored, so that the picker's offsets (quote-picker.js) are
    the body's."""
    spans = current_spans(article)
    # An HTML parser reads a carriage return as a line feed; a character reference keeps it.
    body_html = mark_safe(highlight_claims(article.body, spans).replace("\r", "&#13;"))
    return {
        "article": article,
        "body_html": body_html,
        "length": len(article.body),
        "claims": len(spans),
    }


def _link(url: str, text: str) -> SafeString:
    """A link to an outside page; a URL that is not http(s) is shown, never linked."""
    if not url.startswith(("https://", "http://")):
        return format_html("{}", text)
    return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', url, text)


def _change_value(field: str, value: Any) -> SafeString | str:
    """One side of a change in the history, as an editor reads it."""
    if value is None or value == "":
        return "—"
    if field == "status":
        return status_label(value)
    if field == "rating":
        return rating_label(value)
    if field == "anchor" and value in AnchorKind.values:
        return str(AnchorKind(value).label)
    if field == "anchor_score" and isinstance(value, int | float):
        return score_shown(value)
    if field == "evidence" and isinstance(value, dict):
        url, title = str(value.get("url") or ""), str(value.get("title") or "")
        link = _link(url, clip(title or url, 120))
        publisher = str(value.get("publisher") or "")
        return format_html("{} ({})", link, publisher) if publisher else link
    if isinstance(value, str):
        return clip(value, 240)
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, dict):
        return clip(", ".join(f"{key}: {item}" for key, item in value.items()), 240)
    return clip(str(value), 240)


def _changes_html(changes: dict[str, Any]) -> SafeString:
    lines: Iterable[tuple[str, SafeString | str, SafeString | str]] = (
        (field, _change_value(field, old), _change_value(field, new)) for field, (old, new) in changes.items()
    )
    return format_html_join("", '<div class="claim-change">{}: {} → {}</div>', lines)


# --- history: read-only ----------------------------------------------------------------------


class _HistoryRowMixin:
    class Media:
        css = {"all": (DESK_CSS,)}

    @admin.display(description="claim", ordering="claim_id")
    def claim_link(self, row: ClaimEvent | Correction) -> SafeString:
        # By id: the claim may have been deleted, and its history outlives it.
        return format_html('<a href="{}">Claim {}</a>', claim_admin_url(row.claim_id), row.claim_id)

    @admin.display(description="at", ordering="at")
    def at_shown(self, row: ClaimEvent | Correction) -> SafeString | str:
        return when(row.at)


@admin.register(ClaimEvent)
class ClaimEventAdmin(_HistoryRowMixin, ReadOnlyAdmin):
    list_display = ("at_shown", "claim_link", "version", "action", "actor", "note_excerpt")
    list_filter = ("action",)
    # Not the claim: a join would hide the history of deleted claims.
    list_select_related = ("actor",)
    search_fields = ("claim_id__exact",)
    search_help_text = "A claim's id."
    ordering = ("-id",)
    fields = readonly_fields = (
        "at_shown",
        "claim_link",
        "version",
        "action",
        "actor",
        "changes_shown",
        "note",
    )

    @admin.display(description="note")
    def note_excerpt(self, event: ClaimEvent) -> str:
        return clip(event.note, 80)

    @admin.display(description="changes")
    def changes_shown(self, event: ClaimEvent) -> SafeString:
        return _changes_html(event.changes)


@admin.register(Correction)
class CorrectionAdmin(_HistoryRowMixin, ReadOnlyAdmin):
    list_display = ("at_shown", "claim_link", "from_rating", "to_rating", "note")
    ordering = ("-id",)
    fields = readonly_fields = ("at_shown", "claim_link", "from_rating", "to_rating", "note")
