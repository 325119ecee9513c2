"""Re-anchoring claims when an article's body changes (claims.anchoring.reanchor): pure, no database.

Offsets are Python string indices (code points). The contract: `exact` only where the quote's own
unchanged words now stand, `fuzzy` only at the place that corresponds to the old one, `orphaned`
(old offsets and quote kept) when there is no such place; for exact and fuzzy,
`new_body[start:end] == quote`.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from claims.anchoring.reanchor import CONTEXT_CHARS, THRESHOLD, Placement, Span, reanchor
from claims.anchoring.textdiff import TextDiff, lcs_pairs, match_tokens


def span(body: str, quote: str, nth: int = 0) -> Span:
    """The claim on the nth occurrence of `quote` in `body`, with its context."""
    at = -1
    for _ in range(nth + 1):
        at = body.index(quote, at + 1)
    end = at + len(quote)
    return Span(at, end, quote, body[max(0, at - CONTEXT_CHARS) : at], body[end : end + CONTEXT_CHARS])


def place(old: str, new: str, quote: str, nth: int = 0) -> Placement:
    [placement] = reanchor(old, new, [span(old, quote, nth)])
    return placement


def assert_valid(new: str, spans: list[Span], placements: list[Placement]) -> None:
    assert len(placements) == len(spans)
    for s, p in zip(spans, placements, strict=True):
        if p.anchor in ("exact", "fuzzy"):
            assert 0 <= p.start < p.end <= len(new)
            assert new[p.start : p.end] == p.quote
        if p.anchor == "exact":
            assert p.quote == s.quote
            assert p.score == 1.0
        elif p.anchor == "fuzzy":
            assert THRESHOLD <= p.score < 1.0
        else:
            assert (p.start, p.end, p.quote) == (s.start, s.end, s.quote)
            assert 0.0 <= p.score < THRESHOLD or p.score == 0.0


CUT = "Unemployment fell by 35% last year. The minister said the figure was final. Prices rose."
KOSOVO = "During a meeting today , the Prime Minister said that he will not agree to independence  and"


# (old body, new body, quote, which occurrence) -> (anchor, new start, new end, new quote)
CASES = [
    pytest.param(
        CUT,
        "Correction: " + CUT,
        "The minister said the figure was final.",
        0,
        ("exact", 48, 87, "The minister said the figure was final."),
        id="edit-before-moves-offsets",
    ),
    pytest.param(
        CUT,
        CUT.replace("Prices rose.", "Prices rose by 2%."),
        "Unemployment fell by 35%",
        0,
        ("exact", 0, 24, "Unemployment fell by 35%"),
        id="edit-after-keeps-offsets",
    ),
    pytest.param(
        "Unemployment decreased by 35% in the last year, the minister said.",
        "Unemployment decreased by 33% in the last year, the minister said.",
        "decreased by 35%",
        0,
        ("fuzzy", 13, 29, "decreased by 33%"),
        id="figure-inside-quote",
    ),
    pytest.param(
        "Unemployment decreased by 35% in the last year, the minister said.",
        "Unemployment decreased by 33% in the last year, the minister said.",
        "35%",
        0,
        ("fuzzy", 26, 29, "33%"),
        id="quote-is-the-figure",
    ),
    pytest.param(
        "Next year the Philippine Satellite Agency will launch its first craft.",
        "Next year the Philippine Space Agency will launch its first craft.",
        "the Philippine Satellite Agency will launch",
        0,
        ("fuzzy", 10, 49, "the Philippine Space Agency will launch"),
        id="name-replaced",
    ),
    pytest.param(
        "A rescue boat flooded with a party of six aboard. All were saved.",
        "A rescue boat capsized with a party of four aboard. All were saved.",
        "flooded with a party of six aboard.",
        0,
        ("fuzzy", 14, 51, "capsized with a party of four aboard."),
        id="two-words-in-a-sentence",
    ),
    pytest.param(
        "It rained on Monday. It rained on Monday and Tuesday.",
        "It rained on Monday and Tuesday.",
        "It rained on Monday",
        1,
        ("exact", 0, 19, "It rained on Monday"),
        id="repeat-first-occurrence-removed",
    ),
    pytest.param(
        "Sales rose 5%. Prices fell. Sales rose 5% in the north.",
        "Prices fell. Sales rose 5% in the north.",
        "Sales rose 5%",
        1,
        ("exact", 13, 26, "Sales rose 5%"),
        id="repeat-first-sentence-cut",
    ),
    pytest.param(
        "Vote: yes. The count ends at noon.",
        "Vote: no. Vote: yes. The count ends at noon.",
        "Vote: yes.",
        0,
        ("exact", 10, 20, "Vote: yes."),
        id="repeat-inserted-before",
    ),
    pytest.param(
        CUT,
        CUT.replace(" The minister said the figure was final.", ""),
        "The minister said the figure was final.",
        0,
        ("orphaned", 36, 75, "The minister said the figure was final."),
        id="sentence-deleted",
    ),
    pytest.param(
        CUT,
        CUT.replace(
            "The minister said the figure was final.", "Officials have since withdrawn every estimate."
        ),
        "The minister said the figure was final.",
        0,
        ("orphaned", 36, 75, "The minister said the figure was final."),
        id="sentence-rewritten-beyond-recognition",
    ),
    pytest.param(
        KOSOVO,
        KOSOVO.replace("today , the", "today, the"),
        "today , the Prime Minister",
        0,
        ("fuzzy", 17, 42, "today, the Prime Minister"),
        id="spacing-inside-quote",
    ),
    pytest.param(
        KOSOVO,
        KOSOVO.replace("today , the", "today, the"),
        "the Prime Minister said",
        0,
        ("exact", 24, 47, "the Prime Minister said"),
        id="spacing-before-quote",
    ),
    pytest.param(
        KOSOVO,
        KOSOVO.replace("independence  and", "independence , and"),
        "he will not agree to independence",
        0,
        ("exact", 54, 87, "he will not agree to independence"),
        id="punctuation-after-quote",
    ),
    pytest.param(
        KOSOVO,
        KOSOVO.replace("today", "on Saturday"),
        "meeting today , the Prime",
        0,
        ("fuzzy", 9, 40, "meeting on Saturday , the Prime"),
        id="word-replaced-by-two",
    ),
    pytest.param(
        "São Paulo\u2019s mayor said: “We will build 40 schools.” 🎉 The plan is funded.",
        "🗳️ São Paulo\u2019s mayor said: “We will build 40 schools.” 🎉 The plan is funded.",
        "“We will build 40 schools.”",
        0,
        ("exact", 27, 54, "“We will build 40 schools.”"),  # 🗳️ is two code points
        id="emoji-inserted-before-curly-quotes",
    ),
    pytest.param(
        "São Paulo\u2019s mayor said: “We will build 40 schools.” 🎉 The plan is funded.",
        "São Paulo\u2019s mayor said: “We will build 45 schools.” 🎉 The plan is funded.",
        "“We will build 40 schools.”",
        0,
        ("fuzzy", 24, 51, "“We will build 45 schools.”"),
        id="figure-in-curly-quotes",
    ),
    pytest.param(
        "Crème brûlée sales fell 🎂 by a third, said Zoë Ñúñez.",
        "Crème brûlée sales fell 🎂🎂 by a third, said Zoë Ñúñez.",
        "said Zoë Ñúñez",
        0,
        ("exact", 39, 53, "said Zoë Ñúñez"),
        id="accents-and-emoji",
    ),
    pytest.param(
        "Crème brûlée sales fell 🎂 by a third, said Zoë Ñúñez.",
        "Crème brûlée sales fell 🎂🍰 by a third, said Zoë Ñúñez.",
        "sales fell 🎂 by a third",
        0,
        ("fuzzy", 13, 37, "sales fell 🎂🍰 by a third"),
        id="emoji-inside-quote",
    ),
    pytest.param(
        "Turnout was 64%. Counting ends tonight.",
        "UPDATED: Turnout was 64%. Counting ends tonight.",
        "Turnout was 64%.",
        0,
        ("exact", 9, 25, "Turnout was 64%."),
        id="insertion-at-very-start",
    ),
    pytest.param(
        "Turnout was 64%. Counting ends tonight.",
        "Turnout was 64%.",
        "Turnout was 64%.",
        0,
        ("exact", 0, 16, "Turnout was 64%."),
        id="deletion-at-very-end",
    ),
    pytest.param(
        "Turnout was 64%. Counting ends tonight.",
        "Turnout was 64%. Counting ends tomorrow.",
        "Counting ends tonight.",
        0,
        ("fuzzy", 17, 40, "Counting ends tomorrow."),
        id="edit-at-very-end-inside-quote",
    ),
    pytest.param(
        "Turnout was 64%.",
        "Turnout was 64%.",
        "Turnout was 64%.",
        0,
        ("exact", 0, 16, "Turnout was 64%."),
        id="whole-body-unchanged",
    ),
    pytest.param(
        "Turnout was 64% in the capital.",
        "Turnout was 61% in the capital.",
        "Turnout was 64% in the capital.",
        0,
        ("fuzzy", 0, 31, "Turnout was 61% in the capital."),
        id="whole-body-edited",
    ),
    pytest.param(
        "Turnout was 64% in the capital.",
        "Polls close at eight tonight.",
        "Turnout was 64% in the capital.",
        0,
        ("orphaned", 0, 31, "Turnout was 64% in the capital."),
        id="whole-body-replaced",
    ),
    pytest.param(
        "He said: cuts hurt. The cuts, he said, would end in May. Cuts hurt, he said.",
        "He said: cuts hurt. The cuts, he said, would end in June. Cuts hurt, he said.",
        "he said",
        1,
        ("exact", 69, 76, "he said"),  # was 68: "May" -> "June"
        id="repeated-words-after-edit-follow-their-place",
    ),
]


@pytest.mark.parametrize(("old", "new", "quote", "nth", "expected"), CASES)
def test_reanchor_table(
    old: str, new: str, quote: str, nth: int, expected: tuple[str, int, int, str]
) -> None:
    s = span(old, quote, nth)
    [p] = reanchor(old, new, [s])
    assert (p.anchor, p.start, p.end, p.quote) == expected
    assert_valid(new, [s], [p])


def test_the_first_of_two_equal_sentences_is_the_one_deleted() -> None:
    old = "It rained on Monday. It rained on Monday and Tuesday."
    new = "It rained on Monday and Tuesday."
    first, second = reanchor(
        old, new, [span(old, "It rained on Monday", 0), span(old, "It rained on Monday", 1)]
    )
    assert first.anchor == "orphaned"
    assert (second.anchor, second.start) == ("exact", 0)


def test_fuzzy_scores_say_how_much_changed() -> None:
    old = "Unemployment decreased by 35% in the last year, the minister said."
    one_figure = place(old, old.replace("35%", "33%"), "Unemployment decreased by 35% in the last year")
    verb_and_figure = place(
        old, old.replace("decreased by 35%", "fell by 33%"), "Unemployment decreased by 35% in the last year"
    )
    assert one_figure.anchor == verb_and_figure.anchor == "fuzzy"
    assert one_figure.quote == "Unemployment decreased by 33% in the last year"
    assert verb_and_figure.quote == "Unemployment fell by 33% in the last year"
    assert 0.9 < one_figure.score < 1.0
    assert THRESHOLD <= verb_and_figure.score < one_figure.score


def test_an_orphan_reports_the_score_it_was_refused_with() -> None:
    old = "First. The committee approved the budget on Tuesday. Last."
    new = "First. The board rejected every proposal it saw. Last."
    p = place(old, new, "The committee approved the budget on Tuesday.")
    assert p.anchor == "orphaned"
    assert 0.0 < p.score < THRESHOLD
    assert (p.start, p.end) == (7, 52)


def test_threshold_is_the_callers_to_set() -> None:
    old = "First. The committee approved the budget on Tuesday. Last."
    new = "First. The board approved a smaller budget on Friday. Last."
    s = span(old, "The committee approved the budget on Tuesday.")
    [strict] = reanchor(old, new, [s], threshold=0.99)
    [lenient] = reanchor(old, new, [s], threshold=0.1)
    assert strict.anchor == "orphaned"
    assert lenient.anchor == "fuzzy"
    assert lenient.quote == "The board approved a smaller budget on Friday."
    assert strict.score == lenient.score


def test_a_paragraph_added_beside_a_quote_is_not_taken_in() -> None:
    old = "Intro.\n\nThe videos will be available soon.\n\nContact us."
    new = "Intro.\n\nThe videos are available:\n\nan introduction\n\nthe outlook in action\n\nContact us."
    p = place(old, new, "The videos will be available soon.")
    assert (p.anchor, p.quote) == ("fuzzy", "The videos are available:")


def test_a_quote_whose_ends_went_to_different_paragraphs_is_orphaned() -> None:
    old = "Intro.\n\nAlpha beta gamma delta epsilon.\n\nOutro."
    new = "Intro.\n\nAlpha beta\n\nA wholly new paragraph here.\n\ngamma delta epsilon.\n\nOutro."
    assert place(old, new, "Alpha beta gamma delta epsilon.").anchor == "orphaned"


def test_a_paragraph_break_inside_a_quote_keeps_it() -> None:
    old = "He said, “We will grow.” Then he left."
    new = "He said\n\n“We will grow.” Then he left."
    p = place(old, new, "He said, “We will grow.”")
    assert (p.anchor, p.quote) == ("fuzzy", "He said\n\n“We will grow.”")


def test_punctuation_stays_with_its_word() -> None:
    """The colon of "form:" is not taken for the one in a link added after it."""
    old = "Fill in the form:\n\nlink text\n\nOne entry each."
    new = "Fill in the form: https://forms.example/r/x\n\nOne entry each."
    p = place(old, new, "Fill in the form:")
    assert (p.anchor, p.start, p.end) == ("exact", 0, 17)


def test_a_full_stop_moved_inside_the_quote_marks_before_an_added_paragraph() -> None:
    old = "He said \u201cwe will export more\u201d.\n\nThe end."
    new = (
        "He said \u201cwe will export more.\u201d\n\nFurther information\n\n"
        "Email: press@example.org.\n\nThe end."
    )
    p = place(old, new, "He said \u201cwe will export more\u201d.")
    assert (p.anchor, p.quote) == ("fuzzy", "He said \u201cwe will export more.\u201d")


def test_a_word_glued_to_the_quote_changes_it() -> None:
    """An edit touching the quote's word without a space between is an edit of the word: 5% -> 15%."""
    old = "Inflation was 5% in May."
    p = place(old, "Inflation was 15% in May.", "5%")
    assert (p.anchor, p.quote) == ("fuzzy", "15%")


