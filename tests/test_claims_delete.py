"""DELETE /api/v1/claims/{id}/: pending claims only, with If-Match; the history outlives the claim."""

import pytest

from claims.models import Claim, ClaimEvent, Evidence
from claims.services.evidence import evidence_add
from tests.helpers import CLAIMS, actions_of, assert_problem, claim_url, etag_of, snapshot


def delete(api, claim, etag):
    return api.delete(claim_url(claim), HTTP_IF_MATCH=etag)


def test_an_editor_deletes_a_pending_claim_and_it_is_gone(alice, make_claim):
    claim = make_claim()

    response = delete(alice, claim, etag_of(alice, claim))

    assert response.status_code == 204, response.content
    assert response.content == b""
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert_problem(alice.get(claim_url(claim)), 404)


def test_the_history_of_a_deleted_claim_remains_and_ends_with_the_deletion(alice, make_claim):
    claim = make_claim()
    updated = alice.patch(claim_url(claim), {"claimant": "Someone"}, format="json", HTTP_IF_MATCH="*")
    assert updated.status_code == 200, updated.content

    response = delete(alice, claim, updated["ETag"])

    assert response.status_code == 204, response.content
    events = list(ClaimEvent.objects.filter(claim_id=claim.pk).order_by("version"))
    assert [(e.action, e.version) for e in events] == [("created", 1), ("updated", 2), ("deleted", 3)]
    assert events[-1].actor.username == "alice"
    assert events[-1].changes["quote"] == [claim.quote, None]


def test_deleting_a_claim_removes_its_evidence(alice, alice_user, make_claim):
    claim = make_claim()
    evidence_add(actor=alice_user, claim_id=claim.pk, url="https://example.com/source")

    response = delete(alice, claim, etag_of(alice, claim))

    assert response.status_code == 204, response.content
    assert not Evidence.objects.filter(claim_id=claim.pk).exists()
    assert actions_of(claim.pk) == ["created", "evidence_added", "deleted"]


def test_the_span_of_a_deleted_claim_can_be_anchored_again(alice, make_claim, article):
    claim = make_claim()
    assert delete(alice, claim, etag_of(alice, claim)).status_code == 204

    response = alice.post(
        CLAIMS, {"article": article.pk, "quote": claim.quote, "claimant": "X"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert actions_of(response.json()["id"]) == ["created"]


@pytest.mark.parametrize("status", ["in_review", "published", "not_checkable"])
def test_only_a_pending_claim_can_be_deleted(alice, make_claim, status):
    claim = make_claim(status=status)
    before = snapshot(claim.pk)

    response = delete(alice, claim, etag_of(alice, claim))

    body = assert_problem(response, 409)
    assert "pending" in body["detail"]
    assert status in body["detail"]
    assert snapshot(claim.pk) == before


def test_a_claim_moved_back_to_pending_can_be_deleted(alice, make_claim):
    claim = make_claim(status="not_checkable")
    back = alice.patch(claim_url(claim), {"status": "pending"}, format="json", HTTP_IF_MATCH="*")
    assert back.status_code == 200, back.content

    assert delete(alice, claim, back["ETag"]).status_code == 204
    assert not Claim.objects.filter(pk=claim.pk).exists()


def test_a_delete_without_if_match_is_a_428_and_deletes_nothing(alice, make_claim):
    claim = make_claim()
    before = snapshot(claim.pk)

    response = alice.delete(claim_url(claim))

    assert_problem(response, 428)
    assert snapshot(claim.pk) == before


def test_a_delete_with_a_stale_etag_is_a_412_and_deletes_nothing(alice, make_claim):
    claim = make_claim()
    stale = etag_of(alice, claim)
    assert (
        alice.patch(claim_url(claim), {"claimant": "New"}, format="json", HTTP_IF_MATCH=stale).status_code
        == 200
    )
    before = snapshot(claim.pk)

    response = delete(alice, claim, stale)

    assert_problem(response, 412)
    assert snapshot(claim.pk) == before


def test_a_delete_with_a_weak_etag_is_a_412(alice, make_claim):
    claim = make_claim()
    before = snapshot(claim.pk)

    response = delete(alice, claim, f"W/{etag_of(alice, claim)}")

    assert_problem(response, 412)
    assert snapshot(claim.pk) == before


def test_a_delete_with_if_match_star_deletes(alice, make_claim):
    claim = make_claim()

    assert delete(alice, claim, "*").status_code == 204
    assert not Claim.objects.filter(pk=claim.pk).exists()


def test_deleting_twice_is_a_404_the_second_time(alice, make_claim):
    claim = make_claim()
    etag = etag_of(alice, claim)
    assert delete(alice, claim, etag).status_code == 204

    assert_problem(delete(alice, claim, etag), 404)
    assert actions_of(claim.pk) == ["created", "deleted"]


def test_deleting_an_unknown_claim_is_a_404(alice):
    assert_problem(alice.delete(claim_url(999_999), HTTP_IF_MATCH="*"), 404)


def test_client_cannot_delete_a_claim(alice, bob, make_claim):
    claim = make_claim()
    before = snapshot(claim.pk)

    response = delete(bob, claim, etag_of(alice, claim))

    assert_problem(response, 403)
    assert snapshot(claim.pk) == before


def test_a_user_without_a_role_cannot_delete_a_claim(alice, carol, make_claim):
    claim = make_claim()
    before = snapshot(claim.pk)

    assert_problem(delete(carol, claim, etag_of(alice, claim)), 403)
    assert snapshot(claim.pk) == before


def test_anonymous_cannot_delete_a_claim(alice, anonymous, make_claim):
    claim = make_claim()
    before = snapshot(claim.pk)

    response = delete(anonymous, claim, etag_of(alice, claim))

    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert snapshot(claim.pk) == before
