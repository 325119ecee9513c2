"""Who may see a claim's verdict: editors and admins always, everyone else once it is published.

The one place this rule lives. Every surface that shows a verdict (the API's JSON, its filters and
search, and whatever comes next) asks `verdict_visible` of a row, or filters with
`visible_verdicts`.
"""

from __future__ import annotations

from django.db.models import Q

from claims.models import ClaimStatus
from claims.platform.db.statements import Inlined


def verdict_visible(status: str, *, drafts_visible: bool) -> bool:
    """Whether a claim in `status` shows its verdict (rating, summary, evidence, corrections)."""
    return drafts_visible or status == ClaimStatus.PUBLISHED


# The status is written into the SQL, as the partial indexes of published summaries name it
# (migrations 0007 and 0015), so that a statement planned once can use them. Built once: every
# list request asks for it.
_PUBLISHED = Q(status=Inlined(ClaimStatus.PUBLISHED))


def visible_verdicts(*, drafts_visible: bool) -> Q:
    """The claims whose verdicts a viewer may see, as a filter (empty, so everything, for editors)."""
    return Q() if drafts_visible else _PUBLISHED