def test_many_spans_in_order_and_one_diff_for_all() -> None:
    old = "One two three. Four five six. Seven eight nine. Ten eleven twelve."
    new = "Zero. One two three. Four five SIX. Ten eleven twelve."
    spans = [
        span(old, "Ten eleven"),
        span(old, "Seven eight nine."),
        span(old, "One two"),
        span(old, "five six"),
    ]
    placements = reanchor(old, new, spans)
    assert [(p.anchor, p.quote) for p in placements] == [
        ("exact", "Ten eleven"),
        ("orphaned", "Seven eight nine."),
        ("exact", "One two"),
        ("fuzzy", "five SIX"),
    ]
    assert_valid(new, spans, placements)
    # Placing them one at a time gives the same answers.
    assert [reanchor(old, new, [s])[0] for s in spans] == placements


def test_spans_that_do_not_hold_their_quote() -> None:
    """Stale offsets are mended only where the old body leaves no doubt (like anchor_quote without
    offsets): the one occurrence with the span's context, or the quote's only occurrence."""
    old = "The cat sat. The dog sat. The cat ran."
    new = "Today the cat sat. The dog sat. The cat ran."
    by_context = Span(0, 7, "The dog", prefix="The cat sat. ", suffix=" sat. The cat ran.")
    only_one = Span(90, 97, "The dog")
    placements = reanchor(old, new, [by_context, only_one])
    assert [(p.anchor, p.start, p.quote) for p in placements] == [("exact", 19, "The dog")] * 2

    twice = Span(0, 3, "cat")  # wrong offsets, two occurrences, no context to choose
    wrong_context = Span(20, 27, "The cat", prefix="x", suffix="y")  # stale, and no occurrence fits
    empty = Span(4, 4, "")
    absent = Span(0, 5, "horse")
    spans = [twice, wrong_context, empty, absent]
    for p, s in zip(reanchor(old, new, spans), spans, strict=True):
        assert (p.anchor, p.start, p.end, p.quote, p.score) == ("orphaned", s.start, s.end, s.quote, 0.0)


