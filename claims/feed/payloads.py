"""What the feed shows of a change, and what a webhook delivers: the same entry, plus the claim
or the article as it stands when delivered, as the subscriber may see it."""

from __future__ import annotations

from typing import Any

import orjson

from claims.api.representations import claim_json
from claims.api.serializers import ArticleSerializer
from claims.models import ChangeType
from claims.selectors.articles import article_detail
from claims.selectors.claims import claim_detail, verdict_details


def entry(row: dict[str, Any]) -> dict[str, Any]:
    """A change as the feed shows it, from a `selectors.changes` row."""
    return {
        "position": row["position"],
        "at": row["at"],
        "type": row["type"],
        "article": row["article_id"],
        "claim": row["claim_id"],
        "version": row["version"],
    }


def subject(row: dict[str, Any], *, drafts_visible: bool) -> dict[str, Any] | None:
    """The claim or the article the change is about, as it stands now and as a viewer who may
    (or may not) see drafts sees it; None once it is gone. Its own `version` tells whether a
    later change has been made since (the feed will then carry that change too)."""
    if row["type"] == ChangeType.REVIEW_IMPORTED or row["type"] == ChangeType.CLAIM_DELETED:
        return None
    if row["claim_id"] is not None:
        claim = claim_detail(claim_id=row["claim_id"])
        if claim is None:
            return None
        details = verdict_details(rows=[claim], drafts_visible=drafts_visible)
        return claim_json(
            claim,
            details.evidence[claim["id"]],
            details.corrections[claim["id"]],
            drafts_visible=drafts_visible,
        )
    article = article_detail(article_id=row["article_id"])
    return dict(ArticleSerializer(article).data) if article is not None else None


def webhook_body(row: dict[str, Any], *, drafts_visible: bool) -> bytes:
    body = entry(row) | {"data": subject(row, drafts_visible=drafts_visible)}
    return orjson.dumps(body, option=orjson.OPT_UTC_Z, default=str)
