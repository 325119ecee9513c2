"""How the desk shows things: one time format, excerpts cut between words, statuses by label."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from claims.models import AnchorKind, ClaimStatus, Rating

# The desk's stylesheet and script (claims/static/claims/admin/).
DESK_CSS = "claims/admin/desk.css"
QUOTE_PICKER_JS = "claims/admin/quote-picker.js"

# Every time on the desk, in the site's zone, named: "2026-03-05 14:07 UTC".
TIME_FORMAT = "%Y-%m-%d %H:%M %Z"


def when(moment: datetime | None) -> SafeString | str:
    """A time as the desk shows it everywhere, with the exact instant in the markup."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    day, hour = local.strftime(TIME_FORMAT).split(" ", 1)
    # Two unbreakable pieces: where the line is narrow, the time goes under the date.
    return format_html(
        '<time datetime="{}" title="{}"><span>{}</span> <span>{}</span></time>',
        local.isoformat(),
        local.strftime("%Y-%m-%d %H:%M:%S %Z"),
        day,
        hour,
    )


def clip(text: str, limit: int) -> str:
    """`text` on one line, cut to at most `limit` characters at a word boundary, with "…"."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit + 1]
    space = cut.rfind(" ")
    # A word longer than half the room (a URL) is cut inside; anything else between words.
    cut = cut[:space] if space > limit // 2 else flat[:limit]
    return cut.rstrip(" ,;:.-\u2013\u2014") + "…"


def status_label(status: str | None) -> str:
    if status in ClaimStatus.values:
        return str(ClaimStatus(status).label)
    return status or "—"


def rating_label(rating: str | None) -> str:
    if rating in Rating.values:
        return str(Rating(rating).label)
    return rating or "—"


def status_badge(status: str) -> SafeString:
    """The status by its label, in the colour its claims have in the article's body."""
    return format_html('<span class="claim-status claim-{}">{}</span>', status, status_label(status))


def labels(statuses: Any) -> str:
    """Statuses by their labels, in the workflow's order: "In review, Not checkable"."""
    wanted = set(statuses)
    return ", ".join(str(label) for value, label in ClaimStatus.choices if value in wanted) or "nothing"


# How a claim stands in its article's text after corrections, as the desk says it.
ANCHOR_HINTS: dict[str, str] = {
    AnchorKind.FUZZY: "A correction of the article changed its words: an editor checks its new place.",
    AnchorKind.ORPHANED: "A correction of the article lost its place: an editor places it again.",
}


def anchor_badge(anchor: str) -> SafeString | str:
    """A fuzzy or orphaned claim's mark in lists; nothing for an exact one."""
    if anchor not in ANCHOR_HINTS:
        return ""
    return format_html(
        '<span class="claim-anchor claim-anchor-{}" title="{}">{}</span>',
        anchor,
        ANCHOR_HINTS[anchor],
        AnchorKind(anchor).label,
    )