def test_unchanged_body_keeps_everything_and_empty_new_body_orphans_everything() -> None:
    old = "Alpha beta. Gamma."
    spans = [span(old, "beta"), span(old, "Gamma.")]
    assert [(p.anchor, p.start, p.end) for p in reanchor(old, old, spans)] == [
        ("exact", 6, 10),
        ("exact", 12, 18),
    ]
    assert [p.anchor for p in reanchor(old, "", spans)] == ["orphaned", "orphaned"]
    assert reanchor(old, "Anything.", []) == []


def test_context_chars_match_the_anchoring_of_new_quotes() -> None:
    # The prefix/suffix the claims store are cut by claims.anchoring.quotes at the same width.
    from claims.anchoring import quotes

    assert CONTEXT_CHARS == quotes.CONTEXT_CHARS


# --- the diff underneath ----------------------------------------------------------------------------


def test_diff_segments_cover_both_texts() -> None:
    old = "Unemployment  decreased by 35%, today , said Ms Lee."
    new = "Unemployment decreased by 33% today, said Ms Lee (corrected)."
    d = TextDiff(old, new)
    assert d.old_starts[0] == d.new_starts[0] == 0
    assert d.old_ends[-1] == len(old)
    assert d.new_ends[-1] == len(new)
    for k in range(len(d.equal)):
        if k:
            assert d.old_starts[k] == d.old_ends[k - 1]
            assert d.new_starts[k] == d.new_ends[k - 1]
        if d.equal[k]:
            assert old[d.old_starts[k] : d.old_ends[k]] == new[d.new_starts[k] : d.new_ends[k]]
    changes = [
        (old[d.old_starts[k] : d.old_ends[k]], new[d.new_starts[k] : d.new_ends[k]])
        for k in range(len(d.equal))
        if not d.equal[k]
    ]
    assert changes == [(" ", ""), ("35", "33"), (",", ""), (" ", ""), ("", " (corrected)")]


