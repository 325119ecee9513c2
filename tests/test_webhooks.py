"""Webhooks: subscribing (who may, what is refused), and delivering to a real local receiver,
signed as Standard Webhooks says, in order, with back-off, never a draft verdict to a client."""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from standardwebhooks import Webhook

from claims.feed import delivery
from claims.feed.addresses import UnsafeURL, is_public, resolve
from claims.feed.delivery import backoff_seconds, deliver_subscription
from claims.models import Delivery, Subscription
from claims.services.claims import claim_update
from claims.services.webhooks import MAX_SUBSCRIPTIONS_PER_OWNER, subscription_create
from tests.helpers import assert_problem
from tests.receiver import Receiver

WEBHOOKS = "/api/v1/webhooks/"


@pytest.fixture
def private_ok(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


def subscribe(api: Any, url: str, events: list[str] | None = None) -> dict:
    response = api.post(WEBHOOKS, {"url": url, "events": events or ["claim.published"]}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


# --- subscribing ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_client_subscribes_and_sees_its_secret_once(bob, private_ok, receiver):
    created = subscribe(bob, receiver.url, ["claim.published", "claim.corrected"])
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 32
    assert created["events"] == ["claim.published", "claim.corrected"]
    assert created["owner"] == "bob"
    assert created["active"] is True
    shown = bob.get(f"{WEBHOOKS}{created['id']}/").json()
    assert "secret" not in shown
    assert shown["url"] == receiver.url
    listed = bob.get(WEBHOOKS).json()["results"]
    assert [w["id"] for w in listed] == [created["id"]]
    assert "secret" not in listed[0]


@pytest.mark.django_db
def test_clients_see_their_own_and_editors_see_all(alice, bob, root, private_ok, receiver):
    mine = subscribe(bob, receiver.url)
    theirs = subscribe(alice, receiver.url)
    assert [w["id"] for w in bob.get(WEBHOOKS).json()["results"]] == [mine["id"]]
    assert [w["id"] for w in alice.get(WEBHOOKS).json()["results"]] == [mine["id"], theirs["id"]]
    assert [w["id"] for w in root.get(WEBHOOKS).json()["results"]] == [mine["id"], theirs["id"]]
    assert_problem(bob.get(f"{WEBHOOKS}{theirs['id']}/"), 404)
    assert_problem(bob.delete(f"{WEBHOOKS}{theirs['id']}/"), 404)
    assert_problem(bob.get(f"{WEBHOOKS}{theirs['id']}/deliveries/"), 404)
    assert alice.get(f"{WEBHOOKS}{mine['id']}/").status_code == 200


@pytest.mark.django_db
def test_who_may_not_subscribe(anonymous, carol):
    body = {"url": "https://partner.example/hooks", "events": ["claim.published"]}
    assert anonymous.post(WEBHOOKS, body, format="json").status_code == 401
    assert_problem(carol.post(WEBHOOKS, body, format="json"), 403)
    assert_problem(carol.get(WEBHOOKS), 403)
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_delete_unsubscribes(bob, private_ok, receiver):
    created = subscribe(bob, receiver.url)
    assert bob.delete(f"{WEBHOOKS}{created['id']}/").status_code == 204
    assert_problem(bob.get(f"{WEBHOOKS}{created['id']}/"), 404)
    assert not Subscription.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://partner.example/hooks", "https"),
        ("ftp://partner.example/hooks", "https"),
        ("https://127.0.0.1/hooks", "not a public address"),
        ("https://localhost/hooks", "not a public address"),
        ("https://10.1.2.3/hooks", "not a public address"),
        ("https://192.168.0.10/hooks", "not a public address"),
        ("https://172.16.5.4/hooks", "not a public address"),
        ("https://169.254.169.254/latest/meta-data", "not a public address"),
        ("https://100.64.0.1/hooks", "not a public address"),
        ("https://[::1]/hooks", "not a public address"),
        ("https://[fe80::1]/hooks", "not a public address"),
        ("https://[::ffff:127.0.0.1]/hooks", "not a public address"),
        ("https://0.0.0.0/hooks", "not a public address"),
        ("https://user:pw@partner.example/hooks", "user name"),
        ("https:///hooks", "host"),
        ("not a url", "https"),
        ("https://no-such-host.invalid/hooks", "does not resolve"),
    ],
)
def test_a_url_that_is_not_https_or_not_public_is_refused(bob, url, why):
    body = assert_problem(
        bob.post(WEBHOOKS, {"url": url, "events": ["claim.published"]}, format="json"), 400, errors_on="url"
    )
    assert why in body["errors"]["url"][0]
    assert not Subscription.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("events", "field"),
    [
        (["claim.exploded"], "events.0"),
        ([], "events"),
        ("claim.published", "events"),
        (None, "events"),
    ],
)
def test_unknown_or_missing_event_types_are_refused(bob, private_ok, receiver, events, field):
    sent: dict[str, Any] = {"url": receiver.url}
    if events is not None:
        sent["events"] = events
    assert_problem(bob.post(WEBHOOKS, sent, format="json"), 400, errors_on=field)
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_one_token_holder_has_a_capped_number_of_subscriptions(bob, alice, private_ok, receiver):
    for _ in range(MAX_SUBSCRIPTIONS_PER_OWNER):
        subscribe(bob, receiver.url)
    for _ in range(5):
        body = assert_problem(
            bob.post(WEBHOOKS, {"url": receiver.url, "events": ["claim.published"]}, format="json"), 409
        )
        assert f"at most {MAX_SUBSCRIPTIONS_PER_OWNER}" in body["detail"]
    assert Subscription.objects.count() == MAX_SUBSCRIPTIONS_PER_OWNER
    subscribe(alice, receiver.url)  # the cap is per token holder


