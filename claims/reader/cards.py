"""A verdict as HTML: its card beside the column and on its own page.

Built in Python with the standard library's `html.escape` rather than a template or
`format_html`: a column may carry a hundred and more verdicts, and the template engine spent
most of such a page's time on these cards. Every value from the database goes through `esc`.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape as esc
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_default_timezone

PARAGRAPHS = re.compile(r"\n{2,}")
MONTHS = (
    "", "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def day(moment: datetime) -> str:
    """A `<time>` saying the day in the site's time zone, as the templates' `date:"j F Y"` does
    (the pages never activate another zone)."""
    local = moment.astimezone(get_default_timezone())
    return f'<time datetime="{local.isoformat()}">{local.day} {MONTHS[local.month]} {local.year}</time>'


def paragraphs(text: str) -> str:
    """Plain text as escaped `<p>`s, a line break kept as `<br>`: Django's `linebreaks`, without
    its lazy-string machinery."""
    blocks = (block.strip("\n") for block in PARAGRAPHS.split(text.replace("\r\n", "\n")))
    return "".join(f"<p>{esc(block).replace(chr(10), '<br>')}</p>" for block in blocks if block)


def _evidence(items: list[dict[str, Any]], heading: int) -> str:
    if not items:
        return ""
    rows = []
    for item in items:
        title = esc(item["title"] or item["url"])
        row = f'<li><a href="{esc(item["url"])}" rel="nofollow noopener">{title}</a>'
        if item["publisher"]:
            row += f' <span class="source">({esc(item["publisher"])})</span>'
        if item["note"]:
            row += f'<br><span class="evidence-note">{esc(item["note"])}</span>'
        rows.append(row + "</li>")
    return f'<h{heading} class="minor">Evidence</h{heading}>\n<ul class="evidence">{"".join(rows)}</ul>\n'


def _corrections(items: list[dict[str, Any]], heading: int) -> str:
    if not items:
        return ""
    rows = []
    for item in items:
        if item["from_rating"] != item["to_rating"]:
            what = f"rated {esc(item['from_label'])} before, now {esc(item['to_label'])}."
        else:
            what = "the explanation was corrected."
        rows.append(f"<li>{day(item['at'])}: {what} {esc(item['note'])}</li>")
    return (
        f'<h{heading} class="minor">Corrections</h{heading}>\n<ul class="corrections">{"".join(rows)}</ul>\n'
    )


def verdict_card(verdict: dict[str, Any], *, level: int, link_page: bool) -> SafeString:
    """The card of a verdict (`reader.views._verdict`), its title a heading of `level`."""
    pk, rating = int(verdict["id"]), esc(verdict["rating"])
    parts = [
        f'<article class="verdict rating-{rating}" id="claim-{pk}" aria-labelledby="claim-{pk}-title">\n'
        f'<h{level} class="verdict-title" id="claim-{pk}-title"><span class="label rating-{rating}">'
        f'{esc(verdict["label"])}</span> <span class="claimant">{esc(verdict["claimant"])}</span>'
        f"</h{level}>\n"
        f'<blockquote class="quote"><p>{esc(verdict["quote"])}</p></blockquote>\n'
    ]
    if verdict["fuzzy"]:
        parts.append(
            '<p class="note">A correction changed these words after the verdict; they are marked '
            "where they now stand.</p>\n"
        )
    parts.append(f'<div class="summary">{paragraphs(verdict["summary"])}</div>\n')
    parts.append(_evidence(verdict["evidence"], level + 1))
    parts.append(_corrections(verdict["corrections"], level + 1))
    meta = f'<p class="meta">Published {day(verdict["published_at"])}'
    if link_page:
        meta += (
            f' · <a href="{esc(verdict["page"])}">This verdict on its own page'
            f'<span class="visually-hidden"> (claim {pk})</span></a>'
        )
    parts.append(meta + "</p>\n</article>\n")
    # Every value in it is escaped above.
    return mark_safe("".join(parts))
