"""HTTP in and out, nothing else: parse and validate the request, call one selector or service,
render the result. Rules live in `services`, reads in `selectors`."""

from __future__ import annotations

import threading
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from claims import roles, selectors, services
from claims.errors import NotFound, PreconditionRequired
from claims.etags import etag_for, none_match, versions_matching
from claims.pagination import BY_ID, BY_RECENT_UPDATE, Page, paginate
from claims.permissions import EditorsOnly
from claims.problems import problem_response
from claims.representations import claims_json
from claims.schema import (
    IF_MATCH,
    IF_MATCH_OPTIONAL,
    IF_NONE_MATCH,
    etag_header,
    location_header,
    paginated,
    path_id,
    problems,
)
from claims.serializers import (
    ArticleCreateInput,
    ArticleDetailSerializer,
    ArticleListParams,
    ArticleSerializer,
    ClaimCreateInput,
    ClaimEventSerializer,
    ClaimListParams,
    ClaimSerializer,
    ClaimUpdateInput,
    EvidenceCreateInput,
    EvidenceSerializer,
    PageParams,
)
from claims.statements import planned_for_values

ORDERINGS = {o.name: o for o in (BY_ID, BY_RECENT_UPDATE)}
CLAIM_FILTERS = ("article", "status", "rating", "claimant", "q", "updated_after")


