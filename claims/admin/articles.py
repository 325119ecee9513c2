"""Articles: the body shown with its claims highlighted; metadata and corrections of the body
saved through services."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Length
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from claims.admin.anchors import QUEUE_TITLE, queue_url
from claims.admin.base import ServiceAdmin, ServiceForm, actor_of, adopt_saved, unix_newlines
from claims.admin.display import DESK_CSS, anchor_badge, clip, rating_label, status_badge, when
from claims.admin.highlight import Span, claim_admin_url, current_spans, highlight_claims
from claims.models import (
    SUMMARY_MAX,
    AnchorKind,
    Article,
    ArticleRevision,
    Claim,
    ClaimStatus,
)
from claims.services.articles import article_create, article_update

# --- articles --------------------------------------------------------------------------------

ARTICLE_METADATA = ("headline", "author", "outlet", "url", "published_at", "language")


class ArticleForm(ServiceForm):
    """The model's own validators check every field (ModelForm runs them), as the service does."""

    url = forms.URLField(label="URL", max_length=2000, required=False, assume_scheme="https")


class ArticleAddForm(ArticleForm):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24}),
        strip=False,
        help_text=(
            "The full text. Every claim's offsets point into it; a later correction of it is kept as "
            "a new revision, and the claims are placed again in the new text."
        ),
    )

    class Meta:
        model = Article
        fields = (*ARTICLE_METADATA, "body")

    def clean_body(self) -> str:
        return unix_newlines(self.cleaned_data["body"])


def line_breaks_as_stored(text: str) -> str:
    """The text with each line break (CR LF, a lone CR or LF) one LF: a browser sends any of them
    back from a textarea as CR LF, so texts that differ only there look the same to an editor."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class BodyField(forms.CharField):
    """The body in a textarea. Browsers send its line breaks as CR LF (a stored lone CR too): the
    text is saved with LF, and a body sent back as it was shown has not changed."""

    def to_python(self, value: Any) -> str:
        return unix_newlines(super().to_python(value) or "")

    def has_changed(self, initial: Any, data: Any) -> bool:
        return line_breaks_as_stored(initial or "") != line_breaks_as_stored(self.to_python(data))


class ArticleChangeForm(ArticleForm):
    # When the form was rendered: a newer change by someone else refuses this one.
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    body = BodyField(
        widget=forms.Textarea(attrs={"rows": 24}),
        strip=False,
        label="Text",
        help_text=(
            "Saving a changed text keeps the old one as a revision and places every claim again in "
            "the new one: a claim whose words you changed becomes fuzzy, one whose place is gone is "
            "orphaned, and both wait for an editor."
        ),
    )
    note = forms.CharField(
        required=False,
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why",
        help_text="Why the text was corrected: kept with the revision and in each moved claim's history.",
    )

    class Meta:
        model = Article
        fields = (*ARTICLE_METADATA, "body")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("expected_version", self.instance.version)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.refusal is None and cleaned.get("note") and "body" not in self.changed_data:
            self.add_error(
                "note", "A note says why the text was corrected: correct the text too, or clear it."
            )
        return cleaned


class ClaimInline(admin.TabularInline):
    """The article's claims, in the order they stand in the body. Read-only: a claim changes on
    its own page, where the workflow and the history are. Its template shows each claim once, its
    quote linking to the claim's page (Django's would repeat the claim's name above each row)."""

    model = Claim
    template = "admin/claims/article/claim_inline.html"
    fields = readonly_fields = ("quote_link", "claimant", "status_shown", "rating_shown", "span")
    ordering = ("start", "id")
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="quote")
    def quote_link(self, claim: Claim) -> SafeString:
        return format_html('<a href="{}">{}</a>', claim_admin_url(claim.pk), clip(claim.quote, 160))

    @admin.display(description="status")
    def status_shown(self, claim: Claim) -> SafeString:
        return status_badge(claim.status)

    @admin.display(description="rating")
    def rating_shown(self, claim: Claim) -> str:
        return rating_label(claim.rating)

    @admin.display(description="span")
    def span(self, claim: Claim) -> SafeString | str:
        if claim.anchor == AnchorKind.ORPHANED:
            # Its offsets point into an older text: it has no span in this one.
            return format_html("{} (revision {})", anchor_badge(claim.anchor), claim.revision)
        if claim.anchor == AnchorKind.FUZZY:
            return format_html("[{}:{}] {}", claim.start, claim.end, anchor_badge(claim.anchor))
        return f"[{claim.start}:{claim.end}]"


