"""Rate limits: per token and per address, 429 with Retry-After, counted in a shared store."""

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
from claims.platform.ratelimit import Leases, TokenRateThrottle, count_many
from tests.helpers import CLAIMS, assert_problem, client_with, make_token

# Day-long windows: a window boundary cannot fall inside a test and reset its count.
ADDRESS = "REMOTE_ADDR"


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


def hammer(token, quota_requests, threads=8):
    """Send requests from several threads, each with its own database connection, as separate
    workers would; return the status codes."""
    codes, barrier = [], threading.Barrier(threads)

    def worker():
        api = client_with(token)
        barrier.wait()
        try:
            for _ in range(quota_requests // threads):
                codes.append(api.get(CLAIMS, {"page_size": 1}).status_code)
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return codes


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_share_one_quota_in_the_database(settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database cannot serve several threads at once")
    settings.RATE_LIMIT_TOKEN = "20/day"
    codes = hammer(make_token("burst", "client"), 48)
    assert codes.count(200) == 20
    assert codes.count(429) == 28


def redis_is_up():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_is_up(), reason="no Redis on 127.0.0.1:6379")
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_share_one_quota_in_redis(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    settings.RATE_LIMIT_TOKEN = "20/day"
    codes = hammer(make_token("burst", "client"), 48)
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
    name = f"claims:rl:expiry-test:{window}"
    redis.Redis.from_url(url).delete(name)
    assert [store.hit_many([("expiry-test", window, 60, 1)]) for _ in range(3)] == [[1], [2], [3]]
    assert store.hit_many([("expiry-test", window, 60, 10)]) == [13]  # a batch claimed at once
    # The counter outlives its window by a second, no more.
    assert 0 < redis.Redis.from_url(url).ttl(name) <= 61
    assert store.hit_many([("expiry-test", window + 1, 60, 1)]) == [1]


def test_a_request_with_a_token_counts_its_address_and_token_in_one_statement(settings, bob_token):
    settings.RATE_LIMIT_ADDRESS = "100/day"
    settings.RATE_LIMIT_TOKEN = "100/day"
    here = fresh_address()
    with CaptureQueriesContext(connection) as sent:
        response = client_with(bob_token).get(CLAIMS, **{ADDRESS: here})
    assert response.status_code == 200
    counting = [q["sql"] for q in sent.captured_queries if "ratelimitcounter" in q["sql"].lower()]
    assert len(counting) == 1, counting
    assert set(RateLimitCounter.objects.values_list("key", flat=True)) >= {f"addr:{here}"}
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
    assert RateLimitCounter.objects.get(key=f"addr:{here}").hits == 3


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
    assert RateLimitCounter.objects.get(key=f"addr:{here}").hits == 30  # five claimed, not spent


def test_redis_is_asked_once_a_batch(settings, bob_token):
    if not redis_is_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis

    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    settings.RATE_LIMIT_ADDRESS = settings.RATE_LIMIT_TOKEN = "1000/day"
    assert (
        client_with(bob_token).get(CLAIMS, **{ADDRESS: fresh_address()}).status_code == 200
    )  # loads the script
    here, client = fresh_address(), client_with(make_token("batched", "client"))
    stats = redis.Redis.from_url(settings.REDIS_URL)

    def scripts_run() -> int:
        calls = stats.info("commandstats")
        return sum(calls.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("evalsha", "eval"))

    before = scripts_run()
    assert {client.get(CLAIMS, {"page_size": 1}, **{ADDRESS: here}).status_code for _ in range(25)} == {200}
    assert scripts_run() - before == 3


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
@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
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
