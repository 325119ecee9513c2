"""Placing a quote in an article's body (claims.anchoring.quotes): pure, no database.

Offsets are Python string indices, that is code points: an emoji is one character, not the two
UTF-16 units JavaScript counts nor the four bytes UTF-8 takes.
"""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from claims.anchoring.quotes import CONTEXT_CHARS, Anchor, anchor_quote
from claims.platform.errors import ValidationFailed

BODY = "The minister said unemployment fell."
TWICE = "fell, then fell again"
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.mark.parametrize(
    ("body", "quote", "start", "end", "expected"),
    [
        pytest.param(
            BODY, "unemployment fell", None, None, (18, 35, "The minister said ", "."), id="unique-no-offsets"
        ),
        pytest.param(
            BODY, "unemployment fell", 18, 35, (18, 35, "The minister said ", "."), id="offsets-agree"
        ),
        pytest.param("Prices rose in May.", "Prices", None, None, (0, 6, "", " rose in May."), id="at-start"),
        pytest.param("Prices rose in May.", "in May.", None, None, (12, 19, "Prices rose ", ""), id="at-end"),
        pytest.param("Prices rose.", "Prices rose.", None, None, (0, 12, "", ""), id="whole-body"),
        pytest.param(TWICE, "fell", 0, 4, (0, 4, "", ", then fell again"), id="repeated-offsets-pick-first"),
        pytest.param(
            TWICE, "fell", 11, 15, (11, 15, "fell, then ", " again"), id="repeated-offsets-pick-second"
        ),
        pytest.param("aaaa", "aaa", 1, 4, (1, 4, "a", ""), id="overlapping-offsets-pick-one"),
        pytest.param(
            f"{ALPHABET}[quote]{ALPHABET.upper()}",
            "[quote]",
            None,
            None,
            (36, 43, "efghijklmnopqrstuvwxyz0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"),
            id="context-is-the-nearest-32-chars",
        ),
        pytest.param(
            "x" * 32 + "Q" + "y" * 32, "Q", None, None, (32, 33, "x" * 32, "y" * 32), id="context-exactly-32"
        ),
        pytest.param(
            "z" + "x" * 32 + "Q" + "y" * 32 + "z",
            "Q",
            None,
            None,
            (33, 34, "x" * 32, "y" * 32),
            id="context-33-cut",
        ),
        # Not ASCII: every index below counts code points.
        pytest.param(
            "🎉 Prices rose.", "Prices", None, None, (2, 8, "🎉 ", " rose."), id="emoji-is-one-char"
        ),
        pytest.param(
            "👩\u200d💻 coders said hi",  # woman, zero width joiner, laptop: three code points
            "coders",
            None,
            None,
            (4, 10, "👩\u200d💻 ", " said hi"),
            id="zwj-sequence-is-three-chars",
        ),
        pytest.param(
            "Le ministre a dit : « le chômage a baissé ».",
            "le chômage a baissé",
            None,
            None,
            (22, 41, "Le ministre a dit : « ", " »."),
            id="accented-and-guillemets",
        ),
        pytest.param(
            "He said “we will win” twice.",
            "“we will win”",
            None,
            None,
            (8, 21, "He said ", " twice."),
            id="curly-quotes",
        ),
        pytest.param(
            "🎉🎉 fell, 🎉 fell", "fell", 11, 15, (11, 15, "🎉🎉 fell, 🎉 ", ""), id="offsets-past-emoji"
        ),
        pytest.param(
            "cafe\u0301 au lait",
            "cafe\u0301",
            None,
            None,
            (0, 5, "", " au lait"),
            id="combining-accent-is-a-char",
        ),
        pytest.param(
            "🎉" * 40 + "x" + "é" * 40,
            "x",
            None,
            None,
            (40, 41, "🎉" * 32, "é" * 32),
            id="context-counts-code-points",
        ),
    ],
)
def test_anchor(body, quote, start, end, expected):
    assert anchor_quote(body, quote, start=start, end=end) == Anchor(*expected)


