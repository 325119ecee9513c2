"""Imported reviews: others' fact-checks, read and imported as ClaimReview."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiRequest, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.api.serializers import Id, PageParams, SearchText
from claims.api.views.common import page_response
from claims.interop.imports import ImportReport, UnreadableInput, import_items, items_of_text
from claims.models import LANGUAGE_TAG
from claims.platform.errors import NotFound, ValidationFailed
from claims.platform.params import query_params
from claims.platform.schema import (
    EDITORS,
    READERS,
    describe,
    link_header,
    paginated,
    path_id,
    problems,
    validation_example,
)
from claims.selectors.reviews import review_detail, review_page

# What an import reads, as the sender names it: JSON (a document, or JSON lines), HTML, or plain
# text to be taken for whichever it looks like. A form or a file upload is a 415.
IMPORT_MEDIA_TYPES: dict[str, str | None] = {
    "application/json": "json",
    "application/ld+json": "json",
    "application/x-ndjson": "json",
    "application/jsonl": "json",
    "application/jsonlines": "json",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": None,
}


class ReviewListParams(PageParams):
    q = SearchText(max_length=500, help_text="Full text over the claim reviewed.")
    publisher = SearchText(
        max_length=255, help_text="The publisher's name (any case), or its site (`politifact.com`)."
    )
    language = serializers.RegexField(
        LANGUAGE_TAG,
        required=False,
        allow_blank=True,
        max_length=35,
        help_text="BCP 47 (`en`, `pt-BR`): reviews in that language, whatever the region.",
    )


class Score(serializers.FloatField):
    """A rating's number as the record gave it: `1`, not `1.0`, when it is whole."""

    def to_representation(self, value: Any) -> Any:
        number = float(value)
        return int(number) if number.is_integer() else number


class PublisherSerializer(serializers.Serializer):
    name = serializers.CharField(source="publisher_name", help_text="Empty when the record names none.")
    site = serializers.CharField(
        source="publisher_site", help_text="Its host without `www.`: from its URL, else the review's."
    )


class ReviewSerializer(serializers.Serializer):
    id = Id(read_only=True)
    url = serializers.URLField(help_text="The review's page, which identifies it.")
    claim_reviewed = serializers.CharField()
    claimant = serializers.CharField(help_text="Empty when the record names none.")
    claim_date = serializers.DateTimeField(allow_null=True)
    publisher = PublisherSerializer(source="*")
    rating_label = serializers.CharField(help_text="The rating's `alternateName`; empty when none.")
    rating_value = Score(allow_null=True)
    best_rating = Score(allow_null=True)
    worst_rating = Score(allow_null=True)
    review_date = serializers.DateTimeField(allow_null=True)
    language = serializers.CharField(help_text="BCP 47, as the record gave it; empty when it gave none.")
    imported_at = serializers.DateTimeField()


class ImportRecordSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The record's place in the input, from 0.")
    url = serializers.CharField(allow_null=True)
    outcome = serializers.ChoiceField(choices=["imported", "updated", "unchanged", "skipped"])
    reason = serializers.CharField(required=False, help_text="Why it was skipped.")
    id = Id(required=False, help_text="The review's id (not for a skipped record).")


class ImportReportSerializer(serializers.Serializer):
    imported = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
    records = ImportRecordSerializer(many=True)


