"""Corrected columns: a new body is a new revision, and every claim is re-anchored in it in the same
transaction, exact, fuzzy or orphaned, with its history; editors settle the unsettled ones."""

from __future__ import annotations

import pytest

from claims.models import AnchorKind, Article, ArticleRevision, Claim, ClaimEvent
from claims.platform.errors import PreconditionFailed, ValidationFailed
from claims.services.articles import article_create, article_update
from claims.services.claims import Placing, claim_create, claim_update
from tests.helpers import ARTICLES, CLAIMS, assert_problem, claim_url, etag_of

BODY = (
    "The minister said unemployment decreased by 35% last year. "
    "Critics say the figure hides part-time work. "
    "The report was published by the Philippine Satellite Agency."
)
FIGURE = "unemployment decreased by 35% last year"
CRITICS = "Critics say the figure hides part-time work."
AGENCY = "the Philippine Satellite Agency"


@pytest.fixture
def column(alice_user):
    article = article_create(actor=alice_user, headline="Jobs", body=BODY)
    claims = {
        name: claim_create(actor=alice_user, article_id=article.pk, quote=quote, claimant="The minister")
        for name, quote in (("figure", FIGURE), ("critics", CRITICS), ("agency", AGENCY))
    }
    return article, claims


def revise(alice_user, article, body, note="Corrected."):
    return article_update(actor=alice_user, article_id=article.pk, body=body, note=note)


def fresh(claim):
    return Claim.objects.get(pk=claim.pk)


def assert_anchored(claim, body_of_its_revision):
    assert body_of_its_revision[claim.start : claim.end] == claim.quote


def test_an_article_starts_at_revision_1_with_its_text(column):
    article, _ = column
    (first,) = ArticleRevision.objects.filter(article=article)
    assert (first.number, first.body, article.revision, article.version) == (1, BODY, 1, 1)


def test_a_correction_elsewhere_keeps_a_claim_exact_and_moves_it(column, alice_user):
    article, claims = column
    revised = revise(alice_user, article, "Update: " + BODY)
    critics = fresh(claims["critics"])
    assert (critics.anchor, critics.anchor_score, critics.revision) == (AnchorKind.EXACT, 1.0, 2)
    assert critics.quote == CRITICS
    assert critics.start == BODY.index(CRITICS) + len("Update: ")
    assert_anchored(critics, revised.body)
    assert (revised.revision, revised.version) == (2, 2)


def test_a_changed_figure_makes_its_claim_fuzzy_with_the_new_words(column, alice_user):
    article, claims = column
    new_body = BODY.replace("by 35%", "by 33%")
    revise(alice_user, article, new_body, note="Corrected data figure")
    figure = fresh(claims["figure"])
    assert figure.anchor == AnchorKind.FUZZY
    assert figure.quote == "unemployment decreased by 33% last year"
    assert 0 < figure.anchor_score < 1
    assert_anchored(figure, new_body)
    # The others stand where they stood, untouched.
    assert fresh(claims["critics"]).anchor == AnchorKind.EXACT


def test_a_deleted_sentence_orphans_its_claim_which_keeps_its_old_place(column, alice_user):
    article, claims = column
    revise(alice_user, article, BODY.replace(CRITICS + " ", ""))
    critics = fresh(claims["critics"])
    assert critics.anchor == AnchorKind.ORPHANED
    assert (critics.quote, critics.start, critics.revision) == (CRITICS, BODY.index(CRITICS), 1)
    assert_anchored(critics, ArticleRevision.objects.get(article=article, number=1).body)


def test_every_reanchoring_is_a_history_event_with_the_old_and_new_place(column, alice_user):
    article, claims = column
    revise(alice_user, article, BODY.replace("by 35%", "by 33%"), note="Corrected data figure")
    figure = fresh(claims["figure"])
    event = ClaimEvent.objects.filter(claim_id=figure.pk).order_by("-version").first()
    assert (event.action, event.actor, event.note, event.version) == (
        "reanchored",
        alice_user,
        "Corrected data figure",
        2,
    )
    assert event.changes["quote"] == [FIGURE, figure.quote]
    assert event.changes["anchor"] == ["exact", "fuzzy"]
    assert event.changes["revision"] == [1, 2]
    assert figure.version == 2


def test_a_published_verdict_keeps_its_status_when_its_words_change(column, alice_user):
    article, claims = column
    pk = claims["figure"].pk
    claim_update(
        actor=alice_user,
        claim_id=pk,
        expected_versions=None,
        status="in_review",
        rating="false",
        summary="No.",
    )
    claim_update(actor=alice_user, claim_id=pk, expected_versions=None, status="published")
    revise(alice_user, article, BODY.replace("by 35%", "by 33%"))
    figure = Claim.objects.get(pk=pk)
    assert (figure.status, figure.rating, figure.anchor) == ("published", "false", AnchorKind.FUZZY)


