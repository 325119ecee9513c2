"""Webhook deliveries under faults, with real processes on a throwaway PostgreSQL cluster: the
service (gunicorn), `python manage.py worker` processes, and a receiver on 127.0.0.1 that
deduplicates by `webhook-id` as the Standard Webhooks specification advises.

- A worker killed with kill -9 in the middle of a delivery: the change is delivered all the same
  (at least once), by another worker, once the dead one's lease runs out.
- The receiver down for a while: everything is delivered once it is back, in position order.
- PostgreSQL restarted under the workers: they carry on by themselves.
- A burst of 10,000 changes: every one delivered to each of two subscriptions, none twice after
  deduplication, in order per subscription.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from standardwebhooks import Webhook

from tests.faults.harness import Cluster, Service, fault_test, wait_for
from tests.receiver import Receiver
from tests.webhook_stack import (
    WorkerProcess,
    claim_path,
    deduplicated,
    new_article,
    patch_claim,
    subscribe,
    webhook_environment,
)

pytestmark = fault_test

SENTENCES = 40
BODY = "".join(f"Sentence {i} says the figure was {i * 7}. " for i in range(SENTENCES))


@dataclass
class Stack:
    cluster: Cluster
    service: Service
    editor: str
    client: str
    article: int
    quotes: Iterator[int]

    def new_claim(self) -> int:
        n = next(self.quotes)
        return claim_path(
            self.service, self.editor, self.article, f"Sentence {n} says the figure was {n * 7}"
        )

    def feed_after(self, position: int) -> list[dict[str, Any]]:
        return self.service.all_pages(f"/api/v1/changes/?after={position}&page_size=200", token=self.client)

    def last_position(self) -> int:
        rows = self.feed_after(0)
        return rows[-1]["position"] if rows else 0


@pytest.fixture(scope="module")
def stack(throwaway_cluster: Cluster) -> Iterator[Stack]:
    throwaway_cluster.create_database("webhooks")
    service = Service(
        throwaway_cluster.dsn("webhooks"), logdir=throwaway_cluster.root, name="gunicorn-webhooks"
    )
    webhook_environment(service)
    service.manage("migrate", "--no-input", "--verbosity=0")
    service.start()
    try:
        editor = service.manage("create_token", "hooks-editor", "--role=editor").strip()
        client = service.manage("create_token", "hooks-client", "--role=client").strip()
        article = new_article(service, editor, BODY)
        yield Stack(throwaway_cluster, service, editor, client, article, iter(range(SENTENCES)))
    finally:
        service.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def workers(stack: Stack) -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        if worker.alive:
            worker.kill()


def subscription(stack: Stack, webhook: dict[str, Any]) -> dict[str, Any]:
    reply = stack.service.call("GET", f"/api/v1/webhooks/{webhook['id']}/", token=stack.client)
    assert reply.status == 200, str(reply)
    return reply.json()


def test_a_worker_killed_mid_delivery_leaves_the_change_to_another(stack, receiver, workers):
    webhook = subscribe(stack.service, stack.client, receiver, ["claim.updated"])
    receiver.delay = 3.0  # the first attempt hangs at the receiver while the worker is killed
    workers.append(WorkerProcess(stack.service, stack.cluster.root, "worker-killed"))
    claim = stack.new_claim()
    patch_claim(stack.service, stack.editor, claim, {"claimant": "After the kill"})
    wanted = stack.feed_after(webhook["delivered_position"])[-1]["position"]

    wait_for("a delivery in flight", lambda: receiver.started >= 1, timeout=30)
    workers[0].kill()
    receiver.delay = 0
    workers.append(WorkerProcess(stack.service, stack.cluster.root, "worker-after-kill"))

    wait_for(
        "the change's delivery",
        lambda: subscription(stack, webhook)["delivered_position"] >= wanted,
        timeout=60,
    )
    assert deduplicated(receiver, webhook["secret"]) == [wanted]
    attempts = stack.service.all_pages(f"/api/v1/webhooks/{webhook['id']}/deliveries/", token=stack.client)
    assert (wanted, 204) in [(a["position"], a["status_code"]) for a in attempts]


def test_a_receiver_down_for_a_while_gets_everything_in_order_once_back(stack, receiver, workers):
    webhook = subscribe(stack.service, stack.client, receiver, ["claim.updated"])
    receiver.status = 503
    workers.append(WorkerProcess(stack.service, stack.cluster.root, "worker-receiver-down"))
    claim = stack.new_claim()
    for n in range(5):
        patch_claim(stack.service, stack.editor, claim, {"claimant": f"Edit {n}"})
    wanted = [
        r["position"] for r in stack.feed_after(webhook["delivered_position"]) if r["type"] == "claim.updated"
    ]

    wait_for("a failed attempt", lambda: subscription(stack, webhook)["failures"] >= 1, timeout=30)
    shown = subscription(stack, webhook)
    assert shown["active"] is True
    assert shown["next_attempt_at"] is not None
    receiver.status = 204

    wait_for("every delivery", lambda: len(deduplicated(receiver, webhook["secret"])) >= 5, timeout=90)
    assert deduplicated(receiver, webhook["secret"]) == wanted
    assert subscription(stack, webhook)["failures"] == 0


def test_the_workers_carry_on_after_the_database_restarts(stack, receiver, workers):
    webhook = subscribe(stack.service, stack.client, receiver, ["claim.updated"])
    workers.extend(WorkerProcess(stack.service, stack.cluster.root, f"worker-restart-{i}") for i in range(2))
    claim = stack.new_claim()
    patch_claim(stack.service, stack.editor, claim, {"claimant": "Before the restart"})
    wait_for("the first delivery", lambda: len(deduplicated(receiver, webhook["secret"])) >= 1, timeout=30)

    stack.cluster.stop()
    wait_for(
        "the workers meeting the outage", lambda: "unreachable" in workers[0].log.read_text(), timeout=30
    )
    stack.cluster.start()
    assert all(worker.alive for worker in workers)

    def patched() -> bool:
        try:
            patch_claim(stack.service, stack.editor, claim, {"claimant": "After the restart"})
        except AssertionError:
            return False  # the service's own connections are still coming back
        return True

    wait_for("a write after the restart", patched, timeout=30, every=1)
    wanted = [
        r["position"] for r in stack.feed_after(webhook["delivered_position"]) if r["type"] == "claim.updated"
    ]
    wait_for(
        "the delivery after the restart",
        lambda: deduplicated(receiver, webhook["secret"]) == wanted,
        timeout=60,
    )
    assert all(worker.alive for worker in workers)


BURST = 10_000


def test_a_burst_of_ten_thousand_changes_is_delivered_once_each_in_order(stack, receiver, workers):
    hooks = [subscribe(stack.service, stack.client, receiver, ["claim.updated"]) for _ in range(2)]
    claim = stack.new_claim()
    start = stack.last_position()
    # The burst, written straight through the service layer in transactions of 500 changes.
    stack.service.manage(
        "shell",
        "-c",
        "from django.db import transaction\n"
        "from claims.models import Claim\n"
        "from claims.services.changes import ChangeRow, changes_record\n"
        f"claim = Claim.objects.get(pk={claim})\n"
        f"for _ in range({BURST // 500}):\n"
        "    with transaction.atomic():\n"
        "        changes_record([ChangeRow(type='claim.updated', article_id=claim.article_id,"
        " claim_id=claim.pk, version=claim.version)] * 500)\n",
    )
    wanted = [r["position"] for r in stack.feed_after(start)]
    assert len(wanted) == BURST
    workers.extend(WorkerProcess(stack.service, stack.cluster.root, f"worker-burst-{i}") for i in range(2))

    def received(hook: dict[str, Any]) -> list[int]:
        """The positions a receiver deduplicating by webhook-id keeps for this subscription."""
        prefix = f"msg_{hook['id']}_"
        seen: set[str] = set()
        kept = []
        with receiver.lock:
            got = [(r.headers["webhook-id"], r.body) for r in receiver.received]
        for message_id, body in got:
            if message_id.startswith(prefix) and message_id not in seen:
                seen.add(message_id)
                kept.append(json.loads(body)["position"])
        return kept

    wait_for(
        "every delivery of the burst",
        lambda: all(len(received(hook)) >= BURST for hook in hooks),
        timeout=600,
        every=2,
    )
    for hook in hooks:
        assert received(hook) == wanted
    # Signed as the specification says (the verifier refuses messages older than five minutes:
    # the last ones).
    for hook in hooks:
        verifier = Webhook(hook["secret"])
        with receiver.lock:
            last = [r for r in receiver.received if r.headers["webhook-id"].startswith(f"msg_{hook['id']}_")][
                -20:
            ]
        for message in last:
            verifier.verify(message.body, message.headers)
