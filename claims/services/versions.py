"""What every write to a claim does: lock it at the version the caller read, save the next
version, and record the change in its history."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from claims.models import (
    Claim,
    ClaimEvent,
)
from claims.platform.db import raw
from claims.platform.errors import NotFound, PreconditionFailed
from claims.services.changes import change_record, claim_change_type


def _lock(claim_id: int, expected_versions: frozenset[int] | None) -> Claim:
    claim = raw.locked(Claim, claim_id)
    if claim is None:
        raise NotFound(f"There is no claim {claim_id}.")
    if expected_versions is not None and claim.version not in expected_versions:
        raise PreconditionFailed(
            f"The claim has changed since you read it: it is at version {claim.version}. "
            "Fetch it again, then retry with its new ETag."
        )
    return claim


def _save_new_version(claim: Claim, *, fields: list[str]) -> None:
    claim.version += 1
    claim.save(update_fields=sorted({*fields, "version", "updated_at"}))


def _record(
    claim: Claim, actor: User, action: str, changes: dict[str, list[Any]], *, note: str = ""
) -> ClaimEvent:
    """The claim's history event, and its change in the feed: the last statements of every write
    to a claim but a re-anchoring, whose transaction records its own (services/articles.py)."""
    event = ClaimEvent.objects.create(
        claim_id=claim.pk, actor=actor, action=action, changes=changes, note=note, version=claim.version
    )
    change_record(
        type=claim_change_type(action, changes),
        article_id=claim.article_id,
        claim_id=claim.pk,
        version=claim.version,
    )
    return event
