"""Reads of imported reviews, and the search over them and this desk's published verdicts that
Google's Fact Check Tools API shape serves (`claims.interop.search`)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db.models import F, Model, Q, QuerySet

from claims.models import Claim, ClaimStatus, Review
from claims.platform.db import compiled, raw
from claims.platform.db.planner import ROW_ESTIMATES
from claims.platform.db.search import text_search
from claims.platform.db.statements import planned_for_values
from claims.platform.pagination import BY_ID, Page, paginate
from claims.selectors.claims import WALK_TO_INDEX_COST

REVIEW_COLUMNS = (
    "id", "url", "claim_reviewed", "claimant", "claim_date", "publisher_name", "publisher_site",
    "title", "rating_label", "rating_value", "best_rating", "worst_rating", "review_date", "language",
    "imported_at",
)  # fmt: skip

# The columns of a published claim that a search answer shows, with its article's.
DESK_COLUMNS = (
    "id", "quote", "claimant", "rating", "published_at",
    "article__headline", "article__published_at", "article__language",
)  # fmt: skip


def _language_matches(column: str, language: str) -> Q:
    """`en` matches `en`, `EN`, `en-GB`: the language, whatever the region, as Google's API."""
    primary = language.split("-", 1)[0]
    return Q(**{f"{column}__iexact": primary}) | Q(**{f"{column}__istartswith": f"{primary}-"})


def _site_matches(column: str, site: str) -> Q:
    """`politifact.com` matches that site and its subdomains."""
    return Q(**{column: site}) | Q(**{f"{column}__endswith": f".{site}"})


def normalise_site(site: str) -> str:
    return site.strip().lower().rstrip(".").removeprefix("www.")


def review_page(
    *, q: str | None, publisher: str | None, language: str | None, page_size: int, cursor: str | None
) -> Page:
    """A page of reviews in id order: one query. `publisher` is the publisher's name (any case)
    or its site."""
    reviews = Review.objects.values(*REVIEW_COLUMNS)
    if q:
        reviews = text_search(reviews, q, columns={"claim_reviewed": Q()}, stored=True)
    if publisher:
        reviews = reviews.filter(
            Q(publisher_name__iexact=publisher.strip())
            | _site_matches("publisher_site", normalise_site(publisher))
        )
    if language:
        reviews = reviews.filter(_language_matches("language", language))
    with planned_for_values(bool(q or publisher or language)):
        ordering = BY_ID
        if q and _selective(lambda: reviews, ("list", q, publisher, language), Review, page_size + 1, None):
            ordering = BY_ID.without_index()
        return paginate(reviews, ordering=ordering, page_size=page_size, cursor=cursor)


def review_detail(*, review_id: int) -> dict[str, Any] | None:
    return Review.objects.values(*REVIEW_COLUMNS).filter(pk=review_id).first()


# --- the search -------------------------------------------------------------------------------

DESK, IMPORTED = 0, 1


@dataclass(frozen=True)
class SearchFilters:
    query: str | None = None
    language: str | None = None
    site: str | None = None
    since: datetime | None = None


@dataclass
class SearchPage:
    """Desk claims' rows, then reviews' rows, and the (kind, id) of the last one if there are
    more after it."""

    desk: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    next_key: tuple[int, int] | None


def search_page(
    *,
    filters: SearchFilters,
    desk_site: str,
    page_size: int,
    after: tuple[int, int] | None = None,
    offset: int = 0,
) -> SearchPage:
    """One page of the stream of this desk's published claims (by id), then imported reviews
    (by id), matching `filters`; after `after` (a (kind, id)), or skipping `offset` results from
    the start. Two queries at most (three with an `offset` past every desk claim); never a
    verdict that is not published."""
    want = page_size + 1  # one more than the page: is there a next?
    desk_rows: list[dict[str, Any]] = []
    desk_count = 0
    with planned_for_values():
        if _desk_searched(filters, desk_site) and (after is None or after[0] == DESK):
            after_id = after[1] if after is not None else None
            desk_rows = _page(DESK, filters, after_id, offset, offset + want)
            if offset and not desk_rows:
                desk_count = _matching(DESK, filters, after_id).count()
        review_rows: list[dict[str, Any]] = []
        if len(desk_rows) < want:
            after_id = after[1] if after is not None and after[0] == IMPORTED else None
            skip = max(0, offset - desk_count) if offset and not desk_rows else 0
            review_rows = _page(IMPORTED, filters, after_id, skip, skip + want - len(desk_rows))
    more = len(desk_rows) + len(review_rows) > page_size
    if more:
        if review_rows:
            review_rows.pop()
        else:
            desk_rows.pop()
    last = (
        (IMPORTED, review_rows[-1]["id"])
        if review_rows
        else (DESK, desk_rows[-1]["id"])
        if desk_rows
        else None
    )
    return SearchPage(desk=desk_rows, reviews=review_rows, next_key=last if more else None)


def _desk_searched(filters: SearchFilters, desk_site: str) -> bool:
    """Whether this desk's claims are searched: not when the site filter names another publisher."""
    return not filters.site or desk_site == filters.site or desk_site.endswith(f".{filters.site}")


def _matching(kind: int, filters: SearchFilters, after_id: int | None) -> QuerySet[Any]:
    """The desk's published claims, or the imported reviews, that match `filters`, past `after_id`."""
    rows = _desk_claims(filters) if kind == DESK else _reviews(filters)
    return rows if after_id is None else rows.filter(id__gt=after_id)


