"""A page of text matches in id order, read from RUM indexes that keep each match's id.

A GIN text index yields its matches in no useful order, so `ORDER BY id LIMIT n` over a match
reads every match and sorts them, or walks the id order testing each row; for terms in about
0.4-1% of a million rows either costs several milliseconds. A RUM index built with
`attach = 'id'` (migration 0015) stores each entry's id and answers `ORDER BY id |=> bound` by
reading the entries from `bound` on, in order: only the page. The extension is not everywhere
(managed services mostly lack it), so a caller asks `ORDERED_VECTORS` which vectors have such an
index and keeps its GIN paths for the rest (docs/PERFORMANCE.md).

One scan orders one vector: a match on either of two vectors is two ordered scans, each limited
to the page, merged. Each scan's bound is a condition the scan meets in order: `id > bound ORDER
BY id |=> bound` reads upwards from the bound, `id < bound ORDER BY id <=| bound` downwards.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.models import Expression, F, Model, Q, QuerySet
from django.db.models.expressions import RawSQL

from claims.platform.db import raw
from claims.platform.db.search import Matches, StoredVector

# RUM measures an id's distance from the bound as a float8, exact only up to 2^53: from a bound
# past it (a cursor may carry any id up to 2^63 - 1), ids a thousand apart tie, and a LIMIT cuts
# among them at random. Ids never get there, so the distance is measured from here instead.
EXACT_ORIGIN = 2**53

# Indexes change with a migration, which deployments follow with a restart; a minute bounds how
# long a process keeps using an index dropped under it (slowly: the operators need no index).
KEEP_SECONDS = 60

# The stored vectors of `table` that have a valid RUM index, by the column the index orders.
_RUM_VECTORS = """
SELECT DISTINCT a.attname
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_am am ON am.oid = c.relam
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indrelid = to_regclass(%s) AND am.amname = 'rum' AND i.indisvalid
  AND 'attach=id' = ANY(c.reloptions)
"""


class OrderedVectors:
    """Which stored vectors of a table have an index ordered by id, asked once a minute."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}

    def of(self, model: type[Model], using: str) -> frozenset[str]:
        """The columns (`quote`, not `quote_tsv`) whose vectors have a RUM index on `using`."""
        if raw.vendor(using) != "postgresql":
            return frozenset()
        key = (using, model._meta.db_table)
        now = time.monotonic()
        known = self._kept.get(key)
        if known is not None and known[0] > now:
            return known[1]
        found = raw.fetch_all(using, _RUM_VECTORS, [model._meta.db_table])
        columns = frozenset(name.removesuffix("_tsv") for (name,) in found if name.endswith("_tsv"))
        self._kept[key] = (now + KEEP_SECONDS, columns)
        return columns

    def clear(self) -> None:
        self._kept.clear()


ORDERED_VECTORS = OrderedVectors()


class IdDistance(Expression):
    """RUM's distance of the row's `id` from `bound`, upwards (`|=>`) or downwards (`<=|`): what
    the index orders its entries by."""

    def __init__(self, bound: int, *, downwards: bool) -> None:
        super().__init__()
        self.id = F("id")
        self.bound = bound
        self.operator = "<=|" if downwards else "|=>"

    def get_source_expressions(self) -> list[Any]:
        return [self.id]

    def set_source_expressions(self, exprs: Any) -> None:
        (self.id,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        id_sql, id_params = compiler.compile(self.id)
        return f"{id_sql} {self.operator} %s", [*id_params, self.bound]


def origin(bound: int) -> int:
    """Where the scans measure distances from for a page beyond `bound` (see EXACT_ORIGIN): a
    value of its own, so that a statement compiled once per shape gets it (platform/db/compiled)."""
    return min(bound, EXACT_ORIGIN)


def page_ids(
    queryset: QuerySet[Any],
    q: str,
    *,
    columns: dict[str, Q],
    bound: int | None,
    start: int,
    downwards: bool,
    limit: int,
) -> RawSQL:
    """The ids of the first `limit` rows of `queryset` in id order (from the top, `downwards`)
    that match `q` in any of `columns` (each where its Q holds, as in `search.text_search`),
    strictly beyond `bound` if given, as a subquery; the scans order by distance from `start`
    (0 for a first page, else `origin(bound)`). Every column must have a RUM index
    (`ORDERED_VECTORS`)."""
    branches: list[str] = []
    params: list[Any] = []
    for name, only_where in columns.items():
        branch = queryset.filter(Q(Matches(StoredVector(name), q)) & only_where)
        if bound is not None:
            branch = branch.filter(**{"id__lt" if downwards else "id__gt": bound})
        branch = branch.order_by(IdDistance(start, downwards=downwards).asc()).values("id")[:limit]
        sql, branch_params = branch.query.sql_with_params()
        branches.append(f"({sql})")
        params.extend(branch_params)
    direction = "DESC" if downwards else "ASC"
    merged = " UNION ALL ".join(branches)
    return RawSQL(
        f"SELECT DISTINCT id FROM ({merged}) AS matches ORDER BY id {direction} LIMIT {int(limit)}", params
    )