@given(st.lists(st.sampled_from("abcd"), max_size=14), st.lists(st.sampled_from("abcd"), max_size=14))
@settings(max_examples=200, deadline=None, database=None)
def test_lcs_pairs_is_a_longest_common_subsequence(a: list[str], b: list[str]) -> None:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a)):
        for j in range(len(b)):
            table[i + 1][j + 1] = table[i][j] + 1 if a[i] == b[j] else max(table[i][j + 1], table[i + 1][j])
    for pairs in (lcs_pairs(a, b), match_tokens(a, b)):
        assert all(a[i] == b[j] for i, j in pairs)
        for p, q in itertools.pairwise(pairs):
            assert p[0] < q[0]
            assert p[1] < q[1]
    assert len(lcs_pairs(a, b)) == table[-1][-1]


# --- properties --------------------------------------------------------------------------------------

LETTERS = "abcdefghijklmnopqrstuvwxyzéøßñ"
SEPARATORS = [" ", " ", " ", ", ", ". ", " — ", "\n\n", "  ", " ; "]


@st.composite
def distinct_words(draw: st.DrawFn, count: int) -> list[str]:
    """`count` different words: random stems, made distinct by a suffix, some capitalised, some
    numbers, some emoji."""
    words: list[str] = []
    for k in range(count):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            words.append(f"{draw(st.integers(1, 999))}{k}%")
        elif kind == 1:
            words.append("🎉" * (k % 3 + 1) + f"x{k}")
        else:
            stem = draw(st.text(LETTERS, min_size=1, max_size=6))
            word = f"{stem}{LETTERS[k % 26]}{k}"
            words.append(word.capitalize() if kind == 2 else word)
    return words