@pytest.mark.django_db
def test_plain_http_is_refused_unless_private_networks_are_allowed(bob, receiver, settings):
    assert_problem(
        bob.post(WEBHOOKS, {"url": receiver.url, "events": ["claim.published"]}, format="json"),
        400,
        errors_on="url",
    )
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    subscribe(bob, receiver.url)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.31.255.255", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.216.34", True),
        ("192.0.2.1", False),  # documentation
    ],
)
def test_which_addresses_are_public(address, public):
    assert is_public(address) is public


def test_the_back_off_grows_with_jitter_and_is_capped():
    import random

    rng = random.Random(1)
    waits = [backoff_seconds(n, rng=rng) for n in range(1, 16)]
    assert 3.75 <= waits[0] <= 6.25
    assert all(later > earlier * 1.2 for earlier, later in itertools.pairwise(waits[:6]))
    assert max(waits) <= 3600 * 1.25
    # 30 attempts take more than a day: the subscription is not disabled before
    assert sum(backoff_seconds(n, rng=random.Random(n)) for n in range(1, 30)) > 86400 * 0.75


# --- delivering -------------------------------------------------------------------------------


def payloads(receiver: Receiver, secret: str) -> list[dict]:
    """What the receiver got, each verified by the Standard Webhooks library."""
    verifier = Webhook(secret)
    return [verifier.verify(r.body, r.headers) for r in receiver.received]


@pytest.mark.django_db
def test_a_client_receives_claim_published_signed_and_never_a_draft_rating(
    bob, alice_user, make_claim, private_ok, receiver
):
    created = subscribe(bob, receiver.url, ["claim.updated", "claim.published"])
    claim = make_claim(status="in_review")
    claim_update(
        actor=alice_user, claim_id=claim.pk, expected_versions=None, rating="false", summary="Draft."
    )
    claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, status="published")

    outcome = deliver_subscription(created["id"])

    assert outcome.delivered == 3
    got = payloads(receiver, created["secret"])
    assert [p["type"] for p in got] == ["claim.updated", "claim.updated", "claim.published"]
    # The same body as the feed's entry, plus the claim as the client may see it now.
    feed = {r["position"]: r for r in bob.get("/api/v1/changes/", {"page_size": 200}).json()["results"]}
    for body in got:
        assert {k: v for k, v in body.items() if k != "data"} == feed[body["position"]]
    # Only the change that left the claim as it stands carries it; the earlier ones, none.
    assert [p["data"] is None for p in got] == [True, True, False]
    assert got[-1]["data"]["rating"] == "false"
    headers = receiver.received[0].headers
    assert headers["webhook-id"] == f"msg_{created['id']}_{got[0]['position']}"
    assert headers["Content-Type"] == "application/json"
    assert Subscription.objects.get().delivered_position == got[-1]["position"]


@pytest.mark.django_db
def test_a_client_never_receives_the_rating_of_a_claim_under_review(
    bob, alice_user, make_claim, private_ok, receiver
):
    created = subscribe(bob, receiver.url, ["claim.updated"])
    claim = make_claim(status="in_review")
    claim_update(
        actor=alice_user, claim_id=claim.pk, expected_versions=None, rating="false", summary="Draft verdict."
    )
    deliver_subscription(created["id"])
    got = payloads(receiver, created["secret"])
    assert got
    assert got[-1]["data"]["version"] == got[-1]["version"]
    for body in got:
        assert body["data"] is None or body["data"]["rating"] is None
        assert body["data"] is None or body["data"]["summary"] is None
        assert b"Draft verdict" not in json.dumps(body).encode()


