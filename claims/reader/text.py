"""A column's text as HTML paragraphs, with each published claim's words marked in place.

Only the spans the caller passes are marked (the reader pages pass published claims that stand in
the current text); everything else is escaped text. A mark never crosses a paragraph: a claim
that spans two is marked in each. Overlapping claims give adjacent marks, never crossed tags.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from itertools import pairwise

from django.utils.safestring import SafeString, mark_safe

# A paragraph ends at a blank line; a single line break inside one is kept as <br>.
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


@dataclass(frozen=True)
class Span:
    claim_id: int
    start: int
    end: int
    rating: str
    label: str


@dataclass
class Paragraph:
    html: SafeString
    # The claims whose words end in this paragraph, in order: their verdicts go beside it.
    claims: list[int] = field(default_factory=list)


def paragraph_ranges(body: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph of `body`, without the blank lines between them."""
    ranges, start = [], 0
    for gap in PARAGRAPH_BREAK.finditer(body):
        ranges.append((start, gap.start()))
        start = gap.end()
    ranges.append((start, len(body)))
    return [(s, e) for s, e in ranges if body[s:e].strip()]


def _text(piece: str) -> str:
    return escape(piece).replace("\n", "<br>\n")


def _paragraph_html(body: str, start: int, end: int, spans: list[Span], labelled: set[int]) -> str:
    """The paragraph body[start:end]; the spans in `labelled` get their label where they stop."""
    inside = [s for s in spans if s.start < end and s.end > start]
    cuts = sorted({start, end, *(max(s.start, start) for s in inside), *(min(s.end, end) for s in inside)})
    pieces: list[str] = []
    for left, right in pairwise(cuts):
        active = [s for s in inside if s.start <= left and s.end >= right]
        text = _text(body[left:right])
        if not active:
            pieces.append(text)
            continue
        innermost = max(active, key=lambda s: (s.start, -s.end, s.claim_id))
        # Where a claim's words begin, a screen reader hears that a checked claim begins.
        starting = "".join(
            '<span class="visually-hidden">Checked claim: </span>' for s in active if s.start == left
        )
        pieces.append(
            f'<mark class="claim rating-{escape(innermost.rating)}" data-claims="'
            f'{" ".join(str(int(s.claim_id)) for s in active)}">{starting}{text}</mark>'
        )
        # After a claim's last words, its label, linking to its verdict beside the text.
        stopping = (s for s in active if s.claim_id in labelled and min(s.end, end) == right)
        for span in sorted(stopping, key=lambda s: (s.start, s.claim_id)):
            pk = int(span.claim_id)
            pieces.append(
                f'<a class="label rating-{escape(span.rating)}" href="#claim-{pk}" id="quote-{pk}">'
                f'{escape(span.label)}<span class="visually-hidden"> (verdict on claim {pk})</span></a>'
            )
    return "".join(pieces)


def column_html(body: str, spans: Iterable[Span]) -> list[Paragraph]:
    """The body as paragraphs, each span's words marked and followed by its rating's label."""
    usable = sorted(
        (s for s in spans if 0 <= s.start < s.end <= len(body)), key=lambda s: (s.start, s.end, s.claim_id)
    )
    ranges = paragraph_ranges(body)
    # A claim is labelled in the last paragraph it reaches into (its words may end in a gap).
    ending: list[list[int]] = [[] for _ in ranges]
    starts = [start for start, _ in ranges]
    for span in usable:
        last = bisect_left(starts, span.end) - 1
        if last >= 0 and span.start < ranges[last][1]:
            ending[last].append(span.claim_id)
    return [
        # Every piece of text in it is escaped by _paragraph_html.
        Paragraph(html=mark_safe(_paragraph_html(body, start, end, usable, set(ids))), claims=ids)
        for (start, end), ids in zip(ranges, ending, strict=True)
    ]
