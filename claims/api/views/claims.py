"""Claims, their evidence and their history."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.accounts.permissions import EditorsOnly
from claims.api.representations import claims_json
from claims.api.serializers import (
    ClaimCreateInput,
    ClaimEventSerializer,
    ClaimListParams,
    ClaimSerializer,
    ClaimUpdateInput,
    EvidenceCreateInput,
    EvidenceSerializer,
    PageParams,
)
from claims.api.views.common import actor, drafts_visible, if_match, page_response
from claims.platform.errors import NotFound
from claims.platform.etags import claim_etag, none_match
from claims.platform.params import body, query_params
from claims.platform.schema import (
    IF_MATCH,
    IF_MATCH_OPTIONAL,
    IF_NONE_MATCH,
    etag_header,
    location_header,
    paginated,
    path_id,
    problems,
)
from claims.selectors.claims import ClaimFilters, claim_detail, claim_exists, claim_page, verdict_details
from claims.selectors.history import claim_history_page
from claims.services.claims import claim_create, claim_delete, claim_update
from claims.services.evidence import evidence_add

# What a claim's JSON shows: sent back in a body, these are ignored, not refused.
CLAIM_FIELDS = frozenset(ClaimSerializer().fields)
EVIDENCE_FIELDS = frozenset(EvidenceSerializer().fields)


class ClaimListView(APIView):
    @extend_schema(
        operation_id="claims_list",
        parameters=[ClaimListParams],
        responses={200: paginated(ClaimSerializer), **problems()},
    )
    def get(self, request: Request) -> Response:
        params = query_params(ClaimListParams, request)
        viewer_sees_drafts = drafts_visible(request)
        page, details = claim_page(
            drafts_visible=viewer_sees_drafts,
            filters=ClaimFilters(**{f.name: params.get(f.name) for f in fields(ClaimFilters)}),
            ordering=params["ordering"],
            page_size=params["page_size"],
            cursor=params.get("cursor"),
        )
        return page_response(
            request, page, claims_json(page.rows, details, drafts_visible=viewer_sees_drafts)
        )

    @extend_schema(
        operation_id="claims_create",
        parameters=[location_header(201, "claim"), etag_header(201)],
        request=ClaimCreateInput,
        responses={201: ClaimSerializer, **problems(413, 415)},
    )
    def post(self, request: Request) -> Response:
        data = body(ClaimCreateInput, request.data, read_only=CLAIM_FIELDS)
        claim = claim_create(
            actor=actor(request),
            article_id=data["article"],
            quote=data["quote"],
            claimant=data["claimant"],
            start=data.get("start"),
            end=data.get("end"),
        )
        return _claim_response(request, claim.pk, status=http.HTTP_201_CREATED, created=True)


def _claim_response(request: Request, claim_id: int, *, status: int = 200, created: bool = False) -> Response:
    claim, data = _claim_data(request, claim_id)
    headers = {"ETag": claim_etag(claim_id, claim["version"], drafts_visible=drafts_visible(request))}
    if created:
        headers["Location"] = request.build_absolute_uri(reverse("claim-detail", args=[claim_id]))
    return Response(data, status=status, headers=headers)


def _claim_data(request: Request, claim_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The claim's row and its JSON as this viewer may see it, or 404."""
    viewer_sees_drafts = drafts_visible(request)
    claim = claim_detail(claim_id=claim_id)
    if claim is None:
        raise NotFound(f"There is no claim {claim_id}.")
    details = verdict_details(rows=[claim], drafts_visible=viewer_sees_drafts)
    return claim, claims_json([claim], details, drafts_visible=viewer_sees_drafts)[0]


class ClaimDetailView(APIView):
    @extend_schema(
        operation_id="claims_retrieve",
        parameters=[path_id("claim_id", "claim"), IF_NONE_MATCH, etag_header(200, 304)],
        responses={
            200: ClaimSerializer,
            304: OpenApiResponse(description="Not modified: your copy is current."),
            **problems(404),
        },
    )
    def get(self, request: Request, claim_id: int) -> Response:
        claim = claim_detail(claim_id=claim_id)
        if claim is None:
            raise NotFound(f"There is no claim {claim_id}.")
        viewer_sees_drafts = drafts_visible(request)
        etag = claim_etag(claim_id, claim["version"], drafts_visible=viewer_sees_drafts)
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None and none_match(if_none_match, etag):
            return Response(status=http.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        details = verdict_details(rows=[claim], drafts_visible=viewer_sees_drafts)
        return Response(
            claims_json([claim], details, drafts_visible=viewer_sees_drafts)[0], headers={"ETag": etag}
        )

    @extend_schema(
        operation_id="claims_partial_update",
        parameters=[path_id("claim_id", "claim"), IF_MATCH, etag_header(200)],
        request=ClaimUpdateInput,
        responses={200: ClaimSerializer, **problems(404, 409, 412, 413, 415, 428)},
    )
    def patch(self, request: Request, claim_id: int) -> Response:
        expected = if_match(request, claim_id)
        data = body(ClaimUpdateInput, request.data, read_only=CLAIM_FIELDS)
        claim_update(actor=actor(request), claim_id=claim_id, expected_versions=expected, **data)
        return _claim_response(request, claim_id)

    @extend_schema(
        operation_id="claims_destroy",
        parameters=[path_id("claim_id", "claim"), IF_MATCH],
        responses={204: None, **problems(404, 409, 412, 428)},
    )
    def delete(self, request: Request, claim_id: int) -> Response:
        expected = if_match(request, claim_id)
        claim_delete(actor=actor(request), claim_id=claim_id, expected_versions=expected)
        return Response(status=http.HTTP_204_NO_CONTENT)


class ClaimHistoryView(APIView):
    permission_classes = [EditorsOnly]

    @extend_schema(
        operation_id="claims_history_list",
        parameters=[path_id("claim_id", "claim"), PageParams],
        responses={200: paginated(ClaimEventSerializer), **problems(404)},
    )
    def get(self, request: Request, claim_id: int) -> Response:
        params = query_params(PageParams, request)
        if not claim_exists(claim_id=claim_id):
            raise NotFound(f"There is no claim {claim_id}.")
        page = claim_history_page(
            claim_id=claim_id, page_size=params["page_size"], cursor=params.get("cursor")
        )
        return page_response(request, page, ClaimEventSerializer(page.rows, many=True).data)


class ClaimEvidenceView(APIView):
    @extend_schema(
        operation_id="claims_evidence_create",
        parameters=[path_id("claim_id", "claim"), IF_MATCH_OPTIONAL, etag_header(201)],
        request=EvidenceCreateInput,
        responses={201: EvidenceSerializer, **problems(404, 412, 413, 415)},
    )
    def post(self, request: Request, claim_id: int) -> Response:
        data = body(EvidenceCreateInput, request.data, read_only=EVIDENCE_FIELDS)
        expected = if_match(request, claim_id, required=False)
        evidence = evidence_add(actor=actor(request), claim_id=claim_id, expected_versions=expected, **data)
        # The claim's new tag, so the next PATCH needs no GET first.
        etag = claim_etag(claim_id, evidence.claim.version, drafts_visible=drafts_visible(request))
        return Response(
            EvidenceSerializer(evidence).data, status=http.HTTP_201_CREATED, headers={"ETag": etag}
        )
