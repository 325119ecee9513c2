"""GET /api/v1/articles/ and /api/v1/articles/{id}/."""

import pytest

from claims.services.articles import article_create
from tests.helpers import ARTICLES, assert_problem

LIST_FIELDS = {
    "id", "headline", "author", "outlet", "url", "published_at", "language", "claim_count", "created_at",
    "updated_at", "version", "revision",
}  # fmt: skip


@pytest.fixture
def shelf(db):
    return {
        "nato": article_create(
            headline="NATO at seventy", author="Bobby Ghosh", outlet="Bloomberg View",
            body="The alliance met in London.", url="https://example.com/nato",
        ),
        "jobs": article_create(
            headline="Jobs figures", author="Ann Writer", outlet="The Daily", body="Unemployment fell.",
        ),
    }  # fmt: skip


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_list_has_no_bodies_and_counts_claims(bob, demo):
    row = bob.get(ARTICLES).json()["results"][0]
    assert set(row) == LIST_FIELDS
    assert row["claim_count"] == 30
    assert row["headline"] == demo.headline


def test_the_detail_has_the_full_body(bob, demo):
    detail = bob.get(f"{ARTICLES}{demo.pk}/").json()
    assert set(detail) == LIST_FIELDS | {"body"}
    assert detail["body"] == demo.body
    assert detail["claim_count"] == 30
    assert detail["published_at"] == demo.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_filter_by_outlet_and_author(bob, shelf):
    assert ids(bob.get(ARTICLES, {"outlet": "Bloomberg View"})) == [shelf["nato"].pk]
    assert ids(bob.get(ARTICLES, {"author": "Ann Writer"})) == [shelf["jobs"].pk]
    assert ids(bob.get(ARTICLES, {"author": "Nobody"})) == []


def test_full_text_over_headline_and_body(bob, shelf):
    assert ids(bob.get(ARTICLES, {"q": "seventy"})) == [shelf["nato"].pk]
    assert ids(bob.get(ARTICLES, {"q": "unemployment"})) == [shelf["jobs"].pk]


def test_an_unknown_article_is_404(bob, db):
    assert_problem(bob.get(f"{ARTICLES}99999/"), 404)


def test_anonymous_cannot_list_articles(anonymous, db):
    assert_problem(anonymous.get(ARTICLES), 401)


def test_a_user_without_a_role_cannot_list_articles(carol):
    assert_problem(carol.get(ARTICLES), 403)


@pytest.mark.parametrize("page_size", [1, 200])
def test_the_list_costs_three_queries_at_any_page_size(bob, db, page_size, django_assert_num_queries):
    for i in range(3):
        article_create(headline=f"A{i}", body="text")
    # 1. the token with its user and role  2. the address's and the token's rate-limit counters
    # 3. the page of articles with their claim counts
    with django_assert_num_queries(3):
        assert bob.get(ARTICLES, {"page_size": page_size}).status_code == 200
