"""ClaimReview in: reading others' records as they publish them, and importing each one or saying
why not. The real records are fact-checkers' own (tests/data/claimreview/README.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.interop.imports import (
    Skip,
    UnreadableInput,
    items_of_json,
    items_of_text,
    normalise,
    parse_number,
    parse_when,
)
from claims.models import Review
from tests.helpers import assert_problem

DATA = Path(__file__).resolve().parent / "data" / "claimreview"
REAL_FILES = sorted(p for p in DATA.iterdir() if p.suffix in (".jsonl", ".txt"))
IMPORT = "/api/v1/reviews/import/"
REVIEWS = "/api/v1/reviews/"


def record(**overrides) -> dict:
    """A well-formed ClaimReview, as a fact-checker's page embeds it."""
    base = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://factcheck.example/checks/42",
        "claimReviewed": "The bridge cost twice its budget.",
        "datePublished": "2024-03-02",
        "author": {"@type": "Organization", "name": "Example Check", "url": "https://www.factcheck.example/"},
        "reviewRating": {"@type": "Rating", "ratingValue": "2", "bestRating": "5", "worstRating": "1",
                         "alternateName": "Mostly false"},
        "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "The mayor"},
                         "datePublished": "2024-02-28T09:00:00+01:00"},
    }  # fmt: skip
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def post(api, body: str | bytes, content_type: str = "application/json"):
    return api.generic("POST", IMPORT, body, content_type=content_type)


# --- pure reading: table tests ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-07-05", datetime(2020, 7, 5, tzinfo=UTC)),
        ("2020-06-23 20:02", datetime(2020, 6, 23, 20, 2, tzinfo=UTC)),  # naive: taken as UTC
        ("2020-03-27T10:46:13+0200", datetime(2020, 3, 27, 8, 46, 13, tzinfo=UTC)),
        ("2020-07-06T12:35:18+01:00", datetime(2020, 7, 6, 11, 35, 18, tzinfo=UTC)),
        ("2022-09-01T22:06:09-03:00", datetime(2022, 9, 2, 1, 6, 9, tzinfo=UTC)),
        ("2019-12-05T10:00:00Z", datetime(2019, 12, 5, 10, tzinfo=UTC)),
        ("  2020-07-05 ", datetime(2020, 7, 5, tzinfo=UTC)),
        ("0001-01-01T00:00:00+05:00", None),  # before year 1 in UTC
        ("yesterday", None),
        ("", None),
        (None, None),
        (20200705, None),
    ],
)
def test_dates_are_read_with_or_without_zones(value, expected):
    assert parse_when(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1.0), (4, 4.0), ("4.5", 4.5), (" 3 ", 3.0), ("-1", -1.0), (2.0, 2.0),
        ("", None), (None, None), ("false", None), (True, None), ("nan", None), ("inf", None),
        (1e300, None), ([], None),
    ],
)  # fmt: skip
def test_rating_numbers_are_numbers_or_nothing(value, expected):
    assert parse_number(value) == expected


def fields_of(raw: dict) -> dict:
    fields = normalise(raw)
    assert not isinstance(fields, Skip), fields
    return fields


