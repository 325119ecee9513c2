"""Webhook delivery against issue 14's speed goals: at least 500 webhooks/s to a local receiver with
two workers, and p95 <= 1 s from a write's commit to its delivery when the workers are idle.

On a database of its own (dropped and recreated, then `manage.py migrate`; dropped again at the
end unless --keep-database), it starts a receiver on 127.0.0.1 (an asyncio server in a
subprocess that answers 204 and logs each webhook-id with its arrival time, checked alone first
so that it is known not to be the bottleneck), subscribes --subscriptions clients to every event
type through the service functions (`subscription_create`, after the same `resolve` check as the
API), with WEBHOOK_ALLOW_PRIVATE_NETWORKS=1, and starts --workers `python manage.py worker`
processes with their default settings. Then:

1. Throughput, per round, in two modes:
   - `live`: the workers run while the burst is written: --changes `claim_create` calls, one
     change each, as fast as one process writes them;
   - `backlog`: the workers are stopped (SIGTERM) while the burst is written, then started again:
     they drain a backlog, so the figure is the delivery's alone, not the writer's.
   The figure is webhooks/s from the first delivery to the last (all subscriptions together),
   held to the 500/s goal in backlog mode; live delivery cannot outrun the one writer, so there
   the goal is keeping up: the last delivery within a second of the last write.
   Every subscription must receive every change of the burst exactly once, in position order
   (checked on the receiver's log of webhook-ids, without deduplication).
2. Latency when idle: --idle-writes `claim_update` calls 100-300 ms apart, each timed from just
   after the service returns (its transaction committed) to the receiver's arrival, per
   subscription: p50, p95, max.

Prints a markdown table (and writes it, the raw numbers and the workers' logs to
bench/results/). Every process it starts is stopped however it exits.

    .venv/bin/python bench/webhooks.py [--database-url postgres://postgres@127.0.0.1:5432/claims_bench_hooks]
        [--changes 10000 --workers 2 --subscriptions 2 --rounds 3 --modes backlog,live --idle-writes 100]
        [--profile DIR]   # py-spy the workers of the first backlog round (raw stacks in DIR)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
PROTECTED_DATABASES = {"postgres", "template0", "template1", "test", "test_test", "claims_bench"}
THROUGHPUT_GOAL = 500.0
LATENCY_GOAL_S = 1.0
SENTENCES_PER_ARTICLE = 100


# --- the receiver (run as `webhooks.py --serve-receiver`, in its own process) -------------------


def serve_receiver(port_file: str) -> None:
    """A minimal HTTP/1.1 server: every POST is answered 204 and logged (webhook-id, arrival on
    CLOCK_MONOTONIC, which all processes of the machine share). GET /count, GET /log and
    GET /reset are the benchmark's controls; GET /sample gives the last 20 requests in full, for
    the signature check."""
    log: list[str] = []
    sample: deque[dict[str, Any]] = deque(maxlen=20)
    control = {"count": 0}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                method, target = lines[0].split(b" ")[:2]
                length = 0
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    if name:
                        headers[name.strip().lower().decode()] = value.strip().decode()
                length = int(headers.get("content-length", 0))
                body = await reader.readexactly(length) if length else b""
                arrived = time.monotonic()
                if method == b"POST":
                    log.append(f"{headers.get('webhook-id', '-')} {arrived:.6f}")
                    control["count"] += 1
                    sample.append({"headers": headers, "body": body.decode()})
                    writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                else:
                    if target == b"/count":
                        reply = str(control["count"]).encode()
                    elif target == b"/log":
                        reply = "\n".join(log).encode()
                    elif target == b"/sample":
                        reply = json.dumps(list(sample)).encode()
                    elif target == b"/reset":
                        log.clear()
                        sample.clear()
                        control["count"] = 0
                        reply = b"ok"
                    else:
                        reply = b""
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(reply), reply))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        Path(port_file).write_text(str(server.sockets[0].getsockname()[1]))
        async with server:
            await server.serve_forever()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    asyncio.run(main())


def hammer(port: int, seconds: float) -> None:
    """The receiver alone: POST a webhook-sized body over one kept-alive connection, as the worker
    does, for `seconds`; print how many were answered."""
    body = b'{"position": 1, "data": ' + b'"x"' * 400 + b"}"
    headers = {"Content-Type": "application/json", "webhook-id": "hammer", "webhook-signature": "v1,x" * 12}
    done = 0
    until = time.monotonic() + seconds
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    while time.monotonic() < until:
        connection.request("POST", "/hooks", body=body, headers=headers)
        connection.getresponse().read()
        done += 1
    connection.close()
    print(done)


# --- the benchmark ----------------------------------------------------------------------------


class Processes:
    """Every process the benchmark starts, stopped on the way out however it goes."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(args, **kwargs)
        self.running.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process in self.running:
            self.running.remove(process)

    def stop_all(self) -> None:
        for process in list(self.running):
            self.stop(process, timeout=10)


