"""Rate limits: per token and per address, 429 with Retry-After, counted in a shared store."""

import itertools
import math
import re
import socket
import threading
import time
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from claims.models import RateLimitCounter
from claims.platform import ratelimit
from claims.platform.ratelimit import (
    DatabaseCounterStore,
    Leases,
    OverQuota,
    TokenRateThrottle,
    Verdict,
    count_many,
)
from tests.helpers import CLAIMS, assert_problem, client_with, make_token

# Day-long windows: a window boundary cannot fall inside a test and reset its count.
ADDRESS = "REMOTE_ADDR"


def examples_in_one_database_test(max_examples):
    """Hypothesis's settings for a property whose examples share one test's database (its
    fixtures are function-scoped), each example a statement or a few."""
    return hypothesis_settings(
        max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )


def fresh_address():
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def test_a_token_over_its_quota_gets_429_with_retry_after(settings, bob_token, alice):
    settings.RATE_LIMIT_TOKEN = "3/day"
    bob = client_with(bob_token)
    assert [bob.get(CLAIMS).status_code for _ in range(3)] == [200, 200, 200]
    refused = bob.get(CLAIMS)
    body = assert_problem(refused, 429)
    assert 1 <= int(refused["Retry-After"]) <= 86400
    assert "Retry-After" not in bob.get("/healthz")
    # Another token has its own quota.
    assert alice.get(CLAIMS).status_code == 200
    assert body["title"] == "Too Many Requests"


def test_an_address_over_its_quota_gets_429_whatever_the_token(settings, bob_token):
    settings.RATE_LIMIT_ADDRESS = "4/day"
    here, elsewhere = fresh_address(), fresh_address()
    guesser = client_with("ct_00000000_" + "A" * 43)
    for _ in range(4):
        assert guesser.get(CLAIMS, **{ADDRESS: here}).status_code == 401
    # Guessing tokens spent the address's quota: even a good token is refused from there.
    response = client_with(bob_token).get(CLAIMS, **{ADDRESS: here})
    assert_problem(response, 429)
    assert int(response["Retry-After"]) >= 1
    assert client_with(bob_token).get(CLAIMS, **{ADDRESS: elsewhere}).status_code == 200


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(settings, bob_token):
    settings.RATE_LIMIT_ADDRESS = "2/day"
    settings.RATE_LIMIT_PROXY_COUNT = 1
    bob = client_with(bob_token)
    client = fresh_address()
    # A client cannot pick its own identity by sending X-Forwarded-For itself: the proxy appends
    # the address it saw, and that last entry is the one counted.
    for spoofed in ("1.1.1.1", "2.2.2.2"):
        assert bob.get(CLAIMS, HTTP_X_FORWARDED_FOR=f"{spoofed}, {client}").status_code == 200
    assert_problem(bob.get(CLAIMS, HTTP_X_FORWARDED_FOR=f"3.3.3.3, {client}"), 429)


def test_health_and_docs_are_not_limited(settings, anonymous, db):
    settings.RATE_LIMIT_ADDRESS = "1/day"
    assert [anonymous.get("/healthz").status_code for _ in range(3)] == [200] * 3


@pytest.mark.parametrize(
    "text", ["10", "ten/minute", "10/fortnight", "0/minute", "-1/hour", "10/", "/minute"]
)
def test_a_malformed_rate_is_refused_at_start_up(text):
    with pytest.raises(ImproperlyConfigured):
        TokenRateThrottle(rate=text)


@pytest.mark.parametrize(
    ("text", "quota"),
    [
        ("off", (None, None)),
        ("OFF", (None, None)),
        ("", (None, None)),
        ("600/minute", (600, 60)),
        ("600/min", (600, 60)),
        ("5/second", (5, 1)),
        (" 20/hour ", (20, 3600)),
        ("1/day", (1, 86400)),
    ],
)
def test_a_rate_is_read_as_requests_per_seconds(text, quota):
    throttle = TokenRateThrottle(rate=text)
    assert (throttle.num_requests, throttle.duration) == quota


