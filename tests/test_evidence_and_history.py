"""POST /api/v1/claims/{id}/evidence/, GET /api/v1/claims/{id}/history/, and the history's
append-only guarantee in the ORM and in the database itself."""

import pytest
from django.db import DatabaseError, connection, transaction

from claims.models import ClaimEvent, Correction, Evidence
from claims.services.claims import claim_update
from tests.helpers import CLAIMS, actions_of, assert_problem, claim_url, etag_of, snapshot

HISTORY_FIELDS = {"id", "at", "actor", "action", "changes", "note"}
SOURCE = {
    "url": "https://www.ons.gov.uk/employment/march",
    "title": "Labour market overview, March",
    "publisher": "Office for National Statistics",
    "note": "Table 1 gives 4.2%.",
}


def evidence_url(claim):
    return f"{claim_url(claim)}evidence/"


def history_url(claim):
    return f"{claim_url(claim)}history/"


# --- evidence -----------------------------------------------------------------------------------


def test_an_editor_adds_evidence_to_a_claim(alice, make_claim):
    claim = make_claim()

    response = alice.post(evidence_url(claim), SOURCE, format="json")

    assert response.status_code == 201, response.content
    evidence = Evidence.objects.get(claim_id=claim.pk)
    body = response.json()
    assert body == {**SOURCE, "id": evidence.pk, "added_at": body["added_at"]}
    assert body["added_at"].endswith("Z")
    assert (evidence.url, evidence.title, evidence.publisher, evidence.note) == tuple(SOURCE.values())
    assert evidence.added_by.username == "alice"
    assert alice.get(claim_url(claim)).json()["evidence"] == [body]


def test_adding_evidence_is_a_new_version_with_a_history_event(alice, make_claim):
    claim = make_claim()
    etag = etag_of(alice, claim)

    response = alice.post(evidence_url(claim), SOURCE, format="json")

    assert response.status_code == 201, response.content
    assert snapshot(claim.pk)["claim"]["version"] == 2
    assert etag_of(alice, claim) != etag
    event = ClaimEvent.objects.filter(claim_id=claim.pk).last()
    assert (event.action, event.version, event.note, event.actor.username) == (
        "evidence_added",
        2,
        SOURCE["note"],
        "alice",
    )
    assert event.changes["evidence"][0] is None
    assert event.changes["evidence"][1]["url"] == SOURCE["url"]


def test_evidence_needs_only_a_url(alice, make_claim):
    claim = make_claim()

    response = alice.post(evidence_url(claim), {"url": "https://example.com/a"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json() | {"id": 0, "added_at": ""} == {
        "id": 0,
        "url": "https://example.com/a",
        "title": "",
        "publisher": "",
        "note": "",
        "added_at": "",
    }


def test_evidence_of_a_published_claim_is_shown_to_clients(alice, bob, make_claim):
    claim = make_claim(status="published")

    assert alice.post(evidence_url(claim), SOURCE, format="json").status_code == 201

    assert [e["url"] for e in bob.get(claim_url(claim)).json()["evidence"]] == [SOURCE["url"]]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"url": "not a url"}, "url"),
        ({"url": ""}, "url"),
        ({"title": "No URL"}, "url"),
        ({"url": "https://example.com/" + "x" * 2000}, "url"),
        ({"url": "https://example.com/a", "title": "t" * 501}, "title"),
        ({"url": "https://example.com/a", "publisher": "p" * 201}, "publisher"),
        ({"url": "https://example.com/a", "title": "A\x00B"}, "title"),
        ({"url": "https://example.com/a", "note": "A\x00B"}, "note"),
    ],
    ids=[
        "not-a-url",
        "empty-url",
        "no-url",
        "url-too-long",
        "title-501",
        "publisher-201",
        "nul-title",
        "nul-note",
    ],
)
def test_invalid_evidence_is_a_400_and_changes_nothing(alice, make_claim, data, field):
    claim = make_claim()
    before = snapshot(claim.pk)

    response = alice.post(evidence_url(claim), data, format="json")

    assert_problem(response, 400, errors_on=field)
    assert snapshot(claim.pk) == before


