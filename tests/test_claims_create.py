"""POST /api/v1/claims/: anchoring a quote in its article's body, and every way it can fail."""

import pytest

from claims.models import Claim, ClaimEvent
from claims.services.articles import article_create
from tests.conftest import BODY
from tests.helpers import CLAIMS, assert_problem, claim_url

QUOTE = "unemployment fell to 4.2% in March"  # occurs once in BODY
TWICE = "The minister said unemployment fell"  # occurs twice in BODY
SECOND = BODY.index(TWICE, 1)


def create(api, article, quote=QUOTE, claimant="The minister", **extra):
    return api.post(
        CLAIMS, {"article": article.pk, "quote": quote, "claimant": claimant, **extra}, format="json"
    )


def assert_nothing_stored():
    assert not Claim.objects.exists()
    assert not ClaimEvent.objects.exists()


def assert_anchored(claim, body, start, end):
    """The stored claim points at body[start:end], with up to 32 characters of context each side."""
    assert (claim.start, claim.end) == (start, end)
    assert body[claim.start : claim.end] == claim.quote
    assert claim.prefix == body[max(0, start - 32) : start]
    assert claim.suffix == body[end : end + 32]


# --- creating -----------------------------------------------------------------------------------


def test_an_editor_anchors_a_claim_by_its_quote_alone(alice, article):
    response = create(alice, article)

    assert response.status_code == 201, response.content
    claim = Claim.objects.get()
    start = BODY.index(QUOTE)
    assert_anchored(claim, BODY, start, start + len(QUOTE))
    assert (claim.article_id, claim.quote, claim.claimant) == (article.pk, QUOTE, "The minister")
    assert (claim.status, claim.version, claim.rating, claim.summary, claim.published_at) == (
        "pending",
        1,
        None,
        "",
        None,
    )
    body = response.json()
    assert (body["id"], body["article"], body["quote"], body["start"], body["end"]) == (
        claim.pk,
        article.pk,
        QUOTE,
        start,
        start + len(QUOTE),
    )
    assert (body["status"], body["version"], body["rating"], body["evidence"], body["corrections"]) == (
        "pending",
        1,
        None,
        [],
        [],
    )