class RawBodyParser(BaseParser):
    """Lets DRF accept the media types an import reads; the view reads the bytes itself."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return None


REVIEWS_URL = "https://claims.example.org/api/v1/reviews/"
REVIEW_EXAMPLE = {
    "id": 1,
    "url": "https://www.politifact.com/factchecks/2019/jan/03/facebook-posts/michelle-obama/",
    "claim_reviewed": 'Quotes Michelle Obama as saying, "White folks are what\'s wrong with America."',
    "claimant": "Facebook posts",
    "claim_date": "2019-01-01T00:00:00Z",
    "publisher": {"name": "PolitiFact", "site": "politifact.com"},
    "rating_label": "Pants on Fire",
    "rating_value": None,
    "best_rating": None,
    "worst_rating": None,
    "review_date": "2019-01-03T00:00:00Z",
    "language": "",
    "imported_at": "2026-12-02T06:00:00Z",
}


CLAIM_REVIEW_EXAMPLE = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": REVIEW_EXAMPLE["url"],
    "claimReviewed": REVIEW_EXAMPLE["claim_reviewed"],
    "datePublished": "2019-01-03",
    "author": {"@type": "Organization", "name": "PolitiFact", "url": "https://www.politifact.com/"},
    "reviewRating": {"@type": "Rating", "alternateName": "Pants on Fire"},
    "itemReviewed": {
        "@type": "Claim",
        "author": {"@type": "Organization", "name": "Facebook posts"},
        "datePublished": "2019-01-01",
    },
}


class ReviewListView(APIView):
    @extend_schema(
        operation_id="reviews_list",
        summary="List imported reviews",
        description=describe(
            "Others' fact-checks imported as ClaimReview, by `id`, a page at a time. `q` searches "
            "the claim reviewed (on PostgreSQL, full-text search with web-search syntax; on "
            "SQLite, a case-insensitive substring); `publisher` matches the publisher's name or "
            "site; `language`, the review's language whatever the region.",
            who=READERS,
        ),
        parameters=[
            ReviewListParams,
            link_header(f'<{REVIEWS_URL}?cursor=eyJvIjoiaWQiLCJyIjpmYWxzZSwiayI6WzFdfQ>; rel="next"'),
        ],
        responses={200: paginated(ReviewSerializer), **problems()},
        examples=[
            OpenApiExample(
                "One review",
                value={"next": None, "previous": None, "results": [REVIEW_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        params = query_params(ReviewListParams, request)
        page = review_page(
            q=params.get("q"),
            publisher=params.get("publisher"),
            language=params.get("language") or None,
            page_size=params["page_size"],
            cursor=params.get("cursor"),
        )
        return page_response(request, page, ReviewSerializer(page.rows, many=True).data)


class ReviewDetailView(APIView):
    @extend_schema(
        operation_id="reviews_retrieve",
        summary="Get an imported review",
        description=describe("One imported review.", who=READERS),
        parameters=[path_id("review_id", "review")],
        responses={
            200: ReviewSerializer,
            **problems(404, descriptions={404: "There is no review with this id."}),
        },
        examples=[OpenApiExample("A review", value=REVIEW_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, review_id: int) -> Response:
        review = review_detail(review_id=review_id)
        if review is None:
            raise NotFound(f"There is no review {review_id}.")
        return Response(ReviewSerializer(review).data)


class ReviewImportView(APIView):
    parser_classes = [RawBodyParser]

    @extend_schema(
        operation_id="reviews_import",
        summary="Import ClaimReview records",
        description=describe(
            "Imports others' fact-checks from the body: ClaimReview as a JSON object, a list, an "
            "`@graph` (`application/json` or `application/ld+json`), JSON lines "
            "(`application/x-ndjson`), or an HTML page (`text/html`) with JSON-LD embedded in "
            "`script` elements of type `application/ld+json`; `text/plain`, whichever it looks "
            "like. Each ClaimReview is imported (a new `url`), updated "
            "(a known `url`, with what changed) or left `unchanged`, each whole or not at all, "
            "or skipped with the reason (no `url`, one that is not http(s), no `claimReviewed`, "
            "not a ClaimReview...); the answer lists what became of each. Importing the same "
            "records again changes nothing. A body that cannot be read as a whole (not JSON, a "
            "JSON lines document with a bad line) is a 400, and nothing is imported. The service "
            "fetches no URL: send the page's content.",
            who=EDITORS,
        ),
        # JSON lines (`application/x-ndjson`) and plain text are taken too, as the description
        # says; generated clients and the fuzzer know no way to write them.
        request={
            "application/json": OpenApiRequest(OpenApiTypes.ANY),
            "application/ld+json": OpenApiRequest(OpenApiTypes.ANY),
            "text/html": OpenApiRequest(OpenApiTypes.STR),
        },
        responses={
            200: ImportReportSerializer,
            **problems(
                413,
                415,
                descriptions={
                    400: "The body cannot be read as a whole (not JSON, JSON lines or HTML; a bad "
                    "line; not UTF-8; empty): nothing is imported.",
                    413: "The body is over 2 MiB: split it, or import the file with "
                    "`manage.py import_claimreview`.",
                    415: "A body that is neither JSON, JSON lines, HTML nor plain text.",
                },
                examples={400: validation_example("Not JSON", {"body": ["Not JSON: Expecting value."]})},
            ),
        },
        examples=[
            *[
                OpenApiExample(
                    "A fact-checker's ClaimReview",
                    value=CLAIM_REVIEW_EXAMPLE,
                    request_only=True,
                    media_type=media_type,
                )
                for media_type in ("application/json", "application/ld+json")
            ],
            OpenApiExample(
                "A page with embedded JSON-LD",
                value='<html><head><script type="application/ld+json">'
                f"{json.dumps(CLAIM_REVIEW_EXAMPLE)}</script></head><body>...</body></html>",
                request_only=True,
                media_type="text/html",
            ),
            OpenApiExample(
                "One imported, one skipped",
                value={
                    "imported": 1,
                    "updated": 0,
                    "unchanged": 0,
                    "skipped": 1,
                    "records": [
                        {"index": 0, "url": REVIEW_EXAMPLE["url"], "outcome": "imported", "id": 1},
                        {
                            "index": 1,
                            "url": None,
                            "outcome": "skipped",
                            "reason": "The record has no `url`: a review is known by its URL.",
                        },
                    ],
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        media_type = (request.content_type or "").split(";", 1)[0].strip().lower()
        # No media type named (an empty POST, say): read it for whatever it looks like.
        media_type = media_type or "text/plain"
        if media_type not in IMPORT_MEDIA_TYPES:
            raise UnsupportedMediaType(media_type)
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValidationFailed({"body": [f"The body is not UTF-8 (byte {error.start})."]}) from None
        try:
            items = items_of_text(text, kind=IMPORT_MEDIA_TYPES[media_type])
        except UnreadableInput as error:
            raise ValidationFailed({"body": [str(error)]}) from None
        report = ImportReport(records=list(import_items(items)))
        return Response(report.as_json())
