"""PATCH /api/v1/claims/{id}/: If-Match, the transition table, verdict rules, corrections and
read-only fields. Where the contract speaks about what is stored, the tests read the database."""

import itertools

import pytest

from claims.models import Claim, ClaimEvent, Correction
from tests.helpers import actions_of, assert_problem, claim_url, etag_of, snapshot

STATUSES = ["pending", "in_review", "published", "not_checkable"]

# The contract's transition table, written out here rather than imported, so the test checks the
# service against the contract and not against itself. From `published`, `published` is the
# correction of a verdict in place.
CONTRACT_TARGETS = {
    "pending": {"in_review", "not_checkable"},
    "in_review": {"pending", "published", "not_checkable"},
    "published": {"in_review", "published"},
    "not_checkable": {"pending"},
}


def patch(api, claim, data, etag):
    return api.patch(claim_url(claim), data, format="json", HTTP_IF_MATCH=etag)


def fresh(claim):
    return Claim.objects.get(pk=claim.pk)


# --- If-Match -----------------------------------------------------------------------------------


def test_a_patch_without_if_match_is_a_428_and_changes_nothing(alice, make_claim):
    claim = make_claim()
    before = snapshot(claim.pk)

    response = alice.patch(claim_url(claim), {"claimant": "Someone"}, format="json")

    body = assert_problem(response, 428)
    assert "If-Match" in body["detail"]
    assert snapshot(claim.pk) == before


def test_a_patch_with_a_stale_etag_is_a_412_and_changes_nothing(alice, make_claim, alice_user):
    claim = make_claim()
    stale = etag_of(alice, claim)
    assert patch(alice, claim, {"claimant": "First editor"}, stale).status_code == 200
    before = snapshot(claim.pk)

    response = patch(alice, claim, {"status": "in_review", "claimant": "Second editor"}, stale)

    assert_problem(response, 412)
    assert snapshot(claim.pk) == before
    stored = fresh(claim)
    assert (stored.version, stored.status, stored.claimant) == (2, "pending", "First editor")
    assert ClaimEvent.objects.filter(claim_id=claim.pk).count() == 2


@pytest.mark.parametrize(
    "if_match",
    [
        pytest.param(lambda etag: f"W/{etag}", id="weak-form-of-the-current-etag"),
        pytest.param(lambda etag: etag.strip('"'), id="unquoted"),
        pytest.param(lambda etag: '"999999-1"', id="another-claims-etag"),
        pytest.param(lambda etag: "garbage", id="malformed"),
        pytest.param(lambda etag: "", id="empty"),
    ],
)
def test_an_if_match_that_is_not_the_current_strong_etag_is_a_412(alice, make_claim, if_match):
    claim = make_claim()
    before = snapshot(claim.pk)

    response = patch(alice, claim, {"claimant": "Someone"}, if_match(etag_of(alice, claim)))

    assert_problem(response, 412)
    assert snapshot(claim.pk) == before


def test_if_match_star_accepts_any_version(alice, make_claim):
    claim = make_claim()

    response = patch(alice, claim, {"claimant": "Someone"}, "*")

    assert response.status_code == 200, response.content
    assert (fresh(claim).version, fresh(claim).claimant) == (2, "Someone")


def test_if_match_with_a_list_that_holds_the_current_etag_succeeds(alice, make_claim):
    claim = make_claim()

    response = patch(alice, claim, {"claimant": "Someone"}, f'"0-1", {etag_of(alice, claim)}')

    assert response.status_code == 200, response.content
    assert fresh(claim).version == 2


def test_a_successful_patch_returns_the_new_etag(alice, make_claim):
    claim = make_claim()
    old = etag_of(alice, claim)

    response = patch(alice, claim, {"claimant": "Someone"}, old)

    assert response.status_code == 200, response.content
    assert response["ETag"] != old
    assert response["ETag"] == etag_of(alice, claim)
    assert response.json()["version"] == 2


