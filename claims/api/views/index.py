"""The API's front door: where everything is."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
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
        description="Links to the collections and the documentation. Public: no token needed.",
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
