"""The claim workflow as a table (claims.services.claims): which status may follow which, and the
shortest way back to pending that a refused deletion names. Pure, no database."""

import itertools

import pytest

from claims.models import ClaimStatus
from claims.services.claims import TRANSITIONS, _path_to_pending

PENDING, IN_REVIEW, PUBLISHED, NOT_CHECKABLE = "pending", "in_review", "published", "not_checkable"

ALLOWED = {
    (PENDING, IN_REVIEW),
    (PENDING, NOT_CHECKABLE),
    (IN_REVIEW, PENDING),
    (IN_REVIEW, PUBLISHED),
    (IN_REVIEW, NOT_CHECKABLE),
    (PUBLISHED, IN_REVIEW),
    (PUBLISHED, PUBLISHED),  # the contract's correction in place: a new rating or summary
    (NOT_CHECKABLE, PENDING),
}


def test_every_status_has_a_row_and_every_target_is_a_status():
    assert set(TRANSITIONS) == set(ClaimStatus.values)
    assert set().union(*TRANSITIONS.values()) <= set(ClaimStatus.values)


@pytest.mark.parametrize(
    ("current", "target"),
    list(itertools.product(ClaimStatus.values, repeat=2)),
    ids=lambda status: status,
)
def test_transition(current, target):
    assert (target in TRANSITIONS[current]) is ((current, target) in ALLOWED)


@pytest.mark.parametrize(
    ("status", "path"),
    [
        pytest.param(PENDING, [PENDING], id="pending"),
        pytest.param(IN_REVIEW, [IN_REVIEW, PENDING], id="in_review"),
        pytest.param(PUBLISHED, [PUBLISHED, IN_REVIEW, PENDING], id="published"),
        pytest.param(NOT_CHECKABLE, [NOT_CHECKABLE, PENDING], id="not_checkable"),
    ],
)
def test_path_to_pending(status, path):
    assert _path_to_pending(status) == path


@pytest.mark.parametrize("status", ClaimStatus.values)
def test_the_path_to_pending_is_a_walk_the_workflow_allows(status):
    path = _path_to_pending(status)
    assert path[0] == status
    assert path[-1] == PENDING
    assert len(set(path)) == len(path)
    assert all(nxt in TRANSITIONS[here] for here, nxt in itertools.pairwise(path))


@pytest.mark.parametrize(
    ("graph", "path"),
    [
        pytest.param(
            {"x": {"a", "z"}, "a": {PENDING}, "z": {"y"}, "y": {PENDING}, PENDING: set()},
            ["x", "a", PENDING],
            id="shortest-not-deepest",
        ),
        pytest.param(
            {"x": {"z", "a"}, "a": {"b"}, "b": {PENDING}, "z": {PENDING}, PENDING: set()},
            ["x", "z", PENDING],
            id="shortest-not-first-in-order",
        ),
        pytest.param(
            {"x": {"b", "a"}, "a": {PENDING}, "b": {PENDING}, PENDING: set()},
            ["x", "a", PENDING],
            id="ties-go-alphabetically",
        ),
        pytest.param({"x": {"y"}, "y": {"x"}, PENDING: {"x"}}, ["x"], id="no-way-back-ends"),
    ],
)
def test_path_to_pending_on_other_workflows(monkeypatch, graph, path):
    # The same search on made-up workflows, so a change to the real one keeps it honest.
    monkeypatch.setattr("claims.services.claims.TRANSITIONS", graph)
    assert _path_to_pending("x") == path
