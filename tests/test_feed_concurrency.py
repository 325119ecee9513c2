"""The feed's guarantee, proven under load: many writers whose transactions commit in a different
order than they started, with readers polling the feed all the while through the API. Every
reader, asking each time with the last position it saw, must end up with exactly the final feed:
no change missed (a position below one already seen, committed later), none twice, in order.

On PostgreSQL the writers really overlap (docs/FEED.md: the commit lock); on SQLite they queue on
the database's one write lock, and the same must hold.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from claims.models import Change, Claim
from claims.services.articles import article_create
from claims.services.claims import claim_create, claim_update
from tests.helpers import client_with, make_token

ROOT = Path(__file__).resolve().parents[1]
WRITERS = 8
WRITES_EACH = 12
READERS = 4


def _writer(index: int, claim_id: int, actor: Any, log: list[tuple[float, int, int]], errors: list) -> None:
    rng = random.Random(index)
    try:
        for n in range(WRITES_EACH):
            started = time.monotonic()
            with transaction.atomic():
                # The transaction begins (it takes its claim's row lock) ...
                Claim.objects.select_for_update().filter(pk=claim_id).values_list("pk").get()
                # ... works a random while, so that transactions reach their end in another
                # order than they began ...
                time.sleep(rng.uniform(0, 0.02))
                claim_update(actor=actor, claim_id=claim_id, expected_versions=None, claimant=f"W{index}-{n}")
                position = (
                    Change.objects.filter(claim_id=claim_id)
                    .order_by("-position")
                    .values_list("position", flat=True)[0]
                )
                # ... and commits a random while after its change was numbered: a position
                # drawn without the commit lock would become visible after greater ones.
                time.sleep(rng.uniform(0, 0.01))
            log.append((started, index, position))
            time.sleep(rng.uniform(0, 0.005))
    except Exception as error:  # reported by the test
        errors.append(error)
    finally:
        connection.close()


def _reader(token: str, stop: threading.Event, seen: list[int], errors: list) -> None:
    api = client_with(token)
    rng = random.Random(token)
    last = 0
    try:
        while True:
            finishing = stop.is_set()
            response = api.get("/api/v1/changes/", {"after": last, "page_size": rng.choice([1, 3, 7, 50])})
            assert response.status_code == 200, response.content
            rows = response.json()["results"]
            for row in rows:
                assert row["position"] > last
                seen.append(row["position"])
                last = row["position"]
            if finishing and not rows:
                return
            time.sleep(rng.uniform(0, 0.003))
    except Exception as error:
        errors.append(error)
    finally:
        connection.close()


def race() -> None:
    """The whole scenario, on the database Django is configured with; raises if the guarantee
    fails."""
    actor = get_user_model().objects.create_user("writer")
    article = article_create(headline="Race", body="unemployment " * 200)
    claims = [
        claim_create(
            actor=actor,
            article_id=article.pk,
            quote="unemployment",
            claimant="x",
            start=13 * i,
            end=13 * i + 12,
        )
        for i in range(WRITERS)
    ]
    tokens = [make_token(f"reader{i}") for i in range(READERS)]
    start_position = 0
    log: list[tuple[float, int, int]] = []
    errors: list[Exception] = []
    stop = threading.Event()
    seen: list[list[int]] = [[] for _ in range(READERS)]
    readers = [
        threading.Thread(target=_reader, args=(tokens[i], stop, seen[i], errors)) for i in range(READERS)
    ]
    writers = [
        threading.Thread(target=_writer, args=(i, claims[i].pk, actor, log, errors)) for i in range(WRITERS)
    ]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    stop.set()
    for thread in readers:
        thread.join(timeout=60)
    assert not errors, errors

    final = list(
        Change.objects.filter(position__gt=start_position)
        .order_by("position")
        .values_list("position", flat=True)
    )
    assert len(final) == len(set(final))
    for sequence in seen:
        assert sequence == final
    written = sorted(position for _, _, position in log)
    assert set(written) <= set(final)
    assert len(written) == WRITERS * WRITES_EACH
    if connection.vendor == "postgresql":
        # The test can fail: transactions did commit in another order than they started.
        by_start = [position for _, _, position in sorted(log)]
        assert by_start != sorted(by_start)


@pytest.mark.django_db(transaction=True)
def test_every_reader_sees_every_committed_change_exactly_once_in_order(db: Any) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("on SQLite the scenario runs against a database file: see the test below")
    race()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite run of the scenario")
def test_on_sqlite_too_with_its_one_writer_at_a_time(tmp_path: Path) -> None:
    # The test database lives in memory, where threads share it only through SQLite's shared
    # cache, whose table locks fail at once rather than wait: a file, as the service runs on.
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    script = (
        "import django; django.setup(); "
        "from django.test.utils import setup_test_environment; setup_test_environment(); "
        "from django.core.management import call_command; call_command('migrate', verbosity=0); "
        "from tests.test_feed_concurrency import race; race(); print('race held')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "race held" in result.stdout