def test_a_new_claim_says_where_it_lives_and_what_its_etag_is(alice, article):
    response = create(alice, article)

    assert response.status_code == 201, response.content
    claim = Claim.objects.get()
    assert response["Location"].endswith(claim_url(claim))
    current = alice.get(response["Location"])
    assert current.status_code == 200
    assert response["ETag"] == current["ETag"]
    assert alice.get(claim_url(claim), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_a_new_claim_has_a_created_event_in_its_history(alice, article):
    response = create(alice, article)

    assert response.status_code == 201, response.content
    event = ClaimEvent.objects.get()
    claim = Claim.objects.get()
    assert (event.claim_id, event.action, event.version, event.actor.username) == (
        claim.pk,
        "created",
        1,
        "alice",
    )
    assert event.changes["quote"] == [None, QUOTE]
    assert event.changes["status"] == [None, "pending"]


def test_an_editor_picks_one_of_two_occurrences_by_its_offsets(alice, article):
    response = create(alice, article, quote=TWICE, start=SECOND, end=SECOND + len(TWICE))

    assert response.status_code == 201, response.content
    assert_anchored(Claim.objects.get(), BODY, SECOND, SECOND + len(TWICE))
    assert (response.json()["start"], response.json()["end"]) == (SECOND, SECOND + len(TWICE))


def test_offsets_that_match_a_unique_quote_are_accepted(alice, article):
    start = BODY.index(QUOTE)
    response = create(alice, article, start=start, end=start + len(QUOTE))

    assert response.status_code == 201, response.content
    assert_anchored(Claim.objects.get(), BODY, start, start + len(QUOTE))


def test_the_context_is_32_characters_each_side_in_the_middle_of_the_body(alice, article):
    quote = "Critics say"
    start = BODY.index(quote)
    assert start > 32
    assert len(BODY) - start - len(quote) > 32

    response = create(alice, article, quote=quote, claimant="Critics")

    assert response.status_code == 201, response.content
    claim = Claim.objects.get()
    assert claim.prefix == "The minister said unemployment fell to 4.2% in March. "[-32:]
    assert claim.suffix == " the figure hides part-time work."[:32]
    assert len(claim.prefix) == len(claim.suffix) == 32


def test_the_context_stops_at_the_edges_of_the_body(alice, article):
    first = create(alice, article, quote="The minister said", start=0, end=17)
    last = create(alice, article, quote="again in April.")

    assert first.status_code == last.status_code == 201
    at_start = Claim.objects.get(pk=first.json()["id"])
    at_end = Claim.objects.get(pk=last.json()["id"])
    assert at_start.prefix == ""
    assert at_start.suffix == BODY[17:49]
    assert at_end.suffix == ""
    assert at_end.prefix == BODY[-len("again in April.") - 32 : -len("again in April.")]


def test_a_one_character_quote_works(alice, article):
    start = BODY.index("%")
    assert BODY.count("%") == 1

    response = create(alice, article, quote="%")

    assert response.status_code == 201, response.content
    assert_anchored(Claim.objects.get(), BODY, start, start + 1)


def test_a_quote_of_the_whole_body_works(alice, article):
    response = create(alice, article, quote=BODY)

    assert response.status_code == 201, response.content
    claim = Claim.objects.get()
    assert_anchored(claim, BODY, 0, len(BODY))
    assert claim.prefix == claim.suffix == ""


def test_a_quote_with_surrounding_spaces_is_kept_exactly(alice, article):
    quote = " Critics say "
    response = create(alice, article, quote=quote, claimant="Critics")

    assert response.status_code == 201, response.content
    claim = Claim.objects.get()
    assert claim.quote == quote
    assert_anchored(claim, BODY, BODY.index(quote), BODY.index(quote) + len(quote))


# --- text that is not plain ASCII ---------------------------------------------------------------

ARABIC = "قال الوزير إن البطالة انخفضت"
HEBREW = "השר אמר שהאבטלה ירדה"
DECOMPOSED = "Cafe\u0301 nai\u0308ve"  # e + COMBINING ACUTE, i + COMBINING DIAERESIS
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # 5 code points, one glyph
FLAG = "\U0001f1fa\U0001f1e6"  # 2 regional indicators
GRIN = "\U0001f600"
UNICODE_BODY = (
    f"Opening words. {ARABIC}، كما قال. Then {HEBREW}. A precomposed Caf\u00e9 na\u00efve and "
    f"a decomposed {DECOMPOSED}. Emoji: {FAMILY} family, {FLAG} flag, {GRIN} grin. The end."
)
UNICODE_QUOTES = {
    "right-to-left-arabic": ARABIC,
    "right-to-left-hebrew": HEBREW,
    "combining-characters": DECOMPOSED,
    "zwj-emoji-sequence": f"{FAMILY} family",
    "flag": FLAG,
    "one-emoji": GRIN,
    "one-combining-mark": "\u0301",
}


@pytest.fixture
def unicode_article(db):
    return article_create(headline="Mixed scripts", body=UNICODE_BODY)


@pytest.mark.parametrize("quote", UNICODE_QUOTES.values(), ids=UNICODE_QUOTES.keys())
def test_offsets_count_code_points_whatever_the_script(alice, unicode_article, quote):
    assert UNICODE_BODY.count(quote) == 1
    start = UNICODE_BODY.index(quote)

    response = create(alice, unicode_article, quote=quote)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["quote"], body["start"], body["end"]) == (quote, start, start + len(quote))
    claim = Claim.objects.get()
    assert claim.quote == quote
    assert_anchored(claim, UNICODE_BODY, start, start + len(quote))
    assert alice.get(claim_url(claim)).json()["quote"] == quote


