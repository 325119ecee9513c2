"""Keyset cursors (claims.platform.pagination): what a token carries, which tokens are refused, and
which rows stand after a key in each ordering."""

import base64
import json
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims.models import Claim
from claims.platform.errors import ValidationFailed
from claims.platform.pagination import BY_ID, BY_RECENT_UPDATE, decode_cursor, encode_cursor
from claims.services.articles import article_create
from claims.services.claims import claim_create

WHEN = "2024-05-01T12:30:00+00:00"


def forge(payload) -> str:
    """A token as encode_cursor shapes them, around any JSON at all."""
    return raw_token(json.dumps(payload).encode())


def raw_token(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# --- round trips ----------------------------------------------------------------------------

ids = st.integers(1, 2**63 - 1)
offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda minutes: timezone(timedelta(minutes=minutes)))
aware = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.one_of(st.just(UTC), offsets)
)


def assert_url_safe(token: str) -> None:
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token), token  # goes into a query string as it is


@settings(deadline=None)
@given(ids, st.booleans())
def test_an_id_cursor_round_trips(claim_id, reverse):
    token = encode_cursor(BY_ID, BY_ID.key({"id": claim_id}), reverse=reverse)
    assert_url_safe(token)
    assert decode_cursor(token, BY_ID) == ([claim_id], reverse)


@settings(deadline=None)
@given(aware, ids, st.booleans())
def test_a_recent_update_cursor_round_trips(updated_at, claim_id, reverse):
    key = BY_RECENT_UPDATE.key({"updated_at": updated_at, "id": claim_id})
    token = encode_cursor(BY_RECENT_UPDATE, key, reverse=reverse)
    assert_url_safe(token)
    [decoded_at, decoded_id], decoded_reverse = decode_cursor(token, BY_RECENT_UPDATE)
    assert decoded_at == updated_at  # the same instant, to the microsecond
    assert decoded_at.utcoffset() is not None
    assert (decoded_id, decoded_reverse) == (claim_id, reverse)


@pytest.mark.parametrize(
    ("ordering", "token", "expected"),
    [
        pytest.param(BY_ID, forge({"o": "id", "r": False, "k": [5]}), ([5], False), id="by-id"),
        pytest.param(BY_ID, forge({"o": "id", "r": True, "k": [5]}), ([5], True), id="by-id-reverse"),
        pytest.param(
            BY_RECENT_UPDATE,
            forge({"o": "-updated_at", "r": False, "k": [WHEN, 5]}),
            ([datetime(2024, 5, 1, 12, 30, tzinfo=UTC), 5], False),
            id="by-recent-update",
        ),
        pytest.param(
            BY_RECENT_UPDATE,
            forge({"o": "-updated_at", "r": False, "k": ["2024-05-01T14:30:00+02:00", 5]}),
            ([datetime(2024, 5, 1, 12, 30, tzinfo=UTC), 5], False),
            id="by-recent-update-other-offset",
        ),
        pytest.param(BY_ID, forge({"o": "id", "r": False, "k": [5]}) + "==", ([5], False), id="padded"),
    ],
)
def test_a_well_formed_token_decodes(ordering, token, expected):
    # Also shows that forge() makes tokens the decoder reads, so the refusals below are real.
    assert decode_cursor(token, ordering) == expected


def by_id(**payload):
    return forge({"o": "id", "r": False, "k": [5], **payload})


def by_update(**payload):
    return forge({"o": "-updated_at", "r": False, "k": [WHEN, 5], **payload})


