"""A published verdict as schema.org ClaimReview, the markup search engines and fact-check
aggregators read (https://developers.google.com/search/docs/appearance/structured-data/factcheck).

`claim_review` is pure: the rows and the URLs come in, a JSON-ready dict goes out, so the reader
pages and the API serve the same document for a claim; `reviews_for_request` supplies the URLs
and the publisher. Only a published verdict has
a ClaimReview: the callers pass published rows only, and `claim_review` refuses any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from claims.models import RATING_VALUES, ClaimStatus, Rating

CONTEXT = "https://schema.org"
BEST_RATING = 5
WORST_RATING = 1


@dataclass(frozen=True)
class Publisher:
    """The fact-checking organisation (settings PUBLISHER_NAME, PUBLISHER_URL)."""

    name: str
    url: str


def timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with `Z`, as the API writes every timestamp."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def claimant_type(claimant: str, *, outlet: str) -> str:
    """`Organization` when the claim is the outlet's own (the claimant is the outlet's name),
    else `Person`. The model records no kind of claimant, and a claimant is almost always a
    person quoted or the column's author; guessing an organisation from the words of a name
    would be wrong as often as right."""
    same = outlet.strip() and claimant.strip().casefold() == outlet.strip().casefold()
    return "Organization" if same else "Person"


def review_rating(rating: str) -> dict[str, Any]:
    """The `reviewRating`: the label always, the 1..5 value and its bounds where the scale has
    one (docs/API.md, "Rating scale")."""
    result: dict[str, Any] = {"@type": "Rating", "alternateName": Rating(rating).label}
    value = RATING_VALUES[rating]
    if value is not None:
        result |= {"ratingValue": value, "bestRating": BEST_RATING, "worstRating": WORST_RATING}
    return result


def appearance(article: Mapping[str, Any], *, article_url: str) -> dict[str, Any]:
    """Where the claim appeared: the column, with whatever of its author and outlet is known."""
    work: dict[str, Any] = {"@type": "NewsArticle", "headline": article["headline"], "url": article_url}
    if article["author"]:
        work["author"] = {"@type": "Person", "name": article["author"]}
    if article["outlet"]:
        work["publisher"] = {"@type": "Organization", "name": article["outlet"]}
    return work


def claim_review(
    claim: Mapping[str, Any],
    article: Mapping[str, Any],
    *,
    claim_url: str,
    article_url: str,
    publisher: Publisher,
) -> dict[str, Any]:
    """The ClaimReview of one published claim.

    `claim` is a claim row (`selectors.claims.CLAIM_COLUMNS`), `article` its article's
    `headline`, `author`, `outlet` and `published_at`; `claim_url` is the claim's public page and
    `article_url` the column (its own URL, else its public page here)."""
    if claim["status"] != ClaimStatus.PUBLISHED:
        raise ValueError(f"Claim {claim['id']} is not published: it has no ClaimReview.")
    item: dict[str, Any] = {
        "@type": "Claim",
        "author": {
            "@type": claimant_type(claim["claimant"], outlet=article["outlet"]),
            "name": claim["claimant"],
        },
    }
    if article["published_at"] is not None:
        item["datePublished"] = timestamp(article["published_at"])
    item["appearance"] = appearance(article, article_url=article_url)
    return {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "url": claim_url,
        "claimReviewed": claim["quote"],
        "datePublished": timestamp(claim["published_at"]),
        "author": {"@type": "Organization", "name": publisher.name, "url": publisher.url},
        "reviewRating": review_rating(claim["rating"]),
        "itemReviewed": item,
    }


def reviews_for_request(
    request: HttpRequest, claims: Iterable[Mapping[str, Any]], article: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The ClaimReviews of published claims of one article, with every URL absolute on the host
    the request reached, so a page and the API, asked on one host, give the same documents."""
    publisher = Publisher(
        name=settings.PUBLISHER_NAME, url=settings.PUBLISHER_URL or request.build_absolute_uri("/")
    )
    article_url = article["url"] or request.build_absolute_uri(
        reverse("reader-article", args=[article["id"]])
    )
    # One reverse() for the page, not one per claim: an article may have hundreds.
    claim_pages = request.build_absolute_uri(claim_path_prefix())
    return [
        claim_review(
            claim,
            article,
            claim_url=f"{claim_pages}{int(claim['id'])}/",
            article_url=article_url,
            publisher=publisher,
        )
        for claim in claims
    ]


def claim_path_prefix() -> str:
    """The path of the claims' public pages up to the id: `/claims/` (under any script prefix)."""
    path = reverse("reader-claim", args=[1])
    return path.removesuffix("1/")
