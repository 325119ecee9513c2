"""Reads of claims: a page of them, one claim, and the verdict details (evidence, corrections) of
either. Each fetches what its response needs in a constant number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import partial
from typing import Any

from django.db.models import Q, QuerySet

from claims.models import Claim, Correction, Evidence
from claims.platform.db import compiled, ordered_search, raw
from claims.platform.db.ordered_search import ORDERED_VECTORS
from claims.platform.db.planner import ROW_ESTIMATES
from claims.platform.db.search import text_search
from claims.platform.db.statements import planned_for_values
from claims.platform.pagination import BY_ID, BY_RECENT_UPDATE, Page, PageReader, paginate
from claims.selectors.visibility import verdict_visible, visible_verdicts

ORDERINGS = {o.name: o for o in (BY_ID, BY_RECENT_UPDATE)}

# The columns a claim's JSON needs; prefix and suffix (anchoring context) are internal.
CLAIM_COLUMNS = (
    "id", "article_id", "quote", "start", "end", "claimant", "status", "rating", "summary", "version",
    "published_at", "created_at", "updated_at", "anchor", "anchor_score", "revision",
)  # fmt: skip

# Speed trick: `.values()` resolves its fields on every call; each read clones this one instead,
# which costs nothing (docs/PERFORMANCE.md). It is never evaluated itself, so it holds no rows.
_CLAIM_ROWS = Claim.objects.values(*CLAIM_COLUMNS)

# How a search page is found, on PostgreSQL: walk the id order, testing each row, until the page
# is full (about page/share rows), or take every match from the text index and sort their ids
# (about share x table rows). Measured costs per row of each (docs/PERFORMANCE.md) make the index
# the cheaper path while matches^2 < WALK_TO_INDEX_COST x (page + 1) x table rows. Left to itself
# the planner walks for terms where the index is several times faster, so we ask for its
# estimate of the matches and choose.
WALK_TO_INDEX_COST = 0.6
# Where the indexes that keep ids in order exist (migration 0015), a page is read from them while
# matches^2 < ORDERED_TO_WALK_COST x (page + 1) x table rows: each match costs a small share of
# a walked row, but the scan reads and sorts every match (docs/PERFORMANCE.md, about 1.2% of rows
# for a page of 50 in a million claims).
ORDERED_TO_WALK_COST = 3.0


@dataclass
class VerdictDetails:
    """Evidence and corrections of a page of claims, by claim id, as JSON objects."""

    evidence: defaultdict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    corrections: defaultdict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True)
class ClaimFilters:
    """What `GET /claims/` filters by; None is "not given", and so is empty text."""

    article: int | None = None
    status: str | None = None
    rating: str | None = None
    claimant: str | None = None
    q: str | None = None
    updated_after: datetime | None = None
    anchor: str | None = None

    def given(self) -> dict[str, Any]:
        """The filters given, by name."""
        return {f.name: value for f in fields(self) if (value := getattr(self, f.name)) not in (None, "")}


def claim_rows(*, drafts_visible: bool, filters: ClaimFilters) -> QuerySet[Claim, dict[str, Any]]:
    """Rows (CLAIM_COLUMNS) of the claims matching the filters. For a client, `rating` and `q`
    match published verdicts only, so a draft verdict cannot be inferred from what a filter
    returns."""
    visible = visible_verdicts(drafts_visible=drafts_visible)
    given = filters.given()
    claims = _CLAIM_ROWS.all()
    if "article" in given:
        claims = claims.filter(article_id=filters.article)
    if "status" in given:
        claims = claims.filter(status=filters.status)
    if "rating" in given:
        claims = claims.filter(Q(rating=filters.rating) & visible)
    if "claimant" in given:
        claims = claims.filter(claimant__icontains=filters.claimant)
    if "anchor" in given:
        claims = claims.filter(anchor=filters.anchor)
    if "updated_after" in given:
        claims = claims.filter(updated_at__gt=filters.updated_after)
    if "q" in given:
        claims = text_search(claims, str(filters.q), columns=_searched(drafts_visible), stored=True)
    return claims


def _searched(drafts_visible: bool) -> dict[str, Q]:
    """What `q` matches: a claim's quote, and its summary where the viewer may see the verdict."""
    return {"quote": Q(), "summary": visible_verdicts(drafts_visible=drafts_visible)}


