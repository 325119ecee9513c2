"""Full-text search over claims and articles.

On PostgreSQL it uses `to_tsvector('english', column) @@ websearch_to_tsquery(...)`, served by the
GIN indexes that migration 0002 creates on exactly these expressions (the planner only uses an
expression index when the query repeats the expression). websearch_to_tsquery accepts any user
input without a syntax error. SQLite, the embedded default, falls back to a case-insensitive
substring match.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVectorExact, SearchVectorField
from django.db import connection
from django.db.models import Func, Q, QuerySet

SEARCH_CONFIG = "english"


# django.contrib.postgres registers `@@` in its AppConfig; the app itself is not needed here.
SearchVectorField.register_lookup(SearchVectorExact)


class TsVector(Func):
    """to_tsvector('english', column): no COALESCE, unlike SearchVector, so it matches the index."""

    function = "to_tsvector"
    template = f"%(function)s('{SEARCH_CONFIG}'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


def text_search(queryset: QuerySet[Any], q: str, *, columns: dict[str, Q | None]) -> QuerySet[Any]:
    """Rows where any of `columns` matches `q`. A column mapped to a Q only counts on rows that
    also satisfy it (a claim's summary counts only where the viewer may see it)."""
    if connection.vendor == "postgresql":
        query = SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")
        aliases = {f"_tsv_{name}": TsVector(name) for name in columns}
        queryset = queryset.alias(**aliases)
        match = Q()
        for name, only_where in columns.items():
            hit = Q(**{f"_tsv_{name}": query})
            match |= hit & only_where if only_where is not None else hit
        return queryset.filter(match)
    match = Q()
    for name, only_where in columns.items():
        hit = Q(**{f"{name}__icontains": q})
        match |= hit & only_where if only_where is not None else hit
    return queryset.filter(match)
