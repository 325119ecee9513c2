"""Articles: the body shown with its claims highlighted; metadata edited through services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from claims.admin.base import ServiceAdmin, ServiceForm, adopt_saved, unix_newlines
from claims.admin.display import DESK_CSS, clip, rating_label, status_badge, when
from claims.admin.highlight import Span, claim_admin_url, highlight_claims
from claims.models import (
    Article,
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
        help_text="The full text. It is fixed once saved: every claim's offsets point into it.",
    )

    class Meta:
        model = Article
        fields = (*ARTICLE_METADATA, "body")

    def clean_body(self) -> str:
        return unix_newlines(self.cleaned_data["body"])


class ArticleChangeForm(ArticleForm):
    # When the form was rendered: a newer change by someone else refuses this one.
    expected_updated_at = forms.CharField(widget=forms.HiddenInput)

    class Meta:
        model = Article
        fields = ARTICLE_METADATA

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("expected_updated_at", self.instance.updated_at.isoformat())

    def clean_expected_updated_at(self) -> datetime:
        try:
            return datetime.fromisoformat(self.cleaned_data["expected_updated_at"])
        except ValueError:
            raise forms.ValidationError("The form is damaged; reload the page.") from None


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
    def span(self, claim: Claim) -> str:
        return f"[{claim.start}:{claim.end}]"


@admin.register(Article)
class ArticleAdmin(ServiceAdmin):
    list_display = ("headline", "outlet", "author", "published", "claim_count")
    search_fields = ("headline",)
    ordering = ("-id",)

    class Media:
        css = {"all": (DESK_CSS,)}

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
        return [
            (None, {"fields": (*ARTICLE_METADATA, "expected_updated_at")}),
            ("The body, with every claim highlighted", {"fields": ("highlighted_body", "claim_links")}),
            ("Record", {"fields": ("created", "updated")}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if obj is None else ("highlighted_body", "claim_links", "created", "updated")

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return () if obj is None else (ClaimInline,)

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            saved = article_update(
                article_id=obj.pk,
                expected_updated_at=data["expected_updated_at"],
                **{name: data[name] for name in ARTICLE_METADATA if name in form.changed_data},
            )
        else:
            metadata = {name: data[name] for name in ARTICLE_METADATA}
            saved = article_create(body=data["body"], **metadata)
        adopt_saved(obj, saved)

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
        spans = [
            Span(claim_id=pk, start=start, end=end, status=status)
            for pk, start, end, status in article.claims.values_list("id", "start", "end", "status")
        ]
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
        return format_html(
            '<a href="{}">Add a claim to this article</a> · <a href="{}">Its claims</a>', add, listed
        )


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
    return format_html(
        '<ul class="claim-legend" aria-label="What the colours mean">{}'
        '<li><mark class="claim-overlap">Underlined</mark> claims overlap</li>'
        "<li>Each highlight links to its claim.</li></ul>",
        items,
    )
