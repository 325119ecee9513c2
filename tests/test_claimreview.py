"""ClaimReview out: the mapping from a claim's rows (a table of cases), and the two endpoints
that serve it, `GET /api/v1/claims/{id}/claimreview/` and `/api/v1/articles/{id}/claimreview/`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from claims.interop.claimreview import Publisher, claim_review, claimant_type, review_rating, timestamp
from claims.models import Claim
from claims.services.articles import article_create
from tests.helpers import assert_problem

PUBLISHER = Publisher(name="The Desk", url="https://desk.example/")


def row(**changes: Any) -> dict[str, Any]:
    return {
        "id": 7,
        "quote": "unemployment fell to 4.2% in March",
        "claimant": "The minister",
        "status": "published",
        "rating": "mostly_false",
        "published_at": datetime(2024, 5, 2, 8, 30, tzinfo=UTC),
    } | changes


def column(**changes: Any) -> dict[str, Any]:
    return {
        "id": 3,
        "headline": "Jobs figures",
        "author": "Ann Writer",
        "outlet": "The Daily",
        "url": "https://example.com/jobs",
        "published_at": datetime(2024, 5, 1, 6, 0, tzinfo=UTC),
    } | changes


def review(claim: dict[str, Any] | None = None, article: dict[str, Any] | None = None) -> dict[str, Any]:
    return claim_review(
        claim or row(),
        article or column(),
        claim_url="https://desk.example/claims/7/",
        article_url="https://example.com/jobs",
        publisher=PUBLISHER,
    )


# --- the mapping -----------------------------------------------------------------------------


# The contract's rating scale (docs/API.md, "Rating scale").
@pytest.mark.parametrize(
    ("rating", "label", "value"),
    [
        ("true", "True", 5),
        ("mostly_true", "Mostly true", 4),
        ("half_true", "Half true", 3),
        ("mostly_false", "Mostly false", 2),
        ("false", "False", 1),
        ("misleading", "Misleading", None),
        ("unproven", "Unproven", None),
    ],
)
def test_the_rating_carries_its_label_and_its_value_where_the_scale_has_one(rating, label, value):
    expected: dict[str, Any] = {"@type": "Rating", "alternateName": label}
    if value is not None:
        expected |= {"ratingValue": value, "bestRating": 5, "worstRating": 1}
    assert review_rating(rating) == expected


@pytest.mark.parametrize(
    ("claimant", "outlet", "kind"),
    [
        ("The minister", "The Daily", "Person"),
        ("The Daily", "The Daily", "Organization"),
        ("  the daily ", "The Daily", "Organization"),
        ("Bloomberg", "Bloomberg View", "Person"),
        ("NATO", "", "Person"),
        ("", "", "Person"),
    ],
)
def test_the_claimant_is_a_person_unless_it_is_the_outlet_itself(claimant, outlet, kind):
    assert claimant_type(claimant, outlet=outlet) == kind


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(2024, 5, 2, 8, 30, tzinfo=UTC), "2024-05-02T08:30:00Z"),
        (datetime(2024, 5, 2, 8, 30, 0, 5, tzinfo=UTC), "2024-05-02T08:30:00.000005Z"),
        (datetime(2024, 5, 2, 10, 30, tzinfo=timezone(timedelta(hours=2))), "2024-05-02T08:30:00Z"),
    ],
)
def test_timestamps_are_written_in_utc_as_the_api_writes_them(moment, written):
    assert timestamp(moment) == written


def test_a_review_has_every_field_google_requires_and_recommends():
    assert review() == {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://desk.example/claims/7/",
        "claimReviewed": "unemployment fell to 4.2% in March",
        "datePublished": "2024-05-02T08:30:00Z",
        "author": {"@type": "Organization", "name": "The Desk", "url": "https://desk.example/"},
        "reviewRating": {
            "@type": "Rating",
            "alternateName": "Mostly false",
            "ratingValue": 2,
            "bestRating": 5,
            "worstRating": 1,
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Person", "name": "The minister"},
            "datePublished": "2024-05-01T06:00:00Z",
            "appearance": {
                "@type": "NewsArticle",
                "headline": "Jobs figures",
                "url": "https://example.com/jobs",
                "author": {"@type": "Person", "name": "Ann Writer"},
                "publisher": {"@type": "Organization", "name": "The Daily"},
            },
        },
    }


def test_what_the_article_does_not_say_is_left_out_not_sent_empty():
    item = review(article=column(author="", outlet="", published_at=None))["itemReviewed"]
    assert "datePublished" not in item
    assert item["appearance"] == {
        "@type": "NewsArticle",
        "headline": "Jobs figures",
        "url": "https://example.com/jobs",
    }


@pytest.mark.parametrize("status", ["pending", "in_review", "not_checkable"])
def test_an_unpublished_claim_has_no_review(status):
    with pytest.raises(ValueError, match="not published"):
        review(row(status=status))


# --- the endpoints ---------------------------------------------------------------------------


def claimreview(claim: Claim | int) -> str:
    return f"/api/v1/claims/{getattr(claim, 'pk', claim)}/claimreview/"


def article_claimreview(article_id: int) -> str:
    return f"/api/v1/articles/{article_id}/claimreview/"


def test_a_client_reads_a_published_verdict_as_claimreview(bob, make_claim, article, settings):
    settings.PUBLISHER_NAME = "The Desk"
    settings.PUBLISHER_URL = "https://desk.example/"
    claim = make_claim(status="published", rating="false", summary="It was 4.5%.")
    response = bob.get(claimreview(claim))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    body = response.json()
    assert body["url"] == f"http://testserver/claims/{claim.pk}/"
    assert body["claimReviewed"] == claim.quote
    assert body["author"] == {"@type": "Organization", "name": "The Desk", "url": "https://desk.example/"}
    assert body["reviewRating"]["alternateName"] == "False"
    assert body["reviewRating"]["ratingValue"] == 1
    assert body["itemReviewed"]["appearance"]["url"] == article.url
    assert body["datePublished"].endswith("Z")


def test_without_a_publisher_url_the_sites_root_stands_for_the_organisation(bob, make_claim, settings):
    settings.PUBLISHER_URL = ""
    claim = make_claim(status="published")
    assert bob.get(claimreview(claim)).json()["author"]["url"] == "http://testserver/"


def test_an_article_without_a_url_appears_at_its_public_page(bob, alice_user):
    from claims.services.claims import claim_create, claim_update

    article = article_create(headline="No URL", body="The sky is green today.")
    claim = claim_create(actor=alice_user, article_id=article.pk, quote="The sky is green", claimant="Al")
    for step in ({"status": "in_review", "rating": "false", "summary": "Blue."}, {"status": "published"}):
        claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, **step)
    appearance = bob.get(claimreview(claim)).json()["itemReviewed"]["appearance"]
    assert appearance["url"] == f"http://testserver/articles/{article.pk}/"


def test_plain_json_is_served_when_asked_for(bob, make_claim):
    claim = make_claim(status="published")
    linked = bob.get(claimreview(claim))
    plain = bob.get(claimreview(claim), HTTP_ACCEPT="application/json")
    assert plain.status_code == 200
    assert plain["Content-Type"] == "application/json"
    assert plain.json() == linked.json()


@pytest.mark.parametrize("status", ["pending", "in_review", "not_checkable"])
@pytest.mark.parametrize("who", ["alice", "bob"])
def test_an_unpublished_claim_has_no_claimreview_for_anyone(request, who, status, make_claim):
    claim = make_claim(status=status)
    assert_problem(request.getfixturevalue(who).get(claimreview(claim)), 404)


def test_a_withdrawn_verdict_has_no_claimreview_any_more(bob, make_claim, alice_user):
    from claims.services.claims import claim_update

    claim = make_claim(status="published")
    assert bob.get(claimreview(claim)).status_code == 200
    claim_update(
        actor=alice_user, claim_id=claim.pk, expected_versions=None, status="in_review", note="Rechecking."
    )
    assert_problem(bob.get(claimreview(claim)), 404)


def test_unknown_claims_and_articles_are_404(bob):
    assert_problem(bob.get(claimreview(999_999)), 404)
    assert_problem(bob.get(article_claimreview(999_999)), 404)


@pytest.mark.parametrize("path", ["/api/v1/claims/1/claimreview/", "/api/v1/articles/1/claimreview/"])
def test_the_endpoints_need_a_token(anonymous, carol, path):
    assert_problem(anonymous.get(path), 401)
    assert_problem(carol.get(path), 403)


def test_an_articles_reviews_are_its_published_claims_in_text_order(bob, make_claim, article):
    later = make_claim("unemployment fell again in April", status="published")
    make_claim("Critics say the figure hides part-time work", status="in_review")
    earlier = make_claim(status="published", rating="misleading")
    response = bob.get(article_claimreview(article.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    reviews = response.json()
    assert [r["url"] for r in reviews] == [
        f"http://testserver/claims/{earlier.pk}/",
        f"http://testserver/claims/{later.pk}/",
    ]
    assert reviews[0]["reviewRating"] == {"@type": "Rating", "alternateName": "Misleading"}
    assert reviews[0] == bob.get(claimreview(earlier)).json()


def test_an_article_with_nothing_published_has_an_empty_list(bob, make_claim, article):
    make_claim(status="in_review")
    response = bob.get(article_claimreview(article.pk))
    assert response.status_code == 200
    assert response.json() == []


def test_the_endpoints_keep_the_apis_caching_conventions(bob, make_claim, article):
    claim = make_claim(status="published")
    for path in (claimreview(claim), article_claimreview(article.pk)):
        response = bob.get(path)
        assert response["Cache-Control"] == "private, no-cache"
        assert "Authorization" in response["Vary"]
        again = bob.get(path, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304


def test_a_claims_review_costs_three_queries(bob, make_claim, django_assert_num_queries):
    claim = make_claim(status="published")
    # 1. the token with its user and role  2. the address's and the token's rate-limit counters
    # 3. the published claim with its article
    with django_assert_num_queries(3):
        assert bob.get(claimreview(claim)).status_code == 200


@pytest.mark.parametrize("published", [1, 3])
def test_an_articles_reviews_cost_four_queries_however_many(
    bob, make_claim, article, published, django_assert_num_queries
):
    quotes = ["unemployment fell to 4.2% in March", "unemployment fell again in April", "Critics say"]
    for quote in quotes[:published]:
        make_claim(quote, status="published")
    # 1-2. the token, the address's and token's counters  3. the article  4. its published claims
    with django_assert_num_queries(4):
        assert len(bob.get(article_claimreview(article.pk)).json()) == published
