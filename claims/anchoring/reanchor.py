"""Re-anchoring claims when an article's body changes: pure functions of strings, no database.

`reanchor(old_body, new_body, spans)` diffs the two bodies once (`claims.anchoring.textdiff`: a
word-level alignment read as a map of character offsets) and places every span in the new body:

- `exact`: every character of the quote lies in text the edit left alone, and the new body holds
  the very same quote where those characters went. Offsets move; quote and score (1.0) do not.
  When the quote's words occur more than once, the diff decides which occurrence is its own.
- `fuzzy`: the edit touched the quote (a word, a figure, only the spacing), and its place is still
  there: each end of the quote follows the diff (an end the edit left alone maps exactly; an end
  inside a change goes to the edge of the new text there, or as far into it as shares the quote's
  words), and the placement scores at least `threshold`. Quote and offsets become the new text
  there; the score says how sure.
- `orphaned`: the quote was deleted, what stands in its place scores below `threshold` (rewritten
  beyond recognition), or its two ends went to different paragraphs. The placement keeps the old
  offsets and quote; the score is the rejected one (0.0 when there was nothing to score).

The score: 3/4 the similarity of the old quote and the new text (Dice over characters, counting
as shared the characters the diff maps from one to the other, plus the common head and tail of a
word or figure replaced by another: 35 -> 33, officialy -> officially), 1/4 the similarity of
their contexts (32 characters either side, as stored with a claim). See docs/ANCHORING.md.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from claims.anchoring.textdiff import TextDiff, Tokens

# Characters of context kept either side of a quote (the same as claims.anchoring.quotes).
CONTEXT_CHARS = 32

# A touched quote is placed (fuzzy) when its score is at least this; docs/ANCHORING.md says why 0.5.
THRESHOLD = 0.5

_ONE_TOKEN = re.compile(r"\w+|[^\w\s]")

Anchor = Literal["exact", "fuzzy", "orphaned"]


@dataclass(frozen=True)
class Span:
    """A claim as it stood in the old body: `old_body[start:end] == quote`, with its context."""

    start: int
    end: int
    quote: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Placement:
    """Where a claim stands in the new body.

    For `exact` and `fuzzy`, `new_body[start:end] == quote`; for `orphaned`, start, end and quote
    are the old ones."""

    anchor: Anchor
    start: int
    end: int
    quote: str
    score: float


def reanchor(
    old_body: str, new_body: str, spans: Sequence[Span], *, threshold: float = THRESHOLD
) -> list[Placement]:
    """One placement per span, in order, from one diff of `old_body` against `new_body`.

    `threshold` is the least similarity at which a touched quote is placed rather than orphaned."""
    diff = None if old_body == new_body else TextDiff(old_body, new_body)
    placements: list[Placement] = []
    for span in spans:
        where = _locate(old_body, span)
        if where is None:
            placements.append(_orphaned(span, 0.0))
        elif diff is None:
            start, end = where
            placements.append(Placement("exact", start, end, span.quote, 1.0))
        else:
            placements.append(_place(diff, span, *where, threshold))
    return placements


def _orphaned(span: Span, score: float) -> Placement:
    return Placement("orphaned", span.start, span.end, span.quote, score)


def _locate(body: str, span: Span) -> tuple[int, int] | None:
    """Where the span stands in the old body: at its offsets if they hold its quote; else at the one
    occurrence of the quote with the span's prefix before it and suffix after it; else nowhere."""
    quote = span.quote
    if not quote:
        return None
    if span.start >= 0 and span.end == span.start + len(quote) and body[span.start : span.end] == quote:
        return span.start, span.end
    found: list[int] = []
    at = body.find(quote)
    while at != -1 and len(found) < 2:
        if body[max(0, at - len(span.prefix)) : at] == span.prefix and body.startswith(
            span.suffix, at + len(quote)
        ):
            found.append(at)
        at = body.find(quote, at + 1)
    if len(found) != 1:
        return None
    return found[0], found[0] + len(quote)


