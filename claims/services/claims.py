"""Writes to claims: creating one where its quote stands, moving it through the workflow, deleting it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, TypedDict, cast

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from typing_extensions import Unpack

from claims.anchoring.quotes import anchor_quote
from claims.models import (
    AnchorKind,
    Article,
    Claim,
    ClaimStatus,
    Correction,
    EventAction,
)
from claims.platform.db.updates import apply_changes
from claims.platform.db.validation import full_clean, validate_and_save
from claims.platform.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from claims.services.versions import _lock, _record, _save_new_version

S = ClaimStatus

TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    S.PENDING: frozenset({S.IN_REVIEW, S.NOT_CHECKABLE}),
    S.IN_REVIEW: frozenset({S.PENDING, S.PUBLISHED, S.NOT_CHECKABLE}),
    # `published` -> `published` is the contract's correction in place (a new rating or summary).
    S.PUBLISHED: frozenset({S.IN_REVIEW, S.PUBLISHED}),
    S.NOT_CHECKABLE: frozenset({S.PENDING}),
}


class ClaimChanges(TypedDict, total=False):
    """What a claim update may change; only the keys the caller sent."""

    status: str
    rating: str | None
    summary: str
    claimant: str


def claim_create(
    *,
    actor: User,
    article_id: int,
    quote: str,
    claimant: str,
    start: int | None = None,
    end: int | None = None,
) -> Claim:
    with transaction.atomic():
        # Locked, so that no correction of the body commits between reading it and the claim.
        article = (
            Article.objects.select_for_update().filter(pk=article_id).only("id", "body", "revision").first()
        )
        if article is None:
            raise ValidationFailed({"article": [f"There is no article {article_id}."]})
        anchor = anchor_quote(article.body, quote, start=start, end=end)
        claim = Claim(
            article=article,
            quote=quote,
            start=anchor.start,
            end=anchor.end,
            prefix=anchor.prefix,
            suffix=anchor.suffix,
            claimant=claimant,
            revision=article.revision,
        )
        # The anchor placed the quote within every constraint on its span; the database checks
        # them again on save.
        validate_and_save(claim, taken=lambda: _span_taken(claim), fields=["claimant"], constraints=False)
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
    return claim


def _span_taken(claim: Claim) -> ValidationFailed | None:
    """The problem to raise if another claim already anchors the same span."""
    existing = (
        Claim.objects.filter(
            article_id=claim.article_id, revision=claim.revision, start=claim.start, end=claim.end
        )
        .exclude(pk=claim.pk)
        .values_list("id", flat=True)
        .first()
    )
    if existing is None:
        return None
    return ValidationFailed({"quote": [f"Claim {existing} already anchors this quote at these offsets."]})


@dataclass(frozen=True)
class Placing:
    """An editor's settling of where a claim stands in the article's current body: its quote
    there (`start` and `end` as when creating a claim: both or neither), or, with `accept`, the
    place a re-anchoring found for a fuzzy claim, as it is."""

    quote: str | None = None
    start: int | None = None
    end: int | None = None
    accept: bool = False


def claim_update(
    *,
    actor: User,
    claim_id: int,
    expected_versions: frozenset[int] | None,
    note: str = "",
    placing: Placing | None = None,
    **wanted: Unpack[ClaimChanges],
) -> Claim:
    """Change a claim's verdict, status or claimant, following the workflow, and settle its place.

    `expected_versions` are the versions the caller accepts (its `If-Match`; None: any). Moving a
    published verdict back to review, or correcting it in place, needs a `note`; publishing needs
    a rating and a summary. A `placing` makes the claim `exact` where the editor says. A request
    that changes nothing returns the claim as it is.
    """
    with transaction.atomic():
        if placing is not None:
            # The article first, as a correction of its body locks it, then the claim.
            article = _lock_article_of(claim_id)
        claim = _lock(claim_id, expected_versions)
        current = claim.status
        changes = apply_changes(claim, wanted)
        if placing is not None:
            changes |= _settle(claim, article, placing)
        if not changes:
            return claim

        target = claim.status
        if target != current and target not in TRANSITIONS[current]:
            raise InvalidTransition(current, target, TRANSITIONS[current])
        verdict_changed = "rating" in changes or "summary" in changes
        correcting = current == S.PUBLISHED and target == S.PUBLISHED and verdict_changed
        if current == S.PUBLISHED and (target == S.IN_REVIEW or correcting) and not note.strip():
            what = "Correcting a published verdict" if correcting else "Withdrawing a published verdict"
            raise ValidationFailed({"note": [f"{what} needs a `note` saying why."]})
        if target == S.PUBLISHED:
            missing = {}
            if not claim.rating:
                missing["rating"] = ["A published claim needs a rating."]
            if not claim.summary.strip():
                missing["summary"] = ["A published claim needs a non-empty summary."]
            if missing:
                raise ValidationFailed(missing)
        # The changed fields' own rules (lengths, choices, a claimant that is not blank); the
        # workflow's rules above are the constraints that span fields.
        full_clean(claim, fields=changes, constraints=False)
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
        saved = [*changes, "published_at", *(("prefix", "suffix") if "start" in changes else ())]
        _save_new_version(claim, fields=saved)
        _record(claim, actor, action, changes, note=note)
    return claim


def _lock_article_of(claim_id: int) -> Article:
    article_id = Claim.objects.filter(pk=claim_id).values_list("article_id", flat=True).first()
    if article_id is None:
        raise NotFound(f"There is no claim {claim_id}.")
    article = Article.objects.select_for_update().filter(pk=article_id).only("id", "body", "revision").first()
    if article is None:  # articles are never deleted while claims point into them
        raise NotFound(f"There is no claim {claim_id}.")
    return article


def _settle(claim: Claim, article: Article, placing: Placing) -> dict[str, list[Any]]:
    """Make the claim exact where the editor says; the changes, as the history stores them."""
    place: dict[str, Any]
    if placing.quote is None:
        if not placing.accept:
            return {}
        if claim.anchor != AnchorKind.FUZZY or claim.revision != article.revision:
            raise ValidationFailed(
                {
                    "anchor": [
                        f"Only a fuzzy claim's place can be accepted as it is; this claim is {claim.anchor}."
                        + (
                            " Give its `quote` (and `start`, `end`) in the current body to place it."
                            if claim.anchor == AnchorKind.ORPHANED
                            else ""
                        )
                    ]
                }
            )
        place = {"anchor": AnchorKind.EXACT, "anchor_score": None}
    else:
        found = anchor_quote(article.body, placing.quote, start=placing.start, end=placing.end)
        place = {
            "quote": placing.quote,
            "start": found.start,
            "end": found.end,
            "revision": article.revision,
            "anchor": AnchorKind.EXACT,
            "anchor_score": None,
        }
        claim.prefix, claim.suffix = found.prefix, found.suffix
    changes = apply_changes(claim, place)
    if "start" in changes or "end" in changes or "revision" in changes:
        problem = _span_taken(claim)
        if problem is not None:
            raise problem
    return changes


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
