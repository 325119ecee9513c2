"""Full-text search over claims and articles.

On PostgreSQL it matches `websearch_to_tsquery('english', q)`, which accepts any user input
without a syntax error, against claims' stored vectors (`quote_tsv`, `summary_tsv`, generated
columns with GIN indexes, migration 0005) and against `to_tsvector('english', column)` for
articles, served by expression indexes on exactly that expression (migration 0002: the planner
only uses an expression index when the query repeats the expression). SQLite, the embedded
default, falls back to a case-insensitive substring match.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVectorExact, SearchVectorField
from django.db import connection
from django.db.models import Func, Q, QuerySet
from django.db.models.expressions import RawSQL

SEARCH_CONFIG = "english"


# django.contrib.postgres registers `@@` in its AppConfig; the app itself is not needed here.
SearchVectorField.register_lookup(SearchVectorExact)


class TsVector(Func):
    """to_tsvector('english', column): no COALESCE, unlike SearchVector, so it matches the index."""

    function = "to_tsvector"
    template = f"%(function)s('{SEARCH_CONFIG}'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


def stored_vector(queryset: QuerySet[Any], column: str) -> RawSQL:
    """The generated `<column>_tsv` column, which the model does not declare (SQLite has none)."""
    table = queryset.model._meta.db_table
    return RawSQL(f'"{table}"."{column}_tsv"', [], output_field=SearchVectorField())


def text_search(
    queryset: QuerySet[Any], q: str, *, columns: dict[str, Q | None], stored: bool = False
) -> QuerySet[Any]:
    """Rows where any of `columns` matches `q`. A column mapped to a Q only counts on rows that
    also satisfy it (a claim's summary counts only where the viewer may see it). `stored`: the
    table has generated `<column>_tsv` columns to match instead of computing the vectors."""
    if connection.vendor == "postgresql":
        query = SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")
        aliases = {
            f"_tsv_{name}": stored_vector(queryset, name) if stored else TsVector(name) for name in columns
        }
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