class OneWorkerPerThread(threading.local):
    """The hits held ahead, one set per thread: each thread then acts as a worker of its own."""

    def __init__(self):
        self.leases = Leases()

    def __getattr__(self, name):
        return getattr(self.leases, name)


def hammer(token, quota_requests, threads=8):
    """Send requests from several threads, each with its own database connection; return each
    response's status code and RateLimit-Remaining."""
    answers, barrier = [], threading.Barrier(threads)

    def worker():
        api = client_with(token)
        barrier.wait()
        try:
            for _ in range(quota_requests // threads):
                response = api.get(CLAIMS, {"page_size": 1})
                answers.append((response.status_code, response["RateLimit-Remaining"]))
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return answers


def codes_of(answers):
    return [code for code, _ in answers]


@pytest.fixture
def workers(monkeypatch):
    """Make each thread of `hammer` a worker of its own, with its own hits held ahead."""
    monkeypatch.setattr(ratelimit, "LEASES", OneWorkerPerThread())


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_share_one_quota_in_the_database(settings, workers):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database cannot serve several threads at once")
    settings.RATE_LIMIT_TOKEN = "20/day"
    settings.RATE_LIMIT_BATCH = 1
    codes = codes_of(hammer(make_token("burst", "client"), 48))
    assert codes.count(200) == 20
    assert codes.count(429) == 28


@pytest.mark.django_db(transaction=True)
def test_concurrent_threads_of_one_worker_spend_its_batches_in_order(settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database cannot serve several threads at once")
    settings.RATE_LIMIT_TOKEN = "20/day"  # a batch of ten, then one at a time past half
    answers = hammer(make_token("burst", "client"), 48)
    # One worker loses no hit: all twenty are spent, each once, before any request is refused.
    assert sorted(int(remaining) for code, remaining in answers if code == 200) == list(range(20))
    assert codes_of(answers).count(429) == 28


@pytest.mark.parametrize("store", ["database", "redis"])
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_taking_batches_never_spend_a_hit_twice(settings, workers, store):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database cannot serve several threads at once")
    if store == "redis":
        if not redis_is_up():
            pytest.skip("no Redis on 127.0.0.1:6379")
        settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    settings.RATE_LIMIT_TOKEN = "100/day"
    answers = hammer(make_token("burst", "client"), 160)
    allowed = [remaining for code, remaining in answers if code == 200]
    assert len(allowed) == len(set(allowed))
    # Eight workers, each holding at most nine hits it has not spent: at most 63 lost.
    assert 100 - 7 * 9 <= len(allowed) <= 100
    assert codes_of(answers).count(429) == 160 - len(allowed)


def redis_is_up():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_is_up(), reason="no Redis on 127.0.0.1:6379")
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_share_one_quota_in_redis(settings, workers):
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    settings.RATE_LIMIT_TOKEN = "20/day"
    settings.RATE_LIMIT_BATCH = 1
    codes = codes_of(hammer(make_token("burst", "client"), 48))
    assert codes.count(200) == 20
    assert codes.count(429) == 28
    assert not RateLimitCounter.objects.exists()


def test_redis_counts_without_touching_the_database(
    settings, bob_token, make_claim, django_assert_num_queries
):
    if not redis_is_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    make_claim(status="published")
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    # 1. the token with its user and role  2. the claims  3. evidence  4. corrections
    with django_assert_num_queries(4):
        assert client_with(bob_token).get(CLAIMS).status_code == 200


def test_an_unreachable_counter_store_lets_requests_through(settings, bob_token):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    settings.RATE_LIMIT_TOKEN = "1/day"
    bob = client_with(bob_token)
    assert [bob.get(CLAIMS).status_code for _ in range(3)] == [200, 200, 200]


def test_a_redis_window_counts_hits_and_expires_after_its_window():
    if not redis_is_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis

    from claims.platform.ratelimit import counter_store

    url = "redis://127.0.0.1:6379/15"
    store, window = counter_store(url), int(time.time())
    # A key of its own: another run of the suite on the same Redis must not count in it.
    key = f"expiry-test-{uuid.uuid4().hex}"
    name = f"claims:rl:{key}:{window}"
    assert [store.hit_many([(key, window, 60, 1)])[0][1] for _ in range(3)] == [1, 2, 3]
    assert store.hit_many([(key, window, 60, 10)]) == [(window, 13)]  # a batch at once
    # The counter outlives its window by a second, no more.
    assert 0 < redis.Redis.from_url(url).ttl(name) <= 61
    assert store.hit_many([(key, window + 1, 60, 1)]) == [(window + 1, 1)]
    # A late reader of the ended window is counted in it: a key per window.
    assert store.hit_many([(key, window, 60, 1)]) == [(window, 14)]


def test_a_request_with_a_token_counts_its_address_and_token_in_one_statement(settings, bob_token):
    settings.RATE_LIMIT_ADDRESS = "100/day"
    settings.RATE_LIMIT_TOKEN = "100/day"
    here = fresh_address()
    with CaptureQueriesContext(connection) as sent:
        response = client_with(bob_token).get(CLAIMS, **{ADDRESS: here})
    assert response.status_code == 200
    counting = [q["sql"] for q in sent.captured_queries if "ratelimitcounter" in q["sql"].lower()]
    assert len(counting) == 1, counting
    assert set(RateLimitCounter.objects.values_list("key", flat=True)) >= {f"addr:{here}/86400"}
    assert RateLimitCounter.objects.filter(key__startswith="token:").count() == 1
    assert response["RateLimit-Remaining"] == "99"


def test_an_address_over_its_quota_is_refused_before_its_token_is_looked_up(settings, bob_token):
    settings.RATE_LIMIT_ADDRESS = "2/day"
    here = fresh_address()
    bob = client_with(bob_token)
    assert [bob.get(CLAIMS, **{ADDRESS: here}).status_code for _ in range(3)] == [200, 200, 429]
    with CaptureQueriesContext(connection) as sent:
        refused = bob.get(CLAIMS, **{ADDRESS: here})
    assert_problem(refused, 429)
    assert 1 <= int(refused["Retry-After"]) <= 86400
    assert refused["RateLimit-Remaining"] == "0"
    assert sent.captured_queries == []  # neither counted nor authenticated: refused from memory


def test_a_bad_tokens_address_is_counted_after_its_401(settings, db):
    settings.RATE_LIMIT_ADDRESS = "2/day"
    here = fresh_address()
    guesser = client_with("ct_00000000_" + "A" * 43)
    # Each 401 is counted on its way out; the one past the quota still answers, and from then on
    # the address is refused before its token is looked at.
    assert [guesser.get(CLAIMS, **{ADDRESS: here}).status_code for _ in range(4)] == [401, 401, 401, 429]
    assert RateLimitCounter.objects.get(key=f"addr:{here}/86400").hits == 3


def test_redis_counts_address_and_token_in_one_call(settings, bob_token):
    if not redis_is_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis

    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    settings.RATE_LIMIT_ADDRESS = settings.RATE_LIMIT_TOKEN = "100/day"
    settings.RATE_LIMIT_BATCH = 1  # every request asks the store
    here = fresh_address()
    bob = client_with(bob_token)
    assert bob.get(CLAIMS, **{ADDRESS: here}).status_code == 200  # loads the script

    def scripts_run() -> int:
        stats = redis.Redis.from_url(settings.REDIS_URL).info("commandstats")
        return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("evalsha", "eval"))

    before = scripts_run()
    response = bob.get(CLAIMS, **{ADDRESS: here})
    assert response.status_code == 200
    assert scripts_run() - before == 1
    assert response["RateLimit-Remaining"] == "98"


