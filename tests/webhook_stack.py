"""Real worker processes (`python manage.py worker`) beside a real service, for the tests that
deliver webhooks end to end: on an SQLite file (tests/test_worker_process.py) and on a throwaway
PostgreSQL cluster (tests/faults/test_webhook_faults.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from standardwebhooks import Webhook

from tests.faults.harness import LOG_FILES, ROOT, Service, wait_for
from tests.receiver import Receiver

WEBHOOKS = "/api/v1/webhooks/"


def webhook_environment(service: Service) -> None:
    """Deliveries to the receiver on 127.0.0.1, and a short lease, so that a killed worker's
    subscription is taken over within seconds."""
    service.env["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = "1"
    service.env["WEBHOOK_LEASE_SECONDS"] = "15"


class WorkerProcess:
    def __init__(self, service: Service, logdir: Path, name: str) -> None:
        self.log = logdir / f"{name}.log"
        LOG_FILES.append(self.log)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "worker", "--interval=0.1", "--sweep-interval=0.5"],
                cwd=ROOT,
                env=service.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for("the worker's start", lambda: "started" in self.log.read_text(), timeout=30)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self, timeout: float = 20) -> int:
        if self.alive:
            self.process.terminate()
        return self.process.wait(timeout=timeout)


def subscribe(service: Service, token: str, receiver: Receiver, events: list[str]) -> dict[str, Any]:
    reply = service.call("POST", WEBHOOKS, token=token, body={"url": receiver.url, "events": events})
    assert reply.status == 201, str(reply)
    return reply.json()


def verified(receiver: Receiver, secret: str) -> list[tuple[str, dict[str, Any]]]:
    """(webhook-id, payload) of everything received, each checked by the standardwebhooks library."""
    verifier = Webhook(secret)
    with receiver.lock:
        received = list(receiver.received)
    return [(r.headers["webhook-id"], verifier.verify(r.body, r.headers)) for r in received]


def wait_for_positions(receiver: Receiver, secret: str, count: int, timeout: float) -> list[int]:
    """The positions received, once `count` distinct ones have been."""

    def enough() -> list[int] | None:
        positions = [payload["position"] for _, payload in verified(receiver, secret)]
        return positions if len(set(positions)) >= count else None

    return wait_for(f"{count} deliveries", enough, timeout=timeout, every=0.2)


def deduplicated(receiver: Receiver, secret: str) -> list[int]:
    """The positions a receiver that drops repeated `webhook-id`s keeps, in arrival order."""
    seen: set[str] = set()
    kept = []
    for message_id, payload in verified(receiver, secret):
        if message_id not in seen:
            seen.add(message_id)
            kept.append(payload["position"])
    return kept


def claim_path(service: Service, editor: str, article: int, quote: str) -> int:
    reply = service.call(
        "POST",
        "/api/v1/claims/",
        token=editor,
        body={"article": article, "quote": quote, "claimant": "Someone"},
    )
    assert reply.status == 201, str(reply)
    return reply.json()["id"]


def patch_claim(service: Service, editor: str, claim: int, body: dict[str, Any]) -> None:
    etag = service.call("GET", f"/api/v1/claims/{claim}/", token=editor).headers["etag"]
    reply = service.call(
        "PATCH", f"/api/v1/claims/{claim}/", token=editor, body=body, headers={"If-Match": etag}
    )
    assert reply.status == 200, str(reply)


def new_article(service: Service, editor: str, body: str) -> int:
    reply = service.call(
        "POST", "/api/v1/articles/", token=editor, body={"headline": "Webhooks", "body": body}
    )
    assert reply.status == 201, str(reply)
    return reply.json()["id"]


def settle(seconds: float) -> None:
    time.sleep(seconds)
