"""Re-anchoring against real corrections: GOV.UK news pages and Wikinews revisions.

    .venv/bin/python bench/reanchor.py               # the table, examples, every miss, timings
    .venv/bin/python bench/reanchor.py --sweep       # also: the rates at other thresholds
    .venv/bin/python bench/reanchor.py --quiet       # the table and timings only

Reads ../shared/data/edits/ (beside the project root): 441 GOV.UK pairs and 189 Wikinews pairs
(old text, new text). For each pair it claims, in the OLD text, every sentence and six phrases of
3 to 8 words within a paragraph (three that touch the edit, three that do not; seeded by the pair,
so the same every run), re-anchors them all in one `reanchor()` call per pair, checks the
contract's invariants, and judges every placement against an independent judgement.

The judge works on words (whitespace-separated, with a letter or digit: a lone "," is no word),
not on the algorithm's tokens, and uses difflib and longest common subsequences, not its diff:
- kind: from difflib's word alignment. *unchanged*: the quote's words sit in one equal run and the
  new text there is the quote; *deleted*: all its words deleted; *rewritten*: changed, and less
  than half like (difflib ratio < 0.5) the new text in its place; *changed*: the rest.
- place: an exact or fuzzy placement *corresponds* if some word alignment that keeps the most
  words (any longest common subsequence, not difflib's pick among them) takes the word boundaries
  at the quote's two ends to those at the placement's; or, for fuzzy, if its ends fall in the
  stretches difflib says replaced them (runs of fewer than 3 equal words between edits counted as
  part of the edit), or it is moved text (a run of the quote's words, at least two and half of
  them, in words difflib matched to nothing old); or, for exact, if the quote occurs once in each
  text. Anything else is *misplaced*. A placement that is not admitted so but stands by a word
  that stood by the quote and occurs once in each text (a place name in a list of events) is
  *disputed*: listed for a human to look at.
- A negative control makes wrong placements on purpose (the quote exact at another of its
  occurrences, fuzzy one word longer, fuzzy far away) and counts how many the judge flags.
Wikinews's 13 pairs labelled `test` get a line of their own; the threshold was not chosen on them
and `--sweep` leaves them out. Timings: the real pairs, and a synthetic 8,000-character body with
150 claims under three kinds of edit, in CPU and wall-clock milliseconds.
"""

from __future__ import annotations

import argparse
import bisect
import difflib
import json
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.anchoring.reanchor import THRESHOLD, Placement, Span, reanchor  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "edits"
SOURCES = {"govuk": "govuk-news-pairs.jsonl", "wikinews": "wikinews-pairs.jsonl"}
CONTEXT = 32
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
WORD = re.compile(r"\S+")
# A changed quote whose words are less than this similar (difflib ratio) to the text difflib puts in
# its place was rewritten beyond recognition: orphaned is then right, and so is fuzzy in its place.
RECOGNISABLE = 0.5
NEAR = 3  # words either side of a quote that count as standing by it
CHAFF = 3  # equal runs shorter than this, between edits, are part of the edit (for fuzzy ends)


@dataclass(frozen=True)
class Pair:
    source: str
    key: str
    old: str
    new: str
    split: str  # "test" for Wikinews's test pairs; "" where the file has no split


@dataclass(frozen=True)
class Claim:
    kind: str  # "sentence" or "phrase"
    start: int
    end: int


@dataclass
class Verdict:
    pair: Pair
    claim: Claim
    expected: str  # unchanged | changed | deleted
    outcome: str  # ok-exact | ok-fuzzy | ok-orphaned | misplaced | orphaned | fuzzy
    placement: Placement
    note: str = ""


@dataclass
class Tally:
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, verdict: Verdict) -> None:
        self.counts[(verdict.expected, verdict.outcome)] += 1

    def total(self, expected: str) -> int:
        return sum(n for (e, _), n in self.counts.items() if e == expected)

    def misplaced(self) -> int:
        return sum(n for (_, o), n in self.counts.items() if o == "misplaced")

    def disputed(self) -> int:
        return sum(n for (_, o), n in self.counts.items() if o == "disputed")


