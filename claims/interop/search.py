"""`GET /v1alpha1/claims:search`: Google's Fact Check Tools API, over this desk's published verdicts
and the reviews it imported, so that code written for Google's API works here by changing the base
URL (Google's own client included: `client_options={"api_endpoint": ...}`).

The answer streams this desk's claims first, then imported reviews, each in id order. A page token
is the position of the last result shown, signed and bound to the query it came with: a token that
was altered, or that comes from another query, is a 400. As in Google's API, empty values are left
out of the answer, `nextPageToken` too on the last page.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.interop.imports import site_of
from claims.models import LANGUAGE_TAG, Rating
from claims.platform.errors import ValidationFailed
from claims.platform.params import query_params
from claims.selectors.reviews import DESK, IMPORTED, SearchFilters, normalise_site, search_page

DEFAULT_PAGE_SIZE = 10  # Google's
MAX_PAGE_SIZE = 200
# `offset` skips results one by one: past this, follow `nextPageToken` instead.
MAX_OFFSET = 1000
MAX_AGE_DAYS = 36_500
TOKEN_SALT = "claims.interop.search.page-token"
# What a page token is bound to: a token from a query with any other of these is refused.
BOUND_PARAMS = ("query", "languageCode", "reviewPublisherSiteFilter", "maxAgeDays")
RATING_LABELS = dict(Rating.choices)
# Public answers may be kept this long by shared caches.
PUBLIC_CACHE_SECONDS = 60


class SearchParams(serializers.Serializer):
    query = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Full text over the claims. Required unless `reviewPublisherSiteFilter` is given.",
    )
    languageCode = serializers.RegexField(
        LANGUAGE_TAG,
        required=False,
        allow_blank=True,
        max_length=35,
        help_text="BCP 47 (`en`, `pt-BR`): reviews in that language, whatever the region.",
    )
    reviewPublisherSiteFilter = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        help_text="A publisher's site (`politifact.com`): its reviews, and its subdomains'.",
    )
    maxAgeDays = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_AGE_DAYS,
        help_text="Only claims made or reviewed in the last so many days.",
    )
    pageSize = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        default=DEFAULT_PAGE_SIZE,
        help_text=f"Results per page, 1 to {MAX_PAGE_SIZE}; 10 if not given, as Google's.",
    )
    pageToken = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="The `nextPageToken` of the previous page, with the same other parameters.",
    )
    offset = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_OFFSET,
        default=0,
        help_text=f"Results to skip from the first, 0 to {MAX_OFFSET}; ignored with a `pageToken`.",
    )


class ClaimSearchView(APIView):
    """Public: it serves only published verdicts and what others published. Counted against the
    client address's rate limit (`AddressRateLimitMiddleware`); Google's `key` is ignored."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type] = []

    # Described by Google's discovery document and docs/API.md, not by this API's OpenAPI
    # document, whose conventions (a token, /api/v1/, our list envelope) it does not follow.
    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        params = query_params(SearchParams, request)
        query = (params.get("query") or "").strip()
        site = normalise_site(params.get("reviewPublisherSiteFilter") or "")
        if not query and not site:
            raise ValidationFailed({"query": ["Give a `query`, or a `reviewPublisherSiteFilter`."]})
        bound = _bound(params)
        after = _read_token(params["pageToken"], bound) if params.get("pageToken") else None
        days = params.get("maxAgeDays")
        # To the minute: the pages of one search agree on where the window starts, and the
        # planner's estimates for it (kept a minute) are asked once, not on every request.
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        page = search_page(
            filters=SearchFilters(
                query=query or None,
                language=params.get("languageCode") or None,
                site=site or None,
                since=now - timedelta(days=days) if days else None,
            ),
            desk_site=desk_site(request),
            page_size=params["pageSize"],
            after=after,
            offset=0 if after else params["offset"],
        )
        body: dict[str, Any] = {
            "claims": [_desk_claim(request, row) for row in page.desk]
            + [_review(row) for row in page.reviews]
        }
        if page.next_key is not None:
            body["nextPageToken"] = _token(page.next_key, bound)
        return Response(body, headers={"Cache-Control": f"public, max-age={PUBLIC_CACHE_SECONDS}"})


def _bound(params: dict[str, Any]) -> str:
    """A digest of the parameters a page token belongs to."""
    values = [str(params.get(name) or "").strip().lower() for name in BOUND_PARAMS]
    return hashlib.sha256(json.dumps(values).encode()).hexdigest()[:16]


def _token(key: tuple[int, int], bound: str) -> str:
    return signing.dumps({"k": key[0], "i": key[1], "p": bound}, salt=TOKEN_SALT)


def _read_token(token: str, bound: str) -> tuple[int, int]:
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
        kind, last, query = payload["k"], payload["i"], payload["p"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationFailed(
            {"pageToken": ["Not a page token of ours: use the `nextPageToken` of a previous page."]}
        ) from None
    if query != bound:
        raise ValidationFailed(
            {"pageToken": ["This token belongs to another query: send it with the parameters it came with."]}
        )
    if kind not in (DESK, IMPORTED) or not isinstance(last, int) or isinstance(last, bool):
        raise ValidationFailed({"pageToken": ["Not a page token of ours."]})
    return kind, last


def _when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def _present(data: dict[str, Any]) -> dict[str, Any]:
    """Google's API leaves out what it has no value for; so do we."""
    return {key: value for key, value in data.items() if value not in (None, "")}


def desk_site(request: Request) -> str:
    """The desk's site as claims:search names and filters it: PUBLISHER_URL's host or, as the
    ClaimReview the pages carry says, the site's own host when PUBLISHER_URL is not set."""
    return site_of(settings.PUBLISHER_URL or request.build_absolute_uri("/"))


def _desk_claim(request: Request, row: dict[str, Any]) -> dict[str, Any]:
    review = _present(
        {
            "publisher": {"name": settings.PUBLISHER_NAME, "site": desk_site(request)},
            # The claim's public page (claims/reader/).
            "url": request.build_absolute_uri(f"/claims/{row['id']}/"),
            "title": row["article__headline"],
            "reviewDate": _when(row["published_at"]),
            "textualRating": RATING_LABELS.get(row["rating"]),
            "languageCode": row["article__language"],
        }
    )
    return _present(
        {
            "text": row["quote"],
            "claimant": row["claimant"],
            "claimDate": _when(row["article__published_at"]),
            "claimReview": [review],
        }
    )


def _review(row: dict[str, Any]) -> dict[str, Any]:
    review = _present(
        {
            "publisher": _present({"name": row["publisher_name"], "site": row["publisher_site"]}),
            "url": row["url"],
            "title": row["title"],
            "reviewDate": _when(row["review_date"]),
            "textualRating": row["rating_label"],
            "languageCode": row["language"],
        }
    )
    return _present(
        {
            "text": row["claim_reviewed"],
            "claimant": row["claimant"],
            "claimDate": _when(row["claim_date"]),
            "claimReview": [review],
        }
    )
