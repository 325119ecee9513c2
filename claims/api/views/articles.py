"""Articles."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.api.serializers import (
    ArticleCreateInput,
    ArticleDetailSerializer,
    ArticleListParams,
    ArticleSerializer,
)
from claims.api.views.common import page_response
from claims.platform.errors import NotFound
from claims.platform.params import body, query_params
from claims.platform.schema import (
    location_header,
    paginated,
    path_id,
    problems,
)
from claims.selectors.articles import article_detail, article_page
from claims.services.articles import article_create

# What an article's JSON shows: sent back in a body, these are ignored, not refused.
ARTICLE_FIELDS = frozenset(ArticleDetailSerializer().fields)


class ArticleListView(APIView):
    @extend_schema(
        operation_id="articles_list",
        parameters=[ArticleListParams],
        responses={200: paginated(ArticleSerializer), **problems()},
    )
    def get(self, request: Request) -> Response:
        params = query_params(ArticleListParams, request)
        page = article_page(
            q=params.get("q"),
            outlet=params.get("outlet"),
            author=params.get("author"),
            page_size=params["page_size"],
            cursor=params.get("cursor"),
        )
        return page_response(request, page, ArticleSerializer(page.rows, many=True).data)

    @extend_schema(
        operation_id="articles_create",
        parameters=[location_header(201, "article")],
        request=ArticleCreateInput,
        responses={201: ArticleDetailSerializer, **problems(413, 415)},
    )
    def post(self, request: Request) -> Response:
        article = article_create(**body(ArticleCreateInput, request.data, read_only=ARTICLE_FIELDS))
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
        article = article_detail(article_id=article_id)
        if article is None:
            raise NotFound(f"There is no article {article_id}.")
        return Response(ArticleDetailSerializer(article).data)