def test_patching_an_unknown_claim_is_a_404(alice):
    response = alice.patch(claim_url(999_999), {"claimant": "x"}, format="json", HTTP_IF_MATCH="*")

    assert_problem(response, 404)


# --- the transition table -----------------------------------------------------------------------


@pytest.mark.parametrize(("source", "target"), list(itertools.product(STATUSES, repeat=2)))
def test_every_status_change_follows_the_transition_table(alice, make_claim, source, target):
    claim = make_claim(status=source)
    before = snapshot(claim.pk)
    # A fresh verdict and a note with every request: publishing then has what it needs, leaving
    # `published` has its reason, and keeping the status still changes something (from
    # `published` that is a correction). Only the table decides the outcome.
    data = {"status": target, "rating": "half_true", "summary": "Revised verdict.", "note": "Reason."}

    response = patch(alice, claim, data, etag_of(alice, claim))

    stored = fresh(claim)
    if target == source or target in CONTRACT_TARGETS[source]:
        assert response.status_code == 200, response.content
        assert (stored.status, stored.rating, stored.summary) == (target, "half_true", "Revised verdict.")
        assert stored.version == before["claim"]["version"] + 1
        events = list(ClaimEvent.objects.filter(claim_id=claim.pk).order_by("version"))
        assert len(events) == before["events"] + 1
        assert events[-1].version == stored.version
        assert events[-1].note == "Reason."
        if target != source:
            assert events[-1].action == "status_changed"
            assert events[-1].changes["status"] == [source, target]
        else:
            assert "status" not in events[-1].changes
        correcting = source == target == "published"
        assert Correction.objects.filter(claim_id=claim.pk).count() == before["corrections"] + correcting
        assert (stored.published_at is not None) == (target == "published")
        if correcting:
            assert stored.published_at == before["claim"]["published_at"]
        assert response.json()["status"] == target
        assert response.json()["version"] == stored.version
    else:
        body = assert_problem(response, 409)
        for allowed in CONTRACT_TARGETS[source]:
            assert allowed in body["detail"]
        assert sorted(body["allowed"]) == sorted(CONTRACT_TARGETS[source])
        assert snapshot(claim.pk) == before


def test_a_patch_that_keeps_the_status_and_changes_nothing_writes_nothing(alice, make_claim):
    claim = make_claim(status="in_review")
    before = snapshot(claim.pk)

    response = patch(alice, claim, {"status": "in_review", "claimant": claim.claimant}, etag_of(alice, claim))

    assert response.status_code == 200, response.content
    assert snapshot(claim.pk) == before


@pytest.mark.parametrize("status", STATUSES)
def test_changing_only_the_claimant_is_no_transition(alice, make_claim, status):
    claim = make_claim(status=status)
    before = snapshot(claim.pk)

    response = patch(alice, claim, {"claimant": "The prime minister"}, etag_of(alice, claim))

    assert response.status_code == 200, response.content
    stored = fresh(claim)
    assert (stored.status, stored.claimant) == (status, "The prime minister")
    assert stored.version == before["claim"]["version"] + 1
    assert stored.published_at == before["claim"]["published_at"]
    assert actions_of(claim.pk)[-1] == "updated"
    assert ClaimEvent.objects.filter(claim_id=claim.pk).last().changes == {
        "claimant": ["The minister", "The prime minister"]
    }
    assert Correction.objects.filter(claim_id=claim.pk).count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "archived"), ("status", None), ("rating", "pants_on_fire"), ("summary", "s" * 10_001)],
    ids=["unknown-status", "null-status", "unknown-rating", "summary-10001"],
)
def test_an_invalid_value_is_a_400_naming_the_field(alice, make_claim, field, value):
    claim = make_claim(status="in_review")
    before = snapshot(claim.pk)

    response = patch(alice, claim, {field: value}, etag_of(alice, claim))

    assert_problem(response, 400, errors_on=field)
    assert snapshot(claim.pk) == before