@pytest.mark.parametrize(
    ("body", "quote", "start", "end", "field"),
    [
        pytest.param("Prices rose.", "", None, None, "quote", id="empty-quote"),
        pytest.param("Prices rose.", "", 0, 0, "quote", id="empty-quote-with-offsets"),
        pytest.param("Prices rose.", "Prices fell", None, None, "quote", id="absent"),
        pytest.param("Prices rose.", "prices rose", None, None, "quote", id="case-differs"),
        pytest.param("Rose.", "Prices rose.", None, None, "quote", id="longer-than-body"),
        pytest.param("", "Prices", None, None, "quote", id="empty-body"),
        pytest.param(TWICE, "fell", None, None, "quote", id="twice-without-offsets"),
        pytest.param("aaaa", "aaa", None, None, "quote", id="overlapping-twice-without-offsets"),
        pytest.param("“we” and “we”", "“we”", None, None, "quote", id="curly-twice-without-offsets"),
        pytest.param("Prices rose.", "Prices", 3, 3, "end", id="end-equals-start"),
        pytest.param("Prices rose.", "Prices", 6, 0, "end", id="end-before-start"),
        pytest.param("Prices rose.", "rose.", 7, 13, "end", id="end-past-body"),
        pytest.param("Prices rose.", "Prices fell", 0, 40, "end", id="end-past-body-quote-absent"),
        pytest.param("Prices rose in May.", "Prices", 7, 13, "quote", id="offsets-hold-other-text"),
        pytest.param("Prices rose.", "prices", 0, 6, "quote", id="offsets-case-differs"),
        pytest.param("Prices rose.", "rose", 6, 10, "quote", id="offsets-one-off"),
        pytest.param("Prices rose.", "rose", 7, 12, "quote", id="offsets-one-too-long"),
        pytest.param("Prices rose.", "Prices fell", 0, 11, "quote", id="offsets-quote-absent"),
        pytest.param("🎉 Prices rose.", "Prices", 3, 9, "quote", id="offsets-in-utf16-units"),
        pytest.param("café au lait", "au", 6, 8, "quote", id="offsets-in-utf8-bytes"),
        pytest.param("é au lait", "e\u0301", 0, 2, "quote", id="decomposed-quote-precomposed-body"),
    ],
)
def test_refused(body, quote, start, end, field):
    with pytest.raises(ValidationFailed) as refused:
        anchor_quote(body, quote, start=start, end=end)
    assert set(refused.value.errors) == {field}
    assert all(message.strip() for message in refused.value.errors[field])


def test_a_repeated_quote_is_refused_with_the_offsets_to_choose_from():
    with pytest.raises(ValidationFailed) as refused:
        anchor_quote(TWICE, "fell")
    [message] = refused.value.errors["quote"]
    assert "0, 11" in message


def test_offsets_that_miss_say_where_the_quote_is():
    with pytest.raises(ValidationFailed) as refused:
        anchor_quote(TWICE, "fell", start=1, end=5)
    [message] = refused.value.errors["quote"]
    assert "0, 11" in message


# --- properties ---------------------------------------------------------------------------


@st.composite
def text_and_slice(draw):
    body = draw(st.text(min_size=1, max_size=200))
    start = draw(st.integers(0, len(body) - 1))
    end = draw(st.integers(start + 1, len(body)))
    return body, start, end


@settings(deadline=None)
@given(text_and_slice())
def test_offsets_of_any_slice_anchor_that_slice(case):
    body, start, end = case
    quote = body[start:end]
    anchor = anchor_quote(body, quote, start=start, end=end)
    assert (anchor.start, anchor.end) == (start, end)
    assert body[anchor.start : anchor.end] == quote
    assert body[:start].endswith(anchor.prefix)
    assert len(anchor.prefix) == min(start, CONTEXT_CHARS)
    assert body[end:].startswith(anchor.suffix)
    assert len(anchor.suffix) == min(len(body) - end, CONTEXT_CHARS)


@settings(deadline=None)
@given(text_and_slice(), st.text(min_size=1, max_size=20))
def test_offsets_that_do_not_hold_the_quote_are_refused(case, quote):
    body, start, end = case
    assume(body[start:end] != quote)
    with pytest.raises(ValidationFailed):
        anchor_quote(body, quote, start=start, end=end)


@settings(deadline=None)
@given(st.text("ab🎉", max_size=12), st.text("ab🎉", min_size=1, max_size=3))
def test_without_offsets_only_a_single_occurrence_is_anchored(body, quote):
    occurrences = [i for i in range(len(body)) if body.startswith(quote, i)]
    if len(occurrences) == 1:
        anchor = anchor_quote(body, quote)
        assert (anchor.start, anchor.end) == (occurrences[0], occurrences[0] + len(quote))
    else:
        with pytest.raises(ValidationFailed) as refused:
            anchor_quote(body, quote)
        assert set(refused.value.errors) == {"quote"}