@pytest.mark.parametrize("claim_id", [999_999, 2**70])
def test_evidence_for_an_unknown_claim_is_a_404(alice, claim_id):
    response = alice.post(evidence_url(claim_id), SOURCE, format="json")

    assert_problem(response, 404)
    assert not Evidence.objects.exists()


def test_json_nested_too_deeply_is_a_400(alice, make_claim):
    claim = make_claim()
    before = snapshot(claim.pk)

    response = alice.post(evidence_url(claim), "[" * 100_000, content_type="application/json")

    assert_problem(response, 400)
    assert snapshot(claim.pk) == before


def test_evidence_with_a_stale_if_match_is_a_412(alice, make_claim):
    claim = make_claim()
    stale = etag_of(alice, claim)
    assert alice.post(evidence_url(claim), SOURCE, format="json").status_code == 201
    before = snapshot(claim.pk)

    response = alice.post(evidence_url(claim), SOURCE, format="json", HTTP_IF_MATCH=stale)

    assert_problem(response, 412)
    assert snapshot(claim.pk) == before


def test_client_cannot_add_evidence(bob, make_claim):
    claim = make_claim()
    before = snapshot(claim.pk)

    assert_problem(bob.post(evidence_url(claim), SOURCE, format="json"), 403)
    assert snapshot(claim.pk) == before


def test_anonymous_cannot_add_evidence(anonymous, make_claim):
    claim = make_claim()
    before = snapshot(claim.pk)

    response = anonymous.post(evidence_url(claim), SOURCE, format="json")

    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert snapshot(claim.pk) == before


# --- history ------------------------------------------------------------------------------------