@pytest.mark.django_db
def test_an_editor_receives_the_draft_verdict(alice, alice_user, make_claim, private_ok, receiver):
    created = subscribe(alice, receiver.url, ["claim.updated"])
    claim = make_claim(status="in_review")
    claim_update(
        actor=alice_user, claim_id=claim.pk, expected_versions=None, rating="false", summary="Draft verdict."
    )
    deliver_subscription(created["id"])
    assert payloads(receiver, created["secret"])[-1]["data"]["rating"] == "false"


@pytest.mark.django_db
def test_a_subscription_starts_at_the_end_of_the_feed(bob, make_claim, private_ok, receiver):
    make_claim(status="published")
    created = subscribe(bob, receiver.url)
    assert deliver_subscription(created["id"]).delivered == 0
    assert receiver.received == []


@pytest.mark.django_db
def test_a_failing_receiver_backs_off_then_gets_everything_in_order(
    bob, alice_user, make_claim, private_ok, receiver
):
    created = subscribe(bob, receiver.url, ["claim.created", "claim.updated"])
    receiver.status = 503
    claim = make_claim()
    claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, claimant="Second")
    outcome = deliver_subscription(created["id"])
    assert outcome.failed
    subscription = Subscription.objects.get()
    assert subscription.failures == 1
    assert subscription.next_attempt_at > timezone.now()
    # In back-off: nothing is attempted.
    assert deliver_subscription(created["id"]).busy
    attempts = bob.get(f"{WEBHOOKS}{created['id']}/deliveries/").json()["results"]
    assert [(a["status_code"], a["error"]) for a in attempts] == [(503, "The receiver answered 503.")]
    assert len(attempts[0]["response_excerpt"]) <= 200

    receiver.status = 200
    Subscription.objects.filter(pk=created["id"]).update(next_attempt_at=timezone.now())
    assert deliver_subscription(created["id"]).delivered == 2
    assert [p["type"] for p in payloads(receiver, created["secret"])] == ["claim.created", "claim.updated"]
    subscription.refresh_from_db()
    assert (subscription.failures, subscription.failing_since, subscription.next_attempt_at) == (
        0,
        None,
        None,
    )


@pytest.mark.django_db
def test_a_redirect_is_not_followed(bob, make_claim, private_ok, receiver):
    created = subscribe(bob, receiver.url, ["claim.created"])
    receiver.status, receiver.location = 307, "http://169.254.169.254/latest/meta-data"
    make_claim()
    assert deliver_subscription(created["id"]).failed
    assert Delivery.objects.get().status_code == 307


@pytest.mark.django_db
def test_a_slow_receiver_is_cut_off(bob, make_claim, private_ok, receiver, monkeypatch):
    monkeypatch.setattr(delivery, "RESPONSE_TIMEOUT", 0.3)
    created = subscribe(bob, receiver.url, ["claim.created"])
    receiver.delay = 2
    make_claim()
    assert deliver_subscription(created["id"]).failed
    attempt = Delivery.objects.get()
    assert attempt.status_code is None
    assert "timed out" in attempt.error
    assert attempt.duration_ms < 1500


@pytest.mark.django_db
def test_a_url_that_later_resolves_to_a_private_address_is_refused_at_delivery(
    bob_token, make_claim, receiver, settings
):
    # As if `localhost` had resolved to a public address when subscribing (DNS rebinding).
    from django.contrib.auth import get_user_model

    owner = get_user_model().objects.get(username="bob")
    port = receiver.url.split(":")[2].split("/")[0]
    subscription = subscription_create(
        owner=owner, url=f"https://localhost:{port}/hooks", events=["claim.created"]
    )
    make_claim()
    assert deliver_subscription(subscription.pk).failed
    attempt = Delivery.objects.get()
    assert "not a public address" in attempt.error
    assert attempt.status_code is None
    assert receiver.received == []


@pytest.mark.django_db
def test_a_subscription_failing_for_more_than_a_day_is_disabled_and_says_why(
    bob, make_claim, private_ok, receiver
):
    created = subscribe(bob, receiver.url, ["claim.created"])
    receiver.status = 500
    make_claim()
    Subscription.objects.filter(pk=created["id"]).update(
        failures=delivery.DISABLE_AFTER_FAILURES, failing_since=timezone.now() - timedelta(hours=27)
    )
    assert deliver_subscription(created["id"]).failed
    shown = bob.get(f"{WEBHOOKS}{created['id']}/").json()
    assert shown["active"] is False
    assert "Disabled after" in shown["disabled_reason"]
    assert "500" in shown["disabled_reason"]
    assert deliver_subscription(created["id"]).busy


