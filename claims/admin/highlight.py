"""An article's body as HTML, with every claim's span marked."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise

from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from claims.models import (
    AnchorKind,
    Article,
    Claim,
    ClaimStatus,
)

# --- the body, with every claim highlighted --------------------------------------------------


@dataclass(frozen=True)
class Span:
    claim_id: int
    start: int
    end: int
    status: str
    # A fuzzy claim is marked as such: a correction changed its words, and no editor has checked
    # its new place yet. (Orphaned claims have no place in the current text to mark.)
    anchor: str = AnchorKind.EXACT


def highlight_claims(
    body: str, spans: Iterable[Span], *, href: Callable[[int], str] | None = None
) -> SafeString:
    """The body as HTML, each claim's span inside a `<mark>` titled with its id and status.

    The text is cut at every span's start and end, and each piece is marked once, naming every
    claim that covers it: overlapping or nested claims give adjacent marks, never crossed tags.
    All text is escaped. With `href`, each mark links to its innermost claim.
    """
    usable = sorted(
        (s for s in spans if 0 <= s.start < s.end <= len(body)), key=lambda s: (s.start, s.end, s.claim_id)
    )
    cuts = sorted({0, len(body), *(s.start for s in usable), *(s.end for s in usable)})
    pieces: list[SafeString] = []
    active: list[Span] = []
    waiting = iter(usable)
    upcoming = next(waiting, None)
    for left, right in pairwise(cuts):
        active = [s for s in active if s.end > left]
        while upcoming is not None and upcoming.start <= left:
            active.append(upcoming)
            upcoming = next(waiting, None)
        text = body[left:right]
        if not active:
            pieces.append(escape(text))
            continue
        title = "; ".join(
            f"Claim {s.claim_id}: {ClaimStatus(s.status).label}"
            + (", fuzzy" if s.anchor == AnchorKind.FUZZY else "")
            for s in active
        )
        classes = list(dict.fromkeys(f"claim-{s.status}" for s in active))
        if any(s.anchor == AnchorKind.FUZZY for s in active):
            classes.append("claim-fuzzy")
        if len(active) > 1:
            classes.append("claim-overlap")
        mark = format_html(
            '<mark class="{}" title="{}" data-claims="{}">{}</mark>',
            " ".join(classes),
            title,
            " ".join(str(s.claim_id) for s in active),
            text,
        )
        if href is not None:
            innermost = max(active, key=lambda s: (s.start, -s.end))
            mark = format_html('<a href="{}">{}</a>', href(innermost.claim_id), mark)
        pieces.append(mark)
    return format_html_join("", "{}", ((piece,) for piece in pieces))


def current_spans(article: Article) -> list[Span]:
    """The article's claims that stand in its current text. An orphaned claim's offsets point
    into the older revision it lost its place in, so it is left out."""
    rows = Claim.objects.filter(article_id=article.pk, revision=article.revision).values_list(
        "id", "start", "end", "status", "anchor"
    )
    return [
        Span(claim_id=pk, start=start, end=end, status=status, anchor=anchor)
        for pk, start, end, status, anchor in rows
    ]


def claim_admin_url(claim_id: int) -> str:
    return reverse("admin:claims_claim_change", args=[claim_id])
