"""Run a background worker: webhook deliveries and any other queued work, until SIGTERM.

Run as many as you like, on as many machines as you like, against the same database: each task
is taken by one worker (`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL), and each
subscription is delivered by one worker at a time (its lease). docs/FEED.md says more."""

from __future__ import annotations

import logging
import socket
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string

from claims.feed import worker

POLL_SECONDS = 0.2


class Command(BaseCommand):
    help = "Runs a background worker (webhook deliveries, and any other queued work) until SIGTERM."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=POLL_SECONDS,
            help="Seconds between looks at the queue when it is empty (default: %(default)s).",
        )
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=worker.SWEEP_SECONDS,
            help="Seconds between looks for subscriptions left behind (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Each task's start and end is news only when asked for (-v 2).
        level = logging.WARNING if options["verbosity"] < 2 else logging.DEBUG
        for name in ("django_tasks", "django_tasks_db"):
            logging.getLogger(name).setLevel(level)
        worker_id = f"{socket.gethostname()[:40]}-{get_random_string(12)}"

        def ready() -> None:
            self.stdout.write(f"Worker {worker_id} started; SIGTERM stops it.")
            self.stdout.flush()

        worker.start(
            ready=ready,
            queue_names=["*"],
            interval=options["interval"],
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
            sweep_interval=options["sweep_interval"],
        )