def _published_claims() -> QuerySet[Claim]:
    return Claim.objects.filter(status=ClaimStatus.PUBLISHED)


def _desk_claims(filters: SearchFilters) -> QuerySet[Claim]:
    claims = _published_claims()
    if filters.language:
        claims = claims.filter(_language_matches("article__language", filters.language))
    if filters.since is not None:
        claims = claims.filter(
            Q(published_at__gte=filters.since) | Q(article__published_at__gte=filters.since)
        )
    if filters.query:
        # The claim's own words, as Google's API searches claims and as the imported reviews are
        # searched (their `claim_reviewed`); the index of published quotes (migration 0011)
        # serves exactly this condition.
        claims = text_search(claims, filters.query, columns={"quote": Q()}, stored=True)
    return claims


def _reviews(filters: SearchFilters) -> QuerySet[Review]:
    reviews = Review.objects.all()
    if filters.site:
        reviews = reviews.filter(_site_matches("publisher_site", filters.site))
    if filters.language:
        reviews = reviews.filter(_language_matches("language", filters.language))
    if filters.since is not None:
        reviews = reviews.filter(Q(claim_date__gte=filters.since) | Q(review_date__gte=filters.since))
    if filters.query:
        reviews = text_search(reviews, filters.query, columns={"claim_reviewed": Q()}, stored=True)
    return reviews


@dataclass(frozen=True)
class Walk:
    """What walking the id order to fill a page costs: the rows walked (`key` names them for the
    kept estimates), and the cost of testing each against that of fetching a match found in the
    text index (WALK_TO_INDEX_COST)."""

    key: str
    rows: Callable[[], QuerySet[Any]]
    cost: float


# A walk of migration 0014's index of published claims in id order tests each claim's text vector
# in the index itself: measured on the 1M-claim bench data, about a twelfth of the cost of
# fetching a match from the table, against 0.6 for a walk of the table (docs/PERFORMANCE.md).
COVERED_WALK_TO_INDEX_COST = 0.086


def _desk_walk(filters: SearchFilters) -> Walk | None:
    """The covered walk, when nothing but the text is asked (a language or a date needs the
    article, which the index does not hold)."""
    if filters.language or filters.since is not None:
        return None
    return Walk("published claims", _published_claims, COVERED_WALK_TO_INDEX_COST)


# How a page is found: sorting the text index's matches by id, walking the index of published
# claims in id order (ids first, then the page's rows), or the plain query in id order.
INDEX, WALK, PLAIN = "index", "walk", "plain"


def _page(
    kind: int, filters: SearchFilters, after_id: int | None, start: int, stop: int
) -> list[dict[str, Any]]:
    """`rows[start:stop]` of `_matching(...)`, in id order, with the columns a search answer shows.
    For a rare term on PostgreSQL, sorted from the text index's matches rather than found by
    walking the id order (as `selectors.claims` chooses, from the planner's estimate of the
    matches); then only the ids are sorted and the page's rows read by id, so that the join to
    the article is made for the page, not for every match (the planner does not push a LIMIT
    below a join). Each shape of statement is compiled once (`platform/db/compiled.py`)."""
    model, columns = (Claim, DESK_COLUMNS) if kind == DESK else (Review, REVIEW_COLUMNS)
    walk = _desk_walk(filters) if kind == DESK else None
    path = PLAIN
    if filters.query:
        matching = functools.partial(_matching, kind, filters, after_id)
        selective = _selective(matching, ("search", filters), model, stop, walk)
        path = INDEX if selective else WALK if walk else PLAIN
    values: dict[str, str | int] = {}
    if filters.query:
        values["query"] = filters.query
    if after_id is not None:
        values["after"] = after_id
    shape = ("claims:search", kind, path, start, stop, filters.language, filters.site, filters.since, *values)

    def build(values: Mapping[str, str | int]) -> QuerySet[Any, dict[str, Any]]:
        query, after = values.get("query"), values.get("after")
        rows = _matching(
            kind,
            replace(filters, query=query if isinstance(query, str) else None),
            after if isinstance(after, int) else None,
        )
        if path == PLAIN:
            return rows.values(*columns).order_by(BY_ID.fields[0])[start:stop]
        # The page's ids alone: sorted from the text index's matches, or walked in the index of
        # published claims without reading the table.
        order = (F("id") + 0).asc() if path == INDEX else BY_ID.fields[0]
        page_ids = rows.order_by(order).values("pk")[start:stop]
        return model._default_manager.values(*columns).filter(pk__in=page_ids).order_by(BY_ID.fields[0])

    return compiled.rows(shape, raw.reading(model), build, values)


def _selective(
    rows: Callable[[], QuerySet[Any, Any]],
    key: tuple[Any, ...],
    model: type[Model],
    want: int,
    walk: Walk | None,
) -> bool:
    """Whether `want` rows of a text search are found faster from the text index's matches than
    by walking the id order (PostgreSQL only; the reasoning of `selectors.claims`)."""
    if raw.vendor(raw.reading(model)) != "postgresql":
        return False
    walk = walk or Walk(model.__name__, model._default_manager.all, WALK_TO_INDEX_COST)
    matches = ROW_ESTIMATES.rows((model.__name__, *key), rows)
    walked = ROW_ESTIMATES.rows(("walk", walk.key), walk.rows)
    return matches * matches < walk.cost * want * walked