@pytest.mark.parametrize("quote", UNICODE_QUOTES.values(), ids=UNICODE_QUOTES.keys())
def test_code_point_offsets_given_by_the_client_are_accepted(alice, unicode_article, quote):
    start = UNICODE_BODY.index(quote)

    response = create(alice, unicode_article, quote=quote, start=start, end=start + len(quote))

    assert response.status_code == 201, response.content
    assert_anchored(Claim.objects.get(), UNICODE_BODY, start, start + len(quote))


def test_offsets_counted_in_utf16_units_do_not_match(alice, unicode_article):
    quote = f"{GRIN} grin"
    start = UNICODE_BODY.index(quote)
    utf16_start = len(UNICODE_BODY[:start].encode("utf-16-le")) // 2
    assert utf16_start != start

    response = create(alice, unicode_article, quote=quote, start=utf16_start, end=utf16_start + 6)

    assert_problem(response, 400, errors_on="quote")
    assert_nothing_stored()


# --- refusals -----------------------------------------------------------------------------------


def test_a_quote_that_is_not_in_the_body_is_a_400_saying_so(alice, article):
    response = create(alice, article, quote="unemployment rose")

    body = assert_problem(response, 400, errors_on="quote")
    assert "not occur" in body["errors"]["quote"][0]
    assert_nothing_stored()


def test_a_quote_that_differs_only_in_case_is_not_in_the_body(alice, article):
    response = create(alice, article, quote=QUOTE.upper())

    assert_problem(response, 400, errors_on="quote")
    assert_nothing_stored()


def test_an_ambiguous_quote_without_offsets_is_a_400_listing_where_it_occurs(alice, article):
    response = create(alice, article, quote=TWICE)

    body = assert_problem(response, 400, errors_on="quote")
    message = body["errors"]["quote"][0]
    assert "more than once" in message
    assert "0" in message
    assert str(SECOND) in message
    assert_nothing_stored()


def test_offsets_that_do_not_hold_the_quote_are_a_400_on_quote(alice, article):
    start = BODY.index(QUOTE) + 1
    response = create(alice, article, start=start, end=start + len(QUOTE))

    body = assert_problem(response, 400, errors_on="quote")
    assert str(start - 1) in body["errors"]["quote"][0]  # it says where the quote really is
    assert_nothing_stored()


def test_offsets_whose_span_is_longer_than_the_quote_are_a_400(alice, article):
    start = BODY.index(QUOTE)
    response = create(alice, article, start=start, end=start + len(QUOTE) + 1)

    assert_problem(response, 400, errors_on="quote")
    assert_nothing_stored()


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        pytest.param(len(BODY) - 5, len(BODY) + 1, "end", id="end-past-the-body"),
        pytest.param(len(BODY) + 10, len(BODY) + 20, "end", id="both-past-the-body"),
        pytest.param(10, 10, "end", id="empty-span"),
        pytest.param(20, 10, "end", id="start-after-end"),
        pytest.param(-1, 10, "start", id="negative-start"),
        pytest.param(0, -5, "end", id="negative-end"),
        pytest.param(0, 10**12, "end", id="end-far-out-of-range"),
        pytest.param(10**30, 10**30 + 1, ("start", "end"), id="both-beyond-any-integer-column"),
    ],
)
def test_out_of_range_offsets_are_a_400_naming_the_offset(alice, article, start, end, field):
    response = create(alice, article, start=start, end=end)

    assert_problem(response, 400, errors_on=field)
    assert_nothing_stored()


def test_end_past_the_body_says_how_long_the_body_is(alice, article):
    response = create(alice, article, start=len(BODY) - 5, end=len(BODY) + 1)

    body = assert_problem(response, 400, errors_on="end")
    assert str(len(BODY)) in body["errors"]["end"][0]


