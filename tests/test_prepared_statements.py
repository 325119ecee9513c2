"""On PostgreSQL a statement that repeats on a connection is prepared, so it is parsed once, and
is still planned on every run for its own values (project/settings.py says why)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")


def prepared_statements() -> list[tuple[str, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return cursor.fetchall()


def test_the_token_check_is_prepared_after_five_requests(alice):
    for _ in range(4):
        assert alice.get(CLAIMS).status_code == 200
    assert not [s for s in prepared_statements() if "claims_apitoken" in s[0]]
    for _ in range(3):
        assert alice.get(CLAIMS).status_code == 200
    [(statement, _generic, _custom)] = [s for s in prepared_statements() if "claims_apitoken" in s[0]]
    assert "$1" in statement  # bound on the server, not interpolated by the client


def test_every_run_of_a_prepared_search_gets_a_plan_for_its_own_term(alice, demo):
    # Prepared at its fifth run; left to itself, PostgreSQL would switch to a generic plan after
    # five more runs of the prepared statement if that plan looked no dearer.
    for term in ["Turkey", "Russia", "Macron", "Trump", "alliance", "Erdogan"] * 3:
        assert alice.get(CLAIMS, {"q": term}).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_custom_plan"
    searches = [s for s in prepared_statements() if "websearch_to_tsquery" in s[0] and "EXPLAIN" not in s[0]]
    assert searches, "the search page query was not prepared"
    for _statement, generic, custom in searches:
        # A plan made once for any term could walk a million rows for a rare one.
        assert generic == 0
        assert custom >= 1