def test_a_metadata_change_makes_no_revision(column, alice_user):
    article, claims = column
    updated = article_update(actor=alice_user, article_id=article.pk, headline="Jobs, corrected")
    assert (updated.version, updated.revision) == (2, 1)
    assert ArticleRevision.objects.filter(article=article).count() == 1
    assert fresh(claims["figure"]).version == 1


def test_a_stale_version_changes_nothing(column, alice_user):
    article, _ = column
    with pytest.raises(PreconditionFailed):
        article_update(actor=alice_user, article_id=article.pk, expected_versions=frozenset({7}), body="New.")
    assert Article.objects.get(pk=article.pk).body == BODY
    assert ArticleRevision.objects.filter(article=article).count() == 1


def test_an_editor_accepts_a_fuzzy_place(column, alice_user):
    article, claims = column
    revise(alice_user, article, BODY.replace("by 35%", "by 33%"))
    claim = claim_update(
        actor=alice_user, claim_id=claims["figure"].pk, expected_versions=None, placing=Placing(accept=True)
    )
    assert (claim.anchor, claim.anchor_score) == (AnchorKind.EXACT, None)


def test_an_editor_places_an_orphan_again_in_the_current_body(column, alice_user):
    article, claims = column
    new_body = BODY.replace(CRITICS, "Critics said the data hid part-time work.")
    revise(alice_user, article, new_body)
    claim = claim_update(
        actor=alice_user,
        claim_id=claims["critics"].pk,
        expected_versions=None,
        placing=Placing(quote="Critics said the data hid part-time work."),
    )
    assert (claim.anchor, claim.anchor_score, claim.revision) == (AnchorKind.EXACT, None, 2)
    assert_anchored(claim, new_body)


@pytest.mark.parametrize("which", ["critics", "orphan"])
def test_accepting_a_place_that_is_not_fuzzy_is_refused(column, alice_user, which):
    article, claims = column
    if which == "orphan":
        revise(alice_user, article, BODY.replace(CRITICS + " ", ""))
    with pytest.raises(ValidationFailed) as refused:
        claim_update(
            actor=alice_user,
            claim_id=claims["critics"].pk,
            expected_versions=None,
            placing=Placing(accept=True),
        )
    assert "anchor" in refused.value.errors
    assert fresh(claims["critics"]).version == (2 if which == "orphan" else 1)


# --- through the API ------------------------------------------------------------------------------


def test_the_revisions_list_and_one_revision_with_its_body(bob, column, alice_user):
    article, _ = column
    revise(alice_user, article, "Update: " + BODY, note="Added an update line.")
    listed = bob.get(f"{ARTICLES}{article.pk}/revisions/")
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert [(r["revision"], r["note"], r["actor"]) for r in rows] == [
        (1, "", "alice"),
        (2, "Added an update line.", "alice"),
    ]
    assert rows[1]["characters"] == len("Update: " + BODY)
    assert "body" not in rows[0]
    second = bob.get(f"{ARTICLES}{article.pk}/revisions/2/")
    assert second.json()["body"] == "Update: " + BODY
    assert_problem(bob.get(f"{ARTICLES}{article.pk}/revisions/3/"), 404)
    assert_problem(bob.get(f"{ARTICLES}999999/revisions/"), 404)


def test_claims_show_their_anchor_and_the_queue_lists_the_unsettled(alice, column, alice_user):
    article, claims = column
    revise(alice_user, article, BODY.replace("by 35%", "by 33%").replace(CRITICS + " ", ""))
    queue = alice.get(CLAIMS, {"anchor": "fuzzy"}).json()["results"]
    assert [(c["id"], c["anchor"]) for c in queue] == [(claims["figure"].pk, "fuzzy")]
    orphans = alice.get(CLAIMS, {"anchor": "orphaned"}).json()["results"]
    assert [(c["id"], c["revision"]) for c in orphans] == [(claims["critics"].pk, 1)]
    exact = alice.get(claim_url(claims["agency"])).json()
    assert (exact["anchor"], exact["anchor_score"], exact["revision"]) == ("exact", 1.0, 2)


