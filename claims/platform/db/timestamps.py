"""Timestamps read from PostgreSQL by psycopg's compiled loader instead of Django's.

Django loads every `timestamptz` through a Python subclass of psycopg's pure-Python loader, so
that it can pin the result's time zone. A page of 50 claims carries about 150 timestamps, and
parsing them was the largest part of a list request spent in Python (docs/PERFORMANCE.md).
When the session's time zone is UTC, which Django sets for this project (TIME_ZONE = "UTC",
USE_TZ), psycopg's compiled loader gives the very same values (aware, `datetime.timezone.utc`),
so each new connection gets a loader that hands the work to it.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any, cast

from psycopg import abc, adapters, postgres, pq
from psycopg.adapt import Loader

TIMESTAMPTZ_OID = postgres.types["timestamptz"].oid


def _compiled_loader() -> type[abc.Loader] | None:
    """psycopg's timestamptz loader if it is the compiled one (psycopg[binary] or [c])."""
    loader = adapters.get_loader(TIMESTAMPTZ_OID, pq.Format.TEXT)
    return loader if loader is not None and not loader.__module__.startswith("psycopg.") else None


COMPILED_LOADER = _compiled_loader()


class UtcTimestampLoader(Loader):
    """Loads through psycopg's compiled loader. `timezone` is what Django's create_cursor compares
    with the connection's before it would register its own loader on every cursor."""

    timezone = UTC

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        # Registered only where there is a compiled loader (use_compiled_loader).
        self._load = cast(type[abc.Loader], COMPILED_LOADER)(oid, context).load

    def load(self, data: Any) -> Any:
        return self._load(data)


def use_compiled_loader(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: on a PostgreSQL connection whose time zone is UTC, load
    timestamps with the compiled loader."""
    if connection.vendor == "postgresql" and connection.timezone is UTC and COMPILED_LOADER is not None:
        connection.connection.adapters.register_loader(TIMESTAMPTZ_OID, UtcTimestampLoader)
