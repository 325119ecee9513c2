"""The public reader pages: `/`, `/articles/{id}/` and `/claims/{id}/`, served to anyone without a
token, published verdicts only, with their ClaimReview embedded, an ETag that answers a repeat
visit with 304 from one query, and public caching."""

from __future__ import annotations

import json
import re
from typing import Any

import extruct
import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from claims.models import Claim
from claims.reader.text import Span, column_html, paragraph_ranges
from claims.reader.views import json_ld
from claims.services.articles import article_create, article_update
from claims.services.claims import claim_create, claim_update
from claims.services.evidence import evidence_add
from tests.conftest import BODY

REPORT = "unemployment fell to 4.2% in March"
CRITICS = "Critics say the figure hides part-time work"
APRIL = "unemployment fell again in April"


@pytest.fixture
def reader() -> Client:
    """Anyone on the web: no token, no session."""
    return Client()


def page_of(article_or_id: Any) -> str:
    return f"/articles/{getattr(article_or_id, 'pk', article_or_id)}/"


def claim_page(claim: Claim | int) -> str:
    return f"/claims/{getattr(claim, 'pk', claim)}/"


def html(response: Any) -> str:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/html; charset=utf-8"
    return response.content.decode()


def marked(page: str) -> set[int]:
    """The claims whose words a page marks."""
    return {
        int(i)
        for ids in re.findall(r'<mark class="claim[^"]*" data-claims="([0-9 ]+)"', page)
        for i in ids.split()
    }


def embedded(page: str) -> list[dict[str, Any]]:
    """What a crawler reads from the page's JSON-LD."""
    return extruct.extract(page, syntaxes=["json-ld"], uniform=True)["json-ld"]


# --- the article's page ------------------------------------------------------------------------


def test_the_column_marks_published_claims_and_not_the_others(reader, article, make_claim):
    published = make_claim(status="published", rating="false", summary="It was 4.5%.")
    draft = make_claim(CRITICS, status="in_review", claimant="Critics")
    page = html(reader.get(page_of(article)))
    assert marked(page) == {published.pk}
    assert f'id="claim-{published.pk}"' in page
    assert f'id="claim-{draft.pk}"' not in page
    assert CRITICS in page  # the words are in the column, unmarked
    assert f'href="#claim-{published.pk}" id="quote-{published.pk}">False' in page
    assert "It was 4.5%." in page


def test_a_verdict_shows_its_evidence_and_corrections(reader, article, make_claim, alice_user):
    claim = make_claim(status="published", rating="true", summary="Checked.")
    evidence_add(
        actor=alice_user, claim_id=claim.pk, url="https://stats.example/march", title="March figures"
    )
    claim_update(
        actor=alice_user,
        claim_id=claim.pk,
        expected_versions=None,
        rating="mostly_true",
        note="Revised data.",
    )
    page = html(reader.get(page_of(article)))
    assert '<a href="https://stats.example/march" rel="nofollow noopener">March figures</a>' in page
    assert "rated True before, now Mostly true." in page
    assert "Revised data." in page


def test_a_corrected_column_says_so_and_lists_claims_whose_words_are_gone(
    reader, article, make_claim, alice_user
):
    kept = make_claim(status="published")
    removed = make_claim(APRIL, status="published", rating="false", summary="It rose.")
    page = html(reader.get(page_of(article)))
    assert "Corrected" not in page
    article_update(
        actor=alice_user,
        article_id=article.pk,
        body=BODY.replace(" The minister said unemployment fell again in April.", ""),
        note="The April figure was not yet published.",
    )
    assert Claim.objects.get(pk=removed.pk).anchor == "orphaned"
    page = html(reader.get(page_of(article)))
    assert re.search(
        r"<strong>Corrected</strong> on <time[^>]*>[^<]+</time>: The April figure was not yet published.",
        page,
    )
    assert marked(page) == {kept.pk}
    gone = page.split('id="removed-title"')[1]
    assert f'id="claim-{removed.pk}"' in gone
    assert "It rose." in gone


def test_an_unknown_article_is_a_404_page(reader, db):
    response = reader.get(page_of(999_999))
    assert response.status_code == 404
    assert "There is no article 999999." in response.content.decode()


def test_an_article_with_nothing_published_embeds_no_review(reader, article, make_claim):
    make_claim(status="in_review")
    page = html(reader.get(page_of(article)))
    assert marked(page) == set()
    assert "application/ld+json" not in page
    assert "No claim in this column has a published verdict yet." in page


# --- one verdict's page -------------------------------------------------------------------------


def test_a_published_verdict_has_its_own_page(reader, article, make_claim):
    claim = make_claim(status="published", rating="half_true", summary="Partly.")
    page = html(reader.get(claim_page(claim)))
    assert "Partly." in page
    assert f'href="/articles/{article.pk}/#claim-{claim.pk}"' in page
    [review] = embedded(page)
    assert review["url"] == f"http://testserver/claims/{claim.pk}/"