def claim_page(
    *, drafts_visible: bool, filters: ClaimFilters, ordering: str, page_size: int, cursor: str | None
) -> tuple[Page, VerdictDetails]:
    """A page of claim rows and their verdict details: three queries whatever the page size (for a
    search, up to three more once a minute per process: the planner's estimates of its matches
    and of the table, and which of its vectors have ordered indexes)."""
    rows = partial(claim_rows, drafts_visible=drafts_visible, filters=filters)
    order = ORDERINGS[ordering]
    filtered = bool(filters.given())
    read = None
    # A filter's best plan depends on its value (claims/platform/db/statements.py).
    with planned_for_values(filtered):
        if filters.q and order is BY_ID and raw.vendor(raw.reading(Claim)) == "postgresql":
            # Built only when the estimate is not kept: the ordered path never needs the queryset.
            matches = ROW_ESTIMATES.rows(("matches", drafts_visible, filters), rows)
            ordered = _ordered_search(drafts_visible, filters)
            if ordered is not None and _fewer(matches, ORDERED_TO_WALK_COST, page_size):
                read = ordered
            elif _fewer(matches, WALK_TO_INDEX_COST, page_size):
                order = order.without_index()
        elif order is BY_ID:
            read = _compiled_by_id(drafts_visible, filters)
        claims = _CLAIM_ROWS if read is not None else rows()
        page = paginate(claims, ordering=order, page_size=page_size, cursor=cursor, read=read)
    return page, verdict_details(rows=page.rows, drafts_visible=drafts_visible)


def _compiled_by_id(drafts_visible: bool, filters: ClaimFilters) -> PageReader | None:
    """A page in id order whose statement is compiled once per shape (platform/db/compiled.py):
    the ORM built and compiled it on every request, a tenth of a list request's time in process
    (docs/PERFORMANCE.md). For the filters whose values a kept statement can take as parameters,
    text and integers; None for the others (`claimant`, `updated_after`, `q`), built each time."""
    given = filters.given()
    if not given.keys() <= COMPILED_FILTERS:
        return None
    names = tuple(sorted(given))

    def read(key: list[Any] | None, backwards: bool, limit: int) -> list[dict[str, Any]]:
        shape = ("claims by id", drafts_visible, names, key is None, backwards, limit)
        values = given if key is None else given | {"bound": key[0]}
        build = partial(_page_by_id, drafts_visible, names, backwards, limit)
        return compiled.rows(shape, raw.reading(Claim), build, values)

    return read


# The filters `_compiled_by_id` passes as values (see ClaimFilters).
COMPILED_FILTERS = frozenset({"article", "status", "rating", "anchor"})


def _page_by_id(
    drafts_visible: bool, names: tuple[str, ...], backwards: bool, limit: int, values: Mapping[str, str | int]
) -> QuerySet[Claim, dict[str, Any]]:
    filters = ClaimFilters(**{name: values[name] for name in names})  # type: ignore[arg-type]
    claims = claim_rows(drafts_visible=drafts_visible, filters=filters)
    if "bound" in values:
        claims = claims.filter(BY_ID.after([values["bound"]], reverse=backwards))
    return claims.order_by(*BY_ID.order_by(reverse=backwards))[:limit]


def _fewer(matches: float, cost: float, page_size: int) -> bool:
    """Whether `matches` are few enough that reading them all beats walking the id order, when
    reading one costs `cost` times walking past one: matches^2 < cost x (page + 1) x table rows."""
    table = ROW_ESTIMATES.rows(("table", Claim), Claim.objects.all())
    return matches * matches < cost * (page_size + 1) * table


def _ordered_search(drafts_visible: bool, filters: ClaimFilters) -> PageReader | None:
    """A search's page read from the indexes that keep each match's id in order
    (platform/db/ordered_search.py), where both searched vectors have one; None where they do
    not, or where other filters narrow the search (their best plan depends on them, so those
    pages keep the GIN paths, the text index or the walk)."""
    using = raw.reading(Claim)
    if filters.given().keys() != {"q"}:
        return None
    if not _searched(drafts_visible).keys() <= ORDERED_VECTORS.of(Claim, using):
        return None

    def read(key: list[Any] | None, backwards: bool, limit: int) -> list[dict[str, Any]]:
        shape = ("ordered search", drafts_visible, key is None, backwards, limit)
        values: dict[str, str | int] = {"q": str(filters.q)}
        if key is not None:
            values |= {"bound": key[0], "start": ordered_search.origin(key[0])}
        build = partial(_ordered_page, drafts_visible, backwards, limit)
        # Prepared, unlike other searches: this path is chosen here, for its term, and its best
        # plan is the same ordered scans whatever the term, so PostgreSQL may keep one plan for
        # it. Planning it on every request cost as much as running it for a rare term
        # (docs/PERFORMANCE.md). A plan kept is made again when ANALYZE finds the table grown,
        # and at the latest with the connection (CONN_MAX_AGE).
        with planned_for_values(False):
            return compiled.rows(shape, using, build, values)

    return read