@pytest.fixture
def reviewed(alice, root, article):
    """A claim taken through its life by two editors, through the API."""
    created = alice.post(
        CLAIMS,
        {"article": article.pk, "quote": "Critics say", "claimant": "Critics"},
        format="json",
    )
    assert created.status_code == 201, created.content
    claim_id = created.json()["id"]
    etag = created["ETag"]
    steps = [
        (alice, {"status": "in_review", "note": "Taking it."}),
        (root, {"rating": "mostly_true", "summary": "Part-time work is counted."}),
        (alice, {"status": "published"}),
        (alice, {"rating": "half_true", "note": "Revised figures."}),
    ]
    for api, data in steps:
        response = api.patch(claim_url(claim_id), data, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 200, response.content
        etag = response["ETag"]
    assert (
        alice.post(evidence_url(claim_id), {"url": "https://example.com/ons"}, format="json").status_code
        == 201
    )
    return claim_id


def test_history_lists_every_change_oldest_first_with_actor_changes_and_note(alice, reviewed):
    response = alice.get(history_url(reviewed))

    assert response.status_code == 200, response.content
    page = response.json()
    assert (page["next"], page["previous"]) == (None, None)
    events = page["results"]
    assert all(set(event) >= HISTORY_FIELDS for event in events)
    assert [(e["action"], e["actor"], e["note"]) for e in events] == [
        ("created", "alice", ""),
        ("status_changed", "alice", "Taking it."),
        ("updated", "root", ""),
        ("status_changed", "alice", ""),
        ("corrected", "alice", "Revised figures."),
        ("evidence_added", "alice", ""),
    ]
    assert events[0]["changes"]["quote"] == [None, "Critics say"]
    assert events[1]["changes"] == {"status": ["pending", "in_review"]}
    assert events[2]["changes"] == {
        "rating": [None, "mostly_true"],
        "summary": ["", "Part-time work is counted."],
    }
    assert events[3]["changes"] == {"status": ["in_review", "published"]}
    assert events[4]["changes"] == {"rating": ["mostly_true", "half_true"]}
    assert all(len(change) == 2 for event in events for change in event["changes"].values())
    ids = [e["id"] for e in events]
    assert ids == sorted(ids)
    times = [e["at"] for e in events]
    assert times == sorted(times)
    assert all(t.endswith("Z") for t in times)


def test_history_is_paginated_with_next_and_previous(alice, reviewed):
    everything = alice.get(history_url(reviewed)).json()["results"]

    first = alice.get(history_url(reviewed), {"page_size": 4}).json()
    assert first["previous"] is None
    assert first["next"] is not None
    second = alice.get(first["next"]).json()
    assert second["next"] is None
    assert first["results"] + second["results"] == everything
    assert alice.get(second["previous"]).json()["results"] == first["results"]


@pytest.mark.parametrize("page_size", ["0", "201", "abc"])
def test_a_bad_page_size_for_history_is_a_400(alice, reviewed, page_size):
    assert_problem(alice.get(history_url(reviewed), {"page_size": page_size}), 400, errors_on="page_size")


def test_history_shows_only_that_claims_events(alice, make_claim, reviewed):
    other = make_claim()

    events = alice.get(history_url(other)).json()["results"]

    assert [e["action"] for e in events] == ["created"]
    assert {e["id"] for e in events} == set(
        ClaimEvent.objects.filter(claim_id=other.pk).values_list("id", flat=True)
    )


@pytest.mark.parametrize("claim_id", [999_999, 2**70])
def test_history_of_an_unknown_claim_is_a_404(alice, claim_id):
    assert_problem(alice.get(history_url(claim_id)), 404)


def test_client_cannot_read_the_history(bob, reviewed):
    assert_problem(bob.get(history_url(reviewed)), 403)


def test_a_user_without_a_role_cannot_read_the_history(carol, reviewed):
    assert_problem(carol.get(history_url(reviewed)), 403)


def test_anonymous_cannot_read_the_history(anonymous, reviewed):
    response = anonymous.get(history_url(reviewed))

    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


# --- append-only --------------------------------------------------------------------------------


@pytest.fixture
def corrected(make_claim, alice_user):
    """A published claim whose rating was corrected: it has history events and a correction."""
    claim = make_claim(status="published", rating="true")
    return claim_update(
        actor=alice_user, claim_id=claim.pk, expected_versions=None, rating="false", note="Revised."
    )


def stored(model, claim):
    return list(model.objects.filter(claim_id=claim.pk).order_by("id").values())


@pytest.mark.parametrize("model", [ClaimEvent, Correction])
def test_the_orm_refuses_to_update_or_delete_history_in_bulk(corrected, model):
    before = stored(model, corrected)
    assert before

    with pytest.raises(TypeError, match="append-only"):
        model.objects.filter(claim_id=corrected.pk).update(note="rewritten")
    with pytest.raises(TypeError, match="append-only"):
        model.objects.filter(claim_id=corrected.pk).delete()
    with pytest.raises(TypeError, match="append-only"):
        model.objects.all().delete()

    assert stored(model, corrected) == before


@pytest.mark.parametrize("model", [ClaimEvent, Correction])
def test_the_orm_refuses_to_change_or_delete_one_history_row(corrected, model):
    before = stored(model, corrected)
    row = model.objects.filter(claim_id=corrected.pk).first()

    row.note = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        row.save()
    with pytest.raises(TypeError, match="append-only"):
        row.save(update_fields=["note"])
    with pytest.raises(TypeError, match="append-only"):
        row.delete()

    assert stored(model, corrected) == before


RAW_CHANGES = [
    pytest.param("UPDATE {table} SET note = 'rewritten' WHERE claim_id = %s", id="update"),
    pytest.param(
        "DELETE FROM {table} WHERE claim_id = %s",
        id="delete",
        marks=pytest.mark.skipif(
            connection.vendor != "postgresql",
            reason="only PostgreSQL refuses DELETE: SQLite must let the test database flush its tables "
            "with DELETE",
        ),
    ),
]


@pytest.mark.parametrize("statement", RAW_CHANGES)
@pytest.mark.parametrize("table", ["claims_claimevent", "claims_correction"])
def test_the_database_refuses_a_raw_change_of_history(corrected, table, statement):
    model = ClaimEvent if table == "claims_claimevent" else Correction
    before = stored(model, corrected)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement.format(table=table), [corrected.pk])

    assert stored(model, corrected) == before


def test_new_history_rows_can_still_be_written(corrected, alice_user):
    before = len(actions_of(corrected.pk))

    claim_update(actor=alice_user, claim_id=corrected.pk, expected_versions=None, claimant="Someone")

    assert len(actions_of(corrected.pk)) == before + 1
