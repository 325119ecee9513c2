"""Claims that a correction of their article unsettled, as the desk shows them to an editor: the
words the claim stood on, in the text as it was, beside where it stands now (a fuzzy claim) or
what the text says where it stood (an orphaned one). Reads only; the settling is the service's
(`claims.services.claims.claim_update` with a `Placing`), called from `claims.admin.claims`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from claims.anchoring.textdiff import TextDiff
from claims.models import AnchorKind, ArticleRevision, Claim, ClaimEvent, EventAction

# The text shown either side of the words: to the line breaks around them, or this many characters
# of it at most, cut between words.
ROOM = 240
# What stands where an orphaned claim stood is shown up to this many characters.
INSTEAD_MAX = 480

# Marks where deleted words stood.
CARET = "\u2041"

# Words (a figure with its point or comma is one: 4.2, 1,526), runs of white space, and any other
# character on its own: together they are the whole text, so joined they give it back.
_PIECES = re.compile(r"\w+(?:[.,:]\w+)*|\s+|[^\w\s]")


QUEUE_TITLE = "Claims awaiting an editor after a correction"


def unsettled(claim: Claim) -> bool:
    return claim.anchor in (AnchorKind.FUZZY, AnchorKind.ORPHANED)


def queue_url(anchor: str, article_id: int | None = None) -> str:
    """The claim list filtered to the fuzzy or the orphaned claims (of one article)."""
    query: dict[str, Any] = {"anchor__exact": anchor}
    if article_id is not None:
        query = {"article": article_id, **query}
    return reverse("admin:claims_claim_changelist") + "?" + urlencode(query)


@dataclass(frozen=True)
class Side:
    """One side of the comparison: a revision of the text, and the words in it as HTML."""

    revision: int | None
    html: SafeString | None


@dataclass(frozen=True)
class Review:
    """What an editor needs to settle an unsettled claim."""

    kind: str  # fuzzy or orphaned
    score: float | None
    before: Side  # the words the claim stood on, in the text as it was
    now: Side  # fuzzy: its place in the current text; orphaned: what stands where it stood
    # The re-anchoring that unsettled the claim (its actor, time and note: the correction's), if
    # it is on record.
    event: ClaimEvent | None
    current_revision: int
    # Where in the current text to look first (its place, or where its words stood), if known.
    near: int | None = None


def review_of(claim: Claim, *, body: str, revision: int) -> Review:
    """The review of an unsettled claim, its article's current text being `body` at `revision`."""
    event = _unsettling_event(claim)
    if claim.anchor == AnchorKind.FUZZY:
        return _fuzzy(claim, event, body, revision)
    return _orphaned(claim, event, body, revision)


def _unsettling_event(claim: Claim) -> ClaimEvent | None:
    """The re-anchoring that made the claim fuzzy or orphaned: the last one that found it exact.
    Later corrections may have moved it again (its words already changed); the words an editor
    last settled are the ones before this event."""
    events = (
        ClaimEvent.objects.filter(claim_id=claim.pk, action=EventAction.REANCHORED)
        .select_related("actor")
        .order_by("-id")
    )
    latest = None
    for event in events:
        latest = latest or event
        anchors = event.changes.get("anchor")
        if isinstance(anchors, list) and len(anchors) == 2 and anchors[0] == AnchorKind.EXACT:
            return event
    return latest


def _revision_body(claim: Claim, number: int | None) -> str | None:
    if number is None:
        return None
    return (
        ArticleRevision.objects.filter(article_id=claim.article_id, number=number)
        .values_list("body", flat=True)
        .first()
    )


def _old_place(event: ClaimEvent | None) -> tuple[str, int, int, int] | None:
    """The claim's quote, start, end and revision before `event`, as its history recorded them."""
    if event is None:
        return None
    try:
        quote, start, end, revision = (
            event.changes[name][0] for name in ("quote", "start", "end", "revision")
        )
    except (KeyError, IndexError, TypeError):
        return None
    if not (isinstance(quote, str) and all(isinstance(n, int) for n in (start, end, revision))):
        return None
    return quote, start, end, revision


def _fuzzy(claim: Claim, event: ClaimEvent | None, body: str, revision: int) -> Review:
    old = _old_place(event)
    old_quote = old[0] if old else claim.quote
    old_html, new_html = word_diff(old_quote, claim.quote)
    before = Side(revision=None, html=None)
    if old is not None:
        quote, start, end, number = old
        old_body = _revision_body(claim, number)
        if old_body is not None and old_body[start:end] == quote:
            before = Side(number, in_context(old_body, start, end, old_html, "anchor-old"))
        else:  # the text is not on record: the words alone
            before = Side(number, in_context(quote, 0, len(quote), old_html, "anchor-old"))
    now, near = Side(revision, None), None
    if 0 <= claim.start < claim.end <= len(body) and body[claim.start : claim.end] == claim.quote:
        now = Side(revision, in_context(body, claim.start, claim.end, new_html, "anchor-new"))
        near = claim.start
    return Review(
        kind=AnchorKind.FUZZY,
        score=claim.anchor_score,
        before=before,
        now=now,
        event=event,
        current_revision=revision,
        near=near,
    )