@pytest.mark.parametrize("status", ["pending", "in_review", "not_checkable"])
def test_an_unpublished_claims_page_is_a_404(reader, make_claim, status):
    claim = make_claim(status=status)
    response = reader.get(claim_page(claim))
    assert response.status_code == 404
    assert response["Cache-Control"] == "no-cache"
    assert claim.quote not in response.content.decode()


# --- the list of columns ------------------------------------------------------------------------


def test_the_front_page_lists_the_columns_newest_first(reader, article, make_claim):
    make_claim(status="published")
    newer = article_create(headline="Housing <b>prices</b>", body="Prices rose.")
    page = html(reader.get("/"))
    assert page.index("Housing &lt;b&gt;prices&lt;/b&gt;") < page.index("Jobs figures")
    assert f'href="/articles/{article.pk}/"' in page
    assert f'href="/articles/{newer.pk}/"' in page
    assert "1 verdict" in page


def test_the_front_page_pages_back_through_older_columns(reader, db, monkeypatch):
    monkeypatch.setattr("claims.reader.views.COLUMNS_PER_PAGE", 2)
    ids = [article_create(headline=f"Column {n}", body="Text.").pk for n in range(5)]

    def listed(page: str) -> list[str]:
        return re.findall(r">(Column [0-9])</a>", page)

    first = html(reader.get("/"))
    assert listed(first) == ["Column 4", "Column 3"]
    assert f'?before={ids[3]}"' in first
    second = html(reader.get("/", {"before": ids[3]}))
    assert listed(second) == ["Column 2", "Column 1"]
    last = html(reader.get("/", {"before": ids[1]}))
    assert listed(last) == ["Column 0"]
    assert "Older columns" not in last


@pytest.mark.parametrize(
    "query", ["?before=x", "?before=-1", "?before=1&before=2", "?before=1.5", "?before=\u0661"]
)
def test_a_malformed_before_is_a_400(reader, db, query):
    response = reader.get(f"/{query}")
    assert response.status_code == 400
    assert "`before` is the id of a column" in response.content.decode()


def test_the_front_page_costs_one_query(reader, article, django_assert_num_queries):
    # 1. a page of articles, each with its count of published verdicts (a subquery)
    with django_assert_num_queries(1):
        html(reader.get("/"))


# --- caching and conditional requests -----------------------------------------------------------


@pytest.mark.parametrize("path", ["article", "claim", "index"])
def test_pages_may_be_kept_by_shared_caches_and_answer_a_repeat_with_304(reader, article, make_claim, path):
    claim = make_claim(status="published")
    url = {"article": page_of(article), "claim": claim_page(claim), "index": "/"}[path]
    first = reader.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=60"
    assert "Authorization" not in first.get("Vary", "")
    assert "Cookie" not in first.get("Vary", "")
    assert "Set-Cookie" not in first
    again = reader.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == "public, max-age=60"
    assert again.content == b""
    assert reader.get(url, HTTP_IF_NONE_MATCH=f"W/{first['ETag']}").status_code == 304
    assert reader.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_the_etag_changes_with_every_change_a_reader_would_see(reader, article, make_claim, alice_user):
    claim = make_claim(status="published")
    tags = [reader.get(page_of(article))["ETag"]]

    def changed() -> bool:
        tags.append(reader.get(page_of(article))["ETag"])
        return tags[-1] not in tags[:-1]

    draft = make_claim(APRIL, status="in_review")
    assert changed()  # a new claim (the page does not show it, but the tag is cheap to change)
    claim_update(actor=alice_user, claim_id=draft.pk, expected_versions=None, rating="true", summary="Yes.")
    assert changed()  # a draft verdict written: invisible, but again the tag is cheap to change
    claim_update(actor=alice_user, claim_id=draft.pk, expected_versions=None, status="published")
    assert changed()
    evidence_add(actor=alice_user, claim_id=claim.pk, url="https://stats.example/")
    assert changed()
    claim_update(
        actor=alice_user, claim_id=claim.pk, expected_versions=None, status="in_review", note="Recheck."
    )
    assert changed()
    article_update(actor=alice_user, article_id=article.pk, headline="Jobs figures, revised")
    assert changed()
    assert not changed()  # nothing changed: the same tag


def test_the_claim_pages_etag_follows_the_claim_and_its_article(reader, article, make_claim, alice_user):
    claim = make_claim(status="published")
    first = reader.get(claim_page(claim))["ETag"]
    assert reader.get(claim_page(claim))["ETag"] == first
    article_update(actor=alice_user, article_id=article.pk, headline="Jobs figures, revised")
    second = reader.get(claim_page(claim))["ETag"]
    assert second != first
    claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, summary="More.", note="Added.")
    assert reader.get(claim_page(claim))["ETag"] not in (first, second)