@pytest.mark.parametrize("field", ["summary", "claimant", "note"])
def test_a_nul_character_in_a_string_is_a_400(alice, make_claim, field):
    claim = make_claim()
    before = snapshot(claim.pk)

    response = patch(alice, claim, {field: "A\x00B"}, etag_of(alice, claim))

    assert_problem(response, 400, errors_on=field)
    assert snapshot(claim.pk) == before


def test_json_nested_too_deeply_is_a_400(alice, make_claim):
    claim = make_claim()
    before = snapshot(claim.pk)

    response = alice.patch(
        claim_url(claim), "[" * 100_000, content_type="application/json", HTTP_IF_MATCH=etag_of(alice, claim)
    )

    assert_problem(response, 400)
    assert snapshot(claim.pk) == before


# --- publishing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "missing"),
    [
        ({"summary": "Checked against the statistics office."}, {"rating"}),
        ({"rating": None, "summary": "Checked against the statistics office."}, {"rating"}),
        ({"rating": "false"}, {"summary"}),
        ({"rating": "false", "summary": "   "}, {"summary"}),
        ({}, {"rating", "summary"}),
    ],
    ids=["no-rating", "null-rating", "no-summary", "blank-summary", "neither"],
)
def test_publishing_without_a_verdict_is_a_400_naming_what_is_missing(alice, make_claim, data, missing):
    claim = make_claim(status="in_review")
    before = snapshot(claim.pk)

    response = patch(alice, claim, {"status": "published", **data}, etag_of(alice, claim))

    assert_problem(response, 400, errors_on=missing)
    assert snapshot(claim.pk) == before


def test_publishing_uses_the_verdict_drafted_earlier_and_sets_published_at(alice, make_claim):
    claim = make_claim(status="in_review")
    drafted = patch(alice, claim, {"rating": "false", "summary": "Wrong."}, etag_of(alice, claim))
    assert drafted.status_code == 200, drafted.content
    assert fresh(claim).published_at is None

    response = patch(alice, claim, {"status": "published"}, drafted["ETag"])

    assert response.status_code == 200, response.content
    stored = fresh(claim)
    assert (stored.status, stored.rating, stored.summary, stored.version) == (
        "published",
        "false",
        "Wrong.",
        4,
    )
    assert stored.published_at is not None
    assert response.json()["published_at"].endswith("Z")
    assert actions_of(claim.pk) == ["created", "status_changed", "updated", "status_changed"]


def test_withdrawing_a_published_verdict_without_a_note_is_a_400(alice, make_claim):
    claim = make_claim(status="published")
    before = snapshot(claim.pk)

    response = patch(alice, claim, {"status": "in_review"}, etag_of(alice, claim))

    assert_problem(response, 400, errors_on="note")
    assert snapshot(claim.pk) == before


def test_withdrawing_a_published_verdict_with_a_note_clears_published_at(alice, make_claim):
    claim = make_claim(status="published")
    assert claim.published_at is not None

    response = patch(alice, claim, {"status": "in_review", "note": "New figures due."}, etag_of(alice, claim))

    assert response.status_code == 200, response.content
    stored = fresh(claim)
    assert (stored.status, stored.published_at) == ("in_review", None)
    event = ClaimEvent.objects.filter(claim_id=claim.pk).last()
    assert (event.action, event.note, event.changes) == (
        "status_changed",
        "New figures due.",
        {"status": ["published", "in_review"]},
    )
    assert response.json()["published_at"] is None


def test_republishing_sets_a_new_published_at(alice, make_claim):
    claim = make_claim(status="published")
    first = claim.published_at
    withdrawn = patch(alice, claim, {"status": "in_review", "note": "Recheck."}, etag_of(alice, claim))

    response = patch(alice, claim, {"status": "published"}, withdrawn["ETag"])

    assert response.status_code == 200, response.content
    assert fresh(claim).published_at > first


