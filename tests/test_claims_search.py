"""`GET /v1alpha1/claims:search`, Google's Fact Check Tools API over this desk's published verdicts
and the imported reviews; and `GET /api/v1/reviews/`. Google's own client is one of the callers."""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import signing

from claims.interop.imports import import_items, items_of_json, items_of_text
from claims.models import Claim, Review
from claims.services.articles import article_create
from claims.services.claims import claim_update
from tests.helpers import assert_problem, client_with

SEARCH = "/v1alpha1/claims:search"
REVIEWS = "/api/v1/reviews/"
DATA = Path(__file__).resolve().parent / "data" / "claimreview"


def review(n: int, **overrides) -> dict:
    base = {
        "@type": "ClaimReview",
        "url": f"https://factcheck.example/checks/{n}",
        "claimReviewed": f"Bridge number {n} cost twice its budget.",
        "datePublished": "2024-03-02",
        "author": {"@type": "Organization", "name": "Example Check", "url": "https://www.factcheck.example/"},
        "reviewRating": {"alternateName": "Mostly false", "ratingValue": 2},
        "itemReviewed": {"author": {"name": "The mayor"}, "datePublished": "2024-02-28"},
    }
    base.update(overrides)
    return base


def imported(*records: dict) -> list[int]:
    reports = list(import_items(items_of_json(list(records))))
    assert all(r.outcome == "imported" for r in reports), reports
    return [r.id for r in reports]


def search(api, **params):
    return api.get(SEARCH, params)


def texts(body: dict) -> list[str]:
    return [claim["text"] for claim in body["claims"]]


BRIDGES = (
    "The old bridge cost twice its budget, the mayor said. "
    "The new bridge opened a year late. Both bridges carry tolls."
)
BRIDGE_QUOTES = ("The old bridge cost twice its budget", "The new bridge opened a year late")


@pytest.fixture
def bridge_claim(make_claim, db):
    """A published claim whose words say "bridge", as the imported reviews' do."""
    bridges = article_create(headline="Bridges", body=BRIDGES)

    def make(n: int = 0, **fields: Any) -> Claim:
        return make_claim(BRIDGE_QUOTES[n], target=bridges, status="published", **fields)

    return make


@pytest.fixture
def published(make_claim):
    return make_claim(status="published", rating="mostly_true", summary="The figures agree.")


# --- the shape ------------------------------------------------------------------------------------


def test_a_published_verdict_answers_in_googles_shape(anonymous, published, settings):
    settings.PUBLISHER_NAME = "The Desk"
    settings.PUBLISHER_URL = "https://www.desk.example/"
    response = search(anonymous, query="unemployment", key="ignored-api-key")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    published_at = published.published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert response.json() == {
        "claims": [
            {
                "text": "unemployment fell to 4.2% in March",
                "claimant": "The minister",
                "claimReview": [
                    {
                        "publisher": {"name": "The Desk", "site": "desk.example"},
                        "url": f"http://testserver/claims/{published.pk}/",
                        "title": "Jobs figures",
                        "reviewDate": published_at,
                        "textualRating": "Mostly true",
                        "languageCode": "en",
                    }
                ],
            }
        ]
    }


def test_an_imported_review_answers_in_googles_shape(anonymous, db):
    imported(review(1, name="Did bridge 1 cost double?", inLanguage="en"))
    body = search(anonymous, query="bridge").json()
    assert body == {
        "claims": [
            {
                "text": "Bridge number 1 cost twice its budget.",
                "claimant": "The mayor",
                "claimDate": "2024-02-28T00:00:00Z",
                "claimReview": [
                    {
                        "publisher": {"name": "Example Check", "site": "factcheck.example"},
                        "url": "https://factcheck.example/checks/1",
                        "title": "Did bridge 1 cost double?",
                        "reviewDate": "2024-03-02T00:00:00Z",
                        "textualRating": "Mostly false",
                        "languageCode": "en",
                    }
                ],
            }
        ]
    }


def test_it_is_public_rate_limited_per_address_and_open_to_any_origin(anonymous, db, settings):
    settings.CORS_PUBLIC_ANY_ORIGIN = True
    settings.RATE_LIMIT_ADDRESS = "2/minute"
    first = anonymous.get(SEARCH, {"query": "x"}, HTTP_ORIGIN="https://anyone.example")
    assert first.status_code == 200
    assert first["Access-Control-Allow-Origin"] == "https://anyone.example"
    assert first["RateLimit-Limit"] == "2"
    assert "public" in first["Cache-Control"]
    anonymous.get(SEARCH, {"query": "x"})
    limited = anonymous.get(SEARCH, {"query": "x"})
    assert_problem(limited, 429)
    assert "Retry-After" in limited


