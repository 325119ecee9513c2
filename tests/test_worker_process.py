"""Webhooks end to end, as the quickstart runs them: the service (gunicorn) and a real
`python manage.py worker` on an SQLite file, a receiver on 127.0.0.1, a client that subscribes
with its own token. The PostgreSQL side, with faults, is tests/faults/test_webhook_faults.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.harness import Service, wait_for
from tests.receiver import Receiver
from tests.webhook_stack import (
    WorkerProcess,
    claim_path,
    new_article,
    patch_claim,
    subscribe,
    verified,
    wait_for_positions,
    webhook_environment,
)

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the SQLite quickstart's run; on PostgreSQL, tests/faults/test_webhook_faults.py",
)

BODY = "The council said the bridge opened in 1998. It cost 40 million. Traffic doubled since."


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Path]]:
    root = tmp_path_factory.mktemp("webhooks")
    service = Service(f"sqlite:///{root / 'db.sqlite3'}", logdir=root, name="gunicorn")
    webhook_environment(service)
    service.manage("migrate", "--no-input", "--verbosity=0")
    service.start()
    try:
        yield service, root
    finally:
        service.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


def test_a_client_receives_claim_published_signed_and_never_a_draft_rating(stack, receiver):
    service, root = stack
    editor = service.manage("create_token", "e2e-editor", "--role=editor").strip()
    client = service.manage("create_token", "e2e-client", "--role=client").strip()
    created = subscribe(service, client, receiver, ["claim.updated", "claim.published"])
    worker = WorkerProcess(service, root, "worker")
    try:
        article = new_article(service, editor, BODY)
        claim = claim_path(service, editor, article, "the bridge opened in 1998")
        patch_claim(service, editor, claim, {"status": "in_review", "rating": "false", "summary": "1996."})
        patch_claim(service, editor, claim, {"status": "published"})

        wait_for_positions(receiver, created["secret"], 2, timeout=30)
        got = [payload for _, payload in verified(receiver, created["secret"])]
        assert [p["type"] for p in got] == ["claim.updated", "claim.published"]
        # The change under review carries no rating and no summary (nor anything, if the claim
        # was published by the time it was delivered); once published, it does.
        assert got[0]["data"] is None or got[0]["data"]["rating"] is None
        assert got[0]["data"] is None or got[0]["data"]["summary"] is None
        assert got[1]["data"]["rating"] == "false"
        feed = service.call("GET", f"/api/v1/changes/?after={got[0]['position'] - 1}", token=client).json()
        assert {k: v for k, v in got[0].items() if k != "data"} == feed["results"][0]

        attempts = service.all_pages(f"/api/v1/webhooks/{created['id']}/deliveries/", token=client)
        assert [(a["position"], a["status_code"]) for a in attempts] == [(p["position"], 204) for p in got]
        assert worker.alive
    finally:
        # SIGTERM: the worker finishes what it holds and exits cleanly.
        assert worker.terminate() == 0


def test_the_worker_stops_at_sigterm_even_while_idle(stack):
    service, root = stack
    worker = WorkerProcess(service, root, "idle-worker")
    wait_for("an idle moment", lambda: worker.alive, timeout=5)
    assert worker.terminate(timeout=10) == 0
