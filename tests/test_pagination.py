"""Cursor pagination: page sizes, walking `next` and `previous`, and stability under writes."""

import pytest

from claims.models import Claim
from claims.services.articles import article_create
from claims.services.claims import claim_create, claim_delete, claim_update
from tests.helpers import ARTICLES, CLAIMS, assert_problem


@pytest.fixture
def many(article, alice_user):
    body = " ".join(f"Statement {i:03d} holds." for i in range(120))
    big = article_create(headline="Many claims", body=body)
    return [
        claim_create(
            actor=alice_user, article_id=big.pk, quote=f"Statement {i:03d} holds.", claimant="Someone"
        ).pk
        for i in range(120)
    ]


def walk(api, url, params=None, *, on_page=None):
    seen, pages = [], 0
    response = api.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        seen.extend(row["id"] for row in body["results"])
        pages += 1
        if on_page:
            on_page(pages)
        if not body["next"]:
            return seen, pages
        response = api.get(body["next"])


def test_default_page_size_is_50(alice, many):
    body = alice.get(CLAIMS).json()
    assert len(body["results"]) == 50
    assert body["previous"] is None
    assert body["next"].startswith(f"http://testserver{CLAIMS}?")


@pytest.mark.parametrize("size", ["0", "201", "-1", "1.5", "ten", "9" * 30])
def test_page_size_outside_1_to_200_is_a_400(alice, many, size):
    assert_problem(alice.get(CLAIMS, {"page_size": size}), 400, errors_on="page_size")


@pytest.mark.parametrize("size", [1, 7, 200])
def test_following_next_visits_every_row_once(alice, many, size):
    seen, pages = walk(alice, CLAIMS, {"page_size": size})
    assert seen == sorted(many)
    assert pages == -(-len(many) // size)


def test_next_keeps_the_filters(alice, many, make_claim):
    make_claim()  # a claim of another article, filtered out
    article = Claim.objects.get(pk=many[0]).article_id
    seen, _ = walk(alice, CLAIMS, {"page_size": 25, "article": article, "status": "pending"})
    assert seen == many


def test_walking_while_rows_are_updated_inserted_and_deleted(alice, many, alice_user):
    """Every row that exists throughout the walk is seen exactly once, in id order; a row added
    behind the cursor's end is seen once too."""
    deleted = {many[90], many[91]}
    added = []

    def meanwhile(page):
        # Update rows behind, at and ahead of the cursor; delete two ahead; add one at the end.
        for pk in {many[0], many[min(page * 10, len(many) - 1)], many[-1]} - deleted:
            claim_update(actor=alice_user, claim_id=pk, expected_versions=None, claimant=f"Editor {page}")
        if page == 1:
            for pk in deleted:
                claim_delete(actor=alice_user, claim_id=pk, expected_versions=None)
            article = article_create(headline="Late", body="A late claim appears.")
            added.append(
                claim_create(
                    actor=alice_user, article_id=article.pk, quote="A late claim", claimant="Late"
                ).pk
            )

    seen, _ = walk(alice, CLAIMS, {"page_size": 10}, on_page=meanwhile)
    assert seen == sorted(set(many) - deleted) + added


def test_previous_walks_back_to_the_first_page(alice, many):
    first = alice.get(CLAIMS, {"page_size": 30}).json()
    second = alice.get(first["next"]).json()
    third = alice.get(second["next"]).json()
    back = alice.get(third["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in second["results"]]
    start = alice.get(back["previous"]).json()
    assert [r["id"] for r in start["results"]] == [r["id"] for r in first["results"]]
    assert start["previous"] is None
    assert start["next"]


def test_a_search_walks_forward_and_back_through_its_pages(alice, many, search_path):
    """Whichever way a search's page is found, its cursors must walk forward and back exactly as
    the plain id order does."""
    seen, pages = walk(alice, CLAIMS, {"q": "holds", "page_size": 7})  # every claim "... holds."
    assert seen == sorted(many)
    assert pages == 18  # 120 rows in pages of 7
    last = alice.get(CLAIMS, {"q": "holds", "page_size": 7, "cursor": _cursor_after(seen[-8])}).json()
    assert [r["id"] for r in last["results"]] == seen[-7:]
    back = alice.get(last["previous"]).json()
    assert [r["id"] for r in back["results"]] == seen[-14:-7]
    assert back["next"]
    assert back["previous"]


def test_a_page_read_by_its_ids_first_has_the_orms_rows(alice, many):
    """The text-index path reads a page's rows with hand-written SQL (claims.platform.pagination); its rows
    must be the ones the ORM gives for the same claims, value for value and type for type."""
    from django.db import connection

    from claims.models import Claim
    from claims.platform.pagination import BY_ID, paginate
    from claims.selectors.claims import CLAIM_COLUMNS, ClaimFilters, claim_rows

    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL reads a page by its ids first")
    claims = claim_rows(drafts_visible=True, filters=ClaimFilters(q="holds"))
    for reverse, cursor in [(False, None), (True, _cursor_before(many[50]))]:
        page = paginate(claims, ordering=BY_ID.without_index(), page_size=7, cursor=cursor)
        expected = list(
            Claim.objects.values(*CLAIM_COLUMNS).filter(pk__in=[r["id"] for r in page.rows]).order_by("id")
        )
        assert page.rows == expected
        assert [{k: type(v) for k, v in row.items()} for row in page.rows] == [
            {k: type(v) for k, v in row.items()} for row in expected
        ]
        assert [r["id"] for r in page.rows] == (many[:7] if not reverse else many[43:50])


def _cursor_before(pk):
    from claims.platform.pagination import BY_ID, encode_cursor

    return encode_cursor(BY_ID, [pk], reverse=True)


def _cursor_after(pk):
    from claims.platform.pagination import BY_ID, encode_cursor

    return encode_cursor(BY_ID, [pk], reverse=False)


def test_most_recently_updated_order_walks_every_row_once(alice, many, alice_user):
    claim_update(actor=alice_user, claim_id=many[60], expected_versions=None, claimant="Latest")
    seen, _ = walk(alice, CLAIMS, {"page_size": 25, "ordering": "-updated_at"})
    assert seen[0] == many[60]
    assert sorted(seen) == sorted(many)


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        "e30",  # {}
        "W10",  # []
        "eyJvIjoiaWQifQ",  # {"o":"id"}
        "eyJvIjoiaWQiLCJyIjpmYWxzZSwiayI6WyJ4Il19",  # {"o":"id","r":false,"k":["x"]}
    ],
)
def test_an_invalid_cursor_is_a_400(alice, many, cursor):
    assert_problem(alice.get(CLAIMS, {"cursor": cursor}), 400, errors_on="cursor")


def test_a_cursor_from_another_ordering_is_a_400(alice, many):
    next_link = alice.get(CLAIMS, {"page_size": 5}).json()["next"]
    cursor = next_link.split("cursor=")[1].split("&")[0]
    body = assert_problem(alice.get(CLAIMS, {"cursor": cursor, "ordering": "-updated_at"}), 400)
    assert "ordering" in body["detail"]


def test_articles_and_history_paginate_the_same_way(alice, many, alice_user):
    for i in range(3):
        claim_update(actor=alice_user, claim_id=many[0], expected_versions=None, claimant=f"C{i}")
    seen, pages = walk(alice, f"{CLAIMS}{many[0]}/history/", {"page_size": 2})
    assert pages == 2
    assert seen == sorted(seen)
    articles, _ = walk(alice, ARTICLES, {"page_size": 1})
    assert len(articles) == 2