def _orphaned(claim: Claim, event: ClaimEvent | None, body: str, revision: int) -> Review:
    old_body = _revision_body(claim, claim.revision)
    quote_html = escape(claim.quote)
    now, near = Side(revision, None), None
    if old_body is not None and old_body[claim.start : claim.end] == claim.quote:
        before = Side(claim.revision, in_context(old_body, claim.start, claim.end, quote_html, "anchor-old"))
        stood = _where_it_stood(old_body, body, claim.start, claim.end)
        if stood is not None:
            near, html = stood
            now = Side(revision, html)
    else:
        before = Side(claim.revision, in_context(claim.quote, 0, len(claim.quote), quote_html, "anchor-old"))
    return Review(
        kind=AnchorKind.ORPHANED,
        score=claim.anchor_score,
        before=before,
        now=now,
        event=event,
        current_revision=revision,
        near=near,
    )


def _where_it_stood(old_body: str, body: str, start: int, end: int) -> tuple[int, SafeString] | None:
    """Where old_body[start:end] stood in the current text, and the text there, in its paragraph:
    what the correction put in its place (marked), or, where it was deleted, a mark where it was."""
    if old_body == body or not (0 <= start < end <= len(old_body)):
        return None
    diff = TextDiff(old_body, body)
    first, last = diff.segment_of(start), diff.segment_of(end - 1)
    new_start = diff.new_starts[first] + (start - diff.old_starts[first] if diff.equal[first] else 0)
    new_end = diff.new_starts[last] + end - diff.old_starts[last] if diff.equal[last] else diff.new_ends[last]
    while new_start < new_end and body[new_start].isspace():
        new_start += 1
    while new_end > new_start and body[new_end - 1].isspace():
        new_end -= 1
    if new_end > new_start + INSTEAD_MAX:  # its ends went far apart: the start of it
        cut = body.rfind(" ", new_start, new_start + INSTEAD_MAX)
        new_end = cut if cut > new_start + INSTEAD_MAX // 2 else new_start + INSTEAD_MAX
        marked = format_html('<mark class="anchor-instead">{}</mark>…', body[new_start:new_end])
        return new_start, _joined(around(body, new_start, new_end), marked, after=False)
    if new_end == new_start:
        # A caret and a word, not part of the text: a screen reader says what it means.
        marked = format_html(
            '<span class="anchor-gap" title="{}"><span aria-hidden="true">{}</span>{}</span>',
            "Its words stood here; the correction deleted them.",
            CARET,
            "deleted here",
        )
    else:
        marked = format_html('<mark class="anchor-instead">{}</mark>', body[new_start:new_end])
    return new_start, _joined(around(body, new_start, new_end), marked)


@dataclass(frozen=True)
class Around:
    before: str
    after: str
    cut_before: bool
    cut_after: bool


def around(body: str, start: int, end: int, room: int = ROOM) -> Around:
    """The text either side of body[start:end], in its paragraph: to the line breaks around it, or
    at most `room` characters either side, cut between words."""
    low = max(0, start - room)
    line = body.rfind("\n", low, start)
    if line != -1 or low == 0:
        left, cut_before = line + 1, False  # line + 1 is 0 at the start of the text
    else:
        space = re.search(r"\s", body[low:start])
        left, cut_before = (low + space.end() if space else low), True
    high = min(len(body), end + room)
    line = body.find("\n", end, high)
    if line != -1 or high == len(body):
        right, cut_after = (line if line != -1 else high), False
    else:
        spaces = [m.start() for m in re.finditer(r"\s", body[end:high])]
        right, cut_after = (end + spaces[-1] if spaces else high), True
    return Around(body[left:start], body[end:right], cut_before, cut_after)


def in_context(body: str, start: int, end: int, words: SafeString, css_class: str) -> SafeString:
    """body[start:end] as `words` (HTML), marked, in its paragraph."""
    return _joined(around(body, start, end), format_html('<mark class="{}">{}</mark>', css_class, words))


def _joined(shown: Around, marked: SafeString, *, after: bool = True) -> SafeString:
    return format_html(
        "{}{}{}{}{}",
        "…" if shown.cut_before else "",
        shown.before,
        marked,
        shown.after if after else "",
        "…" if shown.cut_after and after else "",
    )


def word_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Both quotes as HTML: in the old one, the words the correction took out in `<del>`; in the
    new one, the words it put in in `<ins>`. Everything else is the same in both."""
    a, b = _PIECES.findall(old), _PIECES.findall(new)
    gone: list[tuple[str, Any]] = []
    came: list[tuple[str, Any]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            gone.append(("{}", removed))
            came.append(("{}", added))
            continue
        if removed:
            gone.append(("<del>{}</del>" if removed.strip() else "{}", removed))
        if added:
            came.append(("<ins>{}</ins>" if added.strip() else "{}", added))
    return _html(gone), _html(came)


def _html(pieces: list[tuple[str, Any]]) -> SafeString:
    return format_html_join("", "{}", ((format_html(template, text),) for template, text in pieces))


def score_shown(score: float | None) -> str:
    """How sure the re-anchoring was, as an editor reads it: "83%"."""
    return "—" if score is None else f"{round(score * 100)}%"