def load() -> list[Pair]:
    if not DATA.is_dir():
        sys.exit(
            f"bench/reanchor.py: no data at {DATA} (expected ../shared/data/edits/ beside the project "
            "root, with govuk-news-pairs.jsonl and wikinews-pairs.jsonl)"
        )
    pairs: list[Pair] = []
    for source, name in SOURCES.items():
        path = DATA / name
        if not path.is_file():
            sys.exit(f"bench/reanchor.py: missing {path}")
        with path.open(encoding="utf-8") as lines:
            for n, line in enumerate(lines):
                row = json.loads(line)
                key = f"{row['article_id']}@{row.get('commit', n)}"
                pairs.append(Pair(source, key, row["old"], row["new"], row.get("split", "")))
    return pairs


# --- the judge: whitespace words, difflib and longest common subsequences, nothing from the algorithm ---


def lcs_rows(a: list[str], b: list[str]) -> list[int]:
    """Bit-parallel LCS (Hyyro): after row j, bit i of rows[j] is 0 where LCS(a[:i+1], b[:j]) steps up."""
    n = len(a)
    mask = (1 << n) - 1
    where: dict[str, int] = {}
    for i, x in enumerate(a):
        where[x] = where.get(x, 0) | (1 << i)
    v = mask
    rows = [v]
    for y in b:
        u = v & where.get(y, 0)
        v = ((v + u) | (v - u)) & mask
        rows.append(v)
    return rows


def lcs_at(rows: list[int], i: int, j: int) -> int:
    """LCS(a[:i], b[:j]) from lcs_rows(a, b)."""
    return i - (rows[j] & ((1 << i) - 1)).bit_count()