def test_a_token_is_not_needed_and_not_looked_at(db, published):
    stranger = client_with("not-a-token")
    assert search(stranger, query="unemployment").status_code == 200


# --- what it matches --------------------------------------------------------------------------


def test_drafts_never_leak(anonymous, alice, bob, make_claim, alice_user, published):
    draft = make_claim("Critics say the figure hides part-time work", status="in_review")
    claim_update(
        actor=alice_user,
        claim_id=draft.pk,
        expected_versions=None,
        rating="false",
        summary="Quixotically wrong, says the draft.",
    )
    pending = make_claim("unemployment fell again in April")  # its quote holds no verdict
    for word in ("Quixotically", "Critics", "April"):
        assert search(anonymous, query=word).json() == {"claims": []}, word
        for api in (alice, bob):
            assert api.get(REVIEWS, {"q": word}).json()["results"] == []
    body = json.dumps(search(anonymous, reviewPublisherSiteFilter="example.org", pageSize=200).json())
    assert "Quixotically" not in body
    assert str(pending.quote) not in body


def test_a_search_matches_the_claims_words_not_its_verdicts_summary(anonymous, published):
    """Google's API searches claims; a word only the summary holds finds nothing."""
    assert texts(search(anonymous, query=words_of(published.quote)).json()) == [published.quote]
    assert search(anonymous, query="figures agree").json() == {"claims": []}


def words_of(claim: str) -> str:
    """Three words that stand together in the claim (SQLite matches a substring), letters only
    (PostgreSQL's web search reads quotes and dashes as operators)."""
    words = claim.split()
    for i in range(len(words)):
        window = words[i : i + 3]
        if all(w.isalpha() for w in window) and any(len(w) > 4 for w in window):
            return " ".join(window)
    quotes = "\u201c\u201d\u2018\u2019\u00ab\u00bb\u0964"  # curly quotes, guillemets, danda
    return max((w.strip(string.punctuation + quotes) for w in words), key=len)


def test_each_real_review_is_found_again_by_words_of_its_claim(anonymous, db):
    items = [
        item
        for path in sorted(DATA.glob("*.jsonl")) + sorted(DATA.glob("*.txt"))
        for item in items_of_text(path.read_text())
    ]
    list(import_items(items))
    reviews = list(Review.objects.all())
    assert len(reviews) == 69
    for found in reviews:
        query = words_of(found.claim_reviewed)
        seen, token = [], None
        while True:
            body = search(
                anonymous, query=query, pageSize=50, **({"pageToken": token} if token else {})
            ).json()
            seen += [c["claimReview"][0]["url"] for c in body["claims"]]
            token = body.get("nextPageToken")
            if not token:
                break
        assert found.url in seen, (query, found.url)


def test_the_site_filter_names_a_publisher_and_its_subdomains(anonymous, published, settings):
    settings.PUBLISHER_URL = "https://desk.example/"
    imported(
        review(1),
        review(2, url="https://factual.afp.com/1", author={"name": "AFP", "url": "https://www.afp.com"}),
        review(3, url="https://africacheck.org/x", author={"name": "Africa Check"}),
    )

    def sites(site):
        body = search(anonymous, reviewPublisherSiteFilter=site).json()
        return [c["claimReview"][0]["publisher"]["site"] for c in body["claims"]]

    assert sites("afp.com") == ["afp.com"]
    assert sites("www.AfricaCheck.org") == ["africacheck.org"]
    assert sites("desk.example") == ["desk.example"]
    assert sites("other.example") == []


def test_language_matches_whatever_the_region(anonymous, db):
    imported(review(1, inLanguage="pt-BR"), review(2, inLanguage="pt"), review(3, inLanguage="en"))
    assert len(search(anonymous, query="bridge", languageCode="pt").json()["claims"]) == 2
    assert len(search(anonymous, query="bridge", languageCode="pt-PT").json()["claims"]) == 2
    assert len(search(anonymous, query="bridge", languageCode="en-US").json()["claims"]) == 1


def test_max_age_counts_the_newer_of_claim_and_review_dates(anonymous, db):
    recent = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    imported(
        review(1),  # both dates in 2024
        review(2, datePublished=recent),
        review(3, itemReviewed={"datePublished": recent}),
    )
    found = texts(search(anonymous, query="bridge", maxAgeDays=7).json())
    assert found == ["Bridge number 2 cost twice its budget.", "Bridge number 3 cost twice its budget."]


# --- paging ------------------------------------------------------------------------------------


@pytest.fixture(params=["walk", "text index"])
def desk_path(request, monkeypatch):
    """Either way of finding the desk's page on PostgreSQL: walking the index of published claims
    in id order, or sorting the text index's matches (SQLite walks whatever is asked)."""
    from claims.platform.db.planner import ROW_ESTIMATES
    from claims.selectors import reviews

    monkeypatch.setattr(reviews, "COVERED_WALK_TO_INDEX_COST", 0.0 if request.param == "walk" else 1e9)
    ROW_ESTIMATES.clear()
    yield request.param
    ROW_ESTIMATES.clear()