def _place(diff: TextDiff, span: Span, start: int, end: int, threshold: float) -> Placement:
    old, new = diff.old, diff.new
    quote = old[start:end]
    first, last = diff.segment_of(start), diff.segment_of(end - 1)
    if diff.equal[first] and diff.equal[last]:
        new_start = diff.new_starts[first] + start - diff.old_starts[first]
        new_end = diff.new_starts[last] + end - diff.old_starts[last]
        if _unchanged(diff, start, end, new_start, new_end):
            return Placement("exact", new_start, new_end, quote, 1.0)
    elif first == last and (start > diff.old_starts[first] or end < diff.old_ends[first]):
        # Wholly inside one change, not all of it: nothing of the quote is left to follow; take the
        # same stretch of the new text, in proportion, and let the score (low) say so.
        new_start, new_end = _in_proportion(diff, first, start, end)
    else:
        new_start = _map_start(diff, first, start, end)
        new_end = _map_end(diff, last, start, end)
    # The edit touched the quote: trim what it left at the ends that the quote did not have.
    if not quote[0].isspace():
        while new_start < new_end and new[new_start].isspace():
            new_start += 1
    if not quote[-1].isspace():
        while new_end > new_start and new[new_end - 1].isspace():
            new_end -= 1
    if new_end <= new_start:
        return _orphaned(span, 0.0)  # all of it was deleted
    if new.count("\n", new_start, new_end) > quote.count("\n"):
        kept = _without_new_lines(diff, start, end, new_start, new_end)
        if kept is None:
            return _orphaned(span, 0.0)  # its ends went to different paragraphs: no one place
        new_start, new_end = kept
    if _unchanged(diff, start, end, new_start, new_end):
        return Placement("exact", new_start, new_end, quote, 1.0)
    score = _score(diff, start, end, new_start, new_end)
    if score < threshold:
        return _orphaned(span, score)
    return Placement("fuzzy", new_start, new_end, new[new_start:new_end], score)


def _unchanged(diff: TextDiff, start: int, end: int, new_start: int, new_end: int) -> bool:
    """Whether new[new_start:new_end] is old[start:end] itself: the same characters, every one of
    them one the diff carries over from the quote (not the same words met elsewhere)."""
    return (
        new_end - new_start == end - start
        and diff.new[new_start:new_end] == diff.old[start:end]
        and _shared(diff, start, end, new_start, new_end) == end - start
    )


def _without_new_lines(
    diff: TextDiff, start: int, end: int, new_start: int, new_end: int
) -> tuple[int, int] | None:
    """new[new_start:new_end] less the lines at either end that hold no word of old[start:end]
    (a paragraph the edit added next to the quote); None if such a line stands between two that do
    (the quote's ends went to different paragraphs)."""
    lines: list[tuple[int, int, bool]] = []  # each non-blank line: start, end, shares any of the quote
    at = new_start
    while at < new_end:
        line_end = diff.new.find("\n", at, new_end)
        line_end = new_end if line_end == -1 else line_end
        if diff.new[at:line_end].strip():
            lines.append((at, line_end, _shared(diff, start, end, at, line_end, words_only=True) > 0))
        at = line_end + 1
    shared = [k for k, line in enumerate(lines) if line[2]]
    if not shared or len(shared) != shared[-1] - shared[0] + 1:
        return None
    low = max(new_start, lines[shared[0]][0]) if shared[0] else new_start
    high = min(new_end, lines[shared[-1]][1]) if shared[-1] < len(lines) - 1 else new_end
    while low < high and diff.new[low].isspace():
        low += 1
    while high > low and diff.new[high - 1].isspace():
        high -= 1
    return (low, high) if high > low else None


def _map_start(diff: TextDiff, k: int, start: int, end: int) -> int:
    """Where the quote starting at old `start`, in segment k, starts in the new body."""
    o0, o1, n0, n1 = diff.old_starts[k], diff.old_ends[k], diff.new_starts[k], diff.new_ends[k]
    if diff.equal[k]:
        return n0 + start - o0
    if start == o0 or n0 == n1:
        return n0  # the change begins with the quote: all its new text belongs to the quote
    # The quote begins inside a change: it keeps the tail of the new text that best shares the
    # words of its own part of the old text, and none of it if none does.
    wanted = _bag(diff.old_tokens, start, min(o1, end))
    words, starts = diff.new_tokens.words, diff.new_tokens.starts
    first, last = bisect_left(starts, n0), bisect_left(starts, n1)
    size = sum(wanted.values())
    first = max(first, last - 2 * size - 8)  # no further than a quote twice as long would reach
    best, best_dice, shared = n1, 0.0, 0
    for taken, t in enumerate(range(last - 1, first - 1, -1), start=1):
        if wanted.get(words[t], 0) > 0:
            wanted[words[t]] -= 1
            shared += 1
        dice = 2 * shared / (taken + size)
        if dice > best_dice:
            best, best_dice = starts[t], dice
    return best