@dataclass
class Receiver:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def get(self, path: str) -> bytes:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("GET", path)
        reply = connection.getresponse().read()
        connection.close()
        return reply

    def count(self) -> int:
        return int(self.get("/count"))

    def log(self) -> list[tuple[str, float]]:
        out = []
        for line in self.get("/log").decode().splitlines():
            message_id, arrived = line.split(" ")
            out.append((message_id, float(arrived)))
        return out


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_cpu_seconds() -> dict[int, float]:
    """CPU time so far of each PostgreSQL backend connected to the benchmark's database (the
    cluster may be shared: other databases' backends are left out)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return {pid: cpu_seconds(pid) for (pid,) in cursor.fetchall()}


def backends_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the backends used between the two readings (a new backend's all of it)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


@dataclass
class Round:
    mode: str
    number: int
    changes: int
    write_seconds: float = 0.0
    deliveries: int = 0
    delivery_seconds: float = 0.0
    rate: float = 0.0
    # From the end of the writes to the last delivery: ~0 when the writer was the limit.
    tail_seconds: float = 0.0
    # From the workers' start (backlog) or the first write (live) to the last delivery.
    drain_seconds: float = 0.0
    # Wake-up task rows still ready once every change was delivered, and how long they took to run.
    tasks_left: int = 0
    tasks_left_seconds: float = 0.0
    exactly_once_in_order: bool = False
    problems: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)


class Bench:
    def __init__(self, args: argparse.Namespace, processes: Processes, out: Path) -> None:
        self.args = args
        self.processes = processes
        self.out = out
        self.env = dict(
            os.environ,
            DATABASE_URL=args.database_url,
            DJANGO_SETTINGS_MODULE="project.settings",
            WEBHOOK_ALLOW_PRIVATE_NETWORKS="1",
            SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-hooks-" + secrets.token_urlsafe(32),
            LOG_LEVEL="WARNING",
        )
        self.workers: list[subprocess.Popen[bytes]] = []
        self.worker_starts = 0
        self.profile_next = False
        self.spies: list[subprocess.Popen[bytes]] = []

    # set-up

    def create_database(self) -> None:
        import psycopg
        from psycopg import sql
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        dbname = str(conninfo_to_dict(self.args.database_url)["dbname"])
        with psycopg.connect(
            make_conninfo(self.args.database_url, dbname="postgres"), autocommit=True
        ) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            if self.args.synchronous_commit:
                # An experiment: every connection to this database, the writer's too.
                admin.execute(
                    sql.SQL("ALTER DATABASE {} SET synchronous_commit = {}").format(
                        sql.Identifier(dbname), sql.Literal(self.args.synchronous_commit)
                    )
                )
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )

    def drop_database(self) -> None:
        import psycopg
        from psycopg import sql
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        dbname = str(conninfo_to_dict(self.args.database_url)["dbname"])
        with psycopg.connect(
            make_conninfo(self.args.database_url, dbname="postgres"), autocommit=True
        ) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))

    def start_receiver(self) -> Receiver:
        port_file = self.out / "receiver.port"
        port_file.unlink(missing_ok=True)
        process = self.processes.start(
            [sys.executable, __file__, "--serve-receiver", str(port_file)],
            stdout=(self.out / "receiver.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while not port_file.exists() or not port_file.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("The receiver did not start; see receiver.log")
            time.sleep(0.05)
        return Receiver(process, int(port_file.read_text()))

    def receiver_alone(
        self, receiver: Receiver, clients: int = 2, seconds: float = 3.0
    ) -> tuple[float, float]:
        """Requests/s the receiver answers to `clients` processes posting as fast as they can, each
        over a kept connection; and the receiver's CPU share meanwhile."""
        cpu_before = cpu_seconds(receiver.process.pid)
        started = time.monotonic()
        hammers = [
            self.processes.start(
                [sys.executable, __file__, "--hammer", str(receiver.port), str(seconds)],
                stdout=subprocess.PIPE,
            )
            for _ in range(clients)
        ]
        done = 0
        for process in hammers:
            output, _ = process.communicate(timeout=seconds + 30)
            self.processes.running.remove(process)
            done += int(output)
        elapsed = time.monotonic() - started
        receiver.get("/reset")
        return done / seconds, (cpu_seconds(receiver.process.pid) - cpu_before) / elapsed

    def start_workers(self) -> None:
        for _ in range(self.args.workers):
            self.worker_starts += 1
            name = f"worker-{self.worker_starts}"
            log = self.out / f"{name}.log"
            command = [sys.executable, "manage.py", "worker"]
            process = self.processes.start(
                command, cwd=ROOT, env=self.env, stdout=log.open("ab"), stderr=subprocess.STDOUT
            )
            self.workers.append(process)
            deadline = time.monotonic() + 60
            while "started" not in log.read_text():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"A worker did not start; see {log}")
                time.sleep(0.05)
            if self.profile_next:
                # py-spy samples every thread, waits included (--idle), until SIGINT after the round.
                self.spies.append(
                    self.processes.start(
                        [
                            str(Path(sys.executable).parent / "py-spy"),
                            "record",
                            "--pid",
                            str(process.pid),
                            "--idle",
                            "--threads",
                            "--format",
                            "raw",
                            "--rate",
                            "200",
                            "--output",
                            str(Path(self.args.profile) / f"{name}.txt"),
                        ],
                        stdout=(self.out / "py-spy.log").open("ab"),
                        stderr=subprocess.STDOUT,
                    )
                )
        self.profile_next = False

    def stop_spies(self) -> None:
        for spy in self.spies:
            spy.send_signal(signal.SIGINT)
        for spy in self.spies:
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(timeout=30)  # writing its output
            self.processes.stop(spy)
        self.spies = []

    def stop_workers(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.workers:
            self.processes.stop(process)
        self.workers = []

    def seed(self, claims_needed: int) -> None:
        """An editor, a client, and articles whose sentences the bursts quote (one claim each)."""
        from claims.accounts.services import token_create
        from claims.services.articles import article_create

        self.editor = token_create(username="bench-hooks-editor", role="editor", days=None)[0].user
        self.client = token_create(username="bench-hooks-client", role="client", days=None)[0].user
        self.quotes: list[tuple[int, str]] = []
        for a in range(-(-claims_needed // SENTENCES_PER_ARTICLE)):
            sentences = [
                f"Report {a}-{i} says the figure was {i * 7 + a} units." for i in range(SENTENCES_PER_ARTICLE)
            ]
            article = article_create(
                actor=self.editor, headline=f"Bench article {a}", body=" ".join(sentences)
            )
            self.quotes += [(article.pk, s) for s in sentences]
        self.quotes.reverse()

    def subscribe(self, receiver: Receiver) -> list[int]:
        from claims.feed.addresses import resolve
        from claims.models import ChangeType
        from claims.services.webhooks import subscription_create

        resolve(receiver.url)  # as the API does before subscribing
        return [
            subscription_create(owner=self.client, url=receiver.url, events=list(ChangeType.values)).pk
            for _ in range(self.args.subscriptions)
        ]

    # measuring

    def burst(self, count: int) -> list[int]:
        from claims.services.claims import claim_create

        claims = []
        for _ in range(count):
            article_id, quote = self.quotes.pop()
            claims.append(
                claim_create(actor=self.editor, article_id=article_id, quote=quote, claimant="Bench").pk
            )
        return claims

    def wait_delivered(self, receiver: Receiver, expected: int, timeout: float) -> bool:
        """Until every subscription has `expected` deliveries (and no more arrive for 1 s)."""
        deadline = time.monotonic() + timeout
        while receiver.count() < expected:
            if time.monotonic() > deadline:
                return False
            if any(p.poll() is not None for p in self.workers):
                raise SystemExit("A worker died; see its log in " + str(self.out))
            time.sleep(0.1)
        time.sleep(1.0)  # any repeat arrives meanwhile and is counted against exactly-once
        return True

    def wait_caught_up(self, subscriptions: list[int], timeout: float) -> None:
        """Until every subscription's cursor is at the feed's end."""
        from claims.models import Subscription
        from claims.selectors.changes import last_position

        deadline = time.monotonic() + timeout
        end = last_position()
        while Subscription.objects.filter(pk__in=subscriptions, delivered_position__lt=end).exists():
            if time.monotonic() > deadline:
                raise SystemExit(f"The subscriptions did not catch up within {timeout:.0f} s")
            time.sleep(0.1)

    def wait_queue_empty(self, timeout: float) -> tuple[int, float]:
        """Until no task row is ready or running: (how many were ready at first, seconds taken)."""
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        pending = DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        first = pending.count()
        started = time.monotonic()
        while pending.exists():
            if time.monotonic() - started > timeout:
                raise SystemExit(f"The task queue did not empty within {timeout:.0f} s")
            time.sleep(0.2)
        return first, time.monotonic() - started

    def check(
        self, log: list[tuple[str, float]], subscriptions: list[int], positions: list[int]
    ) -> list[str]:
        problems = []
        for sub in subscriptions:
            prefix = f"msg_{sub}_"
            got = [int(m[len(prefix) :]) for m, _ in log if m.startswith(prefix)]
            repeats = len(got) - len(set(got))
            if repeats:
                problems.append(f"subscription {sub}: {repeats} delivered twice")
            if sorted(set(got)) != positions:
                missing = len(set(positions) - set(got))
                problems.append(f"subscription {sub}: {missing} of {len(positions)} missing")
            elif got != positions:
                problems.append(f"subscription {sub}: out of position order")
        return problems

    def feed_after(self, start: int) -> list[int]:
        from claims.models import Change

        return list(
            Change.objects.filter(position__gt=start).order_by("position").values_list("position", flat=True)
        )

    def throughput_round(self, receiver: Receiver, subscriptions: list[int], mode: str, number: int) -> Round:
        from claims.selectors.changes import last_position

        result = Round(mode=mode, number=number, changes=self.args.changes)
        receiver.get("/reset")
        start = last_position()
        if mode == "backlog":
            self.stop_workers()
            self.profile_next = bool(self.args.profile) and number == 1
        watched = {"receiver": receiver.process.pid} | {
            f"worker {i + 1}": p.pid for i, p in enumerate(self.workers)
        }
        cpu_before = {name: cpu_seconds(pid) for name, pid in watched.items()}
        backends_before = backend_cpu_seconds()
        t0 = time.monotonic()
        written = time.monotonic()
        self.burst(self.args.changes)
        written = time.monotonic()
        result.write_seconds = written - t0
        began = t0
        if mode == "backlog":
            began = time.monotonic()
            self.start_workers()
            watched |= {f"worker {i + 1}": p.pid for i, p in enumerate(self.workers)}
            cpu_before |= {f"worker {i + 1}": cpu_seconds(p.pid) for i, p in enumerate(self.workers)}
        positions = self.feed_after(start)
        expected = len(positions) * len(subscriptions)
        timeout = max(180.0, expected / 25)
        complete = self.wait_delivered(receiver, expected, timeout)
        cpu_after = {name: cpu_seconds(pid) for name, pid in watched.items()}
        cpu_after["postgres (this database)"] = backends_used(backends_before, backend_cpu_seconds())
        cpu_before["postgres (this database)"] = 0.0
        window = time.monotonic() - began
        self.stop_spies()
        log = receiver.log()
        result.tasks_left, result.tasks_left_seconds = self.wait_queue_empty(600)
        if not complete:
            result.problems.append(f"only {len(log)} of {expected} delivered within {timeout:.0f} s")
        result.problems += self.check(log, subscriptions, positions)
        result.exactly_once_in_order = not result.problems
        arrivals = sorted(t for _, t in log)
        result.deliveries = len(arrivals)
        if len(arrivals) > 1:
            result.delivery_seconds = arrivals[-1] - arrivals[0]
            result.rate = (len(arrivals) - 1) / result.delivery_seconds
            result.tail_seconds = arrivals[-1] - written
            result.drain_seconds = arrivals[-1] - began
        result.cpu = {name: (cpu_after[name] - cpu_before[name]) / window for name in cpu_after}
        return result

    def idle_latency(self, receiver: Receiver, subscriptions: list[int]) -> dict[int, list[float]]:
        from claims.selectors.changes import last_position
        from claims.services.claims import claim_update

        claims = self.burst(5)
        self.wait_caught_up(subscriptions, 120)
        self.wait_queue_empty(600)
        time.sleep(1.0)  # the workers idle: nothing delivered, no task queued
        receiver.get("/reset")
        start = last_position()
        committed = []
        rng = random.Random(14)
        for n in range(self.args.idle_writes):
            time.sleep(rng.uniform(0.1, 0.3))
            claim_update(
                actor=self.editor,
                claim_id=claims[n % len(claims)],
                expected_versions=None,
                claimant=f"Idle write {n}",
            )
            committed.append(time.monotonic())
        positions = self.feed_after(start)
        if len(positions) != len(committed):
            raise SystemExit(f"{len(positions)} changes for {len(committed)} writes: something else wrote")
        self.wait_delivered(receiver, len(positions) * len(subscriptions), 60)
        log = receiver.log()
        problems = self.check(log, subscriptions, positions)
        if problems:
            print("idle latency: " + "; ".join(problems), file=sys.stderr)
        at = dict(zip(positions, committed, strict=True))
        latencies: dict[int, list[float]] = {sub: [] for sub in subscriptions}
        for message_id, arrived in log:
            _, sub, position = message_id.split("_")
            latencies[int(sub)].append(arrived - at[int(position)])
        return latencies

    def verify_sample(self, receiver: Receiver) -> int:
        """The last deliveries' signatures, checked with the standardwebhooks library; how many."""
        from standardwebhooks import Webhook

        from claims.models import Subscription

        secrets_by_id = dict(Subscription.objects.values_list("id", "secret"))
        sample = json.loads(receiver.get("/sample"))
        for message in sample:
            sub = int(message["headers"]["webhook-id"].split("_")[1])
            payload = Webhook(secrets_by_id[sub]).verify(message["body"], message["headers"])
            assert f"msg_{sub}_{payload['position']}" == message["headers"]["webhook-id"]
        return len(sample)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def report(
    args: argparse.Namespace,
    rounds: list[Round],
    alone: tuple[float, float],
    latencies: dict[int, list[float]],
    load: str,
) -> str:
    lines = [
        f"Webhook delivery, {args.workers} workers, {args.subscriptions} subscriptions, bursts of "
        f"{args.changes:,} changes ({args.changes * args.subscriptions:,} webhooks), {os.cpu_count()} CPUs, "
        f"load average before: {load}"
        + (f"; synchronous_commit={args.synchronous_commit}." if args.synchronous_commit else "."),
        "",
        "| figure | value | goal | met? |",
        "|---|---:|---|:-:|",
    ]
    for mode in dict.fromkeys(r.mode for r in rounds):
        of_mode = [r for r in rounds if r.mode == mode]
        rates = [r.rate for r in of_mode]
        median = statistics.median(rates)
        spread = f" (rounds {min(rates):,.0f}-{max(rates):,.0f})" if len(rates) > 1 else ""
        if mode == "backlog":
            goal, met = f">= {THROUGHPUT_GOAL:.0f}/s", median >= THROUGHPUT_GOAL
        else:
            # Live delivery cannot outrun the one writer; what matters is that it keeps up.
            tail = max(r.tail_seconds for r in of_mode)
            goal, met = f"keeps up: last delivery {tail:.1f} s after the last write, <= 1 s", tail <= 1.0
        drains = [r.deliveries / r.drain_seconds if r.drain_seconds else 0.0 for r in of_mode]
        since = "the workers' start" if mode == "backlog" else "the first write"
        ok = all(r.exactly_once_in_order for r in of_mode)
        problems = "; ".join(p for r in of_mode for p in r.problems)
        lines += [
            f"| throughput, {mode}: webhooks/s, first delivery to last, median of {len(rates)} | "
            f"{median:,.0f}{spread} | {goal} | {'yes' if met else '**no**'} |",
            f"| {mode}: webhooks/s from {since} to the last delivery | "
            f"{statistics.median(drains):,.0f} | | |",
            f"| {mode}: every change delivered once per subscription, in position order | "
            f"{'yes' if ok else 'NO: ' + problems} | exactly once, in order | {'yes' if ok else '**no**'} |",
        ]
    pooled = [v for values in latencies.values() for v in values]
    if pooled:
        p95 = percentile(pooled, 0.95)
        per_sub = ", ".join(f"{percentile(v, 0.95) * 1000:.0f}" for v in latencies.values())
        lines += [
            f"| idle: commit to delivery p50 ({len(pooled)} deliveries) | "
            f"{percentile(pooled, 0.5) * 1000:.0f} ms | | |",
            f"| idle: commit to delivery p95 (per subscription: {per_sub} ms) | {p95 * 1000:.0f} ms | "
            f"<= {LATENCY_GOAL_S * 1000:.0f} ms | {'yes' if p95 <= LATENCY_GOAL_S else '**no**'} |",
            f"| idle: commit to delivery max | {max(pooled) * 1000:.0f} ms | | |",
        ]
    lines.append(
        f"| the receiver alone: requests/s, 2 clients, a kept connection each (its CPU) | "
        f"{alone[0]:,.0f} ({alone[1]:.0%} of a core) | well above the throughput | "
        f"{'yes' if alone[0] > 2 * max((r.rate for r in rounds), default=0) else '**no**'} |"
    )
    lines += [
        "",
        "| round | mode | writes/s of the burst | webhooks | first to last delivery | webhooks/s | "
        "last delivery after last write | webhooks/s from workers' start (backlog) or first write (live) | "
        "CPU, share of a core, over that window | wake-up tasks left after the last delivery (run in) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rounds:
        cpu = ", ".join(f"{name} {share:.0%}" for name, share in r.cpu.items())
        lines.append(
            f"| {r.number} | {r.mode} | {r.changes / r.write_seconds:,.0f} | {r.deliveries:,} | "
            f"{r.delivery_seconds:.1f} s | {r.rate:,.0f} | {r.tail_seconds:.1f} s | "
            f"{r.deliveries / r.drain_seconds if r.drain_seconds else 0:,.0f} | {cpu} | "
            f"{r.tasks_left:,} ({r.tasks_left_seconds:.0f} s) |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--serve-receiver", metavar="PORT_FILE", help=argparse.SUPPRESS)
    parser.add_argument("--hammer", nargs=2, metavar=("PORT", "SECONDS"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_HOOKS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claims_bench_hooks"
        ),
        help="PostgreSQL database of the benchmark's own: dropped and recreated (default: %(default)s)",
    )
    parser.add_argument(
        "--changes", type=int, default=10_000, help="changes per burst (default: %(default)s)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--subscriptions", type=int, default=2, help="each receives every change (default: %(default)s)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="throughput rounds per mode (default: %(default)s)"
    )
    parser.add_argument("--modes", default="backlog,live", help="throughput modes, of backlog,live")
    parser.add_argument("--idle-writes", type=int, default=100)
    parser.add_argument("--results-dir", default=str(BENCH / "results"))
    parser.add_argument(
        "--synchronous-commit",
        choices=["on", "off"],
        help="an experiment: ALTER DATABASE ... SET synchronous_commit (every connection to it)",
    )
    parser.add_argument("--keep-database", action="store_true", help="leave the database for inspection")
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="py-spy each worker of the first backlog round (raw stacks, waits included, to DIR)",
    )
    args = parser.parse_args()
    if args.serve_receiver:
        serve_receiver(args.serve_receiver)
        return 0
    if args.hammer:
        hammer(int(args.hammer[0]), float(args.hammer[1]))
        return 0

    from psycopg.conninfo import conninfo_to_dict

    dbname = conninfo_to_dict(args.database_url).get("dbname")
    if not dbname or dbname in PROTECTED_DATABASES:
        parser.error(f"refusing to drop and recreate database {dbname!r}: name one of its own")
    modes = [m for m in args.modes.split(",") if m]
    if set(modes) - {"backlog", "live"}:
        parser.error("--modes takes backlog and/or live")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(args.results_dir) / f"webhooks-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        args.profile = str(Path(args.profile).resolve())

    processes = Processes()
    # SIGTERM and SIGHUP end the benchmark as Ctrl-C does: through the `finally` below.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: sys.exit(130))
    bench = Bench(args, processes, out)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    try:
        print(f"Creating {dbname} (migrate) ...", file=sys.stderr)
        bench.create_database()
        os.environ.update(
            {
                k: bench.env[k]
                for k in (
                    "DATABASE_URL",
                    "DJANGO_SETTINGS_MODULE",
                    "WEBHOOK_ALLOW_PRIVATE_NETWORKS",
                    "SECRET_KEY",
                    "LOG_LEVEL",
                )
            }
        )
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        receiver = bench.start_receiver()
        alone = bench.receiver_alone(receiver)
        print(f"Receiver alone: {alone[0]:,.0f} requests/s ({alone[1]:.0%} of a core)", file=sys.stderr)
        bench.seed(args.changes * args.rounds * len(modes) + 5)
        subscriptions = bench.subscribe(receiver)
        bench.start_workers()
        rounds = []
        for number in range(1, args.rounds + 1):
            for mode in modes:
                r = bench.throughput_round(receiver, subscriptions, mode, number)
                rounds.append(r)
                print(
                    f"Round {number}, {mode}: {r.rate:,.0f} webhooks/s over {r.delivery_seconds:.1f} s "
                    f"(writes {r.changes / r.write_seconds:,.0f}/s); "
                    f"{'ok' if r.exactly_once_in_order else '; '.join(r.problems)}",
                    file=sys.stderr,
                )
        checked = bench.verify_sample(receiver)
        print(f"Signatures of the last {checked} deliveries verified.", file=sys.stderr)
        latencies = bench.idle_latency(receiver, subscriptions)
        table = report(args, rounds, alone, latencies, load)
        (out / "table.md").write_text(table + "\n")
        (out / "raw.json").write_text(
            json.dumps(
                {
                    "args": vars(args),
                    "rounds": [r.__dict__ for r in rounds],
                    "receiver_alone": alone,
                    "idle_latency_s": {str(k): v for k, v in latencies.items()},
                    "load_before": load,
                },
                indent=1,
            )
        )
        print(table)
        print(f"\n(written to {out})", file=sys.stderr)
        return 0
    finally:
        bench.stop_spies()
        bench.stop_workers()
        processes.stop_all()
        if not args.keep_database:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            bench.drop_database()


if __name__ == "__main__":
    sys.exit(main())