def test_a_claim_as_a_web_annotation_finds_its_quote_like_an_annotation_client(bob, column, alice_user):
    article, claims = column
    revise(alice_user, article, "Update: " + BODY)
    response = bob.get(f"{claim_url(claims['critics'])}annotation/")
    assert response.status_code == 200
    assert response["Content-Type"] == 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    annotation = response.json()
    assert annotation["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert annotation["type"] == "Annotation"
    assert "body" not in annotation  # pending: no verdict
    quote_selector, position = annotation["target"]["selector"]
    current = Article.objects.get(pk=article.pk).body
    # As an annotation client does: the position first, checked against the quote; then the
    # quote with its context, wherever it now stands.
    assert current[position["start"] : position["end"]] == quote_selector["exact"]
    found = current.index(quote_selector["prefix"] + quote_selector["exact"] + quote_selector["suffix"])
    assert found + len(quote_selector["prefix"]) == position["start"]


def test_an_annotation_carries_a_published_verdict_and_nothing_of_a_draft(bob, alice, column, alice_user):
    _, claims = column
    pk = claims["figure"].pk
    claim_update(
        actor=alice_user,
        claim_id=pk,
        expected_versions=None,
        status="in_review",
        rating="false",
        summary="DRAFT-WORD",
    )
    for api in (alice, bob):
        assert "DRAFT-WORD" not in api.get(f"{CLAIMS}{pk}/annotation/").content.decode()
    claim_update(actor=alice_user, claim_id=pk, expected_versions=None, status="published")
    body = bob.get(f"{CLAIMS}{pk}/annotation/").json()["body"]
    assert [b["purpose"] for b in body] == ["assessing", "tagging"]
    assert body[0]["value"] == "DRAFT-WORD"
    assert body[1]["value"] == "False (1/5)"


def test_an_annotation_of_no_claim_is_a_404(bob, db):
    assert_problem(bob.get(f"{CLAIMS}424242/annotation/"), 404)


def test_an_editor_settles_a_claim_through_patch(alice, column, alice_user):
    article, claims = column
    revise(alice_user, article, BODY.replace("by 35%", "by 33%"))
    url = claim_url(claims["figure"])
    accepted = alice.patch(
        url, {"anchor": "exact"}, format="json", HTTP_IF_MATCH=etag_of(alice, claims["figure"])
    )
    assert accepted.status_code == 200, accepted.content
    assert (accepted.json()["anchor"], accepted.json()["anchor_score"]) == ("exact", None)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"quote": "not in the body at all"}, "quote"),
        ({"quote": "Critics", "start": 0, "end": 7}, "quote"),
        ({"start": 0, "end": 7}, "quote"),
        ({"anchor": "fuzzy"}, "anchor"),
        ({"anchor": "exact"}, "anchor"),  # the claim is exact already
    ],
)
def test_a_settle_that_cannot_be_done_is_a_400_and_changes_nothing(alice, column, payload, field):
    _, claims = column
    claim = claims["critics"]
    response = alice.patch(claim_url(claim), payload, format="json", HTTP_IF_MATCH=etag_of(alice, claim))
    assert_problem(response, 400, errors_on=field)
    assert fresh(claim).version == 1


