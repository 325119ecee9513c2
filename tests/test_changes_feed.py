"""GET /api/v1/changes/: every change to articles and claims, in commit order, once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from claims.models import Change
from claims.services.articles import article_update
from claims.services.changes import ChangeRow, change_record, changes_record, claim_change_type
from claims.services.claims import claim_delete, claim_update
from claims.services.evidence import evidence_add
from tests.helpers import assert_problem

CHANGES = "/api/v1/changes/"


def feed(api: Any, **params: Any) -> dict:
    response = api.get(CHANGES, params)
    assert response.status_code == 200, response.content
    return response.json()


def types(api: Any) -> list[str]:
    return [row["type"] for row in feed(api, page_size=200)["results"]]


@pytest.mark.django_db
def test_every_write_service_records_its_change_in_order(alice, alice_user, article, make_claim):
    claim = make_claim(status="published")
    claim_update(
        actor=alice_user, claim_id=claim.pk, expected_versions=None, rating="false", note="New figures."
    )
    evidence_add(actor=alice_user, claim_id=claim.pk, url="https://stats.example/q1")
    claim_update(
        actor=alice_user, claim_id=claim.pk, expected_versions=None, status="in_review", note="Rechecking."
    )
    other = make_claim("Critics say the figure hides part-time work")
    claim_delete(actor=alice_user, claim_id=other.pk, expected_versions=None)
    article_update(actor=alice_user, article_id=article.pk, headline="Jobs figures, again")
    article_update(
        actor=alice_user, article_id=article.pk, body=article.body + " More.", note="Added a line."
    )

    assert types(alice) == [
        "article.created",
        "claim.created",
        "claim.updated",  # to review, with a draft verdict
        "claim.published",
        "claim.corrected",
        "claim.updated",  # evidence
        "claim.withdrawn",
        "claim.created",
        "claim.deleted",
        "article.updated",
        "article.revised",
        "claim.updated",  # the published claim, re-anchored in the new body
    ]
    rows = feed(alice, page_size=200)["results"]
    assert rows[1] == {
        "position": rows[1]["position"],
        "at": rows[1]["at"],
        "type": "claim.created",
        "article": article.pk,
        "claim": claim.pk,
        "review": None,
        "version": 1,
    }
    assert rows[0]["claim"] is None
    assert rows[0]["article"] == article.pk
    positions = [row["position"] for row in rows]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    assert rows[-1]["claim"] == claim.pk


@pytest.mark.django_db
def test_a_rolled_back_write_leaves_no_change(alice_user, article, make_claim):
    claim = make_claim()
    before = Change.objects.count()

    def write_then_fail() -> None:
        with transaction.atomic():
            claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, claimant="Someone")
            raise RuntimeError("the request failed after the write")

    with pytest.raises(RuntimeError, match="failed after the write"):
        write_then_fail()
    assert Change.objects.count() == before


@pytest.mark.django_db
def test_client_sees_the_same_feed_without_any_verdict(alice, bob, make_claim):
    make_claim(status="in_review")
    rows = feed(bob)["results"]
    assert rows == feed(alice)["results"]
    assert [r["type"] for r in rows] == ["article.created", "claim.created", "claim.updated"]
    assert all(set(r) == {"position", "at", "type", "article", "claim", "review", "version"} for r in rows)


@pytest.mark.django_db
def test_pages_follow_each_other_and_next_is_null_at_the_end(bob, make_claim):
    make_claim(status="published")  # article.created, claim.created, claim.updated, claim.published
    first = feed(bob, page_size=3)
    assert len(first["results"]) == 3
    assert first["previous"] is None
    assert f"after={first['results'][-1]['position']}" in first["next"]
    second = bob.get(first["next"]).json()
    assert second["next"] is None
    assert len(second["results"]) == 1
    seen = [r["position"] for page in (first, second) for r in page["results"]]
    assert seen == [r["position"] for r in feed(bob, page_size=200)["results"]]
    assert bob.get(second["previous"]).json()["results"] == first["results"]
    fourth = feed(bob, page_size=1, after=seen[2])
    assert feed(bob, page_size=1, after=int(fourth["previous"].split("after=")[1].split("&")[0]))[
        "results"
    ] == [first["results"][2]]


@pytest.mark.django_db
def test_asking_again_with_the_last_position_continues(bob, alice_user, make_claim):
    claim = make_claim()
    last = feed(bob)["results"][-1]["position"]
    assert feed(bob, after=last) == {
        "next": None,
        "previous": feed(bob, after=last)["previous"],
        "results": [],
    }
    claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, claimant="Another")
    assert [r["type"] for r in feed(bob, after=last)["results"]] == ["claim.updated"]


@pytest.mark.django_db
@pytest.mark.parametrize("after", ["-1", "abc", "1.5", str(2**63), "99999999"])
def test_a_negative_malformed_or_forged_after_is_a_400(bob, make_claim, after):
    make_claim()
    assert_problem(bob.get(CHANGES, {"after": after}), 400, errors_on="after")


@pytest.mark.django_db
def test_after_given_twice_is_a_400(bob, article):
    assert_problem(bob.get(f"{CHANGES}?after=1&after=2"), 400, errors_on="after")


@pytest.mark.django_db
def test_who_may_not_read_the_feed(anonymous, carol, article):
    assert anonymous.get(CHANGES).status_code == 401
    assert_problem(carol.get(CHANGES), 403)


@pytest.mark.django_db
@pytest.mark.parametrize("page_size", [1, 200])
def test_a_page_costs_three_queries_at_any_size(bob, make_claim, django_assert_num_queries, page_size):
    make_claim(status="published")
    first = feed(bob)["results"][0]["position"]
    # 1. the token with its user and role  2. the page  3. where the page before it starts (the
    # request before claimed this one's rate-limit hits)
    with django_assert_num_queries(3):
        assert bob.get(CHANGES, {"after": first, "page_size": page_size}).status_code == 200


@pytest.mark.django_db
def test_changes_are_append_only(article):
    change = Change.objects.first()
    with pytest.raises(TypeError):
        change.save()
    with pytest.raises(TypeError):
        Change.objects.all().update(version=9)


@pytest.mark.django_db
def test_the_database_refuses_a_change_of_unknown_type_or_without_subject(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        Change.objects.create(at=article.created_at, type="claim.exploded", claim_id=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Change.objects.create(at=article.created_at, type="claim.updated", article_id=1)


@pytest.mark.django_db(transaction=True)
def test_change_record_is_refused_outside_a_transaction_and_for_unknown_types(article):
    with pytest.raises(RuntimeError):
        change_record(type="review.imported", review_id=1)
    with pytest.raises(ValueError, match="Unknown change types"), transaction.atomic():
        changes_record([ChangeRow(type="review.exploded", review_id=1)])


@pytest.mark.django_db
def test_a_review_import_is_recorded_through_change_record(bob, article):
    with transaction.atomic():
        position = change_record(type="review.imported", review_id=7)
    rows = feed(bob)["results"]
    assert rows[-1]["position"] == position
    assert rows[-1]["type"] == "review.imported"


@pytest.mark.parametrize(
    ("action", "changes", "expected"),
    [
        ("created", {}, "claim.created"),
        ("deleted", {}, "claim.deleted"),
        ("corrected", {"rating": ["true", "false"]}, "claim.corrected"),
        ("status_changed", {"status": ["in_review", "published"]}, "claim.published"),
        ("status_changed", {"status": ["published", "in_review"]}, "claim.withdrawn"),
        ("status_changed", {"status": ["pending", "in_review"]}, "claim.updated"),
        ("status_changed", {"status": ["in_review", "pending"]}, "claim.updated"),
        ("updated", {"rating": [None, "true"]}, "claim.updated"),
        ("evidence_added", {}, "claim.updated"),
        ("reanchored", {}, "claim.updated"),
    ],
)
def test_claim_change_types(action, changes, expected):
    assert claim_change_type(action, changes) == expected


def test_an_imported_review_is_in_the_feed_with_its_id_once_per_write(alice, db):
    from claims.interop.imports import import_items, items_of_json

    record = {
        "@type": "ClaimReview",
        "url": "https://factcheck.example/checks/1",
        "claimReviewed": "The bridge cost twice its budget.",
        "author": {"@type": "Organization", "name": "Example Check", "url": "https://factcheck.example/"},
        "reviewRating": {"alternateName": "False"},
    }
    [first] = list(import_items(items_of_json([record])))
    list(import_items(items_of_json([record])))  # unchanged: no write, no change
    list(import_items(items_of_json([record | {"reviewRating": {"alternateName": "Mostly false"}}])))
    rows = [r for r in feed(alice, page_size=200)["results"] if r["type"] == "review.imported"]
    assert [(r["review"], r["article"], r["claim"]) for r in rows] == [(first.id, None, None)] * 2
