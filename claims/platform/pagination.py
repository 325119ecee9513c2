"""Keyset ("cursor") pagination: `{"next", "previous", "results"}`.

A cursor carries the sort key of the row it stands after (or before), never an offset, so in the
default order by id every row is visited exactly once while other rows are inserted, updated or
deleted. One query a page: it fetches one row more than the page to learn whether there is a next.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.dateparse import parse_datetime
from rest_framework.utils.urls import remove_query_param, replace_query_param

from claims.platform.errors import ValidationFailed

CURSOR_PARAM = "cursor"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Ordering:
    """A total order: the fields, all ascending or all descending, the last one unique."""

    name: str
    fields: tuple[str, ...]
    descending: bool
    index_free: bool = False

    def key(self, row: Any) -> list[Any]:
        values = row if isinstance(row, dict) else row.__dict__
        return [_encode_value(values[field]) for field in self.fields]

    def after(self, key: Sequence[Any], *, reverse: bool) -> Q:
        """Rows strictly after `key` in this order (before it, with `reverse`)."""
        greater = self.descending == reverse
        op = "gt" if greater else "lt"
        condition = Q()
        equal: dict[str, Any] = {}
        for field, value in zip(self.fields, key, strict=True):
            condition |= Q(**equal, **{f"{field}__{op}": value})
            equal[field] = value
        return condition

    def order_by(self, *, reverse: bool) -> list[Any]:
        descending = self.descending != reverse
        if self.index_free:
            # `id + 0` sorts the same, but no index can produce it: the planner must find the rows
            # another way (a text-search index) and sort them.
            return [(F(field) + 0).desc() if descending else (F(field) + 0).asc() for field in self.fields]
        return [f"-{field}" if descending else field for field in self.fields]

    def without_index(self) -> Ordering:
        return replace(self, index_free=True)


BY_ID = Ordering("id", ("id",), descending=False)
BY_RECENT_UPDATE = Ordering("-updated_at", ("updated_at", "id"), descending=True)


def _encode_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


# Ids are positive 64-bit integers (BigAutoField); a cursor naming another is forged.
MAX_ID = 2**63 - 1


def _decode_value(field: str, value: Any) -> Any:
    if field == "id":
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID:
            return value
        raise ValueError
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise ValueError
    # In UTC, as the database compares it; an offset that pushes it out of the years datetime
    # can hold (0001-01-01T00:00:00+05:00) raises OverflowError here, the client's 400.
    return parsed.astimezone(UTC)


def encode_cursor(ordering: Ordering, key: list[Any], *, reverse: bool) -> str:
    payload = {"o": ordering.name, "r": reverse, "k": key}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, ordering: Ordering) -> tuple[list[Any], bool]:
    problem = ValidationFailed(
        {CURSOR_PARAM: ["Invalid cursor: use the `next` or `previous` link of a list response."]}
    )
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        key = payload["k"]
        reverse = payload["r"]
        if payload["o"] != ordering.name:
            raise ValidationFailed(
                {CURSOR_PARAM: ["This cursor belongs to another `ordering`; keep the one it came with."]}
            )
        if not isinstance(key, list) or len(key) != len(ordering.fields) or not isinstance(reverse, bool):
            raise problem
        return [_decode_value(f, v) for f, v in zip(ordering.fields, key, strict=True)], reverse
    except (ValueError, TypeError, KeyError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise problem from None


@dataclass
class Page:
    """A page of rows, and the cursors to the pages either side of it (None where there is none).
    `back_to_start`: a backward cursor ran past the first row, and the first page is the way back."""

    rows: list[Any]
    next_cursor: str | None
    previous_cursor: str | None
    back_to_start: bool = False

    def links(self, url: str) -> tuple[str | None, str | None]:
        """The `next` and `previous` URLs: `url` (the request's own) with each cursor in it."""
        next_link = replace_query_param(url, CURSOR_PARAM, self.next_cursor) if self.next_cursor else None
        if self.back_to_start:
            return next_link, remove_query_param(url, CURSOR_PARAM)
        previous = self.previous_cursor
        return next_link, replace_query_param(url, CURSOR_PARAM, previous) if previous else None

    @staticmethod
    def link_header(next_link: str | None, previous_link: str | None) -> str | None:
        """The `links` as an RFC 8288 `Link` header value, `<next>; rel="next", <prev>;
        rel="prev"`; None when there is no page either side. The URLs are the request's own,
        percent-encoded, so none holds a `<`, `>` or space that would end one early."""
        links = [
            f'<{link}>; rel="{rel}"' for rel, link in (("next", next_link), ("prev", previous_link)) if link
        ]
        return ", ".join(links) or None


# How a caller reads a page itself: (the cursor's key or None, backwards?, rows to read) -> rows.
PageReader = Callable[[list[Any] | None, bool, int], list[Any]]


def paginate(
    queryset: QuerySet[Any],
    *,
    ordering: Ordering,
    page_size: int,
    cursor: str | None,
    read: PageReader | None = None,
) -> Page:
    """A page of `queryset` in `ordering` from `cursor`. `read`, if given, reads the page's rows
    instead of the queryset (the same rows, found another way: `claims.selectors.claims`)."""
    reverse = False
    key: list[Any] | None = None
    if cursor:
        key, reverse = decode_cursor(cursor, ordering)
    if read is not None:
        rows = read(key, reverse, page_size + 1)
    else:
        if key is not None:
            queryset = queryset.filter(ordering.after(key, reverse=reverse))
        ordered = queryset.order_by(*ordering.order_by(reverse=reverse))
        if ordering.index_free:
            rows = _ids_first(queryset, ordered, ordering, reverse=reverse, limit=page_size + 1)
        else:
            rows = list(ordered[: page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    if reverse:
        rows.reverse()
    # Going forward, there is a previous page whenever we came by a cursor; going back, there is
    # a next page (the row the cursor stood before), and a previous one if the query found more.
    has_next = more if not reverse else True
    has_previous = bool(cursor) if not reverse else more

    def at(row: Any, *, back: bool) -> str:
        return encode_cursor(ordering, ordering.key(row), reverse=back)

    return Page(
        rows=rows,
        next_cursor=at(rows[-1], back=False) if has_next and rows else None,
        previous_cursor=at(rows[0], back=True) if has_previous and rows else None,
        back_to_start=has_previous and not rows,
    )


def _ids_first(
    queryset: QuerySet[Any], ordered: QuerySet[Any], ordering: Ordering, *, reverse: bool, limit: int
) -> list[Any]:
    """The page's rows in one statement that sorts only ids: the rows matching `queryset` are
    sorted by id alone in a subquery, then just the page's rows are read, so the columns of
    every match do not travel through the sort. The outer query repeats none of the filters: its
    plan is a primary-key lookup per row of the page."""
    page_ids = ordered.values("pk")[:limit]
    outer = queryset.model._default_manager.values(*queryset.query.values_select)
    by_index = replace(ordering, index_free=False)
    return list(outer.filter(pk__in=page_ids).order_by(*by_index.order_by(reverse=reverse)))
