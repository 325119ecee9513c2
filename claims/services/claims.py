"""Writes to claims: creating one where its quote stands, moving it through the workflow, deleting it."""

from __future__ import annotations

from typing import Final, cast

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.anchoring.quotes import Anchor, anchor_quote
from claims.models import (
    Article,
    Claim,
    ClaimStatus,
    Correction,
    EventAction,
)
from claims.platform.errors import Conflict, InvalidTransition, ValidationFailed
from claims.services.articles import UNSET
from claims.services.versions import _lock, _record, _save_new_version

S = ClaimStatus

TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    S.PENDING: frozenset({S.IN_REVIEW, S.NOT_CHECKABLE}),
    S.IN_REVIEW: frozenset({S.PENDING, S.PUBLISHED, S.NOT_CHECKABLE}),
    # `published` -> `published` is the contract's correction in place (a new rating or summary).
    S.PUBLISHED: frozenset({S.IN_REVIEW, S.PUBLISHED}),
    S.NOT_CHECKABLE: frozenset({S.PENDING}),
}


def claim_create(
    *,
    actor: User,
    article_id: int,
    quote: str,
    claimant: str,
    start: int | None = None,
    end: int | None = None,
) -> Claim:
    try:
        with transaction.atomic():
            article = Article.objects.filter(pk=article_id).only("id", "body").first()
            if article is None:
                raise ValidationFailed({"article": [f"There is no article {article_id}."]})
            anchor = anchor_quote(article.body, quote, start=start, end=end)
            _refuse_duplicate_span(article_id, anchor)
            claim = Claim.objects.create(
                article=article,
                quote=quote,
                start=anchor.start,
                end=anchor.end,
                prefix=anchor.prefix,
                suffix=anchor.suffix,
                claimant=claimant,
            )
            _record(
                claim,
                actor,
                EventAction.CREATED,
                {
                    "quote": [None, quote],
                    "start": [None, anchor.start],
                    "end": [None, anchor.end],
                    "claimant": [None, claimant],
                    "status": [None, claim.status],
                },
            )
    except IntegrityError:
        # A concurrent request anchored the same span after our check.
        _refuse_duplicate_span(article_id, anchor)
        raise
    return claim


def _refuse_duplicate_span(article_id: int, anchor: Anchor) -> None:
    existing = (
        Claim.objects.filter(article_id=article_id, start=anchor.start, end=anchor.end)
        .values_list("id", flat=True)
        .first()
    )
    if existing is not None:
        raise ValidationFailed({"quote": [f"Claim {existing} already anchors this quote at these offsets."]})


def claim_update(
    *,
    actor: User,
    claim_id: int,
    expected_versions: frozenset[int] | None,
    status: str = UNSET,
    rating: str | None = UNSET,
    summary: str = UNSET,
    claimant: str = UNSET,
    note: str = "",
) -> Claim:
    """Change a claim's verdict, status or claimant, following the workflow.

    `expected_versions` are the versions the caller accepts (its `If-Match`; None: any). Moving a
    published verdict back to review, or correcting it in place, needs a `note`; publishing needs
    a rating and a summary. A request that changes nothing returns the claim as it is.
    """
    with transaction.atomic():
        claim = _lock(claim_id, expected_versions)
        wanted = {"status": status, "rating": rating, "summary": summary, "claimant": claimant}
        changes = {
            field: [getattr(claim, field), value]
            for field, value in wanted.items()
            if value is not UNSET and getattr(claim, field) != value
        }
        if not changes:
            return claim

        current = claim.status
        target = changes["status"][1] if "status" in changes else current
        if target != current and target not in TRANSITIONS[current]:
            raise InvalidTransition(current, target, TRANSITIONS[current])
        verdict_changed = "rating" in changes or "summary" in changes
        correcting = current == S.PUBLISHED and target == S.PUBLISHED and verdict_changed
        if current == S.PUBLISHED and (target == S.IN_REVIEW or correcting) and not note.strip():
            what = "Correcting a published verdict" if correcting else "Withdrawing a published verdict"
            raise ValidationFailed({"note": [f"{what} needs a `note` saying why."]})

        for field, (_, new) in changes.items():
            setattr(claim, field, new)
        if target == S.PUBLISHED:
            missing = {}
            if not claim.rating:
                missing["rating"] = ["A published claim needs a rating."]
            if not claim.summary.strip():
                missing["summary"] = ["A published claim needs a non-empty summary."]
            if missing:
                raise ValidationFailed(missing)
        if target != current:
            claim.published_at = timezone.now() if target == S.PUBLISHED else None

        if correcting:
            Correction.objects.create(
                claim=claim,
                from_rating=changes.get("rating", [claim.rating])[0],
                to_rating=cast(str, claim.rating),  # checked above: a published claim has one
                note=note,
            )
        action = (
            EventAction.CORRECTED
            if correcting
            else EventAction.STATUS_CHANGED
            if target != current
            else EventAction.UPDATED
        )
        _save_new_version(claim, fields=[*changes, "published_at"])
        _record(claim, actor, action, changes, note=note)
    return claim


def claim_delete(*, actor: User, claim_id: int, expected_versions: frozenset[int] | None) -> None:
    """Delete a claim that is still pending. Its history stays, ending with the deletion."""
    with transaction.atomic():
        claim = _lock(claim_id, expected_versions)
        if claim.status != S.PENDING:
            raise Conflict(
                f"Only pending claims can be deleted; this one is '{claim.status}'. "
                "Move it back to 'pending' first if it really should go "
                f"({' -> '.join(_path_to_pending(claim.status))})."
            )
        claim.version += 1
        _record(
            claim,
            actor,
            EventAction.DELETED,
            {
                "quote": [claim.quote, None],
                "claimant": [claim.claimant, None],
                "status": [claim.status, None],
            },
        )
        claim.delete()


def _path_to_pending(status: str) -> list[str]:
    """The shortest walk through the workflow from `status` back to pending."""
    paths = [[status]]
    while paths:
        path = paths.pop(0)
        if path[-1] == S.PENDING:
            return path
        paths.extend([*path, nxt] for nxt in sorted(TRANSITIONS[path[-1]]) if nxt not in path)
    return [status]
