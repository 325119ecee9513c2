"""The one way to run hand-written SQL.

Each statement runs on the database that Django's router picks for the model it reads or writes,
exactly as the ORM's queries for that model would, so a read-replica router sends a request's
raw reads where it sends its ORM reads. Lists of values are bound as one parameter
(`any_of`), so a statement's text does not change with the length of a page and a prepared
statement serves every page.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar, cast

from django.db import connections, router
from django.db.models import Field, Model, QuerySet
from django.utils.dateparse import parse_datetime

M = TypeVar("M", bound=Model)


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


def locked(model: type[M], pk: int) -> M | None:
    """The row of `model` with primary key `pk`, locked FOR UPDATE until the transaction ends, as
    a whole instance; None if there is none.

    Speed trick: the statement is written once per model and database, not compiled by the ORM
    for every write; compiling `select_for_update().filter(pk=...)` cost about as much as the rest
    of a PATCH's lock, save and history together (docs/PERFORMANCE.md). SQLite has no row locks
    and runs one write transaction at a time; the statement there reads the row."""
    using = writing(model)
    statement = _locking_statement(model, using)
    row = fetch_one(using, statement.sql, [pk])
    if row is None:
        return None
    connection = connections[using]
    values = []
    for (column, converters), value in zip(statement.converters, row, strict=True):
        for converter in converters:
            value = converter(value, column, connection)
        values.append(value)
    return model.from_db(using, statement.attnames, values)


class _Locking(NamedTuple):
    sql: str
    attnames: list[str]
    # Each column's converters, as the ORM's compiler applies them when it loads a row: the
    # backend's (SQLite's timestamps, for instance), then the field's own `from_db_value`.
    converters: list[tuple[Any, list[Any]]]


@functools.cache
def _locking_statement(model: type[Model], using: str) -> _Locking:
    connection = connections[using]
    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(cast(str, field.column)) for field in fields)
    pk = connection.ops.quote_name(cast(str, cast(Field[Any, Any], model._meta.pk).column))
    lock = " FOR UPDATE" if vendor(using) == "postgresql" else ""
    return _Locking(
        sql=f"SELECT {columns} FROM {table(model, using)} WHERE {pk} = %s{lock}",
        attnames=[field.attname for field in fields],
        converters=[
            (column, connection.ops.get_db_converters(column) + field.get_db_converters(connection))
            for field in fields
            for column in [field.get_col(model._meta.db_table)]
        ],
    )
