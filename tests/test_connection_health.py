"""A kept PostgreSQL connection is checked before each request's first query without a round trip
while the server has sent nothing (`claims/platform/db/postgresql`), and replaced when the server
ended it, as Django's own check (`SELECT 1`) would."""

from __future__ import annotations

import time

import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base as django_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the backend is PostgreSQL's")


@pytest.fixture
def kept():
    """A connection of the service's own backend, as a worker thread keeps it between requests."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


@pytest.fixture
def round_trips(monkeypatch):
    """Each `SELECT 1` of Django's check, counted (it still runs)."""
    checks: list[object] = []
    django_check = django_postgresql.DatabaseWrapper.is_usable

    def counted(self):
        checks.append(self)
        return django_check(self)

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", counted)
    return checks


def backend_pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def next_request(wrapper) -> None:
    """What Django does between two requests on a kept connection, then the check of the next."""
    wrapper.close_if_unusable_or_obsolete()
    wrapper.close_if_health_check_failed()


def test_the_service_runs_on_the_backend_with_the_quiet_check():
    assert connection.settings_dict["ENGINE"] == "claims.platform.db.postgresql"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_quiet_kept_connection_is_reused_without_a_round_trip(kept, round_trips):
    pid = backend_pid(kept)
    for _ in range(3):
        next_request(kept)
        assert backend_pid(kept) == pid
    assert round_trips == []
    assert kept.health_check_done


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(kept, round_trips):
    pid = backend_pid(kept)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server's FATAL message and the closed socket reach this side.
    deadline = time.monotonic() + 5
    while kept._quiet() and time.monotonic() < deadline:
        time.sleep(0.01)
    next_request(kept)
    # Django's own check ran, found the connection dead and closed it: the request's first query
    # opens a new one instead of failing.
    assert len(round_trips) == 1
    assert backend_pid(kept) != pid


def test_a_notice_from_the_server_sends_the_check_the_long_way(kept, round_trips):
    pid = backend_pid(kept)
    with kept.cursor() as cursor:
        cursor.execute("LISTEN claims_health_test")
    with connection.cursor() as cursor:
        cursor.execute("NOTIFY claims_health_test")
    deadline = time.monotonic() + 5
    while kept._quiet() and time.monotonic() < deadline:
        time.sleep(0.01)
    next_request(kept)
    # Something unasked arrived: Django's check ran, found the connection well, and kept it.
    assert len(round_trips) == 1
    assert backend_pid(kept) == pid
