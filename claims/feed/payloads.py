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
        # Beyond the contract's keys: which imported review a `review.imported` is about.
        "review": row["review_id"],
        "version": row["version"],
    }


def subject(row: dict[str, Any], *, drafts_visible: bool) -> dict[str, Any] | None:
    """The claim or the article as the change left it, as a viewer who may (or may not) see
    drafts sees it: read when delivered, and given only if it is still at the change's version.
    None once a later change has been made (that change follows, with its own), or it is gone:
    a delivery never shows a later state under an earlier change's name, so a claim's draft
    verdict never reaches a client under a `claim.updated` even after it is published."""
    if row["type"] == ChangeType.REVIEW_IMPORTED or row["type"] == ChangeType.CLAIM_DELETED:
        return None
    if row["claim_id"] is not None:
        claim = claim_detail(claim_id=row["claim_id"])
        if claim is None or claim["version"] != row["version"]:
            return None
        details = verdict_details(rows=[claim], drafts_visible=drafts_visible)
        return claim_json(
            claim,
            details.evidence[claim["id"]],
            details.corrections[claim["id"]],
            drafts_visible=drafts_visible,
        )
    article = article_detail(article_id=row["article_id"])
    if article is None or article.version != row["version"]:
        return None
    return dict(ArticleSerializer(article).data)


def webhook_body(row: dict[str, Any], *, drafts_visible: bool) -> bytes:
    body = entry(row) | {"data": subject(row, drafts_visible=drafts_visible)}
    return orjson.dumps(body, option=orjson.OPT_UTC_Z, default=str)
