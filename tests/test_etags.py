"""Entity tags and the conditional headers that carry them (claims.platform.etags): pure, no database."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims.platform.etags import claim_etag, none_match, versions_matching

EDITOR, CLIENT = True, False  # drafts_visible


@pytest.mark.parametrize(
    ("claim_id", "version", "drafts_visible", "tag"),
    [
        pytest.param(1, 1, EDITOR, '"1-1-e"', id="editor"),
        pytest.param(1, 1, CLIENT, '"1-1-c"', id="client"),
        pytest.param(42, 7, EDITOR, '"42-7-e"', id="editor-42-v7"),
        pytest.param(42, 7, CLIENT, '"42-7-c"', id="client-42-v7"),
        pytest.param(2**63 - 1, 10**9, EDITOR, f'"{2**63 - 1}-{10**9}-e"', id="largest-id"),
    ],
)
def test_claim_etag(claim_id, version, drafts_visible, tag):
    assert claim_etag(claim_id, version, drafts_visible=drafts_visible) == tag


@pytest.mark.parametrize(
    ("header", "claim_id", "drafts_visible", "expected"),
    [
        pytest.param("*", 2, EDITOR, None, id="star-is-any-version"),
        pytest.param("  *  ", 2, CLIENT, None, id="star-with-whitespace"),
        pytest.param('"2-1-e"', 2, EDITOR, {1}, id="editor-own-tag"),
        pytest.param('"2-1-c"', 2, CLIENT, {1}, id="client-own-tag"),
        pytest.param('"2-1-e"', 2, CLIENT, set(), id="editor-tag-sent-by-client"),
        pytest.param('"2-1-c"', 2, EDITOR, set(), id="client-tag-sent-by-editor"),
        pytest.param('"3-1-e"', 2, EDITOR, set(), id="another-claim"),
        pytest.param('"22-1-e"', 2, EDITOR, set(), id="claim-id-with-a-suffix"),
        pytest.param('"2-1-e"', 22, EDITOR, set(), id="claim-id-a-prefix"),
        pytest.param('W/"2-1-e"', 2, EDITOR, set(), id="weak-tag"),
        pytest.param('"2-01-e"', 2, EDITOR, set(), id="leading-zero-version"),
        pytest.param('"02-1-e"', 2, EDITOR, set(), id="leading-zero-id"),
        pytest.param('"2-0-e"', 2, EDITOR, set(), id="version-zero"),
        pytest.param('"2--1-e"', 2, EDITOR, set(), id="negative-version"),
        pytest.param('"2-1-x"', 2, EDITOR, set(), id="unknown-view"),
        pytest.param('"2-1-E"', 2, EDITOR, set(), id="view-upper-case"),
        pytest.param('"2-1"', 2, EDITOR, set(), id="no-view"),
        pytest.param('"2-1-e-e"', 2, EDITOR, set(), id="trailing-part"),
        pytest.param("2-1-e", 2, EDITOR, set(), id="unquoted"),
        pytest.param('"2-1-e', 2, EDITOR, set(), id="unterminated"),
        pytest.param('"2-1-e"x', 2, EDITOR, set(), id="junk-after-tag"),
        pytest.param("", 2, EDITOR, set(), id="empty-header"),
        pytest.param(f'"2-{"9" * 20}-e"', 2, EDITOR, set(), id="version-of-20-digits"),
        pytest.param('"2-1-e", "2-3-e"', 2, EDITOR, {1, 3}, id="two-tags"),
        pytest.param('"2-1-e","2-2-e"', 2, EDITOR, {1, 2}, id="two-tags-no-space"),
        pytest.param('  "2-1-e" ,\t"2-2-e"  ', 2, EDITOR, {1, 2}, id="whitespace-around-tags"),
        pytest.param(
            '"2-1-e", W/"2-2-e", "2-3-c", "9-4-e", "2-01-e", junk, "2-5-e"',
            2,
            EDITOR,
            {1, 5},
            id="mixed-list-keeps-only-valid-own-tags",
        ),
        pytest.param('"2-1-e", *', 2, EDITOR, {1}, id="star-inside-a-list-is-no-wildcard"),
    ],
)
def test_versions_matching(header, claim_id, drafts_visible, expected):
    matched = versions_matching(header, claim_id, drafts_visible=drafts_visible)
    if expected is None:
        assert matched is None
    else:
        assert matched == frozenset(expected)
        assert isinstance(matched, frozenset)


@pytest.mark.parametrize(
    ("header", "current", "expected"),
    [
        pytest.param('"2-1-e"', '"2-1-e"', True, id="same-tag"),
        pytest.param('W/"2-1-e"', '"2-1-e"', True, id="weak-sent-matches-strong"),
        pytest.param('"2-1-e"', 'W/"2-1-e"', True, id="strong-sent-matches-weak"),
        pytest.param('W/"2-1-e"', 'W/"2-1-e"', True, id="weak-matches-weak"),
        pytest.param("*", '"2-1-e"', True, id="star"),
        pytest.param(" * ", '"2-1-e"', True, id="star-with-whitespace"),
        pytest.param('"2-0-e", "9-9-e" ,"2-1-e"', '"2-1-e"', True, id="one-of-several"),
        pytest.param('"2-2-e"', '"2-1-e"', False, id="other-version"),
        pytest.param('"2-1-c"', '"2-1-e"', False, id="other-view"),
        pytest.param('"3-1-e"', '"2-1-e"', False, id="other-claim"),
        pytest.param('"2-01-e"', '"2-1-e"', False, id="compared-as-strings"),
        pytest.param('" 2-1-e"', '"2-1-e"', False, id="space-inside-quotes"),
        pytest.param('"2-1-e', '"2-1-e"', False, id="unterminated"),
        pytest.param("2-1-e", '"2-1-e"', False, id="unquoted"),
        pytest.param('w/"2-1-e"', '"2-1-e"', False, id="lower-case-weak-prefix"),
        pytest.param("", '"2-1-e"', False, id="empty-header"),
        pytest.param('"2-2-e", "2-3-e"', '"2-1-e"', False, id="none-of-several"),
    ],
)
def test_none_match(header, current, expected):
    assert none_match(header, current) is expected


# --- properties ---------------------------------------------------------------------------

ids = st.integers(1, 2**63 - 1)
versions = st.integers(1, 2**31 - 1)


@settings(deadline=None)
@given(ids, versions, st.booleans())
def test_a_tag_matches_its_own_version_for_its_own_view_only(claim_id, version, drafts_visible):
    tag = claim_etag(claim_id, version, drafts_visible=drafts_visible)
    assert versions_matching(tag, claim_id, drafts_visible=drafts_visible) == {version}
    assert versions_matching(tag, claim_id, drafts_visible=not drafts_visible) == frozenset()
    assert versions_matching(tag, claim_id + 1, drafts_visible=drafts_visible) == frozenset()
    assert versions_matching(f"W/{tag}", claim_id, drafts_visible=drafts_visible) == frozenset()


@settings(deadline=None)
@given(ids, versions, versions, st.booleans())
def test_if_none_match_names_only_the_current_tag(claim_id, held, current, drafts_visible):
    sent = claim_etag(claim_id, held, drafts_visible=drafts_visible)
    now = claim_etag(claim_id, current, drafts_visible=drafts_visible)
    assert none_match(sent, now) is (held == current)
    assert none_match(f"W/{sent}", now) is (held == current)
    other_view = claim_etag(claim_id, current, drafts_visible=not drafts_visible)
    assert none_match(other_view, now) is False
