"""Django's PostgreSQL backend, whose health check of a kept connection costs no round trip while
the server has sent nothing.

Speed trick: with `CONN_HEALTH_CHECKS`, Django sends `SELECT 1` before the first query of every
request on a kept connection, a round trip per request (about a tenth of a page of the change
feed's time in a worker, docs/PERFORMANCE.md). Between requests a kept connection is idle, and the
server writes to an idle connection only when it ends it (a restart, `pg_terminate_backend`, an
idle timeout: a FATAL message, then the socket closed) or has something unasked (a notice). So
the check first asks the kernel, without waiting, whether the socket has anything to read:
nothing, and the connection is as usable as `SELECT 1` would find it; something, and Django's own
check runs.

What it gives up: a server gone without a word, whose host answers the next packet with a reset
(a rebooted database or pooler host, an address moved to a new primary by a failover, a NAT that
forgot the connection). `SELECT 1` met that reset and reconnected before the request; here the
request's first query meets it, and that request gets a 503 problem with `Retry-After`, once per
kept connection (the next one reconnects). docs/RELIABILITY.md says so.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import Error


class DatabaseWrapper(base.DatabaseWrapper):
    # Set by Django's base class (django-stubs does not declare them).
    health_check_enabled: bool
    health_check_done: bool

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and self._quiet()
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _quiet(self) -> bool:
        """Whether the connection is open and the server has sent nothing since the last answer."""
        connection = self.connection
        if connection.closed or connection.broken:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError, Error):
            return False
        return not readable
