"""A word-level diff of two texts, read as a map from old character offsets to new ones.

Pure functions of strings, standard library only. `TextDiff(old, new)` cuts both texts into tokens
(a run of word characters, or one other non-space character: `35%` is `35` and `%`, `£1,526` is
`£`, `1`, `,`, `526`), aligns the tokens, and describes the result as segments over characters: an
*equal* segment holds the same characters in both texts, a *changed* one is what the edit replaced
(either side may be empty). Whitespace takes no part in the alignment, so `today , the` ->
`today, the` changes one gap between tokens and no token.

The alignment (`align`), all of it deterministic:
1. Words first (every token but punctuation; figures, % and £, emoji count as words), by
   `match_tokens`: common words at both ends are matched; in what remains, words that occur exactly
   once on each side *and* sit in a run of at least two matching words anchor it (the longest chain
   of them in order on both sides: a patience diff), and the stretches between anchors are aligned
   the same way, recursively; a stretch without such an anchor is aligned by a longest common
   subsequence (`lcs_pairs`, bit-parallel). Unique words keep a repeated line ("Register here")
   from pairing with the wrong item; requiring a run keeps a lone shared word ("and", "said") from
   overruling a longer phrase that is not unique.
2. Punctuation written against an aligned word, the same on both sides, goes with it; then every
   stretch still between aligned tokens is aligned, punctuation and all, by `match_tokens`.
3. A replacement whose longer side holds the token that the next equal run starts with (or the
   previous one ends with) matches it there instead (`_split_replacements`): in "six. Seven eight
   nine. Ten" -> "SIX. Ten", six -> SIX and a sentence deleted, not one long replacement.
4. Where a pure insertion or deletion could stand at several places (deleting the first of two
   equal sentences reads the same as deleting the second), it is slid to the place whose edges
   fall best: text edges, paragraph breaks, line breaks, sentence ends, spaces, closing or opening
   punctuation, in that order, and the leftmost on a tie (`_slide`).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

TOKEN = re.compile(r"\w+|[^\w\s]")

# A token anchors the alignment only if it sits in a run of at least this many matching tokens.
_ANCHOR_RUN = 2

# The largest stretch (old tokens times new tokens) aligned by a longest common subsequence.
_LCS_CELLS = 25_000_000

_SENTENCE_END = frozenset(".!?")
_CLOSING = frozenset(".,;:!?)]}\u2019\u201d\"'\u00bb")  # closing quotes and brackets too
_OPENING = frozenset("([{\u2018\u201c\u00ab")


@dataclass(frozen=True)
class Tokens:
    """The tokens of `text`: their strings, and where each starts and ends (code points)."""

    text: str
    words: list[str]
    starts: list[int]
    ends: list[int]


def tokenize(text: str) -> Tokens:
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for match in TOKEN.finditer(text):
        words.append(match.group())
        starts.append(match.start())
        ends.append(match.end())
    return Tokens(text, words, starts, ends)


def align(ta: Tokens, tb: Tokens) -> list[tuple[int, int]]:
    """Pairs (i, j) with a[i] == b[j], increasing in both: words first, then punctuation.

    The words (every token but punctuation: figures, symbols like % and £, emoji count as words)
    are aligned by `match_tokens`. Punctuation written against an aligned word (no space between)
    then goes with it, while it is the same on both sides: the colon of "correspondiente:" stays
    with that word and is not matched with the one in a link added after it. Last, each stretch
    still between two aligned tokens is aligned, all its tokens, by `match_tokens`. So a comma or
    a full stop never outweighs a word: in "x1, Ac2" -> "Ac2," the word Ac2 is kept and the comma
    is what changed."""
    a, b = ta.words, tb.words
    words_a = [i for i, token in enumerate(a) if not _is_punctuation(token)]
    words_b = [j for j, token in enumerate(b) if not _is_punctuation(token)]
    matched = [
        (words_a[i], words_b[j]) for i, j in match_tokens([a[i] for i in words_a], [b[j] for j in words_b])
    ]
    anchored: list[tuple[int, int]] = []
    i0 = j0 = 0  # the first tokens after the last pair
    for k, (i, j) in enumerate(matched):
        before: list[tuple[int, int]] = []  # punctuation glued before the word, right to left
        p, q = i - 1, j - 1
        while p >= i0 and q >= j0 and _glued(ta, p + 1) and _glued(tb, q + 1) and a[p] == b[q]:
            before.append((p, q))
            p, q = p - 1, q - 1
        anchored.extend(reversed(before))
        anchored.append((i, j))
        i1, j1 = matched[k + 1] if k + 1 < len(matched) else (len(a), len(b))
        p, q = i + 1, j + 1
        while p < i1 and q < j1 and _glued(ta, p) and _glued(tb, q) and a[p] == b[q]:
            anchored.append((p, q))
            p, q = p + 1, q + 1
        i0, j0 = p, q
    pairs: list[tuple[int, int]] = []
    i0 = j0 = 0
    for i, j in [*anchored, (len(a), len(b))]:
        if i > i0 and j > j0:
            pairs.extend((i0 + p, j0 + q) for p, q in match_tokens(a[i0:i], b[j0:j]))
        if i < len(a):
            pairs.append((i, j))
        i0, j0 = i + 1, j + 1
    return pairs


def _glued(tokens: Tokens, t: int) -> bool:
    """Whether token t follows token t - 1 with no space between."""
    return 0 < t < len(tokens.words) and tokens.ends[t - 1] == tokens.starts[t]


def _is_punctuation(token: str) -> bool:
    return len(token) == 1 and unicodedata.category(token).startswith("P")


def match_tokens(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs (i, j) with a[i] == b[j], increasing in both: the alignment of a and b.

    Patience first: tokens that occur once in each range and sit in a run of at least
    `_ANCHOR_RUN` matching tokens anchor the alignment (the longest chain of them in order in both),
    and the ranges between anchors are aligned the same way; a range with no such anchor is
    aligned by a longest common subsequence."""
    pairs: list[tuple[int, int]] = []
    # Work items: a range (alo, ahi, blo, bhi) to align, or a pair (i, j) to emit, in text order.
    stack: list[tuple[int, ...]] = [(0, len(a), 0, len(b))]
    while stack:
        item = stack.pop()
        if len(item) == 2:
            pairs.append((item[0], item[1]))
            continue
        alo, ahi, blo, bhi = item
        head = _common_head(a, b, alo, ahi, blo, bhi)
        pairs.extend(zip(range(alo, alo + head), range(blo, blo + head), strict=True))
        alo += head
        blo += head
        tail = _common_tail(a, b, alo, ahi, blo, bhi)
        # Emitted after the middle: pushed last first, so that they pop in order.
        stack.extend(zip(range(ahi - 1, ahi - tail - 1, -1), range(bhi - 1, bhi - tail - 1, -1), strict=True))
        ahi -= tail
        bhi -= tail
        if alo == ahi or blo == bhi:
            continue
        anchors = _unique_anchors(a, b, alo, ahi, blo, bhi)
        if anchors:
            items: list[tuple[int, ...]] = []
            i0, j0 = alo, blo
            for i, j in anchors:
                items.append((i0, i, j0, j))
                items.append((i, j))
                i0, j0 = i + 1, j + 1
            items.append((i0, ahi, j0, bhi))
            stack.extend(reversed(items))
        else:
            pairs.extend((alo + i, blo + j) for i, j in lcs_pairs(a[alo:ahi], b[blo:bhi]))
    return pairs