@st.composite
def edits_outside_quotes(draw: st.DrawFn) -> tuple[str, str, list[Span], list[tuple[int, int]]]:
    """A body of distinct words, quotes on some runs of them, and edits that touch no quoted word:
    words inserted, deleted or replaced, separators changed, all outside the quotes. Returns the
    old body, the new body, the spans and where each quote must now stand."""
    n = draw(st.integers(4, 40))
    words = draw(distinct_words(n))
    seps = [draw(st.sampled_from(SEPARATORS)) for _ in range(n - 1)]
    quoted: list[tuple[int, int]] = []  # word ranges [i, j], disjoint, with a word or more between
    i = draw(st.integers(0, 2))
    while i < n:
        j = min(n - 1, i + draw(st.integers(0, 4)))
        quoted.append((i, j))
        i = j + 2 + draw(st.integers(0, 4))
    inside = {k for i, j in quoted for k in range(i, j + 1)}
    fresh = iter(f"NEW{k}Q" for k in range(10_000))

    # Build both bodies piece by piece, remembering where each quote starts and ends in each.
    old_parts: list[str] = []
    new_parts: list[str] = []
    old_at: dict[tuple[int, str], int] = {}
    new_at: dict[tuple[int, str], int] = {}

    def emit(old_piece: str, new_piece: str) -> None:
        old_parts.append(old_piece)
        new_parts.append(new_piece)

    def length(parts: list[str]) -> int:
        return sum(map(len, parts))

    for k in range(n):
        if k in inside or not draw(st.booleans()):
            old_word = new_word = words[k]
        else:  # an edit of this word: deleted, replaced, or more words around it
            action = draw(st.sampled_from(["delete", "replace", "insert"]))
            old_word = words[k]
            if action == "delete":
                new_word = ""
            elif action == "replace":
                new_word = next(fresh)
            else:
                new_word = f"{next(fresh)} {words[k]} {next(fresh)}"
        old_at[(k, "start")] = length(old_parts)
        new_at[(k, "start")] = length(new_parts)
        emit(old_word, new_word)
        old_at[(k, "end")] = length(old_parts)
        new_at[(k, "end")] = length(new_parts)
        if k < n - 1:
            sep = seps[k]
            in_quote = k in inside and k + 1 in inside
            new_sep = (
                sep if in_quote else draw(st.sampled_from([sep, sep, " ", ", ", "\n\n", f" {next(fresh)} "]))
            )
            if not new_word and not in_quote:
                new_sep = " " if new_parts and new_parts[-1] == "" else new_sep
            emit(sep, new_sep)
    old, new = "".join(old_parts), "".join(new_parts)
    spans: list[Span] = []
    expected: list[tuple[int, int]] = []
    for i, j in quoted:
        s, e = old_at[(i, "start")], old_at[(j, "end")]
        spans.append(Span(s, e, old[s:e], old[max(0, s - 32) : s], old[e : e + 32]))
        expected.append((new_at[(i, "start")], new_at[(j, "end")]))
    return old, new, spans, expected