def test_a_page_and_the_api_never_share_a_tag(reader, bob, article, make_claim):
    claim = make_claim(status="published")
    page_tags = {reader.get(page_of(article))["ETag"], reader.get(claim_page(claim))["ETag"]}
    api_tags = {
        bob.get(f"/api/v1/claims/{claim.pk}/claimreview/")["ETag"],
        bob.get(f"/api/v1/claims/{claim.pk}/")["ETag"],
    }
    assert not page_tags & api_tags


@pytest.mark.parametrize("published", [1, 3])
def test_the_article_page_costs_five_queries_and_a_repeat_one(
    reader, article, make_claim, alice_user, published, django_assert_num_queries
):
    claims = [make_claim(q, status="published") for q in (REPORT, APRIL, CRITICS)[:published]]
    for claim in claims:
        evidence_add(actor=alice_user, claim_id=claim.pk, url="https://stats.example/")
    # 1. the ETag's state (the article's version, its claims' count, versions, latest change)
    # 2. the article with its current revision's date and note  3. its published claims
    # 4. their evidence  5. their corrections
    with django_assert_num_queries(5):
        first = reader.get(page_of(article))
    assert len(marked(html(first))) == published
    # 1. the ETag's state
    with django_assert_num_queries(1):
        assert reader.get(page_of(article), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_the_claim_page_costs_four_queries_and_a_repeat_one(reader, make_claim, django_assert_num_queries):
    claim = make_claim(status="published")
    # 1. the ETag's state  2. the claim with its article  3. its evidence  4. its corrections
    with django_assert_num_queries(4):
        first = reader.get(claim_page(claim))
    assert first.status_code == 200
    # 1. the ETag's state
    with django_assert_num_queries(1):
        assert reader.get(claim_page(claim), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_only_get_and_head_are_served(reader, article):
    assert reader.head(page_of(article)).status_code == 200
    assert reader.post(page_of(article)).status_code == 405


# --- what a crawler reads equals what the API serves --------------------------------------------


def test_a_crawler_reads_from_the_seed_columns_page_what_the_api_serves(reader, bob, demo):
    page = html(reader.get(page_of(demo)))
    api = bob.get(f"/api/v1/articles/{demo.pk}/claimreview/", HTTP_ACCEPT="application/json").json()
    published = Claim.objects.filter(article=demo, status="published").count()
    assert len(api) == published > 0
    assert embedded(page) == api
    for review in api:
        claim_id = int(review["url"].rstrip("/").rsplit("/", 1)[1])
        assert embedded(html(reader.get(claim_page(claim_id)))) == [review]
        assert bob.get(f"/api/v1/claims/{claim_id}/claimreview/").json() == review


# --- drafts never leak ---------------------------------------------------------------------------


def test_a_draft_leaks_nowhere_public(reader, bob, alice, article, make_claim, alice_user):
    word = "Zyxquorbantic"
    published = make_claim(status="published")
    draft = make_claim(CRITICS, status="in_review", rating="false", summary=f"DRAFT {word} summary.")
    evidence_add(
        actor=alice_user, claim_id=draft.pk, url=f"https://example.org/{word}", title=word, note=word
    )
    # A published verdict, then withdrawn with a draft correction in progress.
    withdrawn = make_claim(APRIL, status="published", summary="Was fine.")
    claim_update(
        actor=alice_user,
        claim_id=withdrawn.pk,
        expected_versions=None,
        status="in_review",
        summary=f"Rewriting: {word}",
        note="Rechecking.",
    )
    surfaces = [
        reader.get("/"),
        reader.get(page_of(article)),
        reader.get(claim_page(published)),
        reader.get(claim_page(draft)),
        reader.get(claim_page(withdrawn)),
        bob.get(f"/api/v1/articles/{article.pk}/claimreview/"),
        bob.get(f"/api/v1/claims/{published.pk}/claimreview/"),
        bob.get(f"/api/v1/claims/{draft.pk}/claimreview/"),
        alice.get(f"/api/v1/articles/{article.pk}/claimreview/"),
        alice.get(f"/api/v1/claims/{draft.pk}/claimreview/"),
    ]
    for response in surfaces:
        assert word.lower() not in response.content.decode().lower(), response.request
    assert surfaces[3].status_code == surfaces[4].status_code == 404
    assert marked(surfaces[1].content.decode()) == {published.pk}
    assert len(surfaces[5].json()) == 1


# --- escaping ------------------------------------------------------------------------------------

NASTY = '</script><script>alert("x")</script><!-- & "quotes" \u2028'


def test_script_tags_in_names_and_quotes_are_escaped_everywhere(reader, bob, alice_user):
    body = f"He said {NASTY} and left."
    article = article_create(headline=f"Headline {NASTY}", author=NASTY, outlet=NASTY, body=body)
    claim = claim_create(actor=alice_user, article_id=article.pk, quote=NASTY, claimant=f"Claimant {NASTY}")
    for step in (
        {"status": "in_review", "rating": "false", "summary": f"Summary {NASTY}"},
        {"status": "published"},
    ):
        claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, **step)
    evidence_add(
        actor=alice_user, claim_id=claim.pk, url="https://example.org/e", title=NASTY, publisher=NASTY
    )
    claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, rating="misleading", note=NASTY)
    for url in ("/", page_of(article), claim_page(claim)):
        page = html(reader.get(url))
        assert "<script>alert" not in page
        assert page.count("</script>") == (0 if url == "/" else 1)
        assert "<!-- &" not in page
    page = html(reader.get(page_of(article)))
    [review] = embedded(page)
    assert review["claimReviewed"] == NASTY
    assert review["itemReviewed"]["author"]["name"] == f"Claimant {NASTY}"
    assert [review] == bob.get(f"/api/v1/articles/{article.pk}/claimreview/").json()