def _valid(serializer_class: type[Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# One instance of each query-parameter serializer per thread, used request after request: building
# one deep-copies its declared fields, which made validating a search's parameters take 0.20 ms
# instead of 0.03 ms (bench/). `run_validation` keeps nothing on the instance (`is_valid` does), and query
# parameters are always a QueryDict, so its errors are the ones `is_valid` would raise.
_param_serializers = threading.local()


def _params(serializer_class: type[Serializer], request: Request) -> dict[str, Any]:
    known: dict[type[Serializer], Serializer] = _param_serializers.__dict__.setdefault("by_class", {})
    serializer = known.get(serializer_class)
    if serializer is None:
        serializer = known[serializer_class] = serializer_class()
    return dict(serializer.run_validation(request.query_params))


def _page_response(page: Page, results: Any) -> Response:
    return Response({"next": page.next, "previous": page.previous, "results": results})


def _actor(request: Request) -> User:
    # The permission classes have let only editors and admins this far: a real, active user.
    return cast(User, request.user)


def _drafts_visible(request: Request) -> bool:
    return roles.sees_drafts(request.user)


def _if_match(request: Request, claim_id: int) -> frozenset[int] | None:
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired(
            "This request needs an If-Match header with the claim's current ETag, so that it "
            "cannot overwrite a change you have not seen. GET the claim to read its ETag."
        )
    return versions_matching(header, claim_id)


class ArticleListView(APIView):
    @extend_schema(
        operation_id="articles_list",
        parameters=[ArticleListParams],
        responses={200: paginated(ArticleSerializer), **problems()},
    )
    def get(self, request: Request) -> Response:
        params = _params(ArticleListParams, request)
        articles = selectors.article_list(q=params.get("q"))
        if params.get("outlet"):
            articles = articles.filter(outlet=params["outlet"])
        if params.get("author"):
            articles = articles.filter(author=params["author"])
        with planned_for_values(bool(params.get("q"))):
            page = paginate(
                articles, request, ordering=BY_ID, page_size=params["page_size"], cursor=params.get("cursor")
            )
        return _page_response(page, ArticleSerializer(page.rows, many=True).data)

    @extend_schema(
        operation_id="articles_create",
        parameters=[location_header(201, "article")],
        request=ArticleCreateInput,
        responses={201: ArticleDetailSerializer, **problems(413, 415)},
    )
    def post(self, request: Request) -> Response:
        article = services.article_create(**_valid(ArticleCreateInput, request.data))
        article.claim_count = 0  # type: ignore[attr-defined]
        location = reverse("article-detail", args=[article.pk])
        return Response(
            ArticleDetailSerializer(article).data,
            status=http.HTTP_201_CREATED,
            headers={"Location": request.build_absolute_uri(location)},
        )


class ArticleDetailView(APIView):
    @extend_schema(
        operation_id="articles_retrieve",
        parameters=[path_id("article_id", "article")],
        responses={200: ArticleDetailSerializer, **problems(404)},
    )
    def get(self, request: Request, article_id: int) -> Response:
        article = selectors.article_detail(article_id=article_id)
        if article is None:
            raise NotFound(f"There is no article {article_id}.")
        return Response(ArticleDetailSerializer(article).data)


class ClaimListView(APIView):
    @extend_schema(
        operation_id="claims_list",
        parameters=[ClaimListParams],
        responses={200: paginated(ClaimSerializer), **problems()},
    )
    def get(self, request: Request) -> Response:
        params = _params(ClaimListParams, request)
        drafts_visible = _drafts_visible(request)
        filters = {name: params.get(name) for name in CLAIM_FILTERS}
        claims = selectors.claim_list(drafts_visible=drafts_visible, **filters)
        ordering = ORDERINGS[params["ordering"]]
        # A filter's best plan depends on its value (claims/statements.py).
        with planned_for_values(any(filters.values())):
            if (
                filters["q"]
                and ordering is BY_ID
                and selectors.search_is_selective(
                    claims, page_size=params["page_size"], asked=(drafts_visible, *filters.values())
                )
            ):
                ordering = ordering.without_index()
            page = paginate(
                claims, request, ordering=ordering, page_size=params["page_size"], cursor=params.get("cursor")
            )
        details = selectors.verdict_details(rows=page.rows, drafts_visible=drafts_visible)
        results = claims_json(page.rows, details, drafts_visible=drafts_visible)
        return _page_response(page, results)

    @extend_schema(
        operation_id="claims_create",
        parameters=[location_header(201, "claim"), etag_header(201)],
        request=ClaimCreateInput,
        responses={201: ClaimSerializer, **problems(413, 415)},
    )
    def post(self, request: Request) -> Response:
        data = _valid(ClaimCreateInput, request.data)
        claim = services.claim_create(
            actor=_actor(request),
            article_id=data["article"],
            quote=data["quote"],
            claimant=data["claimant"],
            start=data.get("start"),
            end=data.get("end"),
        )
        return _claim_response(request, claim.pk, status=http.HTTP_201_CREATED, created=True)


def _claim_response(request: Request, claim_id: int, *, status: int = 200, created: bool = False) -> Response:
    claim, data = _claim_data(request, claim_id)
    headers = {"ETag": etag_for(claim_id, claim["version"])}
    if created:
        headers["Location"] = request.build_absolute_uri(reverse("claim-detail", args=[claim_id]))
    return Response(data, status=status, headers=headers)


def _claim_data(request: Request, claim_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The claim's row and its JSON as this viewer may see it, or 404."""
    drafts_visible = _drafts_visible(request)
    claim = selectors.claim_detail(claim_id=claim_id)
    if claim is None:
        raise NotFound(f"There is no claim {claim_id}.")
    details = selectors.verdict_details(rows=[claim], drafts_visible=drafts_visible)
    return claim, claims_json([claim], details, drafts_visible=drafts_visible)[0]


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
        claim = selectors.claim_detail(claim_id=claim_id)
        if claim is None:
            raise NotFound(f"There is no claim {claim_id}.")
        etag = etag_for(claim_id, claim["version"])
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None and none_match(if_none_match, claim_id, claim["version"]):
            return Response(status=http.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        drafts_visible = _drafts_visible(request)
        details = selectors.verdict_details(rows=[claim], drafts_visible=drafts_visible)
        return Response(
            claims_json([claim], details, drafts_visible=drafts_visible)[0], headers={"ETag": etag}
        )

    @extend_schema(
        operation_id="claims_partial_update",
        parameters=[path_id("claim_id", "claim"), IF_MATCH, etag_header(200)],
        request=ClaimUpdateInput,
        responses={200: ClaimSerializer, **problems(404, 409, 412, 413, 415, 428)},
    )
    def patch(self, request: Request, claim_id: int) -> Response:
        expected = _if_match(request, claim_id)
        data = _valid(ClaimUpdateInput, request.data)
        services.claim_update(actor=_actor(request), claim_id=claim_id, expected_versions=expected, **data)
        return _claim_response(request, claim_id)

    @extend_schema(
        operation_id="claims_destroy",
        parameters=[path_id("claim_id", "claim"), IF_MATCH],
        responses={204: None, **problems(404, 409, 412, 428)},
    )
    def delete(self, request: Request, claim_id: int) -> Response:
        expected = _if_match(request, claim_id)
        services.claim_delete(actor=_actor(request), claim_id=claim_id, expected_versions=expected)
        return Response(status=http.HTTP_204_NO_CONTENT)


class ClaimHistoryView(APIView):
    permission_classes = [EditorsOnly]

    @extend_schema(
        operation_id="claims_history_list",
        parameters=[path_id("claim_id", "claim"), PageParams],
        responses={200: paginated(ClaimEventSerializer), **problems(404)},
    )
    def get(self, request: Request, claim_id: int) -> Response:
        params = _params(PageParams, request)
        if not selectors.claim_exists(claim_id=claim_id):
            raise NotFound(f"There is no claim {claim_id}.")
        page = paginate(
            selectors.claim_history(claim_id=claim_id),
            request,
            ordering=BY_ID,
            page_size=params["page_size"],
            cursor=params.get("cursor"),
        )
        return _page_response(page, ClaimEventSerializer(page.rows, many=True).data)


class ClaimEvidenceView(APIView):
    @extend_schema(
        operation_id="claims_evidence_create",
        parameters=[path_id("claim_id", "claim"), IF_MATCH_OPTIONAL],
        request=EvidenceCreateInput,
        responses={201: EvidenceSerializer, **problems(404, 412, 413, 415)},
    )
    def post(self, request: Request, claim_id: int) -> Response:
        data = _valid(EvidenceCreateInput, request.data)
        header = request.headers.get("If-Match")
        expected = versions_matching(header, claim_id) if header is not None else None
        evidence = services.evidence_add(
            actor=_actor(request), claim_id=claim_id, expected_versions=expected, **data
        )
        return Response(EvidenceSerializer(evidence).data, status=http.HTTP_201_CREATED)


# --- operations -------------------------------------------------------------------------------


def healthz(request: HttpRequest) -> HttpResponse:
    """Alive: the process answers. It does not touch the database, so a database outage does not
    get healthy workers restarted."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    """Ready: the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to reach the database means "not ready"
        return problem_response(503, f"The database is not answering ({type(exc).__name__}).")
    return JsonResponse({"status": "ok", "database": "ok"})
