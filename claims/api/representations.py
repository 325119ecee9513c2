"""The JSON shape of claims, built straight from database rows.

The list and detail endpoints are the service's hot path: building these dicts from `.values()`
rows costs a fraction of DRF serializers over model instances (docs/PERFORMANCE.md).
`ClaimSerializer` stays the documented schema, and `tests/test_representations.py` holds the two
to the same output.
The rows come from `claims.selectors`. Timestamps stay datetimes here: the orjson renderer writes
them as RFC 3339 with a `Z`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from claims.selectors.claims import VerdictDetails
from claims.selectors.visibility import verdict_visible


def claims_json(
    rows: Iterable[dict[str, Any]], details: VerdictDetails, *, drafts_visible: bool
) -> list[dict[str, Any]]:
    return [
        claim_json(
            row, details.evidence[row["id"]], details.corrections[row["id"]], drafts_visible=drafts_visible
        )
        for row in rows
    ]


def claim_json(
    row: dict[str, Any],
    evidence: list[dict[str, Any]],
    corrections: list[dict[str, Any]],
    *,
    drafts_visible: bool,
) -> dict[str, Any]:
    shown = verdict_visible(row["status"], drafts_visible=drafts_visible)
    return {
        "id": row["id"],
        "article": row["article_id"],
        "quote": row["quote"],
        "start": row["start"],
        "end": row["end"],
        "claimant": row["claimant"],
        "status": row["status"],
        "rating": row["rating"] if shown else None,
        "summary": row["summary"] if shown else None,
        "evidence": evidence if shown else [],
        "corrections": corrections if shown else [],
        "version": row["version"],
        "anchor": row["anchor"],
        "anchor_score": row["anchor_score"],
        "revision": row["revision"],
        "published_at": row["published_at"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
