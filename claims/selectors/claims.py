"""Reads of claims: pages, one claim, and the verdict details of a page."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Hashable
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from claims.accounts.selectors import _aware
from claims.api.representations import VerdictDetails
from claims.models import (
    Claim,
    ClaimStatus,
    Correction,
    Evidence,
)
from claims.platform.db.search import text_search


def _verdict_visibility(*, drafts_visible: bool) -> Q | None:
    """Where a viewer may see a claim's verdict: everywhere for editors, once published for
    clients. Used for the fields shown and for the filters that match them."""
    return None if drafts_visible else Q(status=ClaimStatus.PUBLISHED)


# The columns a claim's JSON needs; prefix and suffix (anchoring context) are internal.
CLAIM_COLUMNS = (
    "id", "article_id", "quote", "start", "end", "claimant", "status", "rating", "summary", "version",
    "published_at", "created_at", "updated_at",
)  # fmt: skip

# `.values()` resolves its thirteen fields on every call (0.07 ms, a quarter of building a list's
# query; bench/). Each read clones this one instead, which costs nothing; it is itself never
# evaluated, so it holds no rows.
_CLAIM_ROWS = Claim.objects.values(*CLAIM_COLUMNS)


def verdict_details(*, rows: list[dict[str, Any]], drafts_visible: bool) -> VerdictDetails:
    """The evidence and corrections of a page of claim rows: two queries whatever its size, none
    when the viewer may see no verdict on the page (a client sees published claims' only).

    Hand-written SQL: on a list request, compiling these two ORM queries cost more than running
    them (bench/profile_list.py)."""
    details = VerdictDetails()
    ids = [row["id"] for row in rows if drafts_visible or row["status"] == ClaimStatus.PUBLISHED]
    if not ids:
        return details
    among = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT claim_id, id, url, title, publisher, note, added_at "
            f"FROM {Evidence._meta.db_table} WHERE claim_id IN ({among}) ORDER BY id",
            ids,
        )
        for claim_id, id_, url, title, publisher, note, added_at in cursor.fetchall():
            details.evidence[claim_id].append(
                {"id": id_, "url": url, "title": title, "publisher": publisher, "note": note}
                | {"added_at": _aware(added_at)}
            )
        cursor.execute(
            "SELECT claim_id, at, from_rating, to_rating, note "
            f"FROM {Correction._meta.db_table} WHERE claim_id IN ({among}) ORDER BY id",
            ids,
        )
        for claim_id, at, from_rating, to_rating, note in cursor.fetchall():
            details.corrections[claim_id].append(
                {"at": _aware(at), "from_rating": from_rating, "to_rating": to_rating, "note": note}
            )
    return details


def claim_list(
    *,
    drafts_visible: bool,
    article: int | None = None,
    status: str | None = None,
    rating: str | None = None,
    claimant: str | None = None,
    q: str | None = None,
    updated_after: Any = None,
) -> QuerySet[Claim, dict[str, Any]]:
    """Rows (CLAIM_COLUMNS) of the claims matching the filters. For a client, `rating` and `q`
    match published verdicts only, so a draft verdict cannot be inferred from what a filter
    returns."""
    visible = _verdict_visibility(drafts_visible=drafts_visible)
    claims = _CLAIM_ROWS.all()
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
        claims = text_search(claims, q, columns={"quote": None, "summary": visible}, stored=True)
    return claims


# How a search page is found, on PostgreSQL. Either walk the id order, testing each row, until
# the page is full: about page/share rows (1/share per match); or take every match from the text
# index and sort their ids: about matches = share x table rows. On the benchmark's million claims,
# each statement planned for its term, a row walked costs about 0.4 us and a match taken from the
# index about 0.7 us (bench/, docs/PERFORMANCE.md), so the index wins while
# matches x 0.7 < page/share x 0.4, that is while matches^2 < 0.6 x page x table rows: 5,500
# matches for a page of 50 in a million claims, where either path takes about 3.7 ms. Left to
# itself the planner walked for a term in 0.15% of rows (9.6 ms, against 3.7 ms through the
# index), so we ask for its estimate of the matches and choose.
WALK_TO_INDEX_COST = 0.6

# The planner's answers are kept a minute per process: asking costs a round trip and a planning, and the
# same searches come back (a partner's refresh, the next page).
ESTIMATE_SECONDS = 60
_estimates: dict[Hashable, tuple[float, float]] = {}


def search_is_selective(claims: QuerySet[Claim, dict[str, Any]], *, page_size: int, asked: Hashable) -> bool:
    """Whether a page of `claims` is fastest found through the text index (PostgreSQL only).

    `asked` stands for what `claims` was built from (the filters and the viewer's role): the
    planner's estimate is kept under it, so a search asked again costs no compiling and no query.
    """
    if connection.vendor != "postgresql":
        return False
    model = claims.model
    matches = _planner_rows(("matches", asked), lambda: claims.order_by().query.sql_with_params())
    table = _planner_rows(("table", model), lambda: model._default_manager.all().query.sql_with_params())
    return matches * matches < WALK_TO_INDEX_COST * (page_size + 1) * table


def _planner_rows(key: Hashable, sql_with_params: Callable[[], tuple[str, Any]]) -> float:
    """The planner's estimate of the rows a query returns (`EXPLAIN`, nothing executed), kept
    ESTIMATE_SECONDS under `key`."""
    now = time.monotonic()
    known = _estimates.get(key)
    if known is not None and known[0] > now:
        return known[1]
    sql, params = sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    rows = float((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"])
    if len(_estimates) >= 10_000:
        _estimates.clear()  # a crude bound; the cache refills with what is searched now
    _estimates[key] = (now + ESTIMATE_SECONDS, rows)
    return rows


def forget_search_estimates() -> None:
    _estimates.clear()


def claim_detail(*, claim_id: int) -> dict[str, Any] | None:
    """The row (CLAIM_COLUMNS) of one claim; its details come from `verdict_details`."""
    return _CLAIM_ROWS.filter(pk=claim_id).first()


def claim_exists(*, claim_id: int) -> bool:
    return Claim.objects.filter(pk=claim_id).exists()
