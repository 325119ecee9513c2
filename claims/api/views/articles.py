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
from claims.api.views.common import _page_response, _params, _valid
from claims.platform.db.statements import planned_for_values
from claims.platform.errors import NotFound
from claims.platform.pagination import BY_ID, paginate
from claims.platform.schema import (
    location_header,
    paginated,
    path_id,
    problems,
)
from claims.selectors.articles import article_detail, article_list
from claims.services.articles import article_create


class ArticleListView(APIView):
    @extend_schema(
        operation_id="articles_list",
        parameters=[ArticleListParams],
        responses={200: paginated(ArticleSerializer), **problems()},
    )
    def get(self, request: Request) -> Response:
        params = _params(ArticleListParams, request)
        articles = article_list(q=params.get("q"))
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
        article = article_create(**_valid(ArticleCreateInput, request.data))
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
