"""A correction of an article's body: the new revision, and every claim re-anchored in it, in the
transaction of the body's change (the caller's)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from claims.anchoring.quotes import CONTEXT_CHARS
from claims.anchoring.reanchor import Span, reanchor
from claims.models import AnchorKind, Article, ArticleRevision, Claim, ClaimEvent, EventAction
from claims.platform.db import raw

# The worse of two anchors: a fuzzy claim stays fuzzy until an editor settles it, even where a
# later correction leaves its (already changed) words alone.
_RANK: dict[str, int] = {AnchorKind.EXACT: 0, AnchorKind.FUZZY: 1, AnchorKind.ORPHANED: 2}


def record_revision(*, article: Article, actor: User, old_body: str, note: str) -> list[Claim]:
    """Store the article's new body as its next revision and re-anchor its claims; the article
    has been saved with the new body and `revision` already. Returns the claims re-anchored.

    Claims that were orphaned before stay as they are (their offsets refer to an older
    revision); every other claim is locked, placed by `claims.anchoring.reanchor`, saved with a
    new version and given a `reanchored` history event with its old and new place."""
    ArticleRevision.objects.create(
        article=article, number=article.revision, body=article.body, note=note, actor=actor
    )
    claims = list(
        Claim.objects.select_for_update()
        .filter(article_id=article.pk)
        .exclude(anchor=AnchorKind.ORPHANED)
        .order_by("id")
    )
    if not claims:
        return []
    spans = [Span(c.start, c.end, c.quote, c.prefix, c.suffix) for c in claims]
    placements = reanchor(old_body, article.body, spans)
    now = timezone.now()
    taken: set[tuple[int, int]] = set()
    events = []
    for claim, placement in zip(claims, placements, strict=True):
        before = _place_of(claim)
        kind: str = placement.anchor
        if kind != AnchorKind.ORPHANED and (placement.start, placement.end) in taken:
            # Two claims placed on the very same words: the later one cannot say which is its own.
            kind = AnchorKind.ORPHANED
        if kind == AnchorKind.ORPHANED:
            claim.anchor = AnchorKind.ORPHANED
            claim.anchor_score = placement.score
        else:
            taken.add((placement.start, placement.end))
            worse = max(kind, claim.anchor, key=_RANK.__getitem__)
            if worse == AnchorKind.EXACT:
                score = 1.0
            elif claim.anchor == AnchorKind.FUZZY:
                score = min(claim.anchor_score if claim.anchor_score is not None else 1.0, placement.score)
            else:
                score = placement.score
            claim.quote, claim.start, claim.end = placement.quote, placement.start, placement.end
            claim.prefix = article.body[max(0, placement.start - CONTEXT_CHARS) : placement.start]
            claim.suffix = article.body[placement.end : placement.end + CONTEXT_CHARS]
            claim.revision = article.revision
            claim.anchor = worse
            claim.anchor_score = score
        claim.version += 1
        claim.updated_at = now
        after = _place_of(claim)
        events.append(
            ClaimEvent(
                claim_id=claim.pk,
                at=now,
                actor=actor,
                action=EventAction.REANCHORED,
                changes={field: [before[field], after[field]] for field in before},
                note=note,
                version=claim.version,
            )
        )
    raw.update_many(claims, [*PLACE_FIELDS, "prefix", "suffix", "version", "updated_at"])
    ClaimEvent.objects.bulk_create(events)
    return claims


# What a re-anchoring may change, and its history event records as [old, new].
PLACE_FIELDS = ("quote", "start", "end", "revision", "anchor", "anchor_score")


def _place_of(claim: Claim) -> dict[str, Any]:
    return {field: getattr(claim, field) for field in PLACE_FIELDS}
