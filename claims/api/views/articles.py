"""Articles."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.api.serializers import (
    ArticleCreateInput,
    ArticleDetailSerializer,
    ArticleListParams,
    ArticleSerializer,
    ArticleUpdateInput,
)
from claims.api.views import examples
from claims.api.views.common import actor, page_response
from claims.platform.errors import NotFound, PreconditionRequired
from claims.platform.etags import article_etag, article_versions_matching
from claims.platform.params import body, query_params
from claims.platform.schema import (
    ARTICLE_ETAG_PATTERN,
    EDITORS,
    IF_MATCH,
    IF_NONE_MATCH,
    READERS,
    describe,
    etag_header,
    link_header,
    location_header,
    paginated,
    path_id,
    problem_example,
    problems,
    validation_example,
)
from claims.selectors.articles import article_detail, article_page
from claims.services.articles import article_create, article_update

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
        parameters=[
            location_header(201, "article", example=f"{examples.API}/articles/1/"),
            etag_header(201, example='"a1-1"', pattern=ARTICLE_ETAG_PATTERN),
        ],
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
            headers={
                "Location": request.build_absolute_uri(location),
                "ETag": article_etag(article.pk, article.version),
            },
        )


class ArticleDetailView(APIView):
    @extend_schema(
        operation_id="articles_retrieve",
        summary="Get an article, with its body",
        description=describe(
            "One article with its full `body`, which claims' `start` and `end` index (in Unicode "
            "code points), its `version` and its `revision`.",
            who=READERS,
            conditional='The answer\'s `ETag` (`"a<id>-<version>"`) changes with every change of '
            "the article; send it back in `If-None-Match` to get 304 while it holds, and in "
            "`If-Match` to change the article.",
        ),
        parameters=[
            path_id("article_id", "article"),
            IF_NONE_MATCH,
            etag_header(200, 304, example='"a1-1"', pattern=ARTICLE_ETAG_PATTERN),
        ],
        responses={
            200: ArticleDetailSerializer,
            304: OpenApiResponse(description="Not modified: your copy is current."),
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
        return Response(
            ArticleDetailSerializer(article).data, headers={"ETag": article_etag(article_id, article.version)}
        )

    @extend_schema(
        operation_id="articles_partial_update",
        summary="Change an article, or correct its body",
        description=describe(
            "Changes the article's metadata, or its `body`. A new body is a correction: it is "
            "stored as the next revision (with `note`, why), and every claim of the article is "
            "re-anchored in it in the same transaction: `exact` where its words stand unchanged, "
            "`fuzzy` where the correction changed them but their place was found (the claim's "
            "`quote` becomes the new words), `orphaned` where the place was lost (the claim keeps "
            "its old `quote`, offsets and `revision`). Each re-anchored claim gets a new `version` "
            "and a `reanchored` history event. Metadata-only changes make no revision. Read-only "
            "fields in the body are ignored; fields the article does not have are a 400.",
            who=EDITORS,
            conditional='Needs `If-Match` with the article\'s current ETag (`"a<id>-<version>"`): '
            "missing, 428; stale, 412, and nothing changes. The answer carries the new ETag.",
        ),
        parameters=[
            path_id("article_id", "article"),
            IF_MATCH,
            etag_header(200, example='"a1-2"', pattern=ARTICLE_ETAG_PATTERN),
        ],
        request=ArticleUpdateInput,
        responses={200: ArticleDetailSerializer, **problems(404, 412, 413, 415, 428)},
        examples=[
            OpenApiExample(
                "A corrected figure",
                value={
                    "body": examples.COLUMN.replace("70th", "seventieth", 1),
                    "note": "Corrected: the anniversary spelled out, as in print.",
                },
                request_only=True,
            ),
            OpenApiExample("A new headline", value={"headline": "NATO's problems"}, request_only=True),
            OpenApiExample("The corrected column", value=examples.article(body=True), response_only=True),
        ],
    )
    def patch(self, request: Request, article_id: int) -> Response:
        header = request.headers.get("If-Match")
        if header is None:
            raise PreconditionRequired(
                "This request needs an If-Match header with the article's current ETag, so that it "
                "cannot overwrite a change you have not seen. GET the article to read its ETag."
            )
        data = body(ArticleUpdateInput, request.data, read_only=ARTICLE_FIELDS)
        note = data.pop("note", "")
        article_update(
            actor=actor(request),
            article_id=article_id,
            expected_versions=article_versions_matching(header, article_id),
            note=note,
            **data,
        )
        return self.get(request, article_id)
