"""`platform/db/compiled.py`: read statements compiled once per shape and run again with new values.
Each answer is held to what the ORM itself returns for the same values."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q, Value

from claims.models import Claim
from claims.platform.db import compiled, raw
from claims.selectors.claims import ClaimFilters
from claims.services.articles import article_create
from claims.services.claims import claim_update
from tests.conftest import BODY

COLUMNS = ("id", "quote", "created_at", "article__headline")
QUOTES = (
    "unemployment fell to 4.2% in March",
    "Critics say the figure hides part-time work",
    "unemployment fell again in April",
    "in March",
)


@pytest.fixture(autouse=True)
def nothing_kept():
    compiled.forget()
    yield
    compiled.forget()


def claims_after(values: Any) -> Any:
    return Claim.objects.filter(id__gt=values["after"]).values(*COLUMNS).order_by("id")[:2]


def claims_quoting(values: Any) -> Any:
    return Claim.objects.filter(quote__icontains=values["word"]).values(*COLUMNS).order_by("id")


def read(key: str, build: Any, **values: Any) -> list[dict[str, Any]]:
    return compiled.rows(key, raw.reading(Claim), build, values)


def test_a_kept_statement_answers_new_values_as_the_orm_does(make_claim):
    claims = [make_claim(quote) for quote in QUOTES]
    for claim in [None, *claims]:
        after = claim.id if claim else 0
        # Timestamps come back as the ORM gives them (SQLite's text is converted).
        assert read("after", claims_after, after=after) == list(claims_after({"after": after}))
    assert compiled._kept[("after", raw.reading(Claim))] is not None


def test_the_build_runs_only_for_a_new_shape(make_claim):
    make_claim()
    builds = []

    def build(values: Any) -> Any:
        builds.append(values["after"])
        return claims_after(values)

    for after in (0, 1, 2, 3):
        read("counted", build, after=after)
    # Its first run is the ORM's; on its second, built twice with stand-ins, to compile; never again.
    assert builds[0] == 0
    assert len(builds) == 3
    assert all(after < 0 for after in builds[1:])


def test_a_shape_is_compiled_on_its_second_run_and_one_offs_never_push_it_out(make_claim, monkeypatch):
    make_claim()
    monkeypatch.setattr(compiled, "MAX_SHAPES", 2)
    alias = raw.reading(Claim)
    read("once", claims_after, after=0)
    assert ("once", alias) not in compiled._kept
    read("hot", claims_after, after=0)
    read("hot", claims_after, after=0)
    # A client cycling through more new shapes than are kept: each is the ORM's, and none is kept.
    for key in ("a", "b", "c", "d", "a", "b", "c", "d"):
        assert read(key, claims_after, after=0) == list(claims_after({"after": 0}))
    assert list(compiled._kept) == [("hot", alias)]


def test_a_value_the_compiler_transforms_is_never_kept_and_still_answered(make_claim):
    make_claim(QUOTES[0])
    make_claim(QUOTES[1])
    for word in ("zzz", "fell", "the"):
        expected = list(claims_quoting({"word": word}))
        # `icontains` wraps the word (in `%` on both databases): no parameter is the stand-in.
        assert read("quoting", claims_quoting, word=word) == expected
    assert compiled._kept[("quoting", raw.reading(Claim))] is None


def claims_by_quote_or_claimant(values: Any) -> Any:
    word = values["word"]
    return Claim.objects.filter(Q(quote=word) | Q(claimant__icontains=word)).values(*COLUMNS).order_by("id")


def claims_at_version(values: Any) -> Any:
    return Claim.objects.filter(version=values["version"]).values(*COLUMNS).order_by("id")


def claims_numbered(values: Any) -> Any:
    return (
        Claim.objects.filter(id__gte=values["after"]).annotate(n=Value(7)).values("n", "quote").order_by("id")
    )


@pytest.mark.parametrize(
    ("key", "build", "value"),
    [
        # One copy of the word as sent, one wrapped in `%`: the wrapped one would keep the stand-in.
        ("word twice", claims_by_quote_or_claimant, QUOTES[0]),
        # A stand-in beyond the column's range makes the ORM decide the condition at compile time.
        ("narrow column", claims_at_version, 1),
    ],
)
def test_a_shape_the_stand_ins_cannot_find_is_run_by_the_orm(make_claim, key, build, value):
    make_claim(QUOTES[0])
    name = "word" if isinstance(value, str) else "version"
    assert read(key, build, **{name: value}) == list(build({name: value}))
    assert read(key, build, **{name: value}) != []
    assert compiled._kept[(key, raw.reading(Claim))] is None


def test_the_keys_follow_the_select_as_the_orms_rows_do(make_claim):
    make_claim(QUOTES[0])
    read("numbered", claims_numbered, after=0)
    rows = read("numbered", claims_numbered, after=0)
    assert rows == list(claims_numbered({"after": 0})) == [{"n": 7, "quote": QUOTES[0]}]
    assert compiled._kept[("numbered", raw.reading(Claim))] is not None


@pytest.mark.parametrize("value", [True, 1.5, None, b"x"])
def test_only_text_and_integers_stand_in(value):
    with pytest.raises(TypeError, match="only text and integers"):
        compiled.placeholder(0, value)


def test_stand_ins_differ_from_each_other_and_from_real_values():
    texts = {compiled.placeholder(i, "word") for i in range(5)}
    numbers = {compiled.placeholder(i, 7) for i in range(5)}
    assert len(texts) == len(numbers) == 5
    assert all("\x00" in text for text in texts)
    assert all(-(2**63) <= n < -(2**61) for n in numbers)


def test_the_least_recently_used_shape_goes_first(make_claim, monkeypatch):
    make_claim()
    monkeypatch.setattr(compiled, "MAX_SHAPES", 2)
    alias = raw.reading(Claim)
    for key in ("a", "a", "b", "b", "a", "c", "c"):
        read(key, claims_after, after=0)
    assert [key for key, _ in compiled._kept] == ["a", "c"]
    assert all(using == alias for _, using in compiled._kept)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's search is a LIKE, never kept")
def test_claims_search_runs_its_kept_statements_on_postgresql(anonymous, make_claim):
    make_claim()
    make_claim(QUOTES[2], status="published")
    for _ in range(2):  # a shape is compiled on its second run
        answer = anonymous.get("/v1alpha1/claims:search", {"query": "unemployment"})
        assert [claim["text"] for claim in answer.json()["claims"]] == [QUOTES[2]]
    searches = [statement for (key, _), statement in compiled._kept.items() if key[0] == "claims:search"]
    assert searches
    assert all(statement is not None for statement in searches)


def test_the_claim_list_reads_every_page_by_id_from_kept_statements(alice, make_claim):
    """The unfiltered list by id, forwards and back: each page's first run is the ORM's, its
    second from the statement compiled for its shape, and the two answer alike."""
    ids = [make_claim(quote).pk for quote in QUOTES[:3]]
    walks = []
    for _ in range(2):
        first = alice.get("/api/v1/claims/", {"page_size": 1}).json()
        second = alice.get(first["next"]).json()
        third = alice.get(second["next"]).json()
        back = alice.get(third["previous"]).json()
        walks.append([first, second, third, back])
    assert walks[0] == walks[1]
    assert [[claim["id"] for claim in page["results"]] for page in walks[1]] == [
        ids[:1], ids[1:2], ids[2:], ids[1:2]
    ]  # fmt: skip
    assert walks[1][2]["next"] is None
    # A page asks for one row more than its size, to know whether another follows.
    assert kept_pages_by_id() == {
        (True, (), True, False, 2): True,
        (True, (), False, False, 2): True,
        (True, (), False, True, 2): True,
    }


def test_filters_passed_as_values_share_a_kept_statement_and_the_others_are_built(
    alice, bob, alice_user, article, make_claim
):
    other = article_create(headline="Other", author="B", outlet="O", body=BODY, url="https://example.com/o")
    published = make_claim(QUOTES[0], status="published", rating="false").pk
    pending = make_claim(QUOTES[1], claimant="The opposition").pk
    reviewed = make_claim(QUOTES[2], status="in_review").pk
    elsewhere = make_claim(QUOTES[0], target=other).pk
    claim_update(
        actor=alice_user, claim_id=reviewed, expected_versions=None, rating="false", summary="Wrong."
    )
    asked = [
        (alice, {"status": "pending"}, [pending, elsewhere]),
        (alice, {"status": "published"}, [published]),
        (alice, {"article": other.pk}, [elsewhere]),
        (alice, {"article": article.pk, "status": "pending"}, [pending]),
        (alice, {"anchor": "fuzzy"}, []),
        # A client's rating matches published verdicts only: a shape of its own.
        (alice, {"rating": "false"}, [published, reviewed]),
        (bob, {"rating": "false"}, [published]),
        (alice, {"claimant": "opposition"}, [pending]),
    ]
    for client, params, ids in asked:
        answers = [client.get("/api/v1/claims/", params).json() for _ in range(2)]
        assert answers[0] == answers[1], params
        assert [claim["id"] for claim in answers[1]["results"]] == ids, params
    # A filtered page reached by cursor, on and back, with the filter's value beside the bound.
    for _ in range(2):
        first = alice.get("/api/v1/claims/", {"status": "pending", "page_size": 1}).json()
        on = alice.get(first["next"]).json()
        back = alice.get(on["previous"]).json()
        assert [page["results"][0]["id"] for page in (first, on, back)] == [pending, elsewhere, pending]
    assert kept_pages_by_id() == {
        (True, ("status",), True, False, 51): True,
        (True, ("article",), True, False, 51): True,
        (True, ("article", "status"), True, False, 51): True,
        (True, ("anchor",), True, False, 51): True,
        (True, ("rating",), True, False, 51): True,
        (False, ("rating",), True, False, 51): True,
        (True, ("status",), True, False, 2): True,
        (True, ("status",), False, False, 2): True,
        (True, ("status",), False, True, 2): True,
    }


def kept_pages_by_id() -> dict[tuple[Any, ...], bool]:
    """The kept shapes of claim pages by id: (drafts visible, filters, first page, backwards,
    limit), and whether each was compiled."""
    return {
        key[1:]: statement is not None
        for (key, _), statement in compiled._kept.items()
        if key[0] == "claims by id"
    }


@pytest.mark.parametrize(
    ("filters", "given"),
    [
        (ClaimFilters(), {}),
        (ClaimFilters(status="", rating=None, claimant=""), {}),
        (ClaimFilters(status="pending", article=7), {"article": 7, "status": "pending"}),
        (ClaimFilters(q="NATO", anchor="fuzzy"), {"q": "NATO", "anchor": "fuzzy"}),
    ],
)
def test_a_filter_is_given_unless_it_is_none_or_empty_text(filters, given):
    """One rule for the ORM's page and the compiled one: an empty filter filters nothing in either."""
    assert filters.given() == given