# --- Hits claimed ahead, a batch at a time ------------------------------------------------------


def counting_statements(sent):
    return [q for q in sent.captured_queries if "ratelimitcounter" in q["sql"].lower()]


def test_a_client_far_from_its_quotas_asks_the_store_once_a_batch(settings, bob_token):
    settings.RATE_LIMIT_ADDRESS = settings.RATE_LIMIT_TOKEN = "1000/day"
    here, bob = fresh_address(), client_with(bob_token)
    with CaptureQueriesContext(connection) as sent:
        responses = [bob.get(CLAIMS, {"page_size": 1}, **{ADDRESS: here}) for _ in range(25)]
    assert {r.status_code for r in responses} == {200}
    # Requests 1, 11 and 21 each claim ten hits of the address and ten of the token.
    assert len(counting_statements(sent)) == 3
    assert [r["RateLimit-Remaining"] for r in responses[-3:]] == ["977", "976", "975"]
    assert RateLimitCounter.objects.get(key=f"addr:{here}/86400").hits == 30  # five claimed, not spent


def test_redis_is_asked_once_a_batch(settings, bob_token):
    if not redis_is_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis

    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    settings.RATE_LIMIT_ADDRESS = settings.RATE_LIMIT_TOKEN = "1000/day"
    here, client = fresh_address(), client_with(make_token("batched", "client"))
    assert {client.get(CLAIMS, {"page_size": 1}, **{ADDRESS: here}).status_code for _ in range(25)} == {200}
    # Read from the counter itself (the server's command counts are shared with anything else
    # using it): requests 1, 11 and 21 each claimed ten hits; a claim per request would make 25.
    counter = f"claims:rl:addr:{here}:{int(time.time() // 86400)}"
    assert int(redis.Redis.from_url(settings.REDIS_URL).get(counter)) == 30


