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

from django.contrib.postgres.search import SearchVectorField
from django.db import connections
from django.db.models import BooleanField, Func, Q, QuerySet
from django.db.models.expressions import Col, Expression

SEARCH_CONFIG = "english"


class TsVector(Func):
    """to_tsvector('english', column): no COALESCE, unlike SearchVector, so it matches the index."""

    function = "to_tsvector"
    template = f"%(function)s('{SEARCH_CONFIG}'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


class StoredVector(Expression):
    """The generated `<column>_tsv` column of migration 0005, which the model does not declare
    (SQLite has none), as a column of the query's own table: it follows the table's alias, so a
    search stays the subquery's own when Django nests it (a fixed "claims_claim"."quote_tsv"
    would then point at the outer row)."""

    output_field = SearchVectorField()

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = f"{column}_tsv"

    def resolve_expression(
        self,
        query: Any = None,
        allow_joins: bool = True,
        reuse: set[str] | None = None,
        summarize: bool = False,
        for_save: bool = False,
    ) -> Any:  # a Col, not a StoredVector: it is resolved into the column itself
        target = SearchVectorField()
        target.set_attributes_from_name(self.column)
        return Col(query.get_initial_alias(), target)


class Matches(Expression):
    """`vector @@ websearch_to_tsquery('english', q)`, as one expression: a filter built from it
    compiles in a fraction of the time of the same condition as a lookup on an alias
    (docs/PERFORMANCE.md)."""

    output_field = BooleanField()

    def __init__(self, vector: Expression, q: str) -> None:
        super().__init__()
        self.vector = vector
        self.q = q

    def get_source_expressions(self) -> list[Any]:
        return [self.vector]

    def set_source_expressions(self, exprs: Any) -> None:
        (self.vector,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        vector_sql, vector_params = compiler.compile(self.vector)
        return (
            f"{vector_sql} @@ websearch_to_tsquery('{SEARCH_CONFIG}'::regconfig, %s)",
            [*vector_params, self.q],
        )


def text_search(
    queryset: QuerySet[Any], q: str, *, columns: dict[str, Q], stored: bool = False
) -> QuerySet[Any]:
    """Rows where any of `columns` matches `q`, each column counting only on rows that satisfy its
    Q (a claim's summary only where the viewer may see it; `Q()` for everywhere). `stored`: the
    table has generated `<column>_tsv` columns to match instead of computing the vectors."""
    postgres = connections[queryset.db].vendor == "postgresql"
    match = Q()
    for name, only_where in columns.items():
        if postgres:
            hit = Q(Matches(StoredVector(name) if stored else TsVector(name), q))
        else:
            hit = Q(**{f"{name}__icontains": q})
        match |= hit & only_where
    return queryset.filter(match)