def _map_end(diff: TextDiff, k: int, start: int, end: int) -> int:
    """Where the quote ending at old `end` (exclusive), in segment k, ends in the new body."""
    o0, o1, n0, n1 = diff.old_starts[k], diff.old_ends[k], diff.new_starts[k], diff.new_ends[k]
    if diff.equal[k]:
        return n0 + end - o0
    if end == o1 or n0 == n1:
        return n1
    wanted = _bag(diff.old_tokens, max(o0, start), end)
    words, starts, ends = diff.new_tokens.words, diff.new_tokens.starts, diff.new_tokens.ends
    first, last = bisect_left(starts, n0), bisect_left(starts, n1)
    size = sum(wanted.values())
    last = min(last, first + 2 * size + 8)
    best, best_dice, shared = n0, 0.0, 0
    for taken, t in enumerate(range(first, last), start=1):
        if wanted.get(words[t], 0) > 0:
            wanted[words[t]] -= 1
            shared += 1
        dice = 2 * shared / (taken + size)
        if dice > best_dice:
            best, best_dice = ends[t], dice
    return best


def _bag(tokens: Tokens, low: int, high: int) -> dict[str, int]:
    """How many times each token occurs among those overlapping [low, high)."""
    bag: dict[str, int] = {}
    for t in range(bisect_right(tokens.ends, low), bisect_left(tokens.starts, high)):
        bag[tokens.words[t]] = bag.get(tokens.words[t], 0) + 1
    return bag


def _in_proportion(diff: TextDiff, k: int, start: int, end: int) -> tuple[int, int]:
    """The stretch of segment k's new text as far into it as old[start:end] is into its old text."""
    o0, o1, n0, n1 = diff.old_starts[k], diff.old_ends[k], diff.new_starts[k], diff.new_ends[k]
    scale = (n1 - n0) / (o1 - o0)
    return round(n0 + (start - o0) * scale), round(n0 + (end - o0) * scale)


def _score(diff: TextDiff, start: int, end: int, new_start: int, new_end: int) -> float:
    """How sure the placement is: 3/4 the similarity of the quotes, 1/4 that of their contexts."""
    old_n, new_n = len(diff.old), len(diff.new)
    shared = _shared(diff, start, end, new_start, new_end) + _near_misses(
        diff, start, end, new_start, new_end
    )
    quote = 2 * shared / ((end - start) + (new_end - new_start))
    before = (max(0, start - CONTEXT_CHARS), start, max(0, new_start - CONTEXT_CHARS), new_start)
    after = (end, min(old_n, end + CONTEXT_CHARS), new_end, min(new_n, new_end + CONTEXT_CHARS))
    size = sum(
        b - a
        for a, b in (
            (before[0], before[1]),
            (before[2], before[3]),
            (after[0], after[1]),
            (after[2], after[3]),
        )
    )
    context = 2 * (_shared(diff, *before) + _shared(diff, *after)) / size if size else 1.0
    # Below 1: a fuzzy placement is never as sure as an exact one.
    return min(0.9999, round(0.75 * quote + 0.25 * context, 4))


def _near_misses(diff: TextDiff, start: int, end: int, new_start: int, new_end: int) -> int:
    """Credit for one word or figure replaced by another inside the quote: the characters they share
    at the start and the end (35 -> 33 shares 1, officialy -> officially 9)."""
    credit = 0
    for k in range(diff.segment_of(start), diff.segment_of(end - 1) + 1):
        o0, o1, n0, n1 = diff.old_starts[k], diff.old_ends[k], diff.new_starts[k], diff.new_ends[k]
        if diff.equal[k] or o0 < start or o1 > end or n0 < new_start or n1 > new_end:
            continue
        a, b = diff.old[o0:o1], diff.new[n0:n1]
        if not (_ONE_TOKEN.fullmatch(a) and _ONE_TOKEN.fullmatch(b)):
            continue
        limit = min(len(a), len(b))
        head = 0
        while head < limit and a[head] == b[head]:
            head += 1
        tail = 0
        while tail < limit - head and a[-1 - tail] == b[-1 - tail]:
            tail += 1
        credit += head + tail
    return credit


def _shared(
    diff: TextDiff, old_low: int, old_high: int, new_low: int, new_high: int, *, words_only: bool = False
) -> int:
    """Characters of old[old_low:old_high] in equal segments whose images lie in new[new_low:new_high]
    (only letters and digits, if `words_only`)."""
    if old_low >= old_high or new_low >= new_high:
        return 0
    shared = 0
    k = diff.segment_of(old_low)
    count = len(diff.equal)
    while k < count and diff.old_starts[k] < old_high:
        if diff.equal[k]:
            o0 = diff.old_starts[k]
            shift = diff.new_starts[k] - o0
            low = max(o0, old_low, new_low - shift)
            high = min(diff.old_ends[k], old_high, new_high - shift)
            if high > low:
                shared += sum(c.isalnum() for c in diff.old[low:high]) if words_only else high - low
        k += 1
    return shared