# --- corrections racing other writes (PostgreSQL) ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_revising_while_others_patch_its_claims_loses_nothing_and_leaves_no_gap(alice_user, alice_token):
    """One editor corrects the body again and again while eight others change, accept and place
    its claims, all at once. Every write wins or is refused (412, 409 or 400); afterwards every
    claim stands on its own words in its revision's body, and its history has no gap."""
    import random
    import threading

    from django.db import connection

    from tests.helpers import client_with

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: nothing can race")
    body = " ".join(f"Sentence {i} says the figure was {i}0%." for i in range(40))
    article = article_create(actor=alice_user, headline="Racing", body=body)
    ids = [
        claim_create(
            actor=alice_user,
            article_id=article.pk,
            quote=f"Sentence {i} says the figure was {i}0%.",
            claimant="X",
        ).pk
        for i in range(0, 40, 2)
    ]
    barrier = threading.Barrier(9, timeout=30)
    codes: list[int] = []
    errors: list[BaseException] = []

    def reviser():
        try:
            barrier.wait()
            text = body
            for round_ in range(6):
                text = text.replace(f"was {round_ * 6}0%", f"was {round_ * 6}5%").replace(
                    "Sentence 1 ", "Sentence one "
                )
                article_update(
                    actor=alice_user,
                    article_id=article.pk,
                    body=f"Edition {round_}. {text}",
                    note=f"r{round_}",
                )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    def patcher(seed):
        api = client_with(alice_token)
        rng = random.Random(seed)
        try:
            barrier.wait()
            for _ in range(12):
                claim_id = rng.choice(ids)
                read = api.get(claim_url(claim_id))
                payload = rng.choice([{"claimant": f"P{seed}"}, {"anchor": "exact"}, {"status": "in_review"}])
                response = api.patch(claim_url(claim_id), payload, format="json", HTTP_IF_MATCH=read["ETag"])
                codes.append(response.status_code)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=reviser)] + [
        threading.Thread(target=patcher, args=(i,)) for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert set(codes) <= {200, 400, 409, 412}, sorted(set(codes))
    assert 200 in codes
    final = Article.objects.get(pk=article.pk)
    assert final.revision == 7
    bodies = dict(ArticleRevision.objects.filter(article=final).values_list("number", "body"))
    for claim in Claim.objects.filter(pk__in=ids):
        assert bodies[claim.revision][claim.start : claim.end] == claim.quote, claim.pk
        if claim.anchor != AnchorKind.ORPHANED:
            assert claim.revision == final.revision
        versions = list(
            ClaimEvent.objects.filter(claim_id=claim.pk).order_by("version").values_list("version", flat=True)
        )
        assert versions == list(range(1, claim.version + 1))


# --- PATCH /api/v1/articles/{id}/ ---------------------------------------------------------------------


def article_url(article):
    return f"{ARTICLES}{article.pk}/"


def test_an_article_has_a_version_etag_and_answers_304(bob, column):
    article, _ = column
    first = bob.get(article_url(article))
    assert first["ETag"] == f'"a{article.pk}-1"'
    assert (first.json()["version"], first.json()["revision"]) == (1, 1)
    assert bob.get(article_url(article), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_an_editor_corrects_the_body_through_patch(alice, column):
    article, claims = column
    etag = alice.get(article_url(article))["ETag"]
    new_body = BODY.replace("by 35%", "by 33%")
    response = alice.patch(
        article_url(article),
        {"body": new_body, "note": "Corrected data figure"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["body"], data["version"], data["revision"]) == (new_body, 2, 2)
    assert response["ETag"] == f'"a{article.pk}-2"'
    assert fresh(claims["figure"]).anchor == AnchorKind.FUZZY
    revision = alice.get(f"{article_url(article)}revisions/2/").json()
    assert (revision["note"], revision["actor"], revision["body"]) == (
        "Corrected data figure",
        "alice",
        new_body,
    )


def test_a_metadata_patch_makes_no_revision(alice, column):
    article, _ = column
    etag = alice.get(article_url(article))["ETag"]
    response = alice.patch(
        article_url(article), {"headline": "Jobs, revised"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.content
    assert (response.json()["version"], response.json()["revision"]) == (2, 1)
    assert ArticleRevision.objects.filter(article=article).count() == 1


@pytest.mark.parametrize(
    ("payload", "if_match", "status", "field"),
    [
        ({"body": "New."}, None, 428, None),
        ({"body": "New."}, '"a{id}-7"', 412, None),
        ({"body": "New."}, '"{id}-1-e"', 412, None),  # a claim's tag is not the article's
        ({"body": "x" * 100_001}, "current", 400, "body"),
        ({"body": "A\u0000B"}, "current", 400, "body"),
        ({"body": ""}, "current", 400, "body"),
        ({"headline": "  "}, "current", 400, "headline"),
        ({"bodyy": "typo"}, "current", 400, "bodyy"),
    ],
    ids=[
        "no-if-match",
        "stale",
        "a-claims-tag",
        "too-long",
        "nul",
        "empty",
        "blank-headline",
        "unknown-field",
    ],
)
def test_a_bad_article_patch_is_a_clear_problem_and_changes_nothing(
    alice, column, payload, if_match, status, field
):
    article, claims = column
    if if_match == "current":
        if_match = alice.get(article_url(article))["ETag"]
    headers = {"HTTP_IF_MATCH": if_match.format(id=article.pk)} if if_match else {}
    response = alice.patch(article_url(article), payload, format="json", **headers)
    assert_problem(response, status, errors_on=field)
    assert Article.objects.get(pk=article.pk).body == BODY
    assert ArticleRevision.objects.filter(article=article).count() == 1
    assert fresh(claims["figure"]).version == 1


def test_a_client_cannot_patch_an_article(bob, column):
    article, _ = column
    etag = bob.get(article_url(article))["ETag"]
    assert_problem(bob.patch(article_url(article), {"body": "New."}, format="json", HTTP_IF_MATCH=etag), 403)


def test_a_new_article_answers_with_the_etag_its_first_patch_needs(alice, db):
    created = alice.post(ARTICLES, {"headline": "New", "body": "Prices rose."}, format="json")
    assert created.status_code == 201
    response = alice.patch(
        created["Location"], {"body": "Prices fell."}, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    assert response.status_code == 200, response.content
    assert response.json()["revision"] == 2


def test_an_early_refusal_varies_with_the_token_too(alice, db):
    response = alice.generic("POST", ARTICLES, "{}", content_type="application/json; charset=latin-1")
    assert_problem(response, 415)
    assert "Authorization" in response["Vary"]