# --- corrections --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [{"rating": "mostly_false"}, {"summary": "A new explanation."}, {"note": "   ", "rating": "false"}],
    ids=["rating", "summary", "blank-note"],
)
def test_correcting_a_published_verdict_without_a_note_is_a_400(alice, make_claim, change):
    claim = make_claim(status="published")
    before = snapshot(claim.pk)

    response = patch(alice, claim, change, etag_of(alice, claim))

    assert_problem(response, 400, errors_on="note")
    assert snapshot(claim.pk) == before


def test_correcting_a_published_rating_with_a_note_is_listed_in_corrections(alice, bob, make_claim):
    claim = make_claim(status="published", rating="true")
    published_at = claim.published_at

    response = patch(
        alice,
        claim,
        {"rating": "mostly_false", "note": "The March figure was revised."},
        etag_of(alice, claim),
    )

    assert response.status_code == 200, response.content
    stored = fresh(claim)
    assert (stored.status, stored.rating, stored.version) == ("published", "mostly_false", 4)
    assert stored.published_at == published_at  # a correction is not a new publication
    correction = Correction.objects.get(claim_id=claim.pk)
    assert (correction.from_rating, correction.to_rating, correction.note) == (
        "true",
        "mostly_false",
        "The March figure was revised.",
    )
    event = ClaimEvent.objects.filter(claim_id=claim.pk).last()
    assert (event.action, event.changes, event.note) == (
        "corrected",
        {"rating": ["true", "mostly_false"]},
        "The March figure was revised.",
    )
    listed = response.json()["corrections"]
    assert len(listed) == 1
    assert set(listed[0]) == {"at", "from_rating", "to_rating", "note"}
    assert listed[0]["at"].endswith("Z")
    assert (listed[0]["from_rating"], listed[0]["to_rating"], listed[0]["note"]) == (
        "true",
        "mostly_false",
        "The March figure was revised.",
    )
    # Readers see the correction beside the published verdict.
    assert bob.get(claim_url(claim)).json()["corrections"] == listed


def test_correcting_a_published_summary_with_a_note_keeps_the_rating_in_the_correction(alice, make_claim):
    claim = make_claim(status="published", rating="half_true", summary="First explanation.")

    response = patch(
        alice, claim, {"summary": "Better explanation.", "note": "Clarified."}, etag_of(alice, claim)
    )

    assert response.status_code == 200, response.content
    assert fresh(claim).summary == "Better explanation."
    correction = Correction.objects.get(claim_id=claim.pk)
    assert (correction.from_rating, correction.to_rating, correction.note) == (
        "half_true",
        "half_true",
        "Clarified.",
    )
    assert response.json()["corrections"][0]["note"] == "Clarified."


def test_a_correction_cannot_remove_the_verdict(alice, make_claim):
    claim = make_claim(status="published")
    before = snapshot(claim.pk)

    response = patch(alice, claim, {"summary": "", "note": "Oops."}, etag_of(alice, claim))

    assert_problem(response, 400, errors_on="summary")
    assert snapshot(claim.pk) == before


def test_corrections_are_listed_oldest_first(alice, make_claim):
    claim = make_claim(status="published", rating="true")
    first = patch(alice, claim, {"rating": "half_true", "note": "One."}, etag_of(alice, claim))
    second = patch(alice, claim, {"rating": "false", "note": "Two."}, first["ETag"])

    assert second.status_code == 200, second.content
    assert [(c["from_rating"], c["to_rating"], c["note"]) for c in second.json()["corrections"]] == [
        ("true", "half_true", "One."),
        ("half_true", "false", "Two."),
    ]


def test_changing_a_draft_verdict_is_not_a_correction(alice, make_claim):
    claim = make_claim(status="in_review")

    response = patch(alice, claim, {"rating": "true", "summary": "Draft."}, etag_of(alice, claim))

    assert response.status_code == 200, response.content
    assert not Correction.objects.filter(claim_id=claim.pk).exists()
    assert actions_of(claim.pk)[-1] == "updated"


