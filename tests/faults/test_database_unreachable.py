"""Database unreachable: API requests get a 503 problem within the connect timeout, /readyz says
so while /healthz does not care, and the same processes serve again by themselves once the
database is back: no restart, no 500."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.faults.harness import (
    ARTICLES,
    CLAIMS,
    CONNECT_TIMEOUT,
    THREADS,
    WORKERS,
    Cluster,
    Reply,
    Service,
    assert_problem,
    assert_unavailable,
    black_hole,
    fault_test,
    wait_for,
)

pytestmark = fault_test

# Enough requests at once to reach every worker thread, hence every persistent connection.
AT_ONCE = 2 * WORKERS * THREADS


def at_once(service: Service, path: str, token: str) -> list[Reply]:
    """GET `path` with AT_ONCE requests in parallel."""
    with ThreadPoolExecutor(AT_ONCE) as pool:
        return list(pool.map(lambda _: service.call("GET", path, token=token), range(AT_ONCE)))


def an_article(service: Service, token: str, url: str) -> int:
    reply = service.call(
        "POST",
        ARTICLES,
        token=token,
        body={"headline": "Outage", "body": "The bridge opened in 1932. It closed in 1990.", "url": url},
    )
    assert reply.status == 201, str(reply)
    return reply.json()["id"]


def recovers(service: Service, token: str) -> None:
    """Polls until the API answers 200 again; until then every answer must be a 503 problem."""

    def answers() -> bool:
        reply = service.call("GET", CLAIMS, token=token)
        if reply.status != 200:
            assert_unavailable(reply)
        return reply.status == 200

    wait_for("the API answering 200 again", answers, timeout=10, every=0.2)
    for reply in at_once(service, CLAIMS, token):
        assert reply.status == 200, str(reply)
    assert service.call("GET", "/readyz").json() == {"status": "ok", "database": "ok"}


def test_a_stopped_database_gets_503_problems_and_the_service_recovers_by_itself(
    throwaway_cluster: Cluster, service: Service, editor_token: str
) -> None:
    article = an_article(service, editor_token, "https://example.org/outage/stopped")
    # Every thread now holds a persistent connection (CONN_MAX_AGE) that the outage will kill.
    assert {r.status for r in at_once(service, CLAIMS, editor_token)} == {200}
    workers = service.worker_pids()

    throwaway_cluster.stop("fast")

    # A dead persistent connection and a refused new one are both a 503 problem, at once. The
    # token lookup is the first query, so this also shows authentication failing cleanly.
    for reply in at_once(service, CLAIMS, editor_token):
        assert_unavailable(reply)
        assert reply.seconds < CONNECT_TIMEOUT, str(reply)
    write = service.call(
        "POST", CLAIMS, token=editor_token, body={"article": article, "quote": "1932", "claimant": "A"}
    )
    assert_unavailable(write)
    # The editors' desk, whose session lookup fails outside the API's exception handler.
    assert_unavailable(service.call("GET", "/admin/", headers={"Cookie": f"sessionid={'x' * 32}"}))
    assert_problem(service.call("GET", "/readyz"), 503)
    assert service.call("GET", "/healthz").status == 200

    throwaway_cluster.start()

    recovers(service, editor_token)
    write = service.call(
        "POST", CLAIMS, token=editor_token, body={"article": article, "quote": "1932", "claimant": "A"}
    )
    assert write.status == 201, str(write)
    assert service.worker_pids() == workers, "the workers were restarted"


def test_a_database_that_never_answers_gets_503_problems_and_the_service_recovers_by_itself(
    throwaway_cluster: Cluster, service: Service, editor_token: str
) -> None:
    workers = service.worker_pids()
    throwaway_cluster.stop("fast")

    with black_hole(throwaway_cluster.port):
        # One at a time: at once, they would also measure gunicorn queueing them for its threads.
        reply = service.call("GET", CLAIMS, token=editor_token)
        ready = service.call("GET", "/readyz")
        alive = service.call("GET", "/healthz")

    # /readyz waits for the connect timeout, and for nothing more.
    assert_problem(ready, 503)
    assert CONNECT_TIMEOUT - 0.5 < ready.seconds < CONNECT_TIMEOUT + 1.5, str(ready)
    # The API does not hang either (the next test holds it to the same bound as /readyz).
    assert_unavailable(reply)
    assert reply.seconds < 3 * CONNECT_TIMEOUT, str(reply)
    assert alive.status == 200
    assert alive.seconds < 1, str(alive)

    throwaway_cluster.start()

    recovers(service, editor_token)
    assert service.worker_pids() == workers, "the workers were restarted"


def test_an_api_request_to_a_database_that_never_answers_waits_one_connect_timeout(
    throwaway_cluster: Cluster, service: Service, editor_token: str
) -> None:
    throwaway_cluster.stop("fast")

    with black_hole(throwaway_cluster.port):
        reply = service.call("GET", CLAIMS, token=editor_token)

    throwaway_cluster.start()
    assert_unavailable(reply)
    assert reply.seconds < CONNECT_TIMEOUT + 1.5, str(reply)


def test_a_service_started_while_its_database_is_down_serves_once_it_is_up(
    throwaway_cluster: Cluster, service: Service, editor_token: str
) -> None:
    throwaway_cluster.stop("fast")
    late = Service(service.env["DATABASE_URL"], logdir=throwaway_cluster.root, name="gunicorn-late")
    try:
        late.start()  # waits for /healthz: start-up itself needs no database
        assert_unavailable(late.call("GET", CLAIMS, token=editor_token))
        assert_problem(late.call("GET", "/readyz"), 503)

        throwaway_cluster.start()

        recovers(late, editor_token)
    finally:
        late.stop()
