"""Reads of a claim's history."""

from __future__ import annotations

from django.db.models import QuerySet

from claims.models import (
    ClaimEvent,
)


def claim_history(*, claim_id: int) -> QuerySet[ClaimEvent]:
    return ClaimEvent.objects.filter(claim_id=claim_id).select_related("actor")
