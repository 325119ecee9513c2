"""Read statements that the ORM builds and compiles once per shape, then runs with new values.

Speed trick: a search of `claims:search` built and compiled its querysets (a text match, a
keyset bound, a nested page of ids) on every request, which took about half of the request's
time in process (docs/PERFORMANCE.md). Here the ORM builds the statement once per shape with a
placeholder for each value that changes from request to request (the terms, an id), the compiled
SQL is kept with where each placeholder landed among its parameters, and the next request of that
shape sends the same SQL with its own values. What the statement's text depends on (which filters
are present, the slice, a language) belongs in the shape's key, not among the values.

A shape is compiled twice with different stand-ins to find them: a value the compiler transforms
on its way to a parameter (SQLite's `LIKE` wraps a term in `%`), or one that changes the SQL
itself, shows, and such a shape is never kept: the ORM runs it each time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import QuerySet

from claims.platform.db import raw

# Shapes kept per process, the least recently used dropped first. A page size, a direction, a
# set of filters each make a shape: thousands are possible, so a shape is compiled only on its
# second request among the last MAX_SHAPES new ones (`_seen`), and a client cycling through
# shapes it asks for once, each run by the ORM as before, cannot push out the statements every
# request uses.
MAX_SHAPES = 512

Values = Mapping[str, str | int]


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple[Any, ...]
    # (index among params, name of the value that goes there)
    slots: tuple[tuple[int, str], ...]
    names: tuple[str, ...]
    # (index in the row, the converters the ORM would apply to it, its expression)
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]


_kept: OrderedDict[tuple[Hashable, str], Statement | None] = OrderedDict()
_seen: OrderedDict[tuple[Hashable, str], None] = OrderedDict()  # shapes asked for once so far
_keeping = threading.Lock()  # a worker's threads share the kept statements


def placeholder(index: int, value: str | int, variant: int = 0) -> str | int:
    """A stand-in for `value` that no real request sends and the compiler passes through as is;
    each `variant` (0 or 1) a different one."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"only text and integers can be placeholders, not {type(value).__name__}")
    if isinstance(value, int):
        return -(2**62) - 2 * index - variant  # within a bigint, far below any id
    return f"\x00placeholder {index}.{variant}\x00"  # PostgreSQL text cannot even hold a NUL


def rows(
    key: Hashable, using: str, build: Callable[[Values], QuerySet[Any, dict[str, Any]]], values: Values
) -> list[dict[str, Any]]:
    """The rows of `build(values)`, a `.values()` queryset read from `using`, as the ORM returns
    them. `key` names the statement's shape: every call with one key must build the same SQL
    whatever `values`. The first call of a shape runs the ORM; the second compiles the shape,
    and later ones reuse it."""
    kept_key = (key, using)
    with _keeping:
        if kept_key in _kept:
            _kept.move_to_end(kept_key)
            statement, compile_now = _kept[kept_key], False
        elif kept_key in _seen:  # its second run: compiled now
            del _seen[kept_key]
            statement, compile_now = None, True
        else:  # its first: the ORM's, and remembered
            _seen[kept_key] = None
            if len(_seen) > MAX_SHAPES:
                _seen.popitem(last=False)
            statement, compile_now = None, False
    if compile_now:
        statement = _compile(build, values)
        with _keeping:
            _kept[kept_key] = statement
            if len(_kept) > MAX_SHAPES:
                _kept.popitem(last=False)
    if statement is None:
        return list(build(values))
    return _run(statement, using, values)


def _compile(build: Callable[[Values], QuerySet[Any, dict[str, Any]]], values: Values) -> Statement | None:
    """The statement of `build`'s shape, or None when it cannot be kept. It is compiled twice,
    with two sets of stand-ins: the SQL must be the same, and the parameters must differ exactly
    where a stand-in went in untouched. A value that changes the SQL, or that the compiler
    transforms (wraps in `%`, uses twice with one copy changed), is thus never kept."""
    compiled = []
    for variant in (0, 1):
        stand_ins = {
            name: placeholder(index, value, variant) for index, (name, value) in enumerate(values.items())
        }
        queryset = build(stand_ins)
        compiler = queryset.query.get_compiler(queryset.db)
        try:
            sql, params = compiler.as_sql()
        except (EmptyResultSet, FullResultSet):
            return None  # a stand-in out of a field's range decided the condition: the ORM's to run
        compiled.append((stand_ins, sql, tuple(params)))
    (stand_ins, sql, params), (other_stand_ins, other_sql, other_params) = compiled
    if sql != other_sql or len(params) != len(other_params):
        return None
    slots = []
    for index, (param, other) in enumerate(zip(params, other_params, strict=True)):
        if type(param) is type(other) and param == other:
            continue
        found = [
            name
            for name in stand_ins
            if type(param) is type(stand_ins[name])
            and param == stand_ins[name]
            and type(other) is type(other_stand_ins[name])
            and other == other_stand_ins[name]
        ]
        if len(found) != 1:
            return None
        slots.append((index, found[0]))
    if {name for _, name in slots} != set(stand_ins):
        return None
    query = queryset.query
    # The keys of the ORM's own `.values()` rows (ValuesIterable), in the SELECT's order.
    selected = getattr(query, "selected", None)
    names: tuple[str, ...] = (
        tuple(selected) if selected else (*query.extra_select, *query.values_select, *query.annotation_select)
    )
    converters = compiler.get_converters([column for column, _, _ in compiler.select[: len(names)]])
    return Statement(
        sql=sql,
        params=params,
        slots=tuple(slots),
        names=tuple(names),
        converters=tuple(
            (index, tuple(funcs), expression) for index, (funcs, expression) in converters.items()
        ),
    )


def _run(statement: Statement, using: str, values: Values) -> list[dict[str, Any]]:
    params = list(statement.params)
    for index, name in statement.slots:
        params[index] = values[name]
    fetched = raw.fetch_all(using, statement.sql, params)
    names = statement.names
    if not statement.converters:
        # A row may end with columns the ORM selects only to order by: never part of the answer.
        return [dict(zip(names, row[: len(names)], strict=True)) for row in fetched]
    connection = connections[using]
    out = []
    for row in fetched:
        converted = list(row[: len(names)])
        for index, funcs, expression in statement.converters:
            value = converted[index]
            for func in funcs:
                value = func(value, expression, connection)
            converted[index] = value
        out.append(dict(zip(names, converted, strict=True)))
    return out


def forget() -> None:
    """Drop every kept statement (tests that change what a shape compiles to)."""
    with _keeping:
        _kept.clear()
        _seen.clear()
