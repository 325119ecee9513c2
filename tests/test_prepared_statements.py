"""On PostgreSQL a statement that repeats on a connection is prepared, so it is parsed once and,
once PostgreSQL finds a generic plan no dearer, planned once; a filtered list's statements are
never prepared, so each is planned for its own values, but for a search read from the ordered
indexes, whose plan is the same for every term (claims/platform/db/statements.py says why)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from claims.selectors import claims as selector
from tests.conftest import ordered_indexes
from tests.helpers import ARTICLES, CLAIMS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")


# A statement reading the claims table, however the compiler quotes and spaces it.
READS_CLAIMS = re.compile(rf'\bFROM\s+"?{Claim._meta.db_table}\b')


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


def test_the_token_check_is_planned_once_for_every_token(alice):
    # Prepared at its sixth run; PostgreSQL tries five custom plans, then keeps the generic one.
    for _ in range(14):
        assert alice.get(CLAIMS).status_code == 200
    [(_statement, generic, _custom)] = [s for s in prepared_statements() if "claims_apitoken" in s[0]]
    assert generic >= 1


def test_a_page_without_filters_is_prepared(alice, demo):
    # Loading the demo prepared statements of its own that read claims: only new ones count.
    before = {statement for statement, _generic, _custom in prepared_statements()}
    for _ in range(7):
        assert alice.get(CLAIMS).status_code == 200
    pages = [s for s in prepared_statements() if s[0] not in before and READS_CLAIMS.search(s[0])]
    assert pages, "the plain list's page query was not prepared"


@pytest.mark.parametrize(
    ("path", "values", "marker"),
    [
        (
            CLAIMS,
            {"q": ["Turkey", "Russia", "Macron", "Trump", "alliance", "Erdogan"]},
            "websearch_to_tsquery",
        ),
        (CLAIMS, {"claimant": ["Trump", "Macron", "Erdogan", "Ghosh"]}, "LIKE"),
        # The claims' status, not the statuses of the task queue's (constant) lookups.
        (CLAIMS, {"status": ["pending", "published", "in_review"]}, r'claims_claim"?\."?status"?\s*='),
        (ARTICLES, {"q": ["NATO", "London", "Turkey"]}, "websearch_to_tsquery"),
    ],
)
def test_a_filtered_list_is_planned_for_its_own_values(alice, demo, path, values, marker, monkeypatch):
    # A plan made once for any term could walk a million rows for a rare one.
    monkeypatch.setattr(selector, "ORDERED_TO_WALK_COST", 0.0)  # the paths that depend on the term
    [(name, choices)] = values.items()
    with CaptureQueriesContext(connection) as captured:
        for value in choices * 4:
            assert alice.get(path, {name: value}).status_code == 200
    # The marker names the filter in the SQL these requests ran; else the check below shows nothing.
    assert any(re.search(marker, q["sql"]) for q in captured.captured_queries), marker
    reads = [s for s in prepared_statements() if s[0].startswith(("SELECT", "EXPLAIN"))]
    filtered = [s for s in reads if re.search(marker, s[0])]
    assert not filtered, f"prepared, so planned once for every value: {filtered[0][0][:200]}"
    # The token check of the same requests was prepared: the connection does prepare.
    assert [s for s in prepared_statements() if "claims_apitoken" in s[0]]


def ordered_statements(apis, monkeypatch) -> list[str]:
    """The prepared statements of searches read from the ordered indexes, after each of `apis`
    has searched a few terms three times, one claim a page: first pages, a page on, a page back."""
    if not ordered_indexes():
        pytest.skip("this PostgreSQL has no RUM extension")
    monkeypatch.setattr(selector, "ORDERED_TO_WALK_COST", 1e12)  # the ordered indexes for every term
    for api in apis:
        for term in ["Turkey", "Russia", "Macron", "Trump", "alliance", "Erdogan", "NATO"] * 3:
            first = api.get(CLAIMS, {"q": term, "page_size": 1}).json()
            if first["next"]:
                assert api.get(api.get(first["next"]).json()["previous"]).status_code == 200
    return [s[0] for s in prepared_statements() if "|=>" in s[0] or "<=|" in s[0]]


def test_a_search_read_from_the_ordered_indexes_is_prepared_whatever_the_page(alice, bob, demo, monkeypatch):
    # Its plan is the same ordered scans for every term, so PostgreSQL may keep one.
    statements = ordered_statements([alice, bob], monkeypatch)
    first_pages = [s for s in statements if "|=>" in s and not re.search(r'"id" > \$', s)]
    assert {"'published'" in s for s in first_pages} == {True, False}  # a client's, an editor's
    assert [s for s in statements if re.search(r'"id" > \$', s)], "no page past a cursor"
    assert [s for s in statements if "<=|" in s], "no page back"


def test_a_clients_ordered_search_planned_once_can_read_published_summaries_from_their_own_index(
    bob, demo, monkeypatch
):
    statements = ordered_statements([bob], monkeypatch)
    [statement] = [s for s in statements if "|=>" in s and not re.search(r'"id" > \$', s)]  # page 1
    # The status is in the statement's text, so a plan made once, blind to the term, can use the
    # partial index of published summaries (with a parameter it could only filter all of them).
    assert "'published'" in statement
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")  # the demo's claims are cheaper scanned
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")  # the ordered scans, not an index and a sort
        # The same text prepared anew (the requests' own generic plan, if made, was made for the
        # demo's few claims); a generic plan is made without the values, so NULLs will do.
        cursor.execute(f"PREPARE probe AS {statement}")
        parameters = ", ".join(["NULL"] * len(set(re.findall(r"\$\d+", statement))))
        cursor.execute(f"EXPLAIN EXECUTE probe({parameters})")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE probe")
    assert "claims_claim_published_summary_rum" in plan, plan
