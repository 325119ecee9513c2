"""Examples for the OpenAPI schema, taken from the seed column (Bobby Ghosh on NATO's London
meeting, `claims.demo`) as a freshly loaded database serves it (`python manage.py load_demo`):
the column is article 1, and its claims are 1 to 30 in the order of the text, with their evidence
and history. Ids, offsets, versions and texts are the service's own, and
tests/test_openapi_clients.py holds the read examples to what the service answers; only the
timestamps and the host are made up. Schema only: no view calls these.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import claims.demo
from claims.demo.nato_claims import ARTICLE, CLAIMS
from claims.interop import claimreview
from claims.platform.pagination import BY_ID, encode_cursor

BASE = "https://claims.example.org"
API = f"{BASE}/api/v1"
COLUMN = (Path(claims.demo.__file__).parent / "nato-column.txt").read_text(encoding="utf-8")
ARTICLE_ID = 1
UNKNOWN_ARTICLE = 2
UNKNOWN_CLAIM = len(CLAIMS) + 1
DEMO_ACTOR = "load_demo"

# The desk loaded the column the day after it ran; each claim's changes follow a few seconds apart.
_LOADED = datetime(2019, 12, 6, 9, 30, tzinfo=UTC)


def timestamp(claim_id: int, version: int) -> str:
    """When claim `claim_id` reached `version` (claim 0, version 0: the article), as the service
    writes timestamps: RFC 3339 in UTC, to the microsecond."""
    at = _LOADED + timedelta(minutes=2 * claim_id, seconds=7 * version)
    micro = (claim_id * 7919 + version * 104_729 + 31_337) % 1_000_000
    return f"{at:%Y-%m-%dT%H:%M:%S}.{micro:06d}Z"


# --- articles ------------------------------------------------------------------------------------


def article(*, body: bool, claim_count: int = len(CLAIMS)) -> dict[str, Any]:
    data = {
        "id": ARTICLE_ID,
        "headline": ARTICLE["headline"],
        "author": ARTICLE["author"],
        "outlet": ARTICLE["outlet"],
        "url": ARTICLE["url"],
        "published_at": ARTICLE["published_at"],
        "language": ARTICLE["language"],
        "claim_count": claim_count,
        "version": 1,
        "revision": 1,
        "created_at": timestamp(0, 0),
        "updated_at": timestamp(0, 0),
    }
    return {**data, "body": COLUMN} if body else data


ARTICLE_CREATE_REQUEST = {
    "headline": ARTICLE["headline"],
    "author": ARTICLE["author"],
    "outlet": ARTICLE["outlet"],
    "url": ARTICLE["url"],
    "published_at": ARTICLE["published_at"],
    "language": ARTICLE["language"],
    "body": COLUMN,
}


# --- claims --------------------------------------------------------------------------------------


def _spec(claim_id: int) -> dict[str, Any]:
    return CLAIMS[claim_id - 1]


def _offsets(claim_id: int) -> tuple[int, int]:
    quote = _spec(claim_id)["quote"]
    start = COLUMN.index(quote)
    return start, start + len(quote)


def _version(claim_id: int) -> int:
    """The claim's version once load_demo has walked it to its status: created (1), then one
    version per step (claims.management.commands.load_demo)."""
    spec = _spec(claim_id)
    steps = {"pending": 0, "not_checkable": 1, "in_review": 1, "published": 2}[spec["status"]]
    return 1 + steps + len(spec["evidence"])


def evidence(claim_id: int) -> list[dict[str, Any]]:
    first = sum(len(spec["evidence"]) for spec in CLAIMS[: claim_id - 1]) + 1
    return [
        {"id": first + n, **item, "added_at": timestamp(claim_id, 3 + n)}
        for n, item in enumerate(_spec(claim_id)["evidence"])
    ]


def claim(claim_id: int, *, drafts_visible: bool = True) -> dict[str, Any]:
    """Claim `claim_id` as load_demo leaves it, as an editor (`drafts_visible`) or a client sees it."""
    spec = _spec(claim_id)
    start, end = _offsets(claim_id)
    version = _version(claim_id)
    shown = drafts_visible or spec["status"] == "published"
    return {
        "id": claim_id,
        "article": ARTICLE_ID,
        "quote": spec["quote"],
        "start": start,
        "end": end,
        "claimant": spec["claimant"],
        "status": spec["status"],
        "rating": spec["rating"] if shown else None,
        "summary": spec["summary"] if shown else None,
        "evidence": evidence(claim_id) if shown else [],
        "corrections": [],
        "version": version,
        "anchor": "exact",
        "anchor_score": None,
        "revision": 1,
        "published_at": timestamp(claim_id, version) if spec["status"] == "published" else None,
        "created_at": timestamp(claim_id, 1),
        "updated_at": timestamp(claim_id, version),
    }


def created_claim(claim_id: int) -> dict[str, Any]:
    """Claim `claim_id` as its 201 shows it to the editor who anchored it: pending, version 1."""
    return {
        **claim(claim_id),
        "status": "pending",
        "rating": None,
        "summary": "",
        "evidence": [],
        "version": 1,
        "published_at": None,
        "updated_at": timestamp(claim_id, 1),
    }


def claim_etag(claim_id: int, version: int | None = None, *, drafts_visible: bool = True) -> str:
    return f'"{claim_id}-{version or _version(claim_id)}-{"e" if drafts_visible else "c"}"'


def claim_url(claim_id: int) -> str:
    return f"{API}/claims/{claim_id}/"


def create_request(claim_id: int, *, offsets: bool = False) -> dict[str, Any]:
    spec = _spec(claim_id)
    body = {"article": ARTICLE_ID, "quote": spec["quote"], "claimant": spec["claimant"]}
    if offsets:
        body["start"], body["end"] = _offsets(claim_id)
    return body


# The first claim's draft verdict, as the second editor signs it off.
FIRST_CLAIM_VERDICT = "True. " + _spec(1)["summary"].removeprefix("DRAFT: ").removesuffix(
    " Awaiting editor sign-off."
)
PUBLISH_REQUEST = {
    "status": "published",
    "rating": "true",
    "summary": FIRST_CLAIM_VERDICT,
    "note": "Second editor signed off.",
}
# docs/API.md's walk-through: an editor takes claim 2 into review.
REVIEW_REQUEST = {"status": "in_review", "note": "Checking who was there."}


def in_review_claim(claim_id: int) -> dict[str, Any]:
    """A pending claim after REVIEW_REQUEST."""
    return {
        **claim(claim_id),
        "status": "in_review",
        "version": 2,
        "updated_at": timestamp(claim_id, 2),
    }


def published_first_claim() -> dict[str, Any]:
    """Claim 1 after PUBLISH_REQUEST."""
    version = _version(1) + 1
    return {
        **claim(1),
        "status": "published",
        "rating": PUBLISH_REQUEST["rating"],
        "summary": FIRST_CLAIM_VERDICT,
        "version": version,
        "published_at": timestamp(1, version),
        "updated_at": timestamp(1, version),
    }


def evidence_request(claim_id: int, n: int = 0) -> dict[str, Any]:
    return dict(_spec(claim_id)["evidence"][n])


# --- pages ---------------------------------------------------------------------------------------


# GET /api/v1/claims/?article=1&status=published&page_size=2: the first two published verdicts.
PUBLISHED = [n for n in range(1, len(CLAIMS) + 1) if _spec(n)["status"] == "published"]
_NEXT_CURSOR = encode_cursor(BY_ID, [PUBLISHED[1]], reverse=False)
CLAIM_PAGE_QUERY = "?article=1&page_size=2&status=published"
CLAIM_PAGE_NEXT = f"{API}/claims/?article=1&cursor={_NEXT_CURSOR}&page_size=2&status=published"
CLAIM_PAGE = {
    "next": CLAIM_PAGE_NEXT,
    "previous": None,
    "results": [claim(PUBLISHED[0]), claim(PUBLISHED[1])],
}
CLAIM_PAGE_LINK = f'<{CLAIM_PAGE_NEXT}>; rel="next"'

ARTICLE_PAGE = {"next": None, "previous": None, "results": [article(body=False)]}
# Once the desk has added more columns: the first page of one article, and the link to the next.
_ARTICLE_CURSOR = encode_cursor(BY_ID, [ARTICLE_ID], reverse=False)
ARTICLE_PAGE_LINK = f'<{API}/articles/?cursor={_ARTICLE_CURSOR}&page_size=1>; rel="next"'


def history(claim_id: int) -> list[dict[str, Any]]:
    """Claim `claim_id`'s history as load_demo writes it (claims.management.commands.load_demo)."""
    spec = _spec(claim_id)
    start, end = _offsets(claim_id)
    steps: list[tuple[str, dict[str, Any], str]] = [
        (
            "created",
            {
                "quote": [None, spec["quote"]],
                "start": [None, start],
                "end": [None, end],
                "claimant": [None, spec["claimant"]],
                "status": [None, "pending"],
            },
            "",
        )
    ]
    status = spec["status"]
    if status == "not_checkable":
        steps.append(("status_changed", {"status": ["pending", status]}, spec["note"]))
    elif status in ("in_review", "published"):
        draft: dict[str, Any] = {"status": ["pending", "in_review"], "summary": ["", spec["summary"]]}
        if spec["rating"]:
            draft["rating"] = [None, spec["rating"]]
        steps.append(("status_changed", draft, spec["note"] if status == "in_review" else ""))
        for item in evidence(claim_id):
            added = {key: item[key] for key in ("id", "url", "title", "publisher")}
            steps.append(("evidence_added", {"evidence": [None, added]}, item["note"]))
        if status == "published":
            steps.append(("status_changed", {"status": ["in_review", "published"]}, spec["note"]))
    first = sum(_version(n) for n in range(1, claim_id)) + 1
    return [
        {
            "id": first + n,
            "at": timestamp(claim_id, n + 1),
            "actor": DEMO_ACTOR,
            "action": action,
            "changes": changes,
            "note": note,
            "version": n + 1,
        }
        for n, (action, changes, note) in enumerate(steps)
    ]


