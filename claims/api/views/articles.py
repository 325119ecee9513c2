"""Articles."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
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
from claims.api.views import examples
from claims.api.views.common import actor, page_response
from claims.platform.errors import NotFound
from claims.platform.params import body, query_params
from claims.platform.schema import (
    EDITORS,
    READERS,
    describe,
    link_header,
    location_header,
    paginated,
    path_id,
    problem_example,
    problems,
    validation_example,
)
from claims.selectors.articles import article_detail, article_page
from claims.services.articles import article_create

# What an article's JSON shows: sent back in a body, these are ignored, not refused.
ARTICLE_FIELDS = frozenset(ArticleDetailSerializer().fields)

READ_ONLY_ROLE = problem_example(
    "A client's token", 403, "Your role may only read; writing needs an editor's token."
)


class ArticleListView(APIView):
    @extend_schema(
        operation_id="articles_list",
        summary="List articles",
        description=describe(
            "Articles by `id`, without their bodies, a page at a time: `next` and `previous` (and "
            "the `Link` header) lead to the pages either side, keeping the other parameters. "
            "`outlet` and `author` match exactly; `q` searches headline and body (on PostgreSQL, "
            "English full-text search with web-search syntax; on SQLite, a case-insensitive "
            "substring). An empty or blank text filter is no filter.",
            who=READERS,
        ),
        parameters=[
            ArticleListParams,
            link_header(examples.ARTICLE_PAGE_LINK, example_name="One article a page"),
        ],
        responses={
            200: paginated(ArticleSerializer),
            **problems(
                descriptions={
                    400: "A malformed parameter (`page_size` out of 1..200, a `cursor` that is not "
                    "one of ours, a text filter over its length), or a malformed request.",
                },
                examples={
                    400: validation_example(
                        "page_size out of range",
                        {"page_size": ["Ensure this value is less than or equal to 200."]},
                    )
                },
            ),
        },
        examples=[OpenApiExample("The seed column", value=examples.ARTICLE_PAGE, response_only=True)],
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
        summary="Add an article",
        description=describe(
            "Adds a newspaper column for claims to be anchored in. `body` is stored exactly as "
            "sent, spaces included: it cannot be changed later (every claim's offsets point into "
            "it), and articles are never deleted. A field left out takes its default; fields the "
            "service writes (`id`, `claim_count`, the timestamps) are ignored if sent.",
            who=EDITORS,
        ),
        parameters=[location_header(201, "article", example=f"{examples.API}/articles/1/")],
        request=ArticleCreateInput,
        responses={
            201: ArticleDetailSerializer,
            **problems(
                413,
                415,
                descriptions={
                    400: "Invalid fields, named under `errors` (a `url` that another article "
                    "already has among them), or a malformed request.",
                    403: "A client's token (clients only read), or one whose user has no role.",
                },
                examples={
                    400: [
                        validation_example(
                            "A URL another article has",
                            {"url": ["An article with this URL already exists (article 1)."]},
                        ),
                        validation_example(
                            "Blank headline, no body",
                            {
                                "headline": ["This field may not be blank."],
                                "body": ["This field is required."],
                            },
                        ),
                    ],
                    403: READ_ONLY_ROLE,
                },
            ),
        },
        examples=[
            OpenApiExample("The seed column", value=examples.ARTICLE_CREATE_REQUEST, request_only=True),
            OpenApiExample(
                "The seed column, added",
                value=examples.article(body=True, claim_count=0),
                response_only=True,
                status_codes=[201],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        data = body(ArticleCreateInput, request.data, read_only=ARTICLE_FIELDS)
        article = article_create(actor=actor(request), **data)
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
        summary="Get an article, with its body",
        description=describe(
            "One article with its full `body`, which claims' `start` and `end` index (in Unicode "
            "code points).",
            who=READERS,
        ),
        parameters=[path_id("article_id", "article")],
        responses={
            200: ArticleDetailSerializer,
            **problems(
                404,
                descriptions={404: "There is no article with this id."},
                examples={
                    404: problem_example(
                        "No such article",
                        404,
                        f"There is no article {examples.UNKNOWN_ARTICLE}.",
                        slug="not-found",
                        title="Not found",
                    )
                },
            ),
        },
        examples=[OpenApiExample("The seed column", value=examples.article(body=True), response_only=True)],
    )
    def get(self, request: Request, article_id: int) -> Response:
        article = article_detail(article_id=article_id)
        if article is None:
            raise NotFound(f"There is no article {article_id}.")
        return Response(ArticleDetailSerializer(article).data)