@given(edits_outside_quotes())
@settings(max_examples=200, deadline=None, database=None)
def test_edits_outside_quotes_keep_them_exact_where_their_words_went(
    case: tuple[str, str, list[Span], list[tuple[int, int]]],
) -> None:
    old, new, spans, expected = case
    placements = reanchor(old, new, spans)
    assert_valid(new, spans, placements)
    for s, p, (start, end) in zip(spans, placements, expected, strict=True):
        assert new[start:end] == s.quote  # the generator's own bookkeeping
        assert (p.anchor, p.start, p.end) == ("exact", start, end), (old, new, s)


TEXT = st.text(st.sampled_from([*"ab cd.,\n", "é", "🎉", "\u2019"]), max_size=60)


@st.composite
def any_edit(draw: st.DrawFn) -> tuple[str, str, list[Span]]:
    """A body of few different characters (so repeats abound), spans anywhere in it (mid-word,
    on spaces, overlapping), and the body edited anywhere: insertions, deletions, replacements."""
    old = draw(st.text(st.sampled_from([*"ab cd.,\n", "é", "🎉"]), min_size=1, max_size=80))
    new = old
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(new)))
        j = draw(st.integers(i, min(len(new), i + 12)))
        new = new[:i] + draw(TEXT) + new[j:]
    spans = []
    for _ in range(draw(st.integers(1, 8))):
        s = draw(st.integers(0, len(old) - 1))
        e = draw(st.integers(s + 1, len(old)))
        spans.append(Span(s, e, old[s:e], old[max(0, s - 32) : s], old[e : e + 32]))
    return old, new, spans


@given(any_edit())
@settings(max_examples=200, deadline=None, database=None)
def test_any_edit_places_only_what_stands_there(case: tuple[str, str, list[Span]]) -> None:
    old, new, spans = case
    placements = reanchor(old, new, spans)
    assert_valid(new, spans, placements)


@given(any_edit())
@settings(max_examples=100, deadline=None, database=None)
def test_an_untouched_body_keeps_every_claim_exact(case: tuple[str, str, list[Span]]) -> None:
    old, _, spans = case
    assume(spans)
    assert all(
        (p.anchor, p.start, p.end) == ("exact", s.start, s.end)
        for s, p in zip(spans, reanchor(old, old, spans), strict=True)
    )