def fan_outs_queued() -> int:
    from claims.feed.tasks import fan_out

    return DBTaskResult.objects.filter(status="READY", task_path=fan_out.module_path).count()


@pytest.mark.django_db
def test_the_worker_is_woken_in_the_writes_transaction(alice_user, make_claim):
    claim = make_claim()
    DBTaskResult.objects.all().delete()

    def rolled_back() -> None:
        with transaction.atomic():
            claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, claimant="Rolled back")
            raise RuntimeError("after the write")

    with pytest.raises(RuntimeError, match="after the write"):
        rolled_back()
    assert fan_outs_queued() == 0
    claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, claimant="Committed")
    assert fan_outs_queued() == 1
    # A second write finds that wake-up still queued, and it does for both.
    claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, claimant="Again")
    assert fan_outs_queued() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks; SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_a_queued_wake_up_a_write_relies_on_waits_for_its_commit(alice_user, make_claim):
    claim = make_claim()
    assert fan_outs_queued() == 1
    written, release, errors = threading.Event(), threading.Event(), []

    def write() -> None:
        try:
            with transaction.atomic():
                claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, claimant="Slow")
                written.set()
                release.wait(10)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert written.wait(10)
        # As the worker takes a task: the wake-up this write relies on is passed by, not run
        # before the write it must see has committed; and the write queued no other.
        with transaction.atomic():
            assert DBTaskResult.objects.ready().get_locked() is None
        assert fan_outs_queued() == 1
    finally:
        release.set()
        writer.join()
    assert errors == []
    with transaction.atomic():
        taken = DBTaskResult.objects.ready().get_locked()
        assert taken is not None
        assert taken.task_path.endswith(".fan_out")


def test_resolve_refuses_private_addresses_by_default(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(UnsafeURL, match="not a public address"):
        resolve("https://127.0.0.1:8443/x")
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    assert resolve("http://127.0.0.1:8443/x?a=1").path == "/x?a=1"


@pytest.mark.django_db
def test_changes_of_other_types_move_the_cursor_without_a_request(bob, make_claim, private_ok, receiver):
    created = subscribe(bob, receiver.url, ["article.updated"])
    make_claim(status="published")
    outcome = deliver_subscription(created["id"])
    assert outcome.delivered == 0
    assert receiver.started == 0
    last = bob.get("/api/v1/changes/", {"page_size": 200}).json()["results"][-1]["position"]
    assert Subscription.objects.get().delivered_position == last
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_a_subscription_sent_back_is_accepted_its_own_fields_ignored(bob, private_ok, receiver):
    created = subscribe(bob, receiver.url)
    again = bob.post(WEBHOOKS, created | {"id": 999, "failures": 7}, format="json")
    assert again.status_code == 201, again.content
    assert again.json()["id"] != 999
    assert again.json()["failures"] == 0
    assert_problem(
        bob.post(WEBHOOKS, {"url": receiver.url, "events": ["claim.published"], "evnts": []}, format="json"),
        400,
        errors_on="evnts",
    )


# --- the delivery session: kept connections, the watchdog, deliveries recorded in batches ------


def updates(alice_user: Any, claim: Any, count: int) -> None:
    for n in range(count):
        claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, claimant=f"Claimant {n}")


def deliver_updates(receiver: Receiver, subscriber: Any, alice_user: Any, claim: Any, count: int) -> tuple:
    """Subscribe to `claim.updated` at a receiver started here, make `count` updates, deliver
    them once; the subscription and the outcome (the receiver stopped)."""
    receiver.start()
    try:
        created = subscribe(subscriber, receiver.url, ["claim.updated"])
        updates(alice_user, claim, count)
        return created, deliver_subscription(created["id"])
    finally:
        receiver.stop()


@pytest.mark.django_db
def test_deliveries_share_a_connection_the_receiver_keeps_alive(bob, alice_user, make_claim, private_ok):
    receiver = Receiver(keep_alive=True)
    created, outcome = deliver_updates(receiver, bob, alice_user, make_claim(), 5)
    assert outcome.delivered == 5
    assert len(set(receiver.peers)) == 1
    # Only the last change carries the claim: the others were superseded before delivery.
    data = [p["data"] and p["data"]["claimant"] for p in payloads(receiver, created["secret"])]
    assert data == [None] * 4 + ["Claimant 4"]
    attempts = list(Delivery.objects.order_by("id").values_list("position", "at", "status_code"))
    assert [a[2] for a in attempts] == [204] * 5
    assert [a[0] for a in attempts] == sorted(a[0] for a in attempts)
    assert [a[1] for a in attempts] == sorted(a[1] for a in attempts)
    assert Subscription.objects.get().delivered_position == attempts[-1][0]