@pytest.mark.parametrize(
    ("limit", "batch", "claims"),
    [
        # A batch while the key, batch included, stays within half its quota; then one at a time.
        (100, 10, [10] * 5 + [1] * 50 + [1]),
        (40, 10, [10, 10] + [1] * 20 + [1]),
        (30, 10, [10] + [1] * 20 + [1]),
        (19, 10, [1] * 19 + [1]),  # a batch would take more than half: exact from the start
        (100, 1, [1] * 100 + [1]),  # RATE_LIMIT_BATCH=1: every request asks the store
    ],
)
def test_a_batch_is_claimed_only_under_half_the_quota(settings, db, limit, batch, claims):
    settings.RATE_LIMIT_BATCH = batch
    key, leases = f"batch-{uuid.uuid4()}", Leases()
    with CaptureQueriesContext(connection) as sent:
        verdicts = [count_many([(key, limit, 86400)], leases)[0] for _ in range(limit + 1)]
    claimed = [re.search(r"VALUES \('[^']*', \d+, (\d+)\)", q["sql"]) for q in counting_statements(sent)]
    assert [int(match.group(1)) for match in claimed if match] == claims
    assert [v.remaining for v in verdicts] == [*range(limit - 1, -1, -1), 0]
    assert [v.allowed for v in verdicts] == [True] * limit + [False]


@pytest.mark.django_db
@examples_in_one_database_test(max_examples=60)
@given(
    workers=st.integers(1, 4),
    batch=st.integers(1, 12),
    limit=st.integers(1, 60),
    turns=st.lists(st.integers(0, 3), max_size=150),
)
# A worker that knows nothing of the window claims a batch when the store is two short of the
# quota: of the ten hits, only those two may be spent.
@example(workers=2, batch=10, limit=40, turns=[0] * 38 + [1] * 10)
def test_workers_claiming_batches_never_spend_a_hit_twice_nor_pass_the_quota(
    settings, workers, batch, limit, turns
):
    settings.RATE_LIMIT_BATCH = batch
    key, held = f"batch-{uuid.uuid4()}", [Leases() for _ in range(workers)]
    verdicts = [count_many([(key, limit, 86400)], held[turn % workers])[0] for turn in turns]
    spent = [limit - v.remaining for v in verdicts if v.allowed]
    assert len(spent) == len(set(spent))  # no hit number is spent twice
    assert len(spent) <= limit
    # Only the hits other workers claimed and have not spent yet can be lost to a client.
    assert len(spent) >= min(len(turns), limit - (workers - 1) * (batch - 1))
    if workers == 1:
        assert [v.allowed for v in verdicts] == [n < limit for n in range(len(turns))]


