"""Writers racing each other, on PostgreSQL, with real threads, real connections and the real HTTP
stack: two requests holding the same ETag never both succeed, and no write is lost or half done.

SQLite serialises every writer on one database lock, so these races cannot happen there.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from claims.accounts.services import token_create
from claims.models import Article, Claim, ClaimEvent
from tests.helpers import ARTICLES, CLAIMS, assert_problem, claim_url, client_with

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL: SQLite runs one writer at a time, so nothing can race",
    ),
    pytest.mark.django_db(transaction=True),
]


def at_once(count, work):
    """Run `work(i)` for i in range(count), each in its own thread with its own connection, all
    released together by a barrier. Returns the results in order; a thread's exception is raised."""
    barrier = threading.Barrier(count, timeout=30)

    def run(i):
        try:
            barrier.wait()
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def event_versions(claim_id):
    return list(
        ClaimEvent.objects.filter(claim_id=claim_id).order_by("version").values_list("version", flat=True)
    )


def test_sixteen_patches_holding_one_etag_make_exactly_one_change(alice_token, make_claim):
    claim = make_claim()
    etag = client_with(alice_token).get(claim_url(claim))["ETag"]
    clients = [client_with(alice_token) for _ in range(16)]

    responses = at_once(
        16,
        lambda i: clients[i].patch(
            claim_url(claim), {"claimant": f"Editor {i}"}, format="json", HTTP_IF_MATCH=etag
        ),
    )

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 412: 15}, statuses
    for response in responses:
        if response.status_code == 412:
            assert_problem(response, 412)
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    stored = Claim.objects.get(pk=claim.pk)
    assert (stored.version, stored.claimant) == (2, f"Editor {winner}")
    assert event_versions(claim.pk) == [1, 2]
    assert ClaimEvent.objects.get(claim_id=claim.pk, version=2).changes == {
        "claimant": ["The minister", f"Editor {winner}"]
    }


def test_sixteen_transitions_holding_one_etag_make_exactly_one_change(alice_token, make_claim):
    claim = make_claim()
    etag = client_with(alice_token).get(claim_url(claim))["ETag"]
    clients = [client_with(alice_token) for _ in range(16)]
    targets = ["in_review", "not_checkable"]

    responses = at_once(
        16,
        lambda i: clients[i].patch(
            claim_url(claim), {"status": targets[i % 2]}, format="json", HTTP_IF_MATCH=etag
        ),
    )

    assert Counter(r.status_code for r in responses) == {200: 1, 412: 15}
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    stored = Claim.objects.get(pk=claim.pk)
    assert (stored.version, stored.status) == (2, targets[winner % 2])
    assert event_versions(claim.pk) == [1, 2]


def test_editors_retrying_on_412_lose_no_write(make_claim):
    editors, changes_each = 4, 10
    tokens = [token_create(username=f"editor{i}", role="editor", days=1)[1] for i in range(editors)]
    claim = make_claim()
    url = claim_url(claim)

    def edit(i):
        api = client_with(tokens[i])
        done, conflicts, attempts = 0, 0, 0
        while done < changes_each:
            attempts += 1
            assert attempts < 50 * changes_each, "an editor kept losing: no progress"
            etag = api.get(url)["ETag"]
            field = "summary" if done % 2 else "claimant"
            response = api.patch(url, {field: f"editor{i} change {done}"}, format="json", HTTP_IF_MATCH=etag)
            if response.status_code == 412:
                assert_problem(response, 412)
                conflicts += 1
                continue
            assert response.status_code == 200, response.content
            done += 1
        return done, conflicts

    results = at_once(editors, edit)

    successes = sum(done for done, _ in results)
    assert successes == editors * changes_each
    stored = Claim.objects.get(pk=claim.pk)
    assert stored.version == 1 + successes
    assert event_versions(claim.pk) == list(range(1, stored.version + 1))
    by_actor = Counter(
        ClaimEvent.objects.filter(claim_id=claim.pk, action="updated").values_list(
            "actor__username", flat=True
        )
    )
    assert by_actor == {f"editor{i}": changes_each for i in range(editors)}


def test_eight_creations_of_one_span_make_one_claim_and_seven_400s(alice_token, article):
    clients = [client_with(alice_token) for _ in range(8)]
    data = {"article": article.pk, "quote": "unemployment fell to 4.2% in March", "claimant": "The minister"}

    responses = at_once(8, lambda i: clients[i].post(CLAIMS, data, format="json"))

    assert Counter(r.status_code for r in responses) == {201: 1, 400: 7}
    winner = next(r for r in responses if r.status_code == 201).json()["id"]
    for response in responses:
        if response.status_code == 400:
            body = assert_problem(response, 400, errors_on="quote")
            assert str(winner) in body["errors"]["quote"][0]
    assert list(Claim.objects.values_list("id", flat=True)) == [winner]
    assert list(ClaimEvent.objects.values_list("claim_id", "action")) == [(winner, "created")]


def test_eight_articles_with_one_url_make_one_article_and_seven_400s(alice_token):
    clients = [client_with(alice_token) for _ in range(8)]
    data = {"headline": "Same page", "body": "Text.", "url": "https://example.com/same"}

    responses = at_once(8, lambda i: clients[i].post(ARTICLES, data, format="json"))

    assert Counter(r.status_code for r in responses) == {201: 1, 400: 7}
    for response in responses:
        if response.status_code == 400:
            assert_problem(response, 400, errors_on="url")
    assert Article.objects.count() == 1


def test_evidence_added_at_once_by_eight_requests_is_all_recorded(alice_token, make_claim):
    claim = make_claim()
    clients = [client_with(alice_token) for _ in range(8)]

    responses = at_once(
        8,
        lambda i: clients[i].post(
            f"{claim_url(claim)}evidence/", {"url": f"https://example.com/{i}"}, format="json"
        ),
    )

    assert [r.status_code for r in responses] == [201] * 8
    assert claim.evidence.count() == 8
    assert Claim.objects.get(pk=claim.pk).version == 9
    assert event_versions(claim.pk) == list(range(1, 10))


def test_eight_deletes_holding_one_etag_delete_once(alice_token, make_claim):
    claim = make_claim()
    etag = client_with(alice_token).get(claim_url(claim))["ETag"]
    clients = [client_with(alice_token) for _ in range(8)]

    responses = at_once(8, lambda i: clients[i].delete(claim_url(claim), HTTP_IF_MATCH=etag))

    statuses = Counter(r.status_code for r in responses)
    assert statuses[204] == 1
    assert set(statuses) <= {204, 404, 412}, statuses
    for response in responses:
        if response.status_code != 204:
            assert_problem(response, response.status_code)
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert list(
        ClaimEvent.objects.filter(claim_id=claim.pk).order_by("version").values_list("action", flat=True)
    ) == ["created", "deleted"]