@admin.register(Article)
class ArticleAdmin(ServiceAdmin):
    list_display = ("headline", "outlet", "author", "published", "claim_count")
    search_fields = ("headline",)
    ordering = ("-id",)

    class Media:
        css = {"all": (DESK_CSS,)}

    def get_view_on_site_url(self, obj: Any = None) -> str | None:
        # "View on site": the article's public reader page.
        return None if obj is None else reverse("reader-article", args=[obj.pk])

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        # Lists never show a body (up to 100,000 characters each); the change page reads its one
        # body when it renders it.
        return super().get_queryset(request).defer("body").annotate(claim_count=Count("claims"))

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["form"] = ArticleAddForm if obj is None else ArticleChangeForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [(None, {"fields": (*ARTICLE_METADATA, "body")})]
        # The text to correct is folded away under the text to read, until the editor opens it;
        # a form shown again after a refusal keeps it open, with what the editor wrote.
        folded = () if request.method == "POST" else ("collapse",)
        fieldsets: list[tuple[str | None, dict[str, Any]]] = [
            (None, {"fields": (*ARTICLE_METADATA, "expected_version")}),
            ("The body, with every claim highlighted", {"fields": ("highlighted_body", "claim_links")}),
            ("Correct the text", {"fields": ("body", "note"), "classes": folded}),
        ]
        if obj.revision > 1:
            fieldsets.append(("Corrections", {"fields": ("revision_list",)}))
        fieldsets.append(("Record", {"fields": ("created", "updated")}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        return ("highlighted_body", "claim_links", "revision_list", "created", "updated")

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return () if obj is None else (ClaimInline,)

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            metadata = {name: data[name] for name in ARTICLE_METADATA}
            saved = article_create(actor=actor_of(request), body=data["body"], **metadata)
            adopt_saved(obj, saved)
            return
        changes = {name: data[name] for name in (*ARTICLE_METADATA, "body") if name in form.changed_data}
        corrected = "body" in changes
        # How the claims stood before the correction, to say what it did to them (the view's
        # transaction holds the service's write and these reads together).
        before = (
            dict(Claim.objects.filter(article_id=obj.pk).values_list("id", "anchor")) if corrected else {}
        )
        revision = Article.objects.filter(pk=obj.pk).values_list("revision", flat=True).first()
        saved = article_update(
            actor=actor_of(request),
            article_id=obj.pk,
            expected_versions=frozenset({data["expected_version"]}),
            note=data["note"] if corrected else "",
            **changes,
        )
        if corrected and saved.revision != revision:
            setattr(request, CORRECTION, correction_message(saved, before))
        adopt_saved(obj, saved)

    def response_change(self, request: HttpRequest, obj: Article) -> HttpResponse:
        response = super().response_change(request, obj)
        correction = getattr(request, CORRECTION, None)
        if correction is not None:
            text, unsettled = correction
            self.message_user(request, text, messages.WARNING if unsettled else messages.SUCCESS)
        return response

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Claims point into the body, and there is no service that deletes an article.
        return False

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, article: Article) -> int:
        return article.claim_count  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(description="published", ordering="published_at")
    def published(self, article: Article) -> SafeString | str:
        return when(article.published_at)

    @admin.display(description="created", ordering="created_at")
    def created(self, article: Article) -> SafeString | str:
        return when(article.created_at)

    @admin.display(description="updated", ordering="updated_at")
    def updated(self, article: Article) -> SafeString | str:
        return when(article.updated_at)

    @admin.display(description="body")
    def highlighted_body(self, article: Article) -> SafeString:
        spans = current_spans(article)
        return format_html(
            '{}<div class="claim-body" lang="{}">{}</div>',
            legend(spans),
            article.language,
            highlight_claims(article.body, spans, href=claim_admin_url),
        )

    @admin.display(description="claims")
    def claim_links(self, article: Article) -> SafeString:
        add = reverse("admin:claims_claim_add") + f"?article={article.pk}"
        listed = reverse("admin:claims_claim_changelist") + f"?article={article.pk}"
        links = format_html(
            '<a href="{}">Add a claim to this article</a> · <a href="{}">Its claims</a>', add, listed
        )
        waiting = awaiting(article.pk)
        if not waiting:
            return links
        return format_html('{}<p class="desk-queue-line">{}</p>', links, queue_links(waiting, article.pk))

    @admin.display(description="revisions")
    def revision_list(self, article: Article) -> SafeString:
        revisions = (
            ArticleRevision.objects.filter(article_id=article.pk)
            .select_related("actor")
            .defer("body")
            .annotate(characters=Length("body"))
            .order_by("-number")
        )
        rows = format_html_join(
            "",
            '<tr><td data-label="revision">{}</td><td data-label="at">{}</td><td data-label="by">{}</td>'
            '<td data-label="characters">{}</td><td class="claim-note" data-label="why">{}</td></tr>',
            (
                (
                    revision.number,
                    when(revision.created_at),
                    revision.actor.get_username() if revision.actor else "—",
                    revision.characters,
                    revision.note or ("As first stored." if revision.number == 1 else "—"),
                )
                for revision in revisions
            ),
        )
        return format_html(
            '<table class="desk-table article-revisions"><thead><tr><th>revision</th><th>at</th>'
            "<th>by</th><th>characters</th><th>why</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )


# Set on the request when a save corrected the body: what the correction did to the claims.
CORRECTION = "_claims_admin_correction"


def awaiting(article_id: int) -> dict[str, int]:
    """How many of the article's claims are fuzzy and orphaned (the kinds with none left out)."""
    counts = Claim.objects.filter(article_id=article_id).aggregate(
        fuzzy=Count("id", filter=Q(anchor=AnchorKind.FUZZY)),
        orphaned=Count("id", filter=Q(anchor=AnchorKind.ORPHANED)),
    )
    return {kind: count for kind, count in counts.items() if count}


def queue_links(waiting: dict[str, int], article_id: int | None = None) -> SafeString:
    """ "Claims awaiting an editor after a correction: 2 fuzzy · 1 orphaned", each linked."""
    links = format_html_join(
        " · ",
        '<a href="{}">{} {}</a>',
        ((queue_url(kind, article_id), count, kind) for kind, count in waiting.items()),
    )
    return format_html("{}: {}", QUEUE_TITLE, links)


def _claims(count: int) -> str:
    return f"{count} claim{'s' if count != 1 else ''}"


def correction_message(article: Article, before: dict[int, str]) -> tuple[SafeString, bool]:
    """What a correction did to the article's claims, as the desk says it after the save, and
    whether any claim now waits for an editor. `before`: each claim's anchor before it."""
    after = dict(Claim.objects.filter(article_id=article.pk).values_list("id", "anchor"))
    moved: Counter[str] = Counter()
    for claim_id, was in before.items():
        now = after.get(claim_id)
        if was == AnchorKind.ORPHANED:
            moved["left orphaned"] += 1  # orphaned by an earlier correction: not placed again
        elif now == AnchorKind.FUZZY and was == AnchorKind.FUZZY:
            moved["still fuzzy"] += 1
        elif now is not None:
            moved[now] += 1
    sentences = [f"The text was corrected: it is now revision {article.revision}."]
    placed = sum(moved[kind] for kind in (*AnchorKind.values, "still fuzzy"))
    if placed:
        exact, fuzzy, orphaned = (moved[kind] for kind in AnchorKind.values)
        parts = [
            f"{exact} stayed exact",
            f"{fuzzy} became fuzzy (the correction changed {'its' if fuzzy == 1 else 'their'} words)",
        ]
        if moved["still fuzzy"]:
            parts.append(f"{moved['still fuzzy']} stayed fuzzy (from an earlier correction)")
        parts.append(
            f"{orphaned} {'was' if orphaned == 1 else 'were'} orphaned "
            f"({'its' if orphaned == 1 else 'their'} place was lost)"
        )
        sentences.append(f"Of its {_claims(placed)}, {', '.join(parts)}.")
    if moved["left orphaned"]:
        sentences.append(f"{_claims(moved['left orphaned'])} orphaned by an earlier correction still wait.")
    if not before:
        sentences.append("The article has no claims to place again.")
    summary = format_html_join(" ", "{}", ((sentence,) for sentence in sentences))
    waiting = awaiting(article.pk)
    if not waiting:
        return summary, False
    return format_html("{} {}.", summary, queue_links(waiting, article.pk)), True


def legend(spans: list[Span]) -> SafeString:
    """What the body's colours mean, with how many claims are in each status."""
    counts = {value: 0 for value in ClaimStatus.values}
    for span in spans:
        counts[span.status] = counts.get(span.status, 0) + 1
    items = format_html_join(
        "",
        '<li><mark class="claim-{}">{}</mark> {}</li>',
        ((value, label, counts[value]) for value, label in ClaimStatus.choices),
    )
    fuzzy = sum(span.anchor == AnchorKind.FUZZY for span in spans)
    if fuzzy:
        items = format_html(
            '{}<li><mark class="claim-fuzzy">Dashed</mark> fuzzy: a correction changed its words ({})</li>',
            items,
            fuzzy,
        )
    return format_html(
        '<ul class="claim-legend" aria-label="What the colours mean">{}'
        '<li><mark class="claim-overlap">Underlined</mark> claims overlap</li>'
        "<li>Each highlight links to its claim.</li></ul>",
        items,
    )