@pytest.mark.parametrize(
    ("hits", "counted"),
    [
        ([(5, 60)] * 3, [(5, 1), (5, 2), (5, 3)]),
        ([(5, 60), (6, 60), (6, 60)], [(5, 1), (6, 1), (6, 2)]),  # a new window starts afresh
        # A hit that read the ended window is counted in the current one, and says so.
        ([(6, 60), (5, 60), (6, 60)], [(6, 1), (6, 2), (6, 3)]),
        ([(5, 60), (6, 60), (5, 60), (6, 60)], [(5, 1), (6, 1), (6, 2), (6, 3)]),
        # A quota whose period changed (a minute's window numbers are far above a day's) is
        # counted apart, in windows of its new length.
        ([(29_900_000, 60), (20_800, 86400), (20_801, 86400)], [(29_900_000, 1), (20_800, 1), (20_801, 1)]),
        ([(20_800, 86400), (29_900_000, 60), (20_800, 86400)], [(20_800, 1), (29_900_000, 1), (20_800, 2)]),
    ],
)
def test_the_database_store_never_lets_an_ended_window_reset_the_current_one(db, hits, counted):
    key, store = f"stale-{uuid.uuid4()}", DatabaseCounterStore()
    assert [store.hit_many([(key, window, seconds, 1)])[0] for window, seconds in hits] == counted


@pytest.mark.parametrize(
    ("counted", "top", "spent", "rest"),
    [
        # Redis counted it in window 1 (a key per window): its own first hit; the rest are of no
        # use, and window 2's lease is left alone.
        (1, 30, 21, range(2, 11)),
        # The database had moved on and counted it in window 2 (11-20): kept for window 2.
        (2, 20, 2, range(3, 21)),
    ],
)
def test_a_claim_answered_after_its_window_ended_is_held_for_the_window_it_was_counted_in(
    settings, counted, top, spent, rest
):
    settings.RATE_LIMIT_BATCH = 10
    leases, key = Leases(), "boundary"
    assert leases.take(key, 1, 60.0, 1000) == (0, 10)  # a thread claims in window 1 ...
    assert leases.take(key, 2, 120.0, 1000) == (0, 10)  # ... another, in window 2
    assert leases.hold(key, 2, 2, 120.0, 10, 10) == 1
    assert leases.hold(key, 1, counted, counted * 60.0 + 60, 10, top) == spent
    assert [leases.take(key, 2, 120.0, 1000)[0] for _ in rest] == list(rest)
    assert leases.take(key, 2, 120.0, 1000) == (0, 10)  # none left: a new batch
    assert leases.take(key, 1, 60.0, 1000) == (0, 1)  # a late reader of window 1 asks it too