# --- read-only fields ---------------------------------------------------------------------------

READ_ONLY = {
    "id": 424242,
    "version": 99,
    "published_at": "2000-01-01T00:00:00Z",
    "created_at": "2000-01-01T00:00:00Z",
    "updated_at": "2000-01-01T00:00:00Z",
    "evidence": [{"url": "https://example.com/injected"}],
    "corrections": [{"from_rating": "true", "to_rating": "false", "note": "injected"}],
}


def test_read_only_fields_in_the_body_are_never_written(alice, make_claim, article, alice_user):
    from claims.services.articles import article_create

    other = article_create(headline="Other", body="Critics say so.")
    claim = make_claim()
    before = Claim.objects.filter(pk=claim.pk).values().get()

    response = patch(
        alice, claim, {**READ_ONLY, "article": other.pk, "claimant": "Someone"}, etag_of(alice, claim)
    )

    assert response.status_code == 200, response.content
    after = Claim.objects.filter(pk=claim.pk).values().get()
    assert not Claim.objects.filter(pk=424242).exists()
    assert after == {**before, "claimant": "Someone", "version": 2, "updated_at": after["updated_at"]}
    assert after["updated_at"] > before["updated_at"]
    assert not claim.evidence.exists()
    assert not Correction.objects.filter(claim_id=claim.pk).exists()
    assert ClaimEvent.objects.filter(claim_id=claim.pk).last().changes == {
        "claimant": ["The minister", "Someone"]
    }


def test_a_body_of_read_only_fields_only_changes_nothing(alice, make_claim):
    claim = make_claim(status="published")
    before = snapshot(claim.pk)

    response = patch(alice, claim, {**READ_ONLY, "published_at": None}, etag_of(alice, claim))

    assert response.status_code == 200, response.content
    assert snapshot(claim.pk) == before
    assert fresh(claim).published_at is not None


# --- who may not --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["bob", "carol"], ids=["client", "user without a role"])
def test_a_client_or_a_user_without_a_role_cannot_change_a_claim(request, who, alice, make_claim):
    claim = make_claim()
    before = snapshot(claim.pk)

    response = patch(request.getfixturevalue(who), claim, {"status": "in_review"}, etag_of(alice, claim))

    assert_problem(response, 403)
    assert snapshot(claim.pk) == before


def test_anonymous_cannot_change_a_claim(alice, anonymous, make_claim):
    claim = make_claim()
    before = snapshot(claim.pk)

    response = patch(anonymous, claim, {"status": "in_review"}, etag_of(alice, claim))

    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert snapshot(claim.pk) == before


def test_an_admin_changes_a_claim_and_is_the_actor_in_its_history(alice, root, make_claim):
    claim = make_claim()

    response = patch(root, claim, {"status": "in_review"}, etag_of(alice, claim))

    assert response.status_code == 200, response.content
    assert ClaimEvent.objects.filter(claim_id=claim.pk).last().actor.username == "root"


# --- the answer -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "steps",
    [
        [{"claimant": "Someone else"}],
        [{"status": "in_review"}, {"rating": "false", "summary": "No."}, {"status": "published"}],
        [{"status": "in_review", "rating": "true", "summary": "Yes."}, {"status": "published"},
         {"rating": "false", "note": "Corrected."}],
        [{"quote": "unemployment fell", "start": 18, "end": 35}],
    ],
)  # fmt: skip
def test_a_patch_answers_the_claim_exactly_as_a_get_then_shows_it(alice, bob, make_claim, steps):
    claim = make_claim()
    for step in steps:
        answer = patch(alice, claim, step, etag_of(alice, claim))
        assert answer.status_code == 200, answer.content
        for api in (alice, bob):  # an editor's view and a client's
            shown = api.get(claim_url(claim))
            if api is alice:
                assert (answer.content, answer["ETag"]) == (shown.content, shown["ETag"])
            else:
                assert shown.status_code == 200
