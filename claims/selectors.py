"""Every read of the API. Each returns a queryset that fetches all its response needs in a constant
number of queries, whatever the page size: one for the rows, one per prefetched relation."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from claims import roles
from claims.models import ApiToken, Article, Claim, ClaimEvent, ClaimStatus, Correction, Evidence
from claims.search import text_search


def api_token_for_prefix(*, prefix: str) -> ApiToken | None:
    """The token with its user and the user's role, in one query."""

    memberships = get_user_model().groups.through.objects

    def in_group(name: str) -> Exists:
        return Exists(memberships.filter(user_id=OuterRef("user_id"), group__name=name))

    token = (
        ApiToken.objects.select_related("user")
        .annotate(is_editor=in_group(roles.EDITOR), is_client=in_group(roles.CLIENT))
        .filter(prefix=prefix)
        .first()
    )
    if token is not None:
        user: Any = token.user
        user.api_role = (
            roles.ADMIN
            if user.is_superuser
            else roles.EDITOR
            if token.is_editor
            else roles.CLIENT
            if token.is_client
            else None
        )
    return token


def article_list(*, q: str | None = None) -> QuerySet[Article]:
    """Articles without their bodies, each with its number of claims (one query a page)."""
    articles = Article.objects.defer("body").annotate(claim_count=Count("claims"))
    if q:
        articles = text_search(articles, q, columns={"headline": None, "body": None})
    return articles


def article_detail(*, article_id: int) -> Article | None:
    return Article.objects.annotate(claim_count=Count("claims")).filter(pk=article_id).first()


def _verdict_visibility(*, drafts_visible: bool) -> Q | None:
    """Where a viewer may see a claim's verdict: everywhere for editors, once published for
    clients. Used for the fields shown and for the filters that match them."""
    return None if drafts_visible else Q(status=ClaimStatus.PUBLISHED)


def claim_queryset(*, drafts_visible: bool) -> QuerySet[Claim]:
    """Claims with their evidence and corrections prefetched: three queries for any page. A
    client's prefetches skip unpublished claims, whose evidence it may not see anyway."""
    evidence = Evidence.objects.order_by("id")
    corrections = Correction.objects.order_by("id")
    if not drafts_visible:
        evidence = evidence.filter(claim__status=ClaimStatus.PUBLISHED)
        corrections = corrections.filter(claim__status=ClaimStatus.PUBLISHED)
    return Claim.objects.defer("prefix", "suffix").prefetch_related(
        Prefetch("evidence", queryset=evidence),
        Prefetch("corrections", queryset=corrections),
    )


def claim_list(
    *,
    drafts_visible: bool,
    article: int | None = None,
    status: str | None = None,
    rating: str | None = None,
    claimant: str | None = None,
    q: str | None = None,
    updated_after: Any = None,
) -> QuerySet[Claim]:
    """The claims matching the filters. For a client, `rating` and `q` match published verdicts
    only, so a draft verdict cannot be inferred from which claims a filter returns."""
    visible = _verdict_visibility(drafts_visible=drafts_visible)
    claims = claim_queryset(drafts_visible=drafts_visible)
    if article is not None:
        claims = claims.filter(article_id=article)
    if status:
        claims = claims.filter(status=status)
    if rating:
        claims = claims.filter(Q(rating=rating) & (visible or Q()))
    if claimant:
        claims = claims.filter(claimant__icontains=claimant)
    if updated_after is not None:
        claims = claims.filter(updated_at__gt=updated_after)
    if q:
        claims = text_search(claims, q, columns={"quote": None, "summary": visible})
    return claims


def claim_detail(*, claim_id: int, drafts_visible: bool) -> Claim | None:
    return claim_queryset(drafts_visible=drafts_visible).filter(pk=claim_id).first()


def claim_exists(*, claim_id: int) -> bool:
    return Claim.objects.filter(pk=claim_id).exists()


def claim_history(*, claim_id: int) -> QuerySet[ClaimEvent]:
    return ClaimEvent.objects.filter(claim_id=claim_id).select_related("actor")