def test_a_well_formed_record_becomes_the_services_arguments():
    assert fields_of(record()) == {
        "url": "https://factcheck.example/checks/42",
        "claim_reviewed": "The bridge cost twice its budget.",
        "publisher_name": "Example Check",
        "publisher_site": "factcheck.example",
        "claimant": "The mayor",
        "claim_date": datetime(2024, 2, 28, 8, tzinfo=UTC),
        "title": "",
        "rating_label": "Mostly false",
        "rating_value": 2.0,
        "best_rating": 5.0,
        "worst_rating": 1.0,
        "review_date": datetime(2024, 3, 2, tzinfo=UTC),
        "language": "",
    }


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        # a label with a trailing carriage return, as Africa Check's
        ({"reviewRating": {"alternateName": "Incorrect \r"}}, "rating_label", "Incorrect"),
        ({"reviewRating": {"alternateName": "False"}}, "rating_value", None),  # none: not invented
        ({"reviewRating": {"ratingValue": 1}}, "rating_value", 1.0),
        ({"reviewRating": None}, "rating_label", ""),
        # author lists: the first organisation is the publisher
        (
            {"author": [{"@type": "Person", "name": "A. Reporter"},
                        {"@type": "Organization", "name": "Aos Fatos", "url": "https://www.aosfatos.org"}]},
            "publisher_name",
            "Aos Fatos",
        ),
        ({"author": [{"@type": "Person", "name": "A. Reporter"}]}, "publisher_name", "A. Reporter"),
        # the site: the publisher's URL, else the review's
        ({"author": {"@type": "Organization", "name": "X"}}, "publisher_site", "factcheck.example"),
        ({"author": {"name": "X", "url": "javascript:alert(1)"}}, "publisher_site", "factcheck.example"),
        ({"author": None, "publisher": {"name": "Pub", "url": "https://pub.example"}}, "publisher_name",
         "Pub"),
        # CreativeWork, creativeWork or Claim, the claimant and the claim's date come from it
        ({"itemReviewed": {"@type": "creativeWork", "author": {"name": "Facebook posts"}}}, "claimant",
         "Facebook posts"),
        ({"itemReviewed": {"@type": "CreativeWork", "author": [{"name": "Várias fontes"}]}}, "claimant",
         "Várias fontes"),
        ({"itemReviewed": {"appearance": [{"datePublished": "2024-01-02"}]}}, "claim_date",
         datetime(2024, 1, 2, tzinfo=UTC)),
        ({"itemReviewed": None}, "claimant", ""),
        ({"inLanguage": "pt-BR"}, "language", "pt-BR"),
        ({"inLanguage": {"@type": "Language", "name": "English", "alternateName": "en"}}, "language", "en"),
        ({"inLanguage": "not a language tag"}, "language", ""),
        ({"name": "  Did the bridge cost twice its budget? "}, "title",
         "Did the bridge cost twice its budget?"),
        ({"claimReviewed": "<script>alert(1)</script>"}, "claim_reviewed", "<script>alert(1)</script>"),
    ],
)  # fmt: skip
def test_messy_records_are_read_as_they_mean(overrides, field, expected):
    assert fields_of(record(**overrides))[field] == expected


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"url": None}, "no `url`"),
        ({"url": "javascript:alert(document.cookie)"}, "not an absolute http(s) URL"),
        ({"url": "data:text/html,<script>alert(1)</script>"}, "not an absolute http(s) URL"),
        ({"url": "aosfatos.org/noticias/x/"}, "not an absolute http(s) URL"),
        ({"url": "/estadao-verifica/x/"}, "not an absolute http(s) URL"),
        ({"url": "https://"}, "not an absolute http(s) URL"),
        ({"url": "https://exa mple.org/"}, "not an absolute http(s) URL"),
        ({"url": "https://example.org/\u001b[2J"}, "not an absolute http(s) URL"),
        ({"url": 42}, "no `url`"),
        ({"claimReviewed": None}, "no `claimReviewed`"),
        ({"claimReviewed": "   "}, "no `claimReviewed`"),
        ({"claimReviewed": {"text": "x"}}, "no `claimReviewed`"),
        ({"claimReviewed": "nul \x00 inside"}, "NUL"),
        ({"author": {"name": "lone \ud800 surrogate"}}, "NUL or a lone surrogate"),
    ],
)
def test_a_record_that_cannot_be_stored_is_skipped_with_its_reason(overrides, reason):
    skipped = normalise(record(**overrides))
    assert isinstance(skipped, Skip)
    assert reason in skipped.reason


def test_a_relative_url_is_read_against_the_page_it_came_from():
    fields = normalise(record(url="/checks/7"), base_url="https://factcheck.example/feed")
    assert fields["url"] == "https://factcheck.example/checks/7"


@pytest.mark.parametrize(
    "document",
    [
        record(),
        [record()],
        {"@context": "https://schema.org", "@graph": [record()]},
        {"@type": "WebPage", "mainEntity": record()},
        {"source_fixture": "x.json", "claimreview": record()},  # a wrapper around the record
        record(**{"@type": ["Review", "ClaimReview"]}),
        record(**{"@type": "http://schema.org/ClaimReview"}),
        [[record()]],
    ],
)
def test_every_shape_of_json_ld_yields_the_record(document):
    (item,) = items_of_json(document)
    assert item["url"] == record()["url"]