def history_link(claim_id: int) -> str:
    """The `Link` of the second page of claim `claim_id`'s history, one event a page: both ways."""
    second = history(claim_id)[1]["id"]
    url = f"{API}/claims/{claim_id}/history/"
    forward = encode_cursor(BY_ID, [second], reverse=False)
    back = encode_cursor(BY_ID, [second], reverse=True)
    return f'<{url}?cursor={forward}&page_size=1>; rel="next", <{url}?cursor={back}&page_size=1>; rel="prev"'


# --- revisions and annotations -----------------------------------------------------------------


def revision(*, body: bool) -> dict[str, Any]:
    """The seed column's revision 1, as load_demo stored it."""
    data = {
        "revision": 1,
        "created_at": timestamp(0, 0),
        "actor": DEMO_ACTOR,
        "note": "",
        "characters": len(COLUMN),
    }
    return {**data, "body": COLUMN} if body else data


def annotation(claim_id: int) -> dict[str, Any]:
    """Claim `claim_id` as a W3C Web Annotation."""
    spec = _spec(claim_id)
    start, end = _offsets(claim_id)
    value = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": f"{claim_url(claim_id)}annotation/",
        "type": "Annotation",
        "motivation": "assessing" if spec["status"] == "published" else "highlighting",
        "created": timestamp(claim_id, 1),
        "modified": timestamp(claim_id, _version(claim_id)),
        "target": {
            "source": ARTICLE["url"],
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": spec["quote"],
                    "prefix": COLUMN[max(0, start - 32) : start],
                    "suffix": COLUMN[end : end + 32],
                },
                {"type": "TextPositionSelector", "start": start, "end": end},
            ],
        },
    }
    return value


def claim_review(claim_id: int) -> dict[str, Any]:
    """Published claim `claim_id` as ClaimReview, as this service at BASE serves it."""
    row = claim(claim_id, drafts_visible=False)
    row["published_at"] = datetime.fromisoformat(row["published_at"])
    column = {**ARTICLE, "id": ARTICLE_ID, "published_at": datetime.fromisoformat(ARTICLE["published_at"])}
    return claimreview.claim_review(
        row,
        column,
        claim_url=f"{BASE}/claims/{claim_id}/",
        article_url=ARTICLE["url"],
        publisher=claimreview.Publisher(name="Claim tracker", url=f"{BASE}/"),
    )


PUBLISHED_REVIEW = PUBLISHED[0]