class Judge:
    """Word-level judgement of where an old quote may go, independent of the algorithm.

    Words: whitespace-separated strings with a letter or digit in them (a lone "." or "," is no
    word, so Wikinews's "today , the" and GOV.UK's "today, the" hold the same words but one).
    A placement *corresponds* to the quote if some alignment of the two texts' words that keeps the
    most words (any longest common subsequence, not one diff's pick among them) takes the word
    boundaries at the quote's two ends to those at the placement's. The kind expected (unchanged,
    changed, rewritten, deleted) comes from difflib's alignment of the words."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new
        self.old_words = words_of(old)
        self.new_words = words_of(new)
        self.a = [old[s:e] for s, e in self.old_words]
        self.b = [new[s:e] for s, e in self.new_words]
        matcher = difflib.SequenceMatcher(None, self.a, self.b, autojunk=False)
        self.opcodes: list[tuple[str, int, int, int, int]] = list(matcher.get_opcodes())
        self.op_of_word = self._index(self.opcodes)
        self.loose = self._without_chaff(self.opcodes)
        self.loose_op_of_word = self._index(self.loose)
        self.word_starts = [s for s, _ in self.old_words]
        self.word_ends = [e for _, e in self.old_words]
        self.new_starts = [s for s, _ in self.new_words]
        self.new_ends = [e for _, e in self.new_words]
        self._rows: list[int] | None = None
        self._back: list[int] | None = None
        self._counts: tuple[Counter[str], Counter[str]] | None = None

    def _index(self, opcodes: list[tuple[str, int, int, int, int]]) -> list[int]:
        op_of_word = [0] * len(self.old_words)
        for k, (_, i1, i2, _, _) in enumerate(opcodes):
            for i in range(i1, i2):
                op_of_word[i] = k
        return op_of_word

    @staticmethod
    def _without_chaff(
        opcodes: list[tuple[str, int, int, int, int]],
    ) -> list[tuple[str, int, int, int, int]]:
        """The opcodes with every run of fewer than CHAFF equal words between two edits folded into
        one replacement with them: a "the" or "said" that two rewrites share fixes no place."""
        out: list[tuple[str, int, int, int, int]] = []
        for k, op in enumerate(opcodes):
            tag, i1, i2, j1, j2 = op
            chaff = tag == "equal" and 0 < k < len(opcodes) - 1 and i2 - i1 < CHAFF
            if (chaff or tag != "equal") and out and out[-1][0] == "replace":
                out[-1] = ("replace", out[-1][1], i2, out[-1][3], j2)
            elif chaff or tag != "equal":
                out.append(("replace", i1, i2, j1, j2))
            else:
                out.append(op)
        return out

    def changed_words(self) -> set[int]:
        """Old words an edit touches: changed or deleted, or either side of an insertion."""
        touched: set[int] = set()
        for tag, i1, i2, _, _ in self.opcodes:
            if tag in ("replace", "delete"):
                touched.update(range(i1, i2))
            elif tag == "insert":
                touched.update(i for i in (i1 - 1, i1) if 0 <= i < len(self.old_words))
        return touched

    def _boundaries(self, at: int) -> list[int]:
        """New word boundaries (k: before new word k) that a character offset stands for."""
        k = bisect.bisect_right(self.new_ends, at)  # words wholly before `at`
        if k < len(self.new_words) and self.new_starts[k] < at:
            return [k, k + 1]  # inside word k: either side of it
        return [k]

    def corresponds(self, first: int, last: int, start: int, end: int) -> bool:
        if self._rows is None:
            self._rows = lcs_rows(self.a, self.b)
            self._back = lcs_rows(self.a[::-1], self.b[::-1])
        rows, back = self._rows, self._back
        assert back is not None
        n, m = len(self.a), len(self.b)
        best = lcs_at(rows, n, m)
        i1, i2 = first, last + 1
        for j1 in self._boundaries(start):
            for j2 in self._boundaries(end):
                if j2 < j1:
                    continue
                middle = lcs_at(lcs_rows(self.a[i1:i2], self.b[j1:j2]), i2 - i1, j2 - j1)
                if lcs_at(rows, i1, j1) + middle + lcs_at(back, n - i2, m - j2) == best:
                    return True
        return False

    def _where(self, word: int, side: int, loose: bool = False) -> tuple[int, int]:
        """Where difflib takes an end of the quote (side 0: start, 1: end) lying on `word`: a point
        if the word is kept, else the stretch of new text that replaced it (with its spaces)."""
        if loose:
            tag, i1, _, j1, j2 = self.loose[self.loose_op_of_word[word]]
        else:
            tag, i1, _, j1, j2 = self.opcodes[self.op_of_word[word]]
        if tag == "equal":
            at = self.new_words[j1 + word - i1][side]
            return at, at
        low = self.new_words[j1 - 1][1] if j1 > 0 else 0
        high = self.new_words[j2][0] if j2 < len(self.new_words) else len(self.new)
        return low, high

    def moved(self, first: int, last: int, start: int, end: int) -> bool:
        """Whether new[start:end] is moved text of the quote: a run of its words (two at least, and
        half of them) stands there, in new words that difflib matched to nothing old."""
        matched = [False] * len(self.new_words)
        for tag, _, _, j1, j2 in self.opcodes:
            if tag == "equal":
                matched[j1:j2] = [True] * (j2 - j1)
        lo = bisect.bisect_right(self.new_ends, start)
        hi = bisect.bisect_left(self.new_starts, end)
        quote_words = self.a[first : last + 1]
        run = difflib.SequenceMatcher(None, quote_words, self.b[lo:hi], autojunk=False).find_longest_match()
        return (
            run.size >= 2
            and 2 * run.size >= len(quote_words)
            and not any(matched[lo + run.b : lo + run.b + run.size])
        )

    def distinct(self, first: int, last: int, start: int, end: int) -> bool:
        """Whether the placement, no more than half again as long as the quote, stands by a word that
        stood by the quote (within NEAR words, or in it) and occurs once in each text: "Lyon" in a
        list of events, a section heading beside a line of it."""
        if (end - start) > 1.5 * (self.word_ends[last] - self.word_starts[first]) + 20:
            return False
        if self._counts is None:
            self._counts = (Counter(self.a), Counter(self.b))
        in_old, in_new = self._counts
        low = bisect.bisect_right(self.new_ends, start) - NEAR
        high = bisect.bisect_left(self.new_starts, end) + NEAR
        for word in self.a[max(0, first - NEAR) : last + 1 + NEAR]:
            if in_old[word] == 1 and in_new[word] == 1 and low <= self.b.index(word) < high:
                return True
        return False

    def unique(self, quote: str, at: int) -> bool:
        """Whether `quote` occurs once in the old text and once in the new, there."""
        once_old = self.old.find(quote, self.old.find(quote) + 1) == -1
        return once_old and self.new.find(quote) == at and self.new.find(quote, at + 1) == -1

    def judge(self, claim: Claim, placement: Placement) -> tuple[str, str, str]:
        first = bisect.bisect_right(self.word_ends, claim.start)  # first word ending after the start
        last = bisect.bisect_left(self.word_starts, claim.end) - 1  # last word starting before the end
        quote = self.old[claim.start : claim.end]
        lead = self.word_starts[first] - claim.start  # punctuation the quote has before its first word
        trail = claim.end - self.word_ends[last]
        ops = {self.op_of_word[i] for i in range(first, last + 1)}
        tags = {self.opcodes[k][0] for k in ops}
        starts, ends = self._where(first, 0), self._where(last, 1)
        if starts[0] == starts[1]:
            starts = (starts[0] - lead, starts[1] - lead)
        if ends[0] == ends[1]:
            ends = (ends[0] + trail, ends[1] + trail)
        if tags == {"equal"} and len(ops) == 1 and self.new[starts[0] : ends[0]] == quote:
            expected = "unchanged"
        elif tags == {"delete"}:
            expected = "deleted"
        else:
            expected = "changed"
        ratio = 1.0
        if expected == "changed":
            wanted = self.new[min(starts[0], ends[0]) : max(starts[1], ends[1])]
            ratio = difflib.SequenceMatcher(None, quote.split(), wanted.split(), autojunk=False).ratio()
            if ratio < RECOGNISABLE:
                expected = "rewritten"
        a = placement.anchor
        if a == "orphaned":
            if expected in ("deleted", "rewritten"):
                return expected, "ok-orphaned", ""
            if expected == "unchanged":
                return expected, "orphaned", ""
            return expected, "orphaned", f"word similarity to the text in its place {ratio:.2f}"
        if not self.corresponds(first, last, placement.start, placement.end):
            if a == "exact" and self.unique(quote, placement.start):
                return "unchanged", "ok-exact", "the only place these words stand in either text"
            if a == "exact" and self.distinct(first, last, placement.start, placement.end):
                note = f"stands by a word found once in each text; LCS takes its ends to {starts}, {ends}"
                return "unchanged", "disputed", note
            loose_starts, loose_ends = self._where(first, 0, True), self._where(last, 1, True)
            kind = "rewritten" if expected == "rewritten" else "changed"
            if a == "fuzzy" and self.moved(first, last, placement.start, placement.end):
                return kind, "ok-fuzzy", "moved: its words stand in text difflib sees as inserted"
            if a == "fuzzy" and self.distinct(first, last, placement.start, placement.end):
                note = f"stands by a word found once in each text; LCS takes its ends to {starts}, {ends}"
                return kind, "disputed", note
            if not (
                a == "fuzzy"
                and loose_starts[0] - lead <= placement.start <= loose_starts[1]
                and loose_ends[0] <= placement.end <= loose_ends[1] + trail
            ):
                return expected, "misplaced", f"difflib takes its ends to {loose_starts} and {loose_ends}"
        if a == "exact":
            # The quote's own characters, at a place some best word alignment takes it to.
            note = "" if expected == "unchanged" else f"difflib said {expected}: an equally good alignment"
            return "unchanged", "ok-exact", note
        if expected == "unchanged":
            return expected, "fuzzy", "fuzzy, though unchanged"
        if expected == "rewritten":
            return expected, "ok-fuzzy", ""
        return "changed", "ok-fuzzy", ("" if expected == "changed" else "difflib said deleted")


def words_of(text: str) -> list[tuple[int, int]]:
    """Where each word stands: whitespace-separated, with a letter or digit in it."""
    return [m.span() for m in WORD.finditer(text) if any(c.isalnum() for c in m.group())]


# --- claims in the old text -------------------------------------------------------------------------


def sentences(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    at = 0
    for m in [*SENTENCE_BREAK.finditer(text), None]:
        end = m.start() if m else len(text)
        piece = text[at:end]
        stripped = piece.strip()
        if stripped and any(c.isalnum() for c in stripped):
            s = at + (len(piece) - len(piece.lstrip()))
            spans.append((s, s + len(stripped)))
        if m:
            at = m.end()
    return spans


def claims_for(pair: Pair, judge: Judge) -> list[Claim]:
    claims = [Claim("sentence", s, e) for s, e in sentences(pair.old)]
    rng = random.Random(pair.key)
    words = judge.old_words
    touched = judge.changed_words()
    near: list[tuple[int, int]] = []
    far: list[tuple[int, int]] = []
    for length in range(3, 9):
        for i in range(0, len(words) - length + 1):
            if "\n" in pair.old[words[i][0] : words[i + length - 1][1]]:
                continue  # a quote stays within a paragraph
            (near if touched.intersection(range(i, i + length)) else far).append((i, length))
    for pool in (near, far):
        for i, length in rng.sample(pool, min(3, len(pool))):
            claims.append(Claim("phrase", words[i][0], words[i + length - 1][1]))
    seen: set[tuple[int, int]] = set()
    unique = []
    for c in claims:
        if (c.start, c.end) not in seen:
            seen.add((c.start, c.end))
            unique.append(c)
    return unique


def span_of(text: str, claim: Claim) -> Span:
    s, e = claim.start, claim.end
    return Span(s, e, text[s:e], text[max(0, s - CONTEXT) : s], text[e : e + CONTEXT])


def run(
    pairs: list[Pair], threshold: float, controls: Counter[str] | None = None
) -> tuple[list[Verdict], list[tuple[float, float]]]:
    """Every pair's claims re-anchored (one call a pair) and judged; and each call's CPU and
    wall-clock seconds."""
    verdicts: list[Verdict] = []
    timings: list[tuple[float, float]] = []
    for pair in pairs:
        judge = Judge(pair.old, pair.new)
        claims = claims_for(pair, judge)
        spans = [span_of(pair.old, c) for c in claims]
        c0, w0 = time.process_time(), time.perf_counter()
        placements = reanchor(pair.old, pair.new, spans, threshold=threshold)
        timings.append((time.process_time() - c0, time.perf_counter() - w0))
        for claim, placement in zip(claims, placements, strict=True):
            check_invariants(pair, claim, placement)
            expected, outcome, note = judge.judge(claim, placement)
            verdicts.append(Verdict(pair, claim, expected, outcome, placement, note))
        if controls is not None:
            control(pair, judge, verdicts[-len(claims) :], controls)
    return verdicts, timings


def control(pair: Pair, judge: Judge, verdicts: list[Verdict], caught: Counter[str]) -> None:
    """The judge's negative control: wrong placements made on purpose, which it must call misplaced.

    For placements judged right: the same quote `exact` at another place the new text holds it,
    and `fuzzy` one word off at either end, or at the same length a paragraph or more away."""
    rng = random.Random(pair.key)
    new = pair.new
    starts = [s for s, _ in judge.new_words]
    ends = [e for _, e in judge.new_words]
    for v in verdicts:
        p = v.placement
        if not v.outcome.startswith("ok") or p.anchor == "orphaned":
            continue
        wrong: list[tuple[str, Placement]] = []
        other = new.find(p.quote)
        while other != -1 and other == p.start:
            other = new.find(p.quote, other + 1)
        if other != -1 and p.anchor == "exact":
            wrong.append(
                ("exact at another occurrence", Placement("exact", other, other + len(p.quote), p.quote, 1.0))
            )
        k = bisect.bisect_left(starts, p.start)
        if 0 < k < len(starts) and p.end > starts[k]:
            a, b = starts[k - 1], p.end
            wrong.append(("fuzzy, one word more at the start", Placement("fuzzy", a, b, new[a:b], 0.9)))
        k = bisect.bisect_left(ends, p.end)
        if k + 1 < len(ends):
            a, b = p.start, ends[k + 1]
            wrong.append(("fuzzy, one word more at the end", Placement("fuzzy", a, b, new[a:b], 0.9)))
        far = [i for i in range(len(starts)) if abs(starts[i] - p.start) > max(200, 2 * len(p.quote))]
        if far:
            i = rng.choice(far)
            a = starts[i]
            b = ends[min(len(ends) - 1, bisect.bisect_left(ends, a + len(p.quote)))]
            wrong.append(("fuzzy, a paragraph or more away", Placement("fuzzy", a, b, new[a:b], 0.9)))
        for kind, placement in wrong:
            _, outcome, _ = judge.judge(v.claim, placement)
            caught[f"{kind}: tried"] += 1
            caught[f"{kind}: caught"] += outcome in ("misplaced", "disputed")


def check_invariants(pair: Pair, claim: Claim, p: Placement) -> None:
    quote = pair.old[claim.start : claim.end]
    if p.anchor in ("exact", "fuzzy"):
        assert 0 <= p.start < p.end <= len(pair.new), (pair.key, p)
        assert pair.new[p.start : p.end] == p.quote, (pair.key, p)
    if p.anchor == "exact":
        assert p.quote == quote, (pair.key, p)
        assert p.score == 1.0, (pair.key, p)
    if p.anchor == "orphaned":
        assert (p.start, p.end, p.quote) == (claim.start, claim.end, quote), (pair.key, p)


# --- report -----------------------------------------------------------------------------------------


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "-"


def table_rows(groups: dict[str, list[Verdict]]) -> list[str]:
    rows = [
        "| pairs | claims | misplaced | unchanged: exact at the right place | changed: fuzzy at the "
        "corresponding place | rewritten: orphaned + fuzzy in place | deleted: orphaned |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, vs in groups.items():
        t = Tally()
        for v in vs:
            t.add(v)
        unchanged, changed, deleted = t.total("unchanged"), t.total("changed"), t.total("deleted")
        exact_ok = t.counts[("unchanged", "ok-exact")]
        placed = t.counts[("changed", "ok-fuzzy")]
        orphaned_ok = t.counts[("deleted", "ok-orphaned")]
        rewritten = t.total("rewritten")
        rewritten_orphaned = t.counts[("rewritten", "ok-orphaned")]
        rewritten_placed = t.counts[("rewritten", "ok-fuzzy")]
        rows.append(
            f"| {name} | {len(vs)} | {t.misplaced()}{f' (+{t.disputed()} disputed)' if t.disputed() else ''} "
            f"| {exact_ok}/{unchanged} = {pct(exact_ok, unchanged)} "
            f"| {placed}/{changed} = {pct(placed, changed)} "
            f"| {rewritten_orphaned} + {rewritten_placed} of {rewritten} "
            f"| {orphaned_ok}/{deleted} = {pct(orphaned_ok, deleted)} |"
        )
    return rows


def show(v: Verdict, width: int = 160) -> str:
    def cut(s: str) -> str:
        s = s.replace("\n", "⏎")
        return s if len(s) <= width else s[: width - 1] + "…"

    quote = v.pair.old[v.claim.start : v.claim.end]
    p = v.placement
    lines = [
        f"- [{v.pair.source}] {v.pair.key}  ({v.claim.kind}, judge: {v.expected}) -> {p.anchor} "
        f"{p.score:.2f}{'  ' + v.note if v.note else ''}",
        f"    old [{v.claim.start}:{v.claim.end}] {cut(repr(quote))}",
    ]
    if p.anchor != "orphaned":
        lines.append(f"    new [{p.start}:{p.end}] {cut(repr(p.quote))}")
    return "\n".join(lines)


def timing_cases() -> list[tuple[str, str, str, list[Span]]]:
    """An 8,000-character body (GOV.UK text) with 150 claims on it (its sentences, then seeded
    phrases), and three new bodies: five corrections of the usual kinds; a word changed in every
    sentence; an unrelated text of the same length."""
    pairs = [p for p in load() if p.source == "govuk"]
    rng = random.Random(8000)
    text = ""
    for pair in pairs:
        text += pair.old + "\n\n"
        if len(text) >= 8000:
            break
    stop = re.compile(r"[.!?:](?=\s)").search(text, 8000)
    old = text[: stop.end() if stop else 8000]
    # Five corrections: a figure, a word added, a sentence cut, a sentence added, a spacing fix.
    new = old
    figure = list(re.finditer(r"\d+", new))[10]
    new = new[: figure.start()] + str(int(figure.group()) + 7) + new[figure.end() :]
    new = new.replace(" the ", " the revised ", 1)
    cut = sentences(new)[40]
    new = new[: cut[0]] + new[cut[1] :]
    add = sentences(new)[60][0]
    new = new[:add] + "A sentence the correction added. " + new[add:]
    new = new.replace(". ", ".  ", 1)
    # A word changed in every sentence.
    heavy = old
    for start, end in reversed(sentences(old)):
        words = list(re.finditer(r"[a-z]{4,}", heavy[start:end]))
        if words:
            w = words[len(words) // 2]
            heavy = heavy[: start + w.start()] + w.group().upper() + heavy[start + w.end() :]
    other = ""
    for pair in reversed(pairs):
        other += pair.new + "\n\n"
        if len(other) >= len(old):
            break
    other = other[: len(old)]
    judge = Judge(old, new)
    claims = claims_for(Pair("synthetic", "timing", old, new, ""), judge)
    words_at = judge.old_words
    while len(claims) < 150:
        i = rng.randrange(len(words_at) - 8)
        claims.append(Claim("phrase", words_at[i][0], words_at[i + rng.randint(2, 7)][1]))
    spans = [span_of(old, c) for c in claims[:150]]
    return [
        ("five corrections", old, new, spans),
        ("a word changed in every sentence", old, heavy, spans),
        ("replaced by an unrelated text", old, other, spans),
    ]


def time_it(old: str, new: str, spans: list[Span], rounds: int) -> tuple[list[float], list[float]]:
    """CPU and wall-clock seconds of each of `rounds` calls."""
    cpu, wall = [], []
    for _ in range(rounds):
        c0, w0 = time.process_time(), time.perf_counter()
        reanchor(old, new, spans)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return cpu, wall


def quantiles(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return f"{statistics.median(ms):.1f} / {p95:.1f} / {ms[-1]:.1f}"


TimingRow = tuple[str, list[float], list[float]]


def print_timings(call_times: list[tuple[float, float]], cases: list[TimingRow]) -> None:
    print("\n## Timing\n")
    load_average = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load_average} (other work shares the machine)\n")
    print("| case | calls | CPU ms p50 / p95 / max | wall ms p50 / p95 / max |")
    print("|---|---:|---:|---:|")
    for name, cpu, wall in cases:
        print(f"| {name} | {len(cpu)} | {quantiles(cpu)} | {quantiles(wall)} |")
    real = f"the {len(call_times)} real pairs, all claims of a pair in one call"
    cpu, wall = [c for c, _ in call_times], [w for _, w in call_times]
    print(f"| {real} | {len(call_times)} | {quantiles(cpu)} | {quantiles(wall)} |")


def time_cases() -> list[TimingRow]:
    """The synthetic cases, timed before anything else fills the heap."""
    rows: list[TimingRow] = []
    for name, old, new, spans in timing_cases():
        time_it(old, new, spans, 3)
        cpu, wall = time_it(old, new, spans, 200)
        rows.append((f"{len(old):,}-character body, {len(spans)} spans: {name}", cpu, wall))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quiet", action="store_true", help="the table and timings only")
    parser.add_argument("--sweep", action="store_true", help="rates at other thresholds, test split left out")
    parser.add_argument("--examples", type=int, default=3, help="examples shown of each kind")
    args = parser.parse_args()

    pairs = load()
    timed = time_cases()
    controls: Counter[str] = Counter()
    verdicts, call_times = run(pairs, THRESHOLD, controls)
    groups = {
        "GOV.UK (441)": [v for v in verdicts if v.pair.source == "govuk"],
        "Wikinews, train+dev (176)": [
            v for v in verdicts if v.pair.source == "wikinews" and v.pair.split != "test"
        ],
        "Wikinews, test (13)": [v for v in verdicts if v.pair.split == "test"],
        "all (630)": verdicts,
    }
    print(f"Re-anchoring {len(pairs)} real corrections, threshold {THRESHOLD}\n")
    print("\n".join(table_rows(groups)))
    print("\nThe judge's negative control (placements wrong on purpose, each of them should be misplaced):")
    for kind in sorted({k.rsplit(": ", 1)[0] for k in controls}):
        tried, caught = controls[f"{kind}: tried"], controls[f"{kind}: caught"]
        print(f"- {kind}: caught {caught} of {tried} ({pct(caught, tried)})")
    kinds = Counter((v.claim.kind, v.expected) for v in verdicts)
    print(
        "\nclaims by kind and judgement: " + ", ".join(f"{k[0]}/{k[1]} {n}" for k, n in sorted(kinds.items()))
    )

    if not args.quiet:
        shown: list[tuple[str, Callable[[Verdict], bool]]] = [
            (
                "exact, moved by the edit",
                lambda v: v.outcome == "ok-exact" and v.placement.start != v.claim.start,
            ),
            ("fuzzy at the corresponding place", lambda v: v.outcome == "ok-fuzzy"),
            ("exact where difflib saw a change", lambda v: v.outcome == "ok-exact" and bool(v.note)),
            (
                "fuzzy though rewritten (place certain)",
                lambda v: v.expected == "rewritten" and v.outcome == "ok-fuzzy",
            ),
            ("orphaned, deleted or rewritten", lambda v: v.outcome == "ok-orphaned"),
        ]
        for title, keep in shown:
            chosen = [v for v in verdicts if keep(v)]
            picks = random.Random(title).sample(chosen, min(args.examples, len(chosen)))
            print(f"\n## Examples: {title} ({len(chosen)})\n")
            print("\n".join(show(v) for v in picks))
        misses = (
            ("misplaced", "misplaced"),
            ("disputed", "disputed"),
            ("orphaned", "orphaned"),
            ("fuzzy", "fuzzy"),
        )
        for title, outcome in misses:
            listed = [v for v in verdicts if v.outcome == outcome]
            print(f"\n## Every miss: {title} ({len(listed)})\n")
            print("\n".join(show(v) for v in listed) or "(none)")

    if args.sweep:
        tuning = [p for p in pairs if p.split != "test"]
        print("\n## Threshold sweep (GOV.UK and Wikinews train+dev; the test split left out)\n")
        print("| threshold | misplaced | disputed | changed: fuzzy in place | changed: orphaned ", end="")
        print("| rewritten: fuzzy |")
        print("|---:|---:|---:|---:|---:|---:|")
        low, _ = run(tuning, 0.0)
        for t in (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):

            def kept(v: Verdict, t: float = t) -> bool:
                return v.placement.anchor != "orphaned" and v.placement.score >= t

            changed = [v for v in low if v.expected == "changed"]
            placed = [v for v in changed if kept(v) and v.outcome.startswith("ok")]
            orphaned = [v for v in changed if not kept(v)]
            rewritten = [v for v in low if v.expected == "rewritten" and kept(v)]
            bad = sum(1 for v in low if v.outcome == "misplaced" and kept(v))
            disputed = sum(1 for v in low if v.outcome == "disputed" and kept(v))
            print(
                f"| {t:.1f} | {bad} | {disputed} | {len(placed)}/{len(changed)} | {len(orphaned)} "
                f"| {len(rewritten)} |"
            )

    print_timings(call_times, timed)


if __name__ == "__main__":
    main()
