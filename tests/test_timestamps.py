"""On PostgreSQL, timestamps load through psycopg's compiled loader (claims.platform.db.timestamps) and come
out exactly as Django's own loader gives them: aware, in UTC."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from psycopg import pq

from claims.platform.db.timestamps import COMPILED_LOADER, TIMESTAMPTZ_OID, UtcTimestampLoader
from tests.helpers import claim_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the loader is psycopg's")


def test_the_connection_loads_timestamps_with_the_compiled_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, pq.Format.TEXT)
    assert issubclass(loader, UtcTimestampLoader)
    assert COMPILED_LOADER is not None
    assert not COMPILED_LOADER.__module__.startswith("psycopg.")


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("2019-12-04 10:00:00+00", datetime(2019, 12, 4, 10, 0, tzinfo=UTC)),
        ("2019-12-04 10:00:00.000001+00", datetime(2019, 12, 4, 10, 0, 0, 1, tzinfo=UTC)),
        ("2019-12-04 12:30:00.5+02:30", datetime(2019, 12, 4, 10, 0, 0, 500000, tzinfo=UTC)),
        ("1969-07-20 20:17:40+00", datetime(1969, 7, 20, 20, 17, 40, tzinfo=UTC)),
        ("0001-01-01 00:00:00+00", datetime(1, 1, 1, tzinfo=UTC)),
        ("9999-12-31 23:59:59.999999+00", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_a_timestamp_comes_back_aware_in_utc(literal, expected):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [literal])
        value = cursor.fetchone()[0]
    assert value == expected
    assert value.tzinfo is UTC


def test_claims_read_through_the_api_carry_their_timestamps(alice, make_claim):
    claim = make_claim()
    body = alice.get(claim_url(claim)).json()
    claim.refresh_from_db()
    assert body["created_at"] == claim.created_at.isoformat().replace("+00:00", "Z")
