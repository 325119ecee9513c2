"""Reads of a claim's history."""

from __future__ import annotations

from django.db.models import QuerySet

from claims.models import ClaimEvent
from claims.platform.pagination import BY_ID, Page, paginate


def claim_events(*, claim_id: int) -> QuerySet[ClaimEvent]:
    """The claim's history events, oldest first, each with its actor."""
    return ClaimEvent.objects.filter(claim_id=claim_id).select_related("actor").order_by("id")


def claim_history_page(*, claim_id: int, page_size: int, cursor: str | None) -> Page:
    """A page of the claim's history events, oldest first, each with its actor: one query."""
    return paginate(claim_events(claim_id=claim_id), ordering=BY_ID, page_size=page_size, cursor=cursor)