@pytest.mark.parametrize(
    ("answers", "spent"),
    [
        # B's one hit comes back first, beyond A's batch; then A's batch, whose first A spends.
        ([(1, 35), (10, 10)], [35, 1]),
        # A's batch comes back first; B then spends the lowest hit held, not its own.
        ([(10, 10), (1, 35)], [1, 2]),
    ],
)
def test_the_lowest_hit_held_is_spent_first_whoever_claimed_it(settings, answers, spent):
    settings.RATE_LIMIT_BATCH = 10
    leases, key = Leases(), "lowest"
    assert leases.take(key, 1, 60.0, 39) == (0, 10)  # thread A: a batch
    assert leases.take(key, 1, 60.0, 39) == (0, 1)  # thread B: A's pending batch is counted
    assert leases.awaits(key)
    assert [leases.hold(key, 1, 1, 60.0, claimed, top) for claimed, top in answers] == spent
    assert not leases.awaits(key)
    rest = [leases.take(key, 1, 60.0, 39)[0] for _ in range(9)]
    assert sorted([*spent, *rest]) == [*range(1, 11), 35]
    assert rest == sorted(rest)


def _leases_table(monkeypatch):
    """A table of leases of room 10: (put a key whose window ends then, the keys in order)."""
    leases, windows = Leases(), itertools.count(1)
    monkeypatch.setattr(leases, "MAX_KEPT", 10)

    def put(key, ends):
        window = next(windows)  # a later window each time: the key's lease is renewed
        leases.take(key, window, ends, 1000)
        leases.hold(key, window, window, ends, 10, 10)

    return put, lambda: list(leases._held)


def _refusals_table(monkeypatch):
    """A table of refusals of room 10: (put a key whose window ends then, the keys in order)."""
    known = OverQuota()
    monkeypatch.setattr(known, "MAX_KEPT", 10)

    def put(key, ends):
        known.note(key, Verdict(allowed=False, limit=5, remaining=0, retry_after=1, ends=ends))

    return put, lambda: list(known._until)


@pytest.mark.parametrize("table", [_leases_table, _refusals_table], ids=["leases", "refusals"])
def test_a_full_table_drops_ended_windows_first_then_the_least_recently_renewed(settings, monkeypatch, table):
    settings.RATE_LIMIT_BATCH = 10
    put, keys = table(monkeypatch)
    now = time.time()
    for n in range(10):
        put(f"key-{n}", now - 1 if n % 2 else now + 60)  # odd keys: windows that have ended
    put("key-0", now + 60)  # renewed: now the most recent, and nothing is dropped
    assert keys() == [*map("key-{}".format, range(1, 10)), "key-0"]
    put("new", now + 60)
    assert keys() == ["key-2", "key-4", "key-6", "key-8", "key-0", "new"]
    for n in range(10, 15):
        put(f"key-{n}", now + 60)  # full again, of live windows: the oldest go
    assert keys() == ["key-4", "key-6", "key-8", "key-0", "new", *map("key-{}".format, range(10, 15))]


def test_a_refusal_is_remembered_until_its_window_ends_not_a_rounded_up_retry_after_later():
    known, now = OverQuota(), time.time()
    # Refused 0.1 s before its window ends: told to come back in 1 s, the rounded-up wait.
    known.note("addr:late", Verdict(allowed=False, limit=5, remaining=0, retry_after=1, ends=now + 0.1))
    refusal = known.refusal("addr:late")
    assert refusal is not None
    assert (refusal.allowed, refusal.limit, refusal.retry_after, refusal.ends) == (False, 5, 1, now + 0.1)
    time.sleep(0.15)
    assert known.refusal("addr:late") is None  # the window has ended: counted by the store again
    assert "addr:late" not in known._until


def test_a_failing_store_lets_quotas_pass_but_held_hits_are_still_judged(settings, db):
    settings.RATE_LIMIT_BATCH = 10
    key, limit, late = f"failing-{uuid.uuid4()}", 20, Leases()
    for _ in range(2):  # two other workers take hits 1-20
        count_many([(key, limit, 86400)], Leases())
    assert count_many([(key, limit, 86400)], late)[0].allowed is False  # holds 21-30, spent 21
    settings.REDIS_URL = f"redis://127.0.0.1:9/{uuid.uuid4().int % 1000}"  # nothing listens
    assert count_many([(key, limit, 86400)], Leases())[0].allowed is True  # fails open
    assert count_many([(key, limit, 86400)], late)[0].allowed is False  # hit 22, from its lease


