"""An article's revisions: the texts it has had, each with who changed it and why."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.api.serializers import PageParams
from claims.api.views import examples
from claims.api.views.common import page_response
from claims.platform.errors import NotFound
from claims.platform.params import query_params
from claims.platform.schema import READERS, describe, link_header, paginated, path_id, problems
from claims.selectors.articles import article_exists
from claims.selectors.revisions import revision_detail, revision_page

# A cursor past the first page (after the row with id 50), for the Link header's example.
NEXT = "eyJvIjoiaWQiLCJyIjpmYWxzZSwiayI6WzUwXX0"


class RevisionSerializer(serializers.Serializer):
    revision = serializers.IntegerField(source="number", help_text="1 for the text as first stored.")
    created_at = serializers.DateTimeField()
    actor = serializers.CharField(
        source="actor.get_username", allow_null=True, default=None, help_text="Who changed the body."
    )
    note = serializers.CharField(help_text="Why: the correction's reason.")
    characters = serializers.IntegerField(help_text="The body's length in characters (code points).")


class RevisionDetailSerializer(RevisionSerializer):
    body = serializers.CharField()


class RevisionListView(APIView):
    @extend_schema(
        operation_id="articles_revisions_list",
        summary="An article's revisions",
        description=describe(
            "Every text the article has had, oldest first, without their bodies: revision 1 as "
            "first stored, then one per correction of its body, with who made it and why. "
            "Revisions are never changed or deleted.",
            who=READERS,
        ),
        parameters=[
            path_id("article_id", "article"),
            PageParams,
            link_header(f'<{examples.API}/articles/1/revisions/?cursor={NEXT}>; rel="next"'),
        ],
        responses={200: paginated(RevisionSerializer), **problems(404)},
        examples=[
            OpenApiExample(
                "The seed column, never corrected",
                value={"next": None, "previous": None, "results": [examples.revision(body=False)]},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, article_id: int) -> Response:
        params = query_params(PageParams, request)
        if not article_exists(article_id=article_id):
            raise NotFound(f"There is no article {article_id}.")
        page = revision_page(
            article_id=article_id, page_size=params["page_size"], cursor=params.get("cursor")
        )
        return page_response(request, page, RevisionSerializer(page.rows, many=True).data)


class RevisionDetailView(APIView):
    @extend_schema(
        operation_id="articles_revisions_retrieve",
        summary="One revision of an article, with its body",
        description=describe("The text the article had at that revision.", who=READERS),
        parameters=[
            path_id("article_id", "article"),
            path_id("number", "revision"),
        ],
        responses={200: RevisionDetailSerializer, **problems(404)},
        examples=[
            OpenApiExample(
                "The seed column as stored", value=examples.revision(body=True), response_only=True
            )
        ],
    )
    def get(self, request: Request, article_id: int, number: int) -> Response:
        revision = revision_detail(article_id=article_id, number=number)
        if revision is None:
            raise NotFound(f"Article {article_id} has no revision {number}.")
        return Response(RevisionDetailSerializer(revision).data)
