"""What PostgreSQL's planner expects a query to return, asked without running it.

A search chooses its access path from the planner's estimate of its matches
(`claims.selectors.claims`). Asking costs a round trip and a planning, and the same searches come
back (a partner's refresh, the next page), so answers are kept a minute per process.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Hashable
from typing import Any

from django.db.models import QuerySet

from claims.platform.db import raw

ESTIMATE_SECONDS = 60
MAX_KEPT = 10_000


class RowEstimates:
    """The planner's row estimates, each kept ESTIMATE_SECONDS under a key the caller chooses."""

    def __init__(self) -> None:
        self._kept: dict[Hashable, tuple[float, float]] = {}

    def rows(self, key: Hashable, queryset: QuerySet[Any] | Callable[[], QuerySet[Any]]) -> float:
        """The rows the planner expects `queryset` to return. `key` stands for what the queryset
        was built from, so that a query asked again is neither compiled nor sent; `queryset` may
        be a function that builds it, so that it is not even built then."""
        now = time.monotonic()
        known = self._kept.get(key)
        if known is not None and known[0] > now:
            return known[1]
        if callable(queryset):
            queryset = queryset()
        sql, params = queryset.order_by().query.sql_with_params()
        row = raw.fetch_one(queryset.db, f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = row[0] if row else "[]"
        rows = float((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"])
        if len(self._kept) >= MAX_KEPT:
            self._kept.clear()  # a crude bound; it refills with what is searched now
        self._kept[key] = (now + ESTIMATE_SECONDS, rows)
        return rows

    def clear(self) -> None:
        self._kept.clear()


ROW_ESTIMATES = RowEstimates()