@pytest.mark.django_db
@examples_in_one_database_test(max_examples=80)
@given(
    limit=st.integers(1, 50),
    batch=st.integers(1, 12),
    steps=st.lists(
        st.tuples(
            st.integers(0, 2),  # the worker
            st.integers(0, 2),  # the thread
            st.sampled_from(["take"] * 6 + ["answer"] * 4 + ["store fails", "window ends"]),
        ),
        max_size=120,
    ),
)
# Thread 0 claims a batch; thread 1, knowing it is pending, asks for one; either is answered first.
@example(limit=39, batch=10, steps=[(0, 0, "take"), (0, 1, "take"), (0, 1, "answer"), (0, 0, "answer")])
@example(limit=39, batch=10, steps=[(0, 0, "take"), (0, 1, "take"), (0, 0, "answer"), (0, 1, "answer")])
# Three threads of a worker ask at once, near a small quota: one batch between them.
@example(limit=30, batch=10, steps=[(0, 0, "take"), (0, 1, "take"), (0, 2, "take")])
def test_threads_and_workers_in_any_interleaving_spend_each_hit_once_and_the_lowest_first(
    settings, limit, batch, steps
):
    """Threads of three workers take hits, ask the store, hear back, see the store fail and see
    windows end, in any order. The store is asked when a thread claims (its count is then
    fixed); the thread holds the answer when it hears back, after any number of other steps."""
    settings.RATE_LIMIT_BATCH = batch
    key, store, leases = f"interleaved-{uuid.uuid4()}", DatabaseCounterStore(), [Leases() for _ in range(3)]
    window, waiting = 1, {}  # (worker, thread) -> (window, claim, top or None when the store failed)
    given, spent, held_at = {}, {}, {}  # (window, worker) -> numbers; (window, worker, number) -> step

    moved = {}  # (window, worker) -> the step from which the worker's lease is of a later window

    def spend(step, worker, w, hit):
        spent.setdefault((w, worker), []).append((step, hit))

    for step, (worker, thread, action) in enumerate(steps):
        mine, me = leases[worker], (worker, thread)
        if action == "window ends":
            window += 1
        elif me not in waiting and action == "take":
            hit, claim = mine.take(key, window, math.inf, limit)
            for earlier in range(1, window):
                moved.setdefault((earlier, worker), step)
            if hit:
                spend(step, worker, window, hit)
            else:
                counted, top = store.hit_many([(key, window, 60, claim)])[0]
                assert counted == window
                given.setdefault((window, worker), set()).update(range(top - claim + 1, top + 1))
                waiting[me] = (window, claim, top)
        elif me in waiting and action == "store fails" and waiting[me][2] is not None:
            w, claim, top = waiting[me]
            given[(w, worker)] -= set(range(top - claim + 1, top + 1))  # as if never counted
            waiting[me] = (w, claim, None)
        elif me in waiting and action in ("answer", "store fails"):
            w, claim, top = waiting.pop(me)
            if top is None:
                mine.release(key, w, claim)
            else:
                for number in range(top - claim + 1, top + 1):
                    held_at[(w, worker, number)] = step
                spend(step, worker, w, mine.hold(key, w, w, math.inf, claim, top))
        # However its threads interleave, a worker never holds and asks for more than half the
        # quota's hits, but for one per thread asking near the quota.
        for lease in mine._held.values():
            assert sum(last - first + 1 for first, last in lease.ranges) + lease.pending <= limit // 2 + 3

    # Every hit the store gave a worker for the window its lease is of is spent, held, or on its
    # way to the thread that asked: none is lost while the window lasts.
    for worker, mine in enumerate(leases):
        lease = mine._held.get(key)
        if lease is not None:
            kept = {n for first, last in lease.ranges for n in range(first, last + 1)}
            on_its_way = {
                n
                for (worker2, _), (w, claim, top) in waiting.items()
                if worker2 == worker and w == lease.window and top is not None
                for n in range(top - claim + 1, top + 1)
            }
            gone = {hit for _, hit in spent.get((lease.window, worker), [])}
            assert gone | kept | on_its_way == given.get((lease.window, worker), set())
            # Only claims still waiting are counted as pending: one answered or lost is not.
            assert lease.pending == sum(
                claim
                for (worker2, _), (w, claim, _) in waiting.items()
                if worker2 == worker and w == lease.window
            )
    allowed = [(w, hit) for (w, _), hits in spent.items() for _, hit in hits if hit <= limit]
    assert len(allowed) == len(set(allowed))  # no hit is spent twice in a window
    for (w, worker), hits in spent.items():
        assert {hit for _, hit in hits} <= given.get((w, worker), set())  # only hits the store gave
        # While a worker's lease is of this window, a request is refused only when the worker
        # holds no hit within the quota: those it held before were all spent before it.
        moved_on = moved.get((w, worker), math.inf)
        spent_at = {hit: step for step, hit in hits}
        for refused in [step for step, hit in hits if hit > limit and step < moved_on]:
            for (w2, worker2, number), held in held_at.items():
                if (w2, worker2) == (w, worker) and number <= limit and held <= refused:
                    assert spent_at.get(number, math.inf) < refused