def test_an_item_without_a_claimreview_is_one_skip_with_its_type():
    (item,) = items_of_json([{"@type": "NewsArticle", "url": "https://x.example/a"}])
    assert item == Skip("Not a ClaimReview (@type NewsArticle).", url="https://x.example/a")


def test_json_lines_and_html_are_read_too():
    lines = "\n".join(json.dumps(record(url=f"https://factcheck.example/{n}")) for n in range(3))
    assert [i["url"] for i in items_of_text(lines)] == [f"https://factcheck.example/{n}" for n in range(3)]
    page = (
        "<html><head><script type='application/ld+json'>\n// a comment, as some sites write\n"
        f"{json.dumps(record())}</script>"
        "<script type='application/ld+json'>{not json</script></head><body>x</body></html>"
    )
    first, second = items_of_text(page)
    assert first["url"] == record()["url"]
    assert isinstance(second, Skip)
    assert "script 2" in second.reason


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("{not json", "Not JSON"),
        ('{"@type": "ClaimReview"}\n{broken', "Line 2"),
        ("[" * 100_000, "nested too deeply"),
        ("just words", "neither JSON"),
    ],
)
def test_input_that_cannot_be_read_as_a_whole_is_refused(text, message):
    with pytest.raises(UnreadableInput, match=message):
        items_of_text(text)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: (
            st.lists(c, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "@type",
                        "url",
                        "claimReviewed",
                        "author",
                        "reviewRating",
                        "itemReviewed",
                        "@graph",
                        "name",
                        "x",
                    ]
                ),
                c,
                max_size=5,
            )
        ),
    )
)
def test_any_json_is_read_into_records_or_skips_without_an_error(document):
    for item in items_of_json(document):
        assert isinstance(item, Skip | dict)
        if isinstance(item, dict):
            result = normalise(item)
            assert isinstance(result, Skip | dict)  # fmt: skip


# --- the real records, through the API ----------------------------------------------------------


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_every_real_record_is_imported_or_skipped_with_a_reason_and_again_changes_nothing(alice, path):
    response = post(alice, path.read_bytes(), "text/plain")
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["records"], "no record read"
    for entry in report["records"]:
        assert entry["outcome"] in ("imported", "unchanged", "skipped"), entry
        assert (entry["outcome"] == "skipped") == ("reason" in entry), entry
    stored = {r.url: (r.pk, r.updated_at) for r in Review.objects.all()}
    assert len(stored) == report["imported"]

    again = post(alice, path.read_bytes(), "text/plain").json()
    assert again["imported"] == again["updated"] == 0
    assert again["unchanged"] == report["imported"] + report["unchanged"]
    assert again["skipped"] == report["skipped"]
    assert {r.url: (r.pk, r.updated_at) for r in Review.objects.all()} == stored


def test_the_meedan_records_import_all_but_the_two_without_an_absolute_url(alice):
    report = post(alice, (DATA / "meedan-fetch-fixtures.jsonl").read_bytes(), "application/x-ndjson").json()
    assert len(report["records"]) == 65
    skipped = [r for r in report["records"] if r["outcome"] == "skipped"]
    assert [r["url"] for r in skipped] == [
        "aosfatos.org/noticias/video-manipulado-faz-crer-que-drauzio-incentiva-criancas-a-usarem-drogas/",
        "/estadao-verifica/yanomamis-desnutricao-venezuelanos-brasileiros-maduro-lula/",
    ]
    # Two URLs appear twice in the file: the second of each changes nothing.
    assert (report["imported"], report["unchanged"]) == (61, 2)
    africa = Review.objects.get(url__contains="fact-checking-president-ramaphosa")
    assert (africa.rating_label, africa.rating_value, africa.publisher_site) == (
        "Incorrect",
        1,
        "africacheck.org",
    )


# --- the endpoint ---------------------------------------------------------------------------------


def test_an_import_answers_what_became_of_each_record(alice):
    body = json.dumps([record(), record(url=None), {"@type": "Person", "name": "x"}])
    response = post(alice, body)
    assert response.status_code == 200
    review = Review.objects.get()
    assert response.json() == {
        "imported": 1,
        "updated": 0,
        "unchanged": 0,
        "skipped": 2,
        "records": [
            {"index": 0, "url": record()["url"], "outcome": "imported", "id": review.pk},
            {"index": 1, "url": None, "outcome": "skipped",
             "reason": "The record has no `url`: a review is known by its URL."},
            {"index": 2, "url": None, "outcome": "skipped", "reason": "Not a ClaimReview (@type Person)."},
        ],
    }  # fmt: skip


