"""On PostgreSQL a statement past the timeout is cancelled: its request gets a 503 problem, and
the worker is free for the next one."""

import threading

import pytest
from django.db import connection, connections

from claims.models import Claim
from tests.helpers import assert_problem, claim_url, etag_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("statement timeouts are PostgreSQL's")


def test_web_connections_carry_the_configured_timeout(settings):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "10s"


def test_a_request_stuck_past_the_timeout_gets_503_and_the_worker_goes_on(alice, make_claim):
    claim = make_claim()
    etag = etag_of(alice, claim)
    locked, release = threading.Event(), threading.Event()

    def hold_the_row():
        # Another connection holds the claim's row lock, as a long transaction would.
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute("SELECT id FROM claims_claim WHERE id = %s FOR UPDATE", [claim.pk])
                locked.set()
                release.wait(10)
                cursor.execute("ROLLBACK")
        finally:
            other.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(5)
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = '300ms'")
        response = alice.patch(claim_url(claim), {"claimant": "Someone"}, format="json", HTTP_IF_MATCH=etag)
        body = assert_problem(response, 503)
        assert response["Retry-After"]
        assert "Traceback" not in body["detail"]
    finally:
        release.set()
        holder.join()
    try:
        # Nothing was written, and the same worker (connection) serves the next request.
        assert Claim.objects.get(pk=claim.pk).version == 1
        response = alice.patch(claim_url(claim), {"claimant": "Someone"}, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 200
    finally:
        # Back to the configured timeout: the teardown's flush, on a loaded machine, can take
        # longer than 300 ms.
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