def _common_head(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int) -> int:
    """How many tokens a[alo:ahi] and b[blo:bhi] share at their start (by bisection on slices)."""
    low, high = 0, min(ahi - alo, bhi - blo) + 1  # a shared head of `low` tokens; not of `high`
    while high - low > 1:
        middle = (low + high) // 2
        if a[alo : alo + middle] == b[blo : blo + middle]:
            low = middle
        else:
            high = middle
    return low


def _common_tail(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int) -> int:
    """How many tokens a[alo:ahi] and b[blo:bhi] share at their end."""
    low, high = 0, min(ahi - alo, bhi - blo) + 1
    while high - low > 1:
        middle = (low + high) // 2
        if a[ahi - middle : ahi] == b[bhi - middle : bhi]:
            low = middle
        else:
            high = middle
    return low


def _unique_anchors(
    a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Tokens once in a[alo:ahi] and once in b[blo:bhi], in a run of at least _ANCHOR_RUN matching
    tokens there, as pairs: the longest chain of them increasing in both."""
    in_a: dict[str, int] = {}
    for i in range(alo, ahi):
        in_a[a[i]] = -1 if a[i] in in_a else i
    in_b: dict[str, int] = {}
    for j in range(blo, bhi):
        in_b[b[j]] = -1 if b[j] in in_b else j
    candidates: list[tuple[int, int]] = []
    run_diagonal, run_start, run_end = 0, 0, -1  # the last run measured: i - j, its first i, the i past it
    for i in range(alo, ahi):
        token = a[i]
        if in_a[token] != i or in_b.get(token, -1) < 0:
            continue
        j = in_b[token]
        if i - j != run_diagonal or i >= run_end:
            first = i
            while first > alo and first - i + j > blo and a[first - 1] == b[first - 1 - i + j]:
                first -= 1
            run_end = i + 1
            while run_end < ahi and run_end - i + j < bhi and a[run_end] == b[run_end - i + j]:
                run_end += 1
            run_diagonal, run_start = i - j, first
        if run_end - run_start >= _ANCHOR_RUN:
            candidates.append((i, j))
    if not candidates:
        return []
    # Longest increasing subsequence of the j's (patience sorting).
    tails: list[int] = []
    tail_at: list[int] = []
    previous = [-1] * len(candidates)
    for k, (_, j) in enumerate(candidates):
        p = bisect_left(tails, j)
        if p == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[p] = j
            tail_at[p] = k
        previous[k] = tail_at[p - 1] if p else -1
    run: list[tuple[int, int]] = []
    k = tail_at[-1]
    while k >= 0:
        run.append(candidates[k])
        k = previous[k]
    run.reverse()
    return run


def lcs_pairs(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs (i, j) with a[i] == b[j], increasing in both, as many as can be: a longest common
    subsequence, by the bit-parallel algorithm of Allison and Dix in Hyyro's form (one big integer
    per token of b, so about len(a) * len(b) / 64 machine-word operations), traced back from the
    end, taking a match wherever there is one. Sides longer than `_LCS_CELLS` allows are left
    unaligned (a rewrite that large holds no place worth finding)."""
    n, m = len(a), len(b)
    if not n or not m or n * m > _LCS_CELLS:
        return []
    # Bit i of rows[j] is 0 where LCS(a[: i + 1], b[:j]) is one more than LCS(a[:i], b[:j]).
    mask = (1 << n) - 1
    where: dict[str, int] = {}
    for i, token in enumerate(a):
        where[token] = where.get(token, 0) | (1 << i)
    row = mask
    rows = [row]
    for token in b:
        hits = row & where.get(token, 0)
        row = ((row + hits) | (row - hits)) & mask
        rows.append(row)
    pairs: list[tuple[int, int]] = []
    i, j = n, m
    while i and j:
        if a[i - 1] == b[j - 1]:
            i -= 1
            j -= 1
            pairs.append((i, j))
        elif (rows[j] >> (i - 1)) & 1:  # LCS(a[: i - 1], b[:j]) == LCS(a[:i], b[:j])
            i -= 1
        else:
            j -= 1
    pairs.reverse()
    return pairs


def _equal_runs(pairs: list[tuple[int, int]]) -> list[list[int]]:
    """The pairs as runs [i1, i2, j1, j2] of consecutive matches."""
    runs: list[list[int]] = []
    for i, j in pairs:
        if runs and runs[-1][1] == i and runs[-1][3] == j:
            runs[-1][1] += 1
            runs[-1][3] += 1
        else:
            runs.append([i, i + 1, j, j + 1])
    return runs


def _split_replacements(runs: list[list[int]], ta: Tokens, tb: Tokens) -> list[list[int]]:
    """Where one side of a replacement is longer and holds the token that the equal run after it
    starts with (or the run before it ends with), match that token inside the replacement instead:
    "six . Seven eight nine" -> "SIX" followed by ". Ten" becomes six -> SIX, ". " kept, "Seven eight
    nine ." deleted (the alignment is as long, the replacement smaller, and the deletion left over
    is then slid into place). A longest common subsequence traced from the end, or common ends
    trimmed first, would otherwise take the far full stop. A token written against the rest of its
    run on both sides ("correspondiente:") stays where it is."""
    a, b = ta.words, tb.words
    out: list[list[int]] = []
    for k, run in enumerate(runs):
        attached = run[1] - run[0] > 1 and _glued(ta, run[0] + 1) and _glued(tb, run[2] + 1)
        if k and out and not attached:
            before = out[-1]
            i0, i1, j0, j1 = before[1], run[0], before[3], run[2]
            if i1 - i0 > 1 and j1 > j0 and i1 - i0 > j1 - j0:  # old side longer: find run's head in it
                p = _find(a, a[run[0]], i0 + 1, i1)
                if p != -1:
                    out.append([p, p + 1, j1, j1 + 1])
                    run = [run[0] + 1, run[1], run[2] + 1, run[3]]
            elif j1 - j0 > 1 and i1 > i0 and j1 - j0 > i1 - i0:  # new side longer
                p = _find(b, b[run[2]], j0 + 1, j1)
                if p != -1:
                    out.append([i1, i1 + 1, p, p + 1])
                    run = [run[0] + 1, run[1], run[2] + 1, run[3]]
        if run[0] < run[1]:
            out.append(run)
    # The same, mirrored: a replacement whose longer side holds the token the run before it ends with.
    result: list[list[int]] = []
    for run in reversed(out):
        attached = run[1] - run[0] > 1 and _glued(ta, run[1] - 1) and _glued(tb, run[3] - 1)
        if result and not attached:
            after = result[-1]
            i0, i1, j0, j1 = run[1], after[0], run[3], after[2]
            if i1 - i0 > 1 and j1 > j0 and i1 - i0 > j1 - j0:
                p = _rfind(a, a[run[1] - 1], i0, i1 - 1)
                if p != -1:
                    result.append([p, p + 1, j0 - 1, j0])
                    run = [run[0], run[1] - 1, run[2], run[3] - 1]
            elif j1 - j0 > 1 and i1 > i0 and j1 - j0 > i1 - i0:
                p = _rfind(b, b[run[3] - 1], j0, j1 - 1)
                if p != -1:
                    result.append([i0 - 1, i0, p, p + 1])
                    run = [run[0], run[1] - 1, run[2], run[3] - 1]
        if run[0] < run[1]:
            result.append(run)
    result.reverse()
    return result


def _find(seq: Sequence[str], token: str, low: int, high: int) -> int:
    for k in range(low, high):
        if seq[k] == token:
            return k
    return -1


def _rfind(seq: Sequence[str], token: str, low: int, high: int) -> int:
    for k in range(high - 1, low - 1, -1):
        if seq[k] == token:
            return k
    return -1


def _boundary_score(tokens: Tokens, t: int) -> int:
    """How good a place for an edit's edge the boundary before token t is (after the last, if t = n)."""
    if t == 0 or t == len(tokens.words):
        return 6
    gap = tokens.text[tokens.ends[t - 1] : tokens.starts[t]]
    if not gap:  # inside a run of non-space: only before closing or after opening punctuation
        return 1 if tokens.words[t] in _CLOSING or tokens.words[t - 1] in _OPENING else 0
    if "\n\n" in gap:
        return 5
    if "\n" in gap:
        return 4
    if tokens.words[t - 1] in _SENTENCE_END and not tokens.words[t][0].islower():
        return 3  # a sentence ends (not "e.g . the": a full stop before a lower-case word)
    return 2


def _slide(runs: list[list[int]], ta: Tokens, tb: Tokens, a: Sequence[str], b: Sequence[str]) -> None:
    """Move each pure insertion or deletion between two equal runs to its best-scoring place.

    Between runs k and k+1 a deletion is old tokens [runs[k][1], runs[k+1][0]) with nothing new,
    an insertion the reverse. Shifting it by d tokens moves the end of run k and the start of run
    k+1 by d on both sides; it may shift while the token leaving one end equals the one joining
    the other."""
    for k in range(len(runs) - 1):
        before, after = runs[k], runs[k + 1]
        deleted = after[0] - before[1]
        inserted = after[2] - before[3]
        if (deleted > 0) == (inserted > 0):
            continue  # a replacement, or nothing between the runs
        if deleted:
            tokens, seq, start, end = ta, a, before[1], after[0]
            low, high = before[0], after[1]
        else:
            tokens, seq, start, end = tb, b, before[3], after[2]
            low, high = before[2], after[3]
        left = 0
        while start - left - 1 >= low and seq[start - left - 1] == seq[end - left - 1]:
            left += 1
        right = 0
        while end + right < high and seq[start + right] == seq[end + right]:
            right += 1
        if not left and not right:
            continue
        best, best_score = 0, -1
        for shift in range(-left, right + 1):
            score = _boundary_score(tokens, start + shift) + _boundary_score(tokens, end + shift)
            if score > best_score:
                best, best_score = shift, score
        before[1] += best
        before[3] += best
        after[0] += best
        after[2] += best


class TextDiff:
    """The diff of `old` and `new` as segments over characters, and the lookups re-anchoring needs.

    Segment k covers old[old_starts[k]:old_ends[k]] and new[new_starts[k]:new_ends[k]]; `equal[k]`
    says the two hold the same characters. Together the segments cover both texts, in order; a
    pure insertion is a segment with an empty old side.
    """

    def __init__(self, old: str, new: str) -> None:
        self.old = old
        self.new = new
        self.old_tokens = tokenize(old)
        self.new_tokens = tokenize(new)
        a, b = self.old_tokens.words, self.new_tokens.words
        runs = _split_replacements(
            _equal_runs(align(self.old_tokens, self.new_tokens)), self.old_tokens, self.new_tokens
        )
        _slide(runs, self.old_tokens, self.new_tokens, a, b)
        self.old_starts: list[int] = []
        self.old_ends: list[int] = []
        self.new_starts: list[int] = []
        self.new_ends: list[int] = []
        self.equal: list[bool] = []
        self._build(runs)
        # Segments with an old side, for finding the one that holds an old character.
        self._lookup = [k for k in range(len(self.equal)) if self.old_ends[k] > self.old_starts[k]]
        self._lookup_starts = [self.old_starts[k] for k in self._lookup]

    def segment_of(self, position: int) -> int:
        """The segment holding old character `position` (0 <= position < len(old))."""
        return self._lookup[bisect_right(self._lookup_starts, position) - 1]

    def _add(self, o0: int, o1: int, n0: int, n1: int, equal: bool) -> None:
        if o0 == o1 and n0 == n1:
            return
        if equal and self.equal and self.equal[-1] and self.old_ends[-1] == o0 and self.new_ends[-1] == n0:
            self.old_ends[-1] = o1
            self.new_ends[-1] = n1
            return
        self.old_starts.append(o0)
        self.old_ends.append(o1)
        self.new_starts.append(n0)
        self.new_ends.append(n1)
        self.equal.append(equal)

    def _build(self, runs: list[list[int]]) -> None:
        old, new = self.old, self.new
        os_, oe, ns, ne = (
            self.old_tokens.starts,
            self.old_tokens.ends,
            self.new_tokens.starts,
            self.new_tokens.ends,
        )
        o_at = n_at = 0  # where the text after the last matched token begins, on each side
        for i1, i2, j1, j2 in runs:
            if i1 == i2:
                continue
            self._gap(o_at, os_[i1], n_at, ns[j1])
            if old[os_[i1] : oe[i2 - 1]] == new[ns[j1] : ne[j2 - 1]]:
                self._add(os_[i1], oe[i2 - 1], ns[j1], ne[j2 - 1], True)
            else:  # the same tokens, but spaced differently somewhere
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                    if i > i1:
                        self._gap(oe[i - 1], os_[i], ne[j - 1], ns[j])
                    self._add(os_[i], oe[i], ns[j], ne[j], True)
            o_at, n_at = oe[i2 - 1], ne[j2 - 1]
        self._gap(o_at, len(old), n_at, len(new))

    def _gap(self, o0: int, o1: int, n0: int, n1: int) -> None:
        """Text between matched tokens: equal if it is the same; else a change, less what both share
        at either end (whole tokens and spaces only, never part of a word)."""
        old, new = self.old, self.new
        if o1 - o0 == n1 - n0 and old[o0:o1] == new[n0:n1]:
            self._add(o0, o1, n0, n1, True)
            return
        head = 0
        limit = min(o1 - o0, n1 - n0)
        while head < limit and old[o0 + head] == new[n0 + head]:
            head += 1
        while head and _splits_word(old, o0 + head, o1) | _splits_word(new, n0 + head, n1):
            head -= 1
        tail = 0
        limit -= head
        while tail < limit and old[o1 - 1 - tail] == new[n1 - 1 - tail]:
            tail += 1
        while tail and _splits_word(old, o1 - tail, o1, low=o0 + head) | _splits_word(
            new, n1 - tail, n1, low=n0 + head
        ):
            tail -= 1
        self._add(o0, o0 + head, n0, n0 + head, True)
        self._add(o0 + head, o1 - tail, n0 + head, n1 - tail, False)
        self._add(o1 - tail, o1, n1 - tail, n1, True)


def _splits_word(text: str, at: int, end: int, low: int = 0) -> bool:
    """Whether a cut at `at` (within text[low:end]) falls inside a run of word characters."""
    return low < at < end and _is_word(text[at - 1]) and _is_word(text[at])


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"
