"""Which statements PostgreSQL may plan once, and which it must plan for their values.

On PostgreSQL a statement that repeats on a connection is prepared at its sixth run
(project/settings.py), and after five more PostgreSQL keeps one generic plan for it if that plan
looks no dearer than those it made for each run's values (`plan_cache_mode = auto`). That is right
for what every request sends, whose best plan is the same whatever the values: the token check, a
claim by id, a page's evidence and corrections; planning those on every run cost time measured
in docs/PERFORMANCE.md.

It is wrong for a filtered list. A plan made once for `quote_tsv @@ $1` or `claimant LIKE $1`,
blind to the value, walks a million rows for a rare term or sorts half the table for a common one.
So the statements sent inside `planned_for_values()` go unprepared, and PostgreSQL plans each one
for its own values; the parameters are still bound on the server.

A plan made once is blind to its parameters, so it cannot use a partial index whose predicate
(`WHERE status = 'published'`) a parameter would satisfy: a condition that such an index
repeats is written into the statement as an `Inlined` constant.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import Value

_for_values: ContextVar[bool] = ContextVar("planned_for_values", default=False)


@contextmanager
def planned_for_values(active: bool = True) -> Iterator[None]:
    """Statements sent in this block, on this thread, are planned for their values (if `active`)."""
    token = _for_values.set(active)
    try:
        yield
    finally:
        _for_values.reset(token)


class PlanningCursor(ServerBindingCursor):
    """Django's cursor for server-side binding, which never prepares a statement sent inside
    `planned_for_values()`."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Any:
        if prepare is None and _for_values.get():
            prepare = False
        # django-stubs declares ServerBindingCursor without its psycopg base, psycopg.Cursor.
        return super().execute(query, params, prepare=prepare, binary=binary)  # type: ignore[misc]


class Inlined(Value):
    """A constant of the code's own (a status, never user input) written into the statement's
    text as a literal instead of sent as a parameter: a plan made once can then use the partial
    indexes whose predicate names it."""

    _PLAIN = re.compile(r"[A-Za-z0-9_]+")  # nothing to quote or escape, on any backend

    def __init__(self, value: str) -> None:
        # The text itself, as checked and as written: a str subclass (an enum member) could
        # render otherwise through its own __str__.
        text = str.__str__(value) if isinstance(value, str) else None
        if text is None or not self._PLAIN.fullmatch(text):
            raise ValueError(f"only plain words can be inlined into SQL, not {value!r}")
        super().__init__(text)

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        return f"'{self.value}'", []
