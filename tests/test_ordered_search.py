"""A claim search read in id order from RUM indexes (migration 0015, platform/db/ordered_search):
made where the extension can be, skipped where it cannot, and giving page for page what the text
index's paths give."""

import importlib
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.platform.db.ordered_search import ORDERED_VECTORS
from claims.platform.pagination import BY_ID, MAX_ID, encode_cursor
from claims.selectors import claims as selector
from claims.services.articles import article_create
from claims.services.claims import claim_create, claim_update
from tests.conftest import drop_ordered_indexes, ordered_indexes
from tests.helpers import CLAIMS

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("claims.migrations.0015_ordered_text_indexes")
WORDS = ["tariff", "border", "missile", "budget", "harvest", "troops", "pension", "summit"]


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("RUM is a PostgreSQL extension")
    ORDERED_VECTORS.clear()  # what an earlier test (before this fixture ran) left


def extension_available() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        return cursor.fetchone() is not None


def test_the_migration_made_the_ordered_indexes_where_the_extension_is_available():
    if not extension_available():
        pytest.skip("the RUM extension is not installed on this server (postgresql-<version>-rum)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'rum'")
        if cursor.fetchone() is None:
            pytest.skip("the RUM extension is installed, but was not ours to create (not a superuser)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)", [list(MIGRATION.INDEXES)]
        )
        made = dict(cursor.fetchall())
    assert sorted(made) == sorted(MIGRATION.INDEXES)
    for definition in made.values():
        assert "USING rum" in definition
        assert "attach=id" in definition.replace(" ", "")
    assert "WHERE ((status)::text = 'published'::text)" in made["claims_claim_published_summary_rum"]
    assert ORDERED_VECTORS.of(selector.Claim, "default") == {"quote", "summary"}


def test_with_the_setting_off_the_migration_asks_nothing(settings):
    # The default: released RUM builds mishandle posting lists a VACUUM emptied (0015 says why).
    settings.SEARCH_ORDERED_INDEXES = False
    with CaptureQueriesContext(connection) as sent, connection.schema_editor(atomic=False) as editor:
        MIGRATION.create(None, editor)
    assert sent.captured_queries == []


def test_without_the_extension_the_migration_does_nothing_and_breaks_nothing(monkeypatch):
    # As on a managed PostgreSQL that does not offer it: CREATE EXTENSION fails, and the migration
    # goes on without indexes, leaving the connection (here, the test's transaction) usable.
    monkeypatch.setattr(MIGRATION, "EXTENSION", "rum_not_installed_anywhere")
    with CaptureQueriesContext(connection) as sent, connection.schema_editor(atomic=False) as editor:
        MIGRATION.create(None, editor)
    statements = [q["sql"] for q in sent.captured_queries]
    assert any("CREATE EXTENSION IF NOT EXISTS rum_not_installed_anywhere" in s for s in statements)
    assert not [s for s in statements if "CREATE INDEX" in s]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM claims_claim")


@pytest.fixture
def corpus(alice_user):
    """60 claims whose quotes and summaries hold a few of WORDS each, a third of them published."""
    rng = random.Random(15)
    quotes = [f"Item {i:02d} is about {' and '.join(rng.sample(WORDS, 2))}." for i in range(60)]
    article = article_create(headline="Corpus", body=" ".join(quotes))
    for i, quote in enumerate(quotes):
        claim = claim_create(actor=alice_user, article_id=article.pk, quote=quote, claimant="Someone")
        if i % 3:
            summary = f"Checked: {rng.choice(WORDS)}."
            claim_update(
                actor=alice_user,
                claim_id=claim.pk,
                expected_versions=None,
                status="in_review",
                rating="true",
                summary=summary,
            )
            if i % 3 == 2:
                claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, status="published")
    return quotes


def pages(api, term: str) -> tuple[list[list[int]], list[list[int]], list[int]]:
    """Every page of a search of `term` in pages of 4, walked forward, then back from the last;
    and the page before a cursor past the largest id there can be."""
    forward, back = [], []
    past_the_end = encode_cursor(BY_ID, [MAX_ID], reverse=True)
    from_the_end = api.get(CLAIMS, {"q": term, "page_size": 4, "cursor": past_the_end}).json()
    last = [r["id"] for r in from_the_end["results"]]
    body = api.get(CLAIMS, {"q": term, "page_size": 4}).json()
    forward.append([r["id"] for r in body["results"]])
    while body["next"]:
        body = api.get(body["next"]).json()
        forward.append([r["id"] for r in body["results"]])
    while body["previous"]:
        body = api.get(body["previous"]).json()
        back.append([r["id"] for r in body["results"]])
    return forward, back, last


def test_ordered_pages_are_the_text_index_paths_pages(alice, bob, corpus, monkeypatch):
    if not ordered_indexes():
        pytest.skip("this PostgreSQL has no RUM extension")
    monkeypatch.setattr(selector, "ORDERED_TO_WALK_COST", 1e12)  # the ordered indexes for every term
    terms = [*WORDS, "tariff border", "item", "checked", "nowhere"]
    roles = (("editor", alice), ("client", bob))
    with connection.cursor() as cursor:  # 60 claims are cheaper scanned: read the indexes
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    with CaptureQueriesContext(connection) as read:
        ordered = {(role, term): pages(api, term) for role, api in roles for term in terms}
    sent = " ".join(q["sql"] for q in read.captured_queries)
    assert "|=>" in sent  # read forward from the ordered indexes
    assert "<=|" in sent  # and back
    ordered_sql = next(q["sql"] for q in read.captured_queries if "|=>" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {ordered_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "claims_claim_quote_rum" in plan, plan
    with connection.cursor() as cursor:
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_bitmapscan")
    drop_ordered_indexes()
    for path_cost in (1e12, 0.0):  # the text index with ids sorted, then the walk
        monkeypatch.setattr(selector, "WALK_TO_INDEX_COST", path_cost)
        for role, api in roles:
            for term in terms:
                assert pages(api, term) == ordered[role, term], (role, term, path_cost)
    # A client's search matched fewer summaries than an editor's, so the roles were told apart.
    assert ordered["client", "checked"] != ordered["editor", "checked"]
    assert len(ordered["editor", "tariff"][0]) > 1  # more than one page, so cursors were used
    # From a cursor past 2^53, RUM's float distances would tie: the last page, not any four.
    forward, _back, last = ordered["editor", "item"]
    assert last == [pk for page in forward for pk in page][-4:]