@pytest.mark.parametrize(
    ("offsets", "missing"),
    [({"start": 0}, "end"), ({"end": 17}, "start")],
    ids=["start-only", "end-only"],
)
def test_one_offset_without_the_other_is_a_400(alice, article, offsets, missing):
    response = create(alice, article, quote="The minister said", **offsets)

    assert_problem(response, 400, errors_on=missing)
    assert_nothing_stored()


@pytest.mark.parametrize(
    ("offsets", "field"),
    [({"start": "zero", "end": 17}, "start"), ({"start": 0, "end": None}, "end")],
    ids=["start-not-a-number", "end-null"],
)
def test_offsets_that_are_not_integers_are_a_400(alice, article, offsets, field):
    response = create(alice, article, quote="The minister said", **offsets)

    assert_problem(response, 400, errors_on=field)
    assert_nothing_stored()


@pytest.mark.parametrize("article_id", [999_999, 0, "abc", None, 2**63], ids=str)
def test_an_unknown_or_malformed_article_is_a_400_on_article(alice, article, article_id):
    response = alice.post(
        CLAIMS, {"article": article_id, "quote": QUOTE, "claimant": "The minister"}, format="json"
    )

    assert_problem(response, 400, errors_on="article")
    assert_nothing_stored()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quote": ""}, "quote"),
        ({"quote": None}, "quote"),
        ({"claimant": ""}, "claimant"),
        ({"claimant": "   "}, "claimant"),
        ({"claimant": "c" * 201}, "claimant"),
        ({"quote": "unemployment\x00fell"}, "quote"),
        ({"claimant": "The\x00minister"}, "claimant"),
    ],
    ids=[
        "empty-quote",
        "null-quote",
        "empty-claimant",
        "blank-claimant",
        "claimant-201",
        "nul-in-quote",
        "nul-in-claimant",
    ],
)
def test_a_missing_or_invalid_field_is_a_400_naming_it(alice, article, change, field):
    response = alice.post(
        CLAIMS, {"article": article.pk, "quote": QUOTE, "claimant": "The minister", **change}, format="json"
    )

    assert_problem(response, 400, errors_on=field)
    assert_nothing_stored()


def test_a_request_without_a_claimant_is_a_400(alice, article):
    response = alice.post(CLAIMS, {"article": article.pk, "quote": QUOTE}, format="json")

    assert_problem(response, 400, errors_on="claimant")
    assert_nothing_stored()


def test_json_nested_too_deeply_is_a_400(alice, article):
    response = alice.post(CLAIMS, '{"quote": ' + "[" * 100_000, content_type="application/json")

    assert_problem(response, 400)
    assert_nothing_stored()


def test_the_same_span_twice_is_a_400_naming_the_existing_claim(alice, article):
    first = create(alice, article)
    assert first.status_code == 201, first.content

    start = BODY.index(QUOTE)
    again = create(alice, article, claimant="Someone else", start=start, end=start + len(QUOTE))

    body = assert_problem(again, 400, errors_on="quote")
    assert str(first.json()["id"]) in body["errors"]["quote"][0]
    assert Claim.objects.count() == 1
    assert ClaimEvent.objects.count() == 1


def test_an_overlapping_but_different_span_is_a_new_claim(alice, article):
    assert create(alice, article).status_code == 201
    response = create(alice, article, quote="unemployment fell to 4.2%")

    assert response.status_code == 201, response.content
    assert Claim.objects.count() == 2


def test_client_cannot_create_a_claim(bob, article):
    assert_problem(create(bob, article), 403)
    assert_nothing_stored()


def test_a_user_without_a_role_cannot_create_a_claim(carol, article):
    assert_problem(create(carol, article), 403)
    assert_nothing_stored()


def test_anonymous_cannot_create_a_claim(anonymous, article):
    response = create(anonymous, article)

    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert_nothing_stored()