def test_a_refusal_is_not_remembered_while_hits_within_the_quota_may_be_on_their_way(settings, bob_token):
    settings.RATE_LIMIT_ADDRESS, settings.RATE_LIMIT_BATCH = "20/day", 10
    here, bob = fresh_address(), client_with(bob_token)
    key, window, ends = f"addr:{here}", int(time.time() // 86400), 0.0
    # A thread of this worker claims a batch; the store counts it (1-10), its answer is slow.
    assert ratelimit.LEASES.take(key, window, ends, 20) == (0, 10)
    assert DatabaseCounterStore().hit_many([(key, window, 86400, 10)]) == [(window, 10)]
    for _ in range(2):  # other workers take 11-30
        count_many([(key, 20, 86400)], Leases())
    assert bob.get(CLAIMS, **{ADDRESS: here}).status_code == 429  # this thread's one hit: 31
    assert ratelimit.LEASES.hold(key, window, window, ends, 10, 10) == 1  # the batch arrives
    # Hits 2-10 are this worker's to spend: the address was not remembered as over its quota.
    assert [bob.get(CLAIMS, **{ADDRESS: here}).status_code for _ in range(10)] == [200] * 9 + [429]


@pytest.mark.parametrize(
    ("rates", "kept"),
    [
        # A quota a minute and one a day: their current windows stay; an ended window, a period
        # no quota has now and a key from before counters were kept per period go.
        (("5/minute", "5/day", "off"), {"token:a/60", "addr:b/86400"}),
        (("5/minute", "off", "off"), {"token:a/60"}),
        (("off", "off", "off"), set()),
    ],
)
@pytest.mark.django_db(transaction=True)  # the prune vacuums, which PostgreSQL runs outside transactions
def test_the_worker_purges_the_counters_no_quota_will_read_again(settings, rates, kept):
    from claims.feed import worker

    settings.RATE_LIMIT_TOKEN, settings.RATE_LIMIT_ADDRESS, settings.RATE_LIMIT_LOGIN = rates
    now, store = time.time(), DatabaseCounterStore()
    minute, day = int(now // 60), int(now // 86400)
    store.hit_many([("token:a", minute, 60, 1), ("token:old", minute - 2, 60, 1), ("addr:b", day, 86400, 1)])
    store.hit_many([("addr:hourly", int(now // 3600), 3600, 1)])
    RateLimitCounter.objects.create(key="addr:before-periods", bucket=minute, hits=1)
    worker.prune()
    assert set(RateLimitCounter.objects.values_list("key", flat=True)) == kept