def _ordered_page(
    drafts_visible: bool, backwards: bool, limit: int, values: Mapping[str, str | int]
) -> QuerySet[Claim, dict[str, Any]]:
    bound = values.get("bound")
    ids = ordered_search.page_ids(
        Claim.objects.all(),
        str(values["q"]),
        columns=_searched(drafts_visible),
        bound=None if bound is None else int(bound),
        start=int(values.get("start", 0)),
        downwards=backwards,
        limit=limit,
    )
    return _CLAIM_ROWS.filter(pk__in=ids).order_by("-id" if backwards else "id")


def claim_detail(*, claim_id: int) -> dict[str, Any] | None:
    """The row (CLAIM_COLUMNS) of one claim, or None; its details come from `verdict_details`, so
    that a conditional GET answered 304 costs one query."""
    # Compiled once (platform/db/compiled.py): building and compiling it cost more than running it.
    rows = compiled.rows(("claim detail",), raw.reading(Claim), _one_claim, {"id": claim_id})
    return rows[0] if rows else None


def _one_claim(values: Mapping[str, str | int]) -> QuerySet[Claim, dict[str, Any]]:
    return _CLAIM_ROWS.filter(pk=values["id"])[:1]


def claim_row(claim: Claim) -> dict[str, Any]:
    """The row `claim_detail` would read (CLAIM_COLUMNS), from an instance loaded whole: a
    write's answer, which has its claim in hand as saved, needs no second read."""
    return {name: getattr(claim, _ATTNAMES[name]) for name in CLAIM_COLUMNS}


# Each column's attribute on an instance (`article_id` is both; `revision` too, a plain integer).
_ATTNAMES = {
    column: field.attname
    for field in Claim._meta.concrete_fields
    for column in CLAIM_COLUMNS
    if column in (field.name, field.attname)
}


def claim_exists(*, claim_id: int) -> bool:
    return Claim.objects.filter(pk=claim_id).exists()


def verdict_details(*, rows: list[dict[str, Any]], drafts_visible: bool) -> VerdictDetails:
    """The evidence and corrections of a page of claim rows: two queries whatever its size, none
    when the viewer may see no verdict on the page.

    Speed trick: hand-written SQL, because compiling these two ORM queries cost more than running
    them (docs/PERFORMANCE.md)."""
    details = VerdictDetails()
    ids = [row["id"] for row in rows if verdict_visible(row["status"], drafts_visible=drafts_visible)]
    if not ids:
        return details
    for claim_id, *values in _of_claims(
        Evidence, ("id", "url", "title", "publisher", "note", "added_at"), ids
    ):
        item = dict(zip(("id", "url", "title", "publisher", "note", "added_at"), values, strict=True))
        details.evidence[claim_id].append(item | {"added_at": raw.aware(item["added_at"])})
    for claim_id, *values in _of_claims(Correction, ("at", "from_rating", "to_rating", "note"), ids):
        item = dict(zip(("at", "from_rating", "to_rating", "note"), values, strict=True))
        details.corrections[claim_id].append(item | {"at": raw.aware(item["at"])})
    return details


def _of_claims(model: type[Evidence | Correction], columns: tuple[str, ...], ids: list[int]) -> list[Any]:
    """(claim_id, *columns) of `model`'s rows for these claims, in id order."""
    using = raw.reading(model)
    among, param = raw.any_of(using, "claim_id", ids)
    return raw.fetch_all(
        using,
        f"SELECT claim_id, {', '.join(columns)} FROM {raw.table(model, using)} WHERE {among} ORDER BY id",
        [param],
    )


def claim_with_context(*, claim_id: int) -> dict[str, Any] | None:
    """The row of one claim with its anchoring context and its article's URL, or None."""
    return (
        Claim.objects.values(*CLAIM_COLUMNS, "prefix", "suffix", "article__url").filter(pk=claim_id).first()
    )
