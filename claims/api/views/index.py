"""The API's front door: where everything is."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from claims.platform.schema import public_problems


class ApiIndexView(APIView):
    """Links to the API's collections and its documentation; no token needed."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="api_index",
        auth=[],
        summary="Where everything is",
        description="Links to the collections and the documentation.\n\n**Who:** anyone: no token "
        "needed, and one sent is not looked at. Rate-limited per client address.",
        responses={
            200: inline_serializer(
                name="ApiIndex",
                fields={
                    "articles": serializers.URLField(),
                    "claims": serializers.URLField(),
                    "schema": serializers.URLField(),
                    "docs": serializers.URLField(),
                },
            ),
            **public_problems(),
        },
        examples=[
            OpenApiExample(
                "Where everything is",
                value={
                    "articles": "https://claims.example.org/api/v1/articles/",
                    "claims": "https://claims.example.org/api/v1/claims/",
                    "schema": "https://claims.example.org/api/schema/",
                    "docs": "https://claims.example.org/api/docs/",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        return Response(
            {
                "articles": reverse("article-list", request=request),
                "claims": reverse("claim-list", request=request),
                "schema": reverse("schema", request=request),
                "docs": reverse("docs", request=request),
            }
        )