@given(
    st.recursive(st.text(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=8)
)
def test_embedded_json_never_holds_markup_and_reads_back_as_it_was(value):
    written = str(json_ld(value))
    assert not {"<", ">", "&"} & set(written)
    assert json.loads(written) == value


# --- marking the text (pure) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "ranges"),
    [
        ("One.", [(0, 4)]),
        ("One.\n\nTwo.", [(0, 4), (6, 10)]),
        ("One.\n \n\n  Two.\n", [(0, 4), (10, 15)]),
        ("Line one\nline two", [(0, 17)]),
        ("\n\nOne.", [(2, 6)]),
    ],
)
def test_paragraphs_are_cut_at_blank_lines(body, ranges):
    assert paragraph_ranges(body) == ranges


def span(claim_id: int, start: int, end: int) -> Span:
    return Span(claim_id, start, end, "false", "False")


def test_a_claim_across_two_paragraphs_is_marked_in_each_and_labelled_once():
    body = "Alpha beta.\n\nGamma delta."
    paragraphs = column_html(body, [span(1, 6, 18)])
    assert [p.claims for p in paragraphs] == [[], [1]]
    assert (
        'data-claims="1"><span class="visually-hidden">Checked claim: </span>beta.</mark>'
        in paragraphs[0].html
    )
    assert 'data-claims="1">Gamma</mark><a class="label rating-false" href="#claim-1"' in paragraphs[1].html
    assert 'id="quote-1"' not in paragraphs[0].html


def test_overlapping_claims_give_adjacent_marks_never_crossed_tags():
    body = "one two three four"
    [paragraph] = column_html(body, [span(1, 0, 13), span(2, 4, 18)])
    text = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", paragraph.html)
    text = re.sub(r'<a class="label[^>]*>False</a>', "|", text)
    assert re.sub(r'<mark class="[^"]*" data-claims="([0-9 ]+)">', r"[\1:", text).replace("</mark>", "]") == (
        "[1:one ][1 2:two three]|[2: four]|"
    )


@given(
    st.text(alphabet="ab <&>\n", max_size=40),
    st.lists(st.tuples(st.integers(0, 45), st.integers(0, 45)), max_size=5),
)
def test_marking_keeps_every_character_and_escapes_it(body, pairs):
    spans = [span(i + 1, min(a, b), max(a, b)) for i, (a, b) in enumerate(pairs) if a != b]
    paragraphs = column_html(body, spans)
    shown = "".join(
        re.sub(
            r"<[^>]+>",
            "",
            re.sub(r'<span class="visually-hidden">.*?</span>|<a class="label.*?</a>', "", str(p.html)),
        )
        for p in paragraphs
    )
    assert shown.replace("\n", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == "".join(
        body[s:e] for s, e in paragraph_ranges(body)
    ).replace("\n", "")


def test_a_star_in_cors_opens_the_pages_to_any_origin_but_not_the_tokened_reviews(
    settings, reader, bob, article, make_claim
):
    settings.CORS_ALLOWED_ORIGINS = []
    settings.CORS_PUBLIC_ANY_ORIGIN = True
    claim = make_claim(status="published")
    for url in (page_of(article), claim_page(claim)):
        response = reader.get(url, HTTP_ORIGIN="https://anyone.example")
        assert response["Access-Control-Allow-Origin"] == "https://anyone.example"
    tokened = bob.get(f"/api/v1/claims/{claim.pk}/claimreview/", HTTP_ORIGIN="https://anyone.example")
    assert "Access-Control-Allow-Origin" not in tokened