def test_page_tokens_visit_the_desk_then_the_reviews_each_once(anonymous, bridge_claim, desk_path):
    desk = [bridge_claim(0), bridge_claim(1)]
    imported(*[review(n) for n in range(7)])
    pages, token = [], None
    while True:
        body = search(anonymous, query="bridge", pageSize=3, **({"pageToken": token} if token else {})).json()
        pages.append(texts(body))
        token = body.get("nextPageToken")
        if token is None:
            break
    assert [len(page) for page in pages] == [3, 3, 3]
    flat = [t for page in pages for t in page]
    assert flat == [c.quote for c in desk] + [f"Bridge number {n} cost twice its budget." for n in range(7)]


def test_the_default_page_is_ten_as_googles(anonymous, db):
    imported(*[review(n) for n in range(12)])
    body = search(anonymous, query="bridge").json()
    assert len(body["claims"]) == 10
    assert "nextPageToken" in body


def test_offset_skips_results_from_the_first(anonymous, bridge_claim, desk_path):
    bridge_claim()
    bridge_claim(1)
    imported(*[review(n) for n in range(4)])
    everything = texts(search(anonymous, query="bridge", pageSize=10).json())
    for offset in range(7):
        assert (
            texts(search(anonymous, query="bridge", pageSize=2, offset=offset).json())
            == everything[offset : offset + 2]
        )


def test_a_token_from_another_query_is_a_400(anonymous, db):
    imported(*[review(n) for n in range(3)])
    token = search(anonymous, query="bridge", pageSize=1).json()["nextPageToken"]
    problem = assert_problem(
        search(anonymous, query="budget", pageSize=1, pageToken=token), 400, errors_on="pageToken"
    )
    assert "another query" in problem["errors"]["pageToken"][0]
    assert_problem(
        search(anonymous, query="bridge", pageSize=1, languageCode="en", pageToken=token),
        400,
        errors_on="pageToken",
    )
    # The page size may change between pages.
    assert search(anonymous, query="bridge", pageSize=2, pageToken=token).status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        signing.dumps({"k": 1, "i": 1, "p": "x"}, salt="another salt"),
        signing.dumps({"k": 1, "i": 1, "p": "x"}, salt="claims.interop.search.page-token")[:-2] + "xx",
        "x" * 1001,
    ],
)
def test_a_forged_token_is_a_400(anonymous, db, token):
    assert_problem(search(anonymous, query="bridge", pageToken=token), 400, errors_on="pageToken")


def test_a_token_signed_by_us_but_malformed_is_a_400(anonymous, db):
    from claims.interop.search import TOKEN_SALT, _bound

    bound = _bound({"query": "bridge"})
    for payload in ({"k": 5, "i": 1, "p": bound}, {"k": 1, "i": "1", "p": bound}, {"k": 1, "p": bound}, [1]):
        token = signing.dumps(payload, salt=TOKEN_SALT)
        assert_problem(search(anonymous, query="bridge", pageToken=token), 400, errors_on="pageToken")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"query": "x", "pageSize": "0"}, "pageSize"),
        ({"query": "x", "pageSize": "10000"}, "pageSize"),
        ({"query": "x", "pageSize": "ten"}, "pageSize"),
        ({"query": "x", "maxAgeDays": "-1"}, "maxAgeDays"),
        ({"query": "x", "offset": "-1"}, "offset"),
        ({"query": "x", "offset": "1000000"}, "offset"),
        ({"query": "x", "languageCode": "not a language"}, "languageCode"),
        ({"query": "x" * 501}, "query"),
        ({}, "query"),
        ({"query": "   "}, "query"),
    ],
)
def test_bad_parameters_are_a_clear_400(anonymous, db, params, field):
    assert_problem(search(anonymous, **params), 400, errors_on=field)


def test_a_repeated_parameter_is_a_400(anonymous, db):
    assert_problem(anonymous.get(f"{SEARCH}?query=a&query=b"), 400, errors_on="query")


def test_a_search_costs_two_queries(anonymous, bridge_claim, django_assert_num_queries):
    bridge_claim()
    imported(review(1), review(2))
    # Once first: on PostgreSQL that asks the planner's estimates of the matches (an EXPLAIN and
    # the table's size, for each table), which are kept a minute.
    search(anonymous, query="bridge", pageSize=5)
    # The desk's claims; the reviews. (The search before claimed this one's rate-limit hit.)
    with django_assert_num_queries(2):
        assert len(search(anonymous, query="bridge", pageSize=5).json()["claims"]) == 3