@pytest.mark.parametrize(
    ("ordering", "token"),
    [
        pytest.param(BY_ID, "!!!!", id="not-base64"),
        pytest.param(BY_ID, "a", id="truncated-base64"),
        pytest.param(BY_ID, "", id="empty"),
        pytest.param(BY_ID, raw_token(b"hello"), id="not-json"),
        pytest.param(BY_ID, raw_token(b"\xff\xfe\xfd\xfc"), id="not-utf8"),
        pytest.param(BY_ID, raw_token(b'{"o":"id","r":false,"k":[5]'), id="truncated-json"),
        pytest.param(BY_ID, forge(["id", False, [5]]), id="list-instead-of-object"),
        pytest.param(BY_ID, forge("id"), id="string-instead-of-object"),
        pytest.param(BY_ID, forge(5), id="number-instead-of-object"),
        pytest.param(BY_ID, forge(None), id="null-instead-of-object"),
        pytest.param(BY_ID, forge({"o": "id", "r": False}), id="no-key"),
        pytest.param(BY_ID, forge({"o": "id", "k": [5]}), id="no-direction"),
        pytest.param(BY_ID, forge({"r": False, "k": [5]}), id="no-ordering"),
        pytest.param(BY_ID, by_id(o="-updated_at"), id="other-ordering"),
        pytest.param(BY_ID, by_id(o="ID"), id="ordering-name-case"),
        pytest.param(BY_ID, by_id(o=None), id="ordering-null"),
        pytest.param(BY_ID, by_id(k=5), id="key-not-a-list"),
        pytest.param(BY_ID, by_id(k={"id": 5}), id="key-an-object"),
        pytest.param(BY_ID, by_id(k="5"), id="key-a-string"),
        pytest.param(BY_ID, by_id(k=[]), id="key-empty"),
        pytest.param(BY_ID, by_id(k=[5, 6]), id="key-too-long"),
        pytest.param(BY_ID, by_id(k=[True]), id="bool-id"),
        pytest.param(BY_ID, by_id(k=["5"]), id="string-id"),
        pytest.param(BY_ID, by_id(k=[5.0]), id="float-id"),
        pytest.param(BY_ID, by_id(k=[None]), id="null-id"),
        pytest.param(BY_ID, by_id(k=[[5]]), id="list-id"),
        pytest.param(BY_ID, by_id(k=[-5]), id="negative-id"),
        pytest.param(BY_ID, by_id(k=[2**63]), id="id-past-bigint"),
        pytest.param(BY_ID, by_id(r=1), id="direction-an-int"),
        pytest.param(BY_ID, by_id(r="false"), id="direction-a-string"),
        pytest.param(BY_ID, by_id(r=None), id="direction-null"),
        pytest.param(BY_RECENT_UPDATE, by_update(o="id"), id="recent-other-ordering"),
        pytest.param(BY_RECENT_UPDATE, by_update(k=[WHEN]), id="recent-key-too-short"),
        pytest.param(BY_RECENT_UPDATE, by_update(k=[WHEN, 5, 6]), id="recent-key-too-long"),
        pytest.param(BY_RECENT_UPDATE, by_update(k=[5, WHEN]), id="recent-key-swapped"),
        pytest.param(BY_RECENT_UPDATE, by_update(k=["yesterday", 5]), id="not-a-timestamp"),
        pytest.param(BY_RECENT_UPDATE, by_update(k=[1714566600, 5]), id="epoch-number-timestamp"),
        pytest.param(BY_RECENT_UPDATE, by_update(k=[None, 5]), id="null-timestamp"),
        pytest.param(BY_RECENT_UPDATE, by_update(k=["2024-13-01T00:00:00+00:00", 5]), id="month-13"),
        pytest.param(BY_RECENT_UPDATE, by_update(k=["2024-02-30T00:00:00+00:00", 5]), id="february-30"),
        pytest.param(BY_RECENT_UPDATE, by_update(k=["2024-05-01T12:30:00", 5]), id="naive-timestamp"),
        pytest.param(BY_RECENT_UPDATE, by_update(k=["2024-05-01", 5]), id="date-only"),
        pytest.param(
            BY_RECENT_UPDATE, by_update(k=["0001-01-01T00:00:00+05:00", 5]), id="before-year-1-in-utc"
        ),
        pytest.param(BY_RECENT_UPDATE, by_update(k=[WHEN, True]), id="recent-bool-id"),
        pytest.param(BY_RECENT_UPDATE, by_update(k=[WHEN, "5"]), id="recent-string-id"),
        pytest.param(BY_RECENT_UPDATE, by_update(k={"updated_at": WHEN, "id": 5}), id="recent-key-an-object"),
    ],
)
def test_a_forged_token_is_refused_on_cursor(ordering, token):
    with pytest.raises(ValidationFailed) as refused:
        decode_cursor(token, ordering)
    assert set(refused.value.errors) == {"cursor"}
    assert all(message.strip() for message in refused.value.errors["cursor"])


def test_a_token_of_another_ordering_says_so():
    with pytest.raises(ValidationFailed) as refused:
        decode_cursor(encode_cursor(BY_ID, [5], reverse=False), BY_RECENT_UPDATE)
    [message] = refused.value.errors["cursor"]
    assert "ordering" in message


# --- which rows stand after a key ---------------------------------------------------------------

T = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SECOND, MICROSECOND, DAY = timedelta(seconds=1), timedelta(microseconds=1), timedelta(days=1)
# Ties on purpose, in threes and pairs: the second field (id) must break them.
UPDATED = [T, T, T + SECOND, T + SECOND, T + SECOND, T, T - DAY, T + MICROSECOND]


@pytest.fixture
def rows(db, alice_user):
    """(updated_at, id) of claims whose update times tie in threes and pairs."""
    body = " ".join(f"Statement {i} holds." for i in range(len(UPDATED)))
    article = article_create(headline="Keys", body=body)
    pks = [
        claim_create(actor=alice_user, article_id=article.pk, quote=f"Statement {i} holds.", claimant="X").pk
        for i in range(len(UPDATED))
    ]
    for pk, updated_at in zip(pks, UPDATED, strict=True):
        Claim.objects.filter(pk=pk).update(updated_at=updated_at)
    return sorted(Claim.objects.values_list("updated_at", "id"))


def after(ordering, key, reverse):
    return sorted(Claim.objects.filter(ordering.after(key, reverse=reverse)).values_list("updated_at", "id"))


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "backward"])
def test_recent_update_order_after_each_row(rows, reverse):
    assert len({updated_at for updated_at, _ in rows}) < len(rows), "the rows must tie"
    keys = [*rows, (T, 0), (T, 2**62), (T + DAY, 0), (T - 2 * DAY, 2**62)]
    for key in keys:
        # Newest first: going forward (down the page) means an older (updated_at, id).
        expected = [row for row in rows if (row < key if not reverse else row > key)]
        assert after(BY_RECENT_UPDATE, list(key), reverse) == expected, key


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "backward"])
def test_id_order_after_each_row(rows, reverse):
    for _, pk in [*rows, (None, 0), (None, 2**62)]:
        expected = [row for row in rows if (row[1] > pk if not reverse else row[1] < pk)]
        assert after(BY_ID, [pk], reverse) == expected, pk
