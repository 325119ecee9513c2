"""OpenAPI pieces shared by the views: problem responses, pages, conditional-request headers."""

from __future__ import annotations

from functools import cache
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, served as application/problem+json."""

    type = serializers.CharField(
        help_text="A URI naming the kind of problem; `about:blank` for plain HTTP errors."
    )
    title = serializers.CharField()
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong and what to do about it.")
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors: messages per field.",
    )


DESCRIPTIONS = {
    400: "Invalid input (problem details; validation errors under `errors`).",
    401: "No token, or a bad, expired or revoked one.",
    403: "The token's role may not do this.",
    404: "No such resource.",
    409: "Conflict: a status change outside the workflow, or deleting a claim that is not pending.",
    412: "If-Match names a version that is no longer current: nothing was changed.",
    413: "The request body is over 1 MiB.",
    415: "The body is not JSON in UTF-8.",
    428: "If-Match is missing.",
}


def problems(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(ProblemSerializer, description=DESCRIPTIONS[code]) for code in codes}


@cache
def paginated(serializer_class: type[serializers.Serializer]) -> Any:
    return inline_serializer(
        name=f"Paginated{serializer_class.__name__.removesuffix('Serializer')}List",
        fields={
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


ETAG_HEADER = OpenApiParameter(
    "ETag",
    location=OpenApiParameter.HEADER,
    response=True,
    type=str,
    description="The claim's current entity tag; send it back in If-Match to change the claim.",
)

IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=True,
    type=str,
    description="The claim's current ETag (from GET). Missing: 428; stale: 412.",
)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "claims.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "`Authorization: Bearer <token>`; `Token <token>` is accepted too.",
        }