# --- Google's own client ------------------------------------------------------------------------


def test_googles_client_searches_pages_and_filters(live_server, bridge_claim, settings, request):
    from googleapiclient.discovery import build

    settings.PUBLISHER_URL = "https://desk.example/"
    bridge_claim(rating="false")
    imported(*[review(n) for n in range(4)], review(9, url="https://afp.example/9", author={"name": "AFP"}))
    service = build(
        "factchecktools",
        "v1alpha1",
        developerKey="x",
        static_discovery=True,
        client_options={"api_endpoint": live_server.url},
    )
    # Its keep-alive connection closed before the live server stops, not after.
    request.addfinalizer(service.close)
    claims = service.claims()
    first = claims.search(query="bridge", pageSize=2).execute()
    assert first["claims"][0]["claimReview"][0]["textualRating"] == "False"
    assert first["claims"][0]["claimReview"][0]["publisher"]["site"] == "desk.example"

    page, seen = claims.search(query="bridge", pageSize=2), []
    while page is not None:
        response = page.execute()
        seen += [c["claimReview"][0]["url"] for c in response["claims"]]
        page = claims.search_next(page, response)
    assert len(seen) == 6 == len(set(seen))

    afp = claims.search(reviewPublisherSiteFilter="afp.example").execute()
    assert [c["claimReview"][0]["url"] for c in afp["claims"]] == ["https://afp.example/9"]


# --- /api/v1/reviews/ ---------------------------------------------------------------------------


def test_reviews_are_listed_with_the_contracts_fields(bob, db):
    (review_id,) = imported(review(1, inLanguage="en"))
    stored = Review.objects.get()
    response = bob.get(REVIEWS)
    assert response.status_code == 200
    assert "ETag" in response
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [
            {
                "id": review_id,
                "url": "https://factcheck.example/checks/1",
                "claim_reviewed": "Bridge number 1 cost twice its budget.",
                "claimant": "The mayor",
                "claim_date": "2024-02-28T00:00:00Z",
                "publisher": {"name": "Example Check", "site": "factcheck.example"},
                "rating_label": "Mostly false",
                "rating_value": 2,
                "best_rating": None,
                "worst_rating": None,
                "review_date": "2024-03-02T00:00:00Z",
                "language": "en",
                "imported_at": stored.imported_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            }
        ],
    }
    assert bob.get(f"{REVIEWS}{review_id}/").json() == response.json()["results"][0]
    again = bob.get(REVIEWS, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_reviews_filter_by_text_publisher_and_language(alice, db):
    imported(
        review(1, inLanguage="en"),
        review(2, claimReviewed="Tunnels leak.", inLanguage="es",
               author={"name": "Newtral", "url": "https://www.newtral.es/"}),
    )  # fmt: skip

    def urls(**params):
        return [r["url"] for r in alice.get(REVIEWS, params).json()["results"]]

    assert urls(q="tunnels") == ["https://factcheck.example/checks/2"]
    assert urls(publisher="newtral") == ["https://factcheck.example/checks/2"]
    assert urls(publisher="newtral.es") == ["https://factcheck.example/checks/2"]
    assert urls(publisher="factcheck.example") == ["https://factcheck.example/checks/1"]
    assert urls(language="es-ES") == ["https://factcheck.example/checks/2"]
    assert len(urls()) == 2


def test_reviews_page_with_cursors(bob, db):
    imported(*[review(n) for n in range(5)])
    page = bob.get(REVIEWS, {"page_size": 2}).json()
    seen = [r["id"] for r in page["results"]]
    while page["next"]:
        page = bob.get(page["next"]).json()
        seen += [r["id"] for r in page["results"]]
    assert seen == sorted(Review.objects.values_list("id", flat=True))


def test_a_review_list_costs_one_query_past_the_token(bob, db, django_assert_num_queries):
    imported(*[review(n) for n in range(5)])
    bob.get(REVIEWS)  # the token's first use is recorded once, its rate-limit hits claimed ahead
    # The token; the page of reviews.
    with django_assert_num_queries(2):
        assert len(bob.get(REVIEWS, {"page_size": 3}).json()["results"]) == 3


def test_reviews_need_a_token(anonymous, carol, db):
    assert_problem(anonymous.get(REVIEWS), 401)
    assert_problem(carol.get(REVIEWS), 403)


@pytest.mark.parametrize(
    "params", [{"page_size": "0"}, {"page_size": "201"}, {"cursor": "nope"}, {"language": "x y"}]
)
def test_bad_review_list_parameters_are_a_400(bob, db, params):
    assert_problem(bob.get(REVIEWS, params), 400, errors_on=next(iter(params)))


def test_an_unknown_review_is_a_404(bob, db):
    assert_problem(bob.get(f"{REVIEWS}999/"), 404)