@pytest.mark.django_db
def test_a_kept_connection_the_receiver_closed_is_replaced_not_counted_as_a_failure(
    bob, alice_user, make_claim, private_ok
):
    receiver = Receiver(keep_alive=True, close_silently=True)
    _, outcome = deliver_updates(receiver, bob, alice_user, make_claim(), 3)
    assert (outcome.delivered, outcome.failed) == (3, False)
    assert len(set(receiver.peers)) == 3
    assert list(Delivery.objects.values_list("status_code", flat=True)) == [204] * 3


@pytest.mark.django_db
def test_a_receiver_dripping_its_answer_is_cut_off(bob, make_claim, private_ok, monkeypatch):
    monkeypatch.setattr(delivery, "TOTAL_TIMEOUT", 0.5)
    receiver = Receiver(status=200, drip=0.1).start()
    try:
        created = subscribe(bob, receiver.url, ["claim.created"])
        make_claim()
        assert deliver_subscription(created["id"]).failed
    finally:
        receiver.stop()
    attempt = Delivery.objects.get()
    assert attempt.status_code is None
    assert attempt.error == "The receiver took more than 0.5 seconds; cut off."
    assert attempt.duration_ms < 1500


@pytest.mark.django_db
@pytest.mark.parametrize("flush_every", [1, 2, 100])
def test_successes_before_a_failure_are_recorded_and_the_cursor_stops_there(
    bob, alice_user, make_claim, private_ok, monkeypatch, flush_every
):
    monkeypatch.setattr(delivery.Ledger, "FLUSH_EVERY", flush_every)
    _, outcome = deliver_updates(Receiver(keep_alive=True, fail_after=3), bob, alice_user, make_claim(), 5)
    assert (outcome.delivered, outcome.failed) == (3, True)
    attempts = list(Delivery.objects.order_by("id").values_list("position", "status_code"))
    assert [a[1] for a in attempts] == [204, 204, 204, 503]
    subscription = Subscription.objects.get()
    assert subscription.delivered_position == attempts[2][0]
    assert (subscription.failures, subscription.next_attempt_at is not None) == (1, True)


@pytest.mark.django_db
def test_a_burst_of_writes_wakes_one_delivery_per_subscription(
    bob, alice, alice_user, make_claim, private_ok, receiver
):
    from claims.feed.tasks import deliver, fan_out

    subscriptions = [subscribe(api, receiver.url, ["claim.updated"])["id"] for api in (bob, alice)]
    claim = make_claim()
    updates(alice_user, claim, 5)
    assert fan_outs_queued() == 1
    for _ in range(3):  # as writers that commit at once may each queue one
        fan_out.enqueue()
    queued = DBTaskResult.objects.filter(status="READY")
    assert fan_out.call() == 2
    assert not queued.filter(task_path=fan_out.module_path).exists()
    waiting = queued.filter(task_path=deliver.module_path).values_list("args_kwargs", flat=True)
    waiting = sorted(waiting, key=str)
    assert waiting == [{"args": [s], "kwargs": {}} for s in sorted(subscriptions)]
    updates(alice_user, claim, 1)
    assert fan_out.call() == 0  # each already has a delivery queued, which will see this change too
    held = timezone.now() + timedelta(seconds=30)
    Subscription.objects.filter(pk=subscriptions[0]).update(leased_until=held)
    DBTaskResult.objects.all().delete()
    assert fan_out.call() == 1  # the leased one's worker looks again when it lets go


@pytest.mark.skipif(connection.vendor != "postgresql", reason="VACUUM is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_worker_prunes_old_task_rows_and_vacuums_the_task_table(alice_user, make_claim):
    from claims.feed import worker

    def vacuums() -> int:
        with connection.cursor() as cursor:
            table = DBTaskResult._meta.db_table
            cursor.execute("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = %s", [table])
            return cursor.fetchone()[0]

    make_claim()
    DBTaskResult.objects.update(status="SUCCESSFUL", finished_at=timezone.now() - timedelta(hours=2))
    before = vacuums()
    worker.prune()
    assert not DBTaskResult.objects.exists()
    for _ in range(50):  # the statistics collector reports a moment later
        if vacuums() > before:
            break
        time.sleep(0.1)
    assert vacuums() == before + 1