def test_a_changed_record_updates_the_review_with_the_same_url(alice):
    post(alice, json.dumps(record()))
    before = Review.objects.get()
    changed = record(reviewRating={"alternateName": "False", "ratingValue": 1})
    response = post(alice, json.dumps(changed))
    assert response.json()["records"] == [
        {"index": 0, "url": record()["url"], "outcome": "updated", "id": before.pk}
    ]
    after = Review.objects.get()
    assert (after.rating_label, after.rating_value, after.best_rating) == ("False", 1, None)
    assert after.imported_at == before.imported_at
    assert after.updated_at > before.updated_at


def test_a_javascript_url_is_never_stored(alice):
    body = json.dumps([record(url="javascript:alert(1)"), record(url="JAVASCRIPT://%0aalert(1)")])
    report = post(alice, body).json()
    assert report["skipped"] == 2
    assert not Review.objects.exists()


def test_script_tags_are_stored_as_text(alice, bob):
    evil = "<script>alert('x')</script>"
    post(
        alice,
        json.dumps(record(claimReviewed=f"{evil} said", author={"name": evil, "url": "https://e.example"})),
    )
    review = bob.get(REVIEWS).json()["results"][0]
    assert review["claim_reviewed"] == f"{evil} said"
    assert review["publisher"] == {"name": evil, "site": "e.example"}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('{"@type": "ClaimReview", "url": "https://a.example/1", "claimReviewed": "x"}\n{broken',
         "application/x-ndjson"),
        ("", "application/json"),
        ("plain words", "text/plain"),
        ("[]", "text/html"),  # the sender said HTML: JSON is not taken for it
        ("<html><body>a page</body></html>", "application/json"),
        (b"\xff\xfe{}", "application/json"),
    ],
)  # fmt: skip
def test_a_body_that_cannot_be_read_is_a_400_and_nothing_is_stored(alice, body, content_type):
    assert_problem(post(alice, body, content_type), 400, errors_on="body")
    assert not Review.objects.exists()


def test_an_empty_post_is_a_400_naming_the_body(alice):
    assert_problem(alice.post(IMPORT), 400, errors_on="body")


def test_a_form_is_not_an_import(alice):
    assert_problem(post(alice, "url=x", "application/x-www-form-urlencoded"), 415)


def test_an_import_over_2_mib_is_refused_whole(alice):
    lines = [
        json.dumps(record(url=f"https://factcheck.example/{n}", claimReviewed="x" * 2000))
        for n in range(1100)
    ]
    body = "\n".join(lines).encode()
    assert len(body) > 2 * 1024 * 1024
    problem = assert_problem(post(alice, body, "application/x-ndjson"), 413)
    assert "2 MiB" in problem["detail"]
    assert not Review.objects.exists()


def test_only_editors_import(bob, carol, anonymous):
    assert_problem(post(bob, json.dumps(record())), 403)
    assert_problem(post(carol, json.dumps(record())), 403)
    assert_problem(post(anonymous, json.dumps(record())), 401)
    assert not Review.objects.exists()


def test_a_record_the_model_refuses_is_skipped_and_the_rest_of_its_batch_stored(alice):
    body = json.dumps(
        [
            record(url="https://factcheck.example/1"),
            record(name="t" * 501),
            record(url="https://factcheck.example/3"),
        ]
    )
    report = post(alice, body).json()
    assert [r["outcome"] for r in report["records"]] == ["imported", "skipped", "imported"]
    assert "title" in report["records"][1]["reason"]
    assert sorted(Review.objects.values_list("url", flat=True)) == [
        "https://factcheck.example/1",
        "https://factcheck.example/3",
    ]


def test_the_same_url_twice_in_one_import_is_stored_then_compared(alice):
    body = json.dumps([record(), record(), record(reviewRating={"alternateName": "False"})])
    report = post(alice, body).json()
    assert [r["outcome"] for r in report["records"]] == ["imported", "unchanged", "updated"]
    assert Review.objects.get().rating_label == "False"
