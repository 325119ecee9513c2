"""The one way to run hand-written SQL.

Each statement runs on the database that Django's router picks for the model it reads or writes,
exactly as the ORM's queries for that model would, so a read-replica router sends a request's
raw reads where it sends its ORM reads. Lists of values are bound as one parameter
(`any_of`), so a statement's text does not change with the length of a page and a prepared
statement serves every page.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from django.db import connections, router
from django.db.models import Field, Model, QuerySet
from django.utils.dateparse import parse_datetime


def reading(model: type[Model]) -> str:
    """The alias of the database that reads of `model` go to."""
    return router.db_for_read(model)


def writing(model: type[Model]) -> str:
    """The alias of the database that writes of `model` go to."""
    return router.db_for_write(model)


def fetch_all(using: str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fetch_one(using: str, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def vendor(using: str) -> str:
    return connections[using].vendor


def table(model: type[Model], using: str) -> str:
    return connections[using].ops.quote_name(model._meta.db_table)


def any_of(using: str, column: str, values: Sequence[int]) -> tuple[str, Any]:
    """`column` is one of `values`: the SQL and its one parameter. PostgreSQL takes the list as an
    array; SQLite, which has none, reads it from a JSON array."""
    if vendor(using) == "postgresql":
        return f"{column} = ANY(%s)", list(values)
    return f"{column} IN (SELECT value FROM json_each(%s))", json.dumps(list(values))


def instance(model: Any, using: str, **values: Any) -> Any:
    """A model instance as the ORM would load it with only `values`; its other fields are deferred
    (they load on access), so it can never be saved over the row with blanks."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(using, names, [values[name] for name in names])


def aware(value: Any) -> datetime | None:
    """A timestamp from a raw row: aware from PostgreSQL, naive UTC (or text) from SQLite."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(value)
    return parsed if parsed is None or parsed.tzinfo else parsed.replace(tzinfo=UTC)


def update_many(objs: Sequence[Model], fields: Sequence[str]) -> None:
    """Save `fields` of every one of `objs` (instances of one model) in one statement.

    Speed trick: Django's bulk_update writes a CASE expression per field and row, which cost
    more to build and to run than the re-anchoring of a whole article (docs/PERFORMANCE.md). On
    PostgreSQL the new values travel as one array per column through `unnest`, so the statement's
    text is the same for any number of rows; SQLite runs one prepared UPDATE per row."""
    if not objs:
        return
    model = type(objs[0])
    using = writing(model)
    connection = connections[using]
    meta = model._meta
    quote_name = connection.ops.quote_name
    columns: list[Field[Any, Any]] = [meta.get_field(name) for name in fields]  # type: ignore[misc]
    pk = cast("Field[Any, Any]", meta.pk)
    values = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in objs] for field in columns
    ]
    ids = [obj.pk for obj in objs]
    table = quote_name(meta.db_table)
    pk_column = quote_name(cast(str, pk.column))
    names = [quote_name(cast(str, field.column)) for field in columns]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in [pk, *columns])
            cursor.execute(
                f"UPDATE {table} AS t SET {', '.join(f'{n} = v.{n}' for n in names)} "
                f"FROM unnest({arrays}) AS v({pk_column}, {', '.join(names)}) "
                f"WHERE t.{pk_column} = v.{pk_column}",
                [ids, *values],
            )
        else:
            assignments = ", ".join(f"{name} = %s" for name in names)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s",
                [[*row, pk_value] for *row, pk_value in zip(*values, ids, strict=True)],
            )


def first_shared(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    """The statement that reads the first value of a one-column `queryset`
    (`values_list(..., flat=True)`) and locks its row FOR SHARE until the transaction ends,
    skipping rows another transaction has locked for update: run it with `fetch_one`. Compile it
    once and keep it when the queryset's values do not change.

    Django's `select_for_update` has no shared mode. A shared lock lets any number of writers
    rely on one row at once while keeping it from a worker that takes rows FOR UPDATE SKIP
    LOCKED. SQLite has no row locks; it runs one write transaction at a time, which holds them
    all off the same way."""
    sql, params = queryset[:1].query.sql_with_params()
    if vendor(queryset.db) == "postgresql":
        sql += " FOR SHARE SKIP LOCKED"
    return sql, tuple(params)
