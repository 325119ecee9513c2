"""The background worker: django-tasks-db's worker loop, plus what it lacks for this service.

- A sweep, on start and every few seconds, enqueues a delivery for each subscription still
  behind the feed: this is what recovers the work of a worker killed with `kill -9` (its task
  row stays RUNNING for ever; the subscription's lease expires) and a retry whose task was lost.
- A database that goes away (a restart, a failover) does not end the worker: it closes its
  connections, waits, and carries on.
- Finished task rows are pruned now and then, so the task table stays small.
SIGTERM: the task in hand is finished (a delivery batch is bounded by the lease), then it exits.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker as DBWorker
from django_tasks_db.models import DBTaskResult

from claims.feed.tasks import fan_out
from claims.platform.db import raw
from claims.platform.ratelimit import purge_ended_counters

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 2.0
RECONNECT_SECONDS = 1.0
# Finished task rows are kept this long, for whoever inspects the queue.
KEEP_FINISHED = timedelta(hours=1)
PRUNE_SECONDS = 60


def _worker_options(options: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in options.items() if name != "sweep_interval"}


class Worker(DBWorker):
    def run(self) -> None:
        while self.running:
            try:
                super().run()
                return
            except DatabaseError as error:
                if not self.running:
                    return
                logger.warning("The database is unreachable (%s); retrying.", error)
                _forget_connections()
                time.sleep(RECONNECT_SECONDS)


def _forget_connections() -> None:
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DatabaseError:
            connection.connection = None


class Sweeper(threading.Thread):
    """Every `interval` seconds, in its own database connection: a fan-out, and a pruning."""

    def __init__(self, interval: float = SWEEP_SECONDS) -> None:
        super().__init__(name="feed-sweeper", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        last_prune = 0.0
        while not self.stopping.is_set():
            try:
                close_old_connections()
                sweep()
                if time.monotonic() - last_prune > PRUNE_SECONDS:
                    prune()
                    last_prune = time.monotonic()
            except DatabaseError as error:
                logger.warning("Sweep failed (%s); retrying.", error)
                _forget_connections()
            except Exception:
                logger.exception("Sweep failed")
            self.stopping.wait(self.interval)
        connections.close_all()


def sweep() -> int:
    """A fan-out, run here rather than queued: it enqueues what is due."""
    return fan_out.call()


def prune() -> None:
    """Delete the rate limits' counters of ended windows (`purge_ended_counters`) and task rows
    finished more than KEEP_FINISHED ago, then, on PostgreSQL, vacuum the task table. Every task
    row is inserted ready and updated twice, and each update leaves an entry in the index of ready
    tasks that only a vacuum removes: every lookup of a ready task (the workers' own, a write's
    wake-up) walks them, 3.7 ms a lookup once 40,000 had gathered in a benchmark on a server with
    autovacuum off. Autovacuum, where it runs, waits for a fifth of the table to be dead first."""
    purge_ended_counters()
    finished = [TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED]
    DBTaskResult.objects.filter(status__in=finished, finished_at__lt=timezone.now() - KEEP_FINISHED).delete()
    using = raw.writing(DBTaskResult)
    if raw.vendor(using) == "postgresql":
        with connections[using].cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {raw.table(DBTaskResult, using)}")


def start(*, ready: Callable[[], None], **options: Any) -> None:
    """Run the worker until SIGTERM (or SIGINT); `ready` is called once the signals are handled."""
    worker = Worker(**_worker_options(options))
    worker.configure_signals()
    sweeper = Sweeper(options.get("sweep_interval", SWEEP_SECONDS))
    sweeper.start()
    ready()
    try:
        worker.run()
    finally:
        sweeper.stopping.set()
