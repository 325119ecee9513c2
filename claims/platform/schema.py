"""OpenAPI pieces shared by the views: problem responses, pages, ids, conditional-request headers.

The schema is a promise that `.ci/fuzz` holds the service to: every status an operation can
answer, every header it always sends, and request constraints exactly as strict as the service.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from claims.platform.pagination import MAX_ID
from claims.platform.problems import PROBLEM_CONTENT_TYPE


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
    allowed = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="A status change outside the workflow (409): the statuses the claim may move to.",
    )


DESCRIPTIONS = {
    400: "Invalid input (problem details; validation errors under `errors`), or a malformed request.",
    401: "No token, or a bad, expired or revoked one.",
    403: "The token's role may not do this.",
    404: "No such resource.",
    406: "The `Accept` header allows no JSON.",
    409: "Conflict: a status change outside the workflow, or deleting a claim that is not pending.",
    412: "If-Match names a version that is no longer current: nothing was changed.",
    413: "The request body is over 1 MiB.",
    415: "The body is not JSON in UTF-8.",
    428: "If-Match is missing.",
    429: "Too many requests: wait for `Retry-After` seconds.",
    503: "The database is not answering: try again after `Retry-After` seconds.",
}

# What any API operation can answer, whatever it does: a malformed request (a NUL in the URL, a
# bad Content-Length, a bad query parameter), no or a bad token, a token whose role may not, an
# Accept header that JSON does not satisfy, a rate limit, and the database being down.
EVERY_OPERATION = (400, 401, 403, 406, 429, 503)


def problems(*codes: int) -> dict[int, OpenApiResponse]:
    """The problem responses of an API operation: those of `EVERY_OPERATION` plus `codes`.
    `postprocess_schema` serves them all as application/problem+json."""
    return {
        code: OpenApiResponse(ProblemSerializer, description=DESCRIPTIONS[code])
        for code in sorted({*EVERY_OPERATION, *codes})
    }


def public_problems() -> dict[int, OpenApiResponse]:
    """The problem responses of a public, token-free operation: a malformed request, an Accept
    header that JSON does not satisfy, the address's rate limit, the database down."""
    return {
        code: OpenApiResponse(ProblemSerializer, description=DESCRIPTIONS[code])
        for code in (400, 406, 429, 503)
    }


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


def path_id(name: str, what: str) -> OpenApiParameter:
    """A 64-bit id in the path (Django's `<int:...>`): anything else, or an id that does not
    exist, is a 404."""
    return OpenApiParameter(
        name,
        location=OpenApiParameter.PATH,
        type={"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID},
        description=f"The {what}'s id.",
    )


def etag_header(*codes: int) -> OpenApiParameter:
    return OpenApiParameter(
        "ETag",
        location=OpenApiParameter.HEADER,
        response=list(codes),
        required=True,
        type={"type": "string", "pattern": r'^"[0-9]+-[0-9]+-[ce]"$'},
        description="The claim's current entity tag; send it back in If-Match to change the claim.",
    )


def location_header(code: int, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        "Location",
        location=OpenApiParameter.HEADER,
        response=[code],
        required=True,
        type={"type": "string", "format": "uri"},
        description=f"The new {what}'s URL.",
    )


IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=True,
    type=str,
    description="The claim's current ETag (from GET). Missing: 428; stale: 412.",
)

IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description="The claim's current ETag (from GET), to add evidence only to the version you read; "
    "stale: 412.",
)

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description="The ETag you hold; 304 if it is still current.",
)


# --- request strings ---------------------------------------------------------------------------
# DRF refuses NUL in any string (and so does PostgreSQL), and a field that trims whitespace and
# may not be blank refuses a string of nothing but whitespace. The schema says both with a pattern,
# spelling out exactly the characters Python's str.strip() removes. Where a field may be blank,
# drf-spectacular adds `oneOf: [<the pattern>, {maxLength: 0}]`: the pattern must not match the
# empty string too, or `oneOf` would refuse it.

_WHITESPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


def _char_class(chars: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in chars)


NO_NUL = "^[^\\u0000]+$"
NOT_BLANK = f"^[^\\u0000]*[^\\u0000{_char_class(_WHITESPACE)}][^\\u0000]*$"


class RequestStringExtension(OpenApiSerializerFieldExtension):
    target_class = serializers.CharField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Any:
        field: serializers.CharField = self.target
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        has_own_format = "format" in schema or any(isinstance(v, RegexValidator) for v in field.validators)
        if direction == "request" and schema.get("type") == "string" and not has_own_format:
            blank_refused = field.trim_whitespace and not field.allow_blank
            schema["pattern"] = NOT_BLANK if blank_refused else NO_NUL
        return schema


# --- the whole document ------------------------------------------------------------------------

RESPONSE_HEADERS: dict[int, dict[str, dict[str, Any]]] = {
    401: {
        "WWW-Authenticate": {
            "required": True,
            "schema": {"type": "string"},
            "description": "The scheme to authenticate with: `Bearer`.",
        }
    },
    429: {
        "Retry-After": {
            "schema": {"type": "integer", "minimum": 0},
            "description": "Seconds to wait before trying again.",
        }
    },
    503: {
        "Retry-After": {
            "schema": {"type": "integer", "minimum": 0},
            "description": "Seconds to wait before trying again.",
        }
    },
}


def _claim_links(claim_id: str) -> dict[str, Any]:
    """What a client can do next with the claim a response names, and the ETag it carries."""
    id_only = {"claim_id": claim_id}
    conditional = {**id_only, "header.If-Match": "$response.header.ETag"}
    return {
        "GetClaim": {"operationId": "claims_retrieve", "parameters": id_only},
        "UpdateClaim": {"operationId": "claims_partial_update", "parameters": conditional},
        "DeleteClaim": {"operationId": "claims_destroy", "parameters": conditional},
        "AddEvidence": {"operationId": "claims_evidence_create", "parameters": conditional},
        "GetClaimHistory": {"operationId": "claims_history_list", "parameters": id_only},
    }


# (operationId, status) -> OpenAPI links: how a response's id and ETag feed the next request.
LINKS: dict[tuple[str, str], dict[str, Any]] = {
    ("articles_create", "201"): {
        "GetArticle": {"operationId": "articles_retrieve", "parameters": {"article_id": "$response.body#/id"}}
    },
    ("claims_create", "201"): _claim_links("$response.body#/id"),
    ("claims_retrieve", "200"): _claim_links("$response.body#/id"),
    ("claims_partial_update", "200"): _claim_links("$response.body#/id"),
}


def postprocess_schema(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular names a response's media type after the renderer (application/json);
    errors are application/problem+json, with the headers that go with their status. Links say
    how an id and an ETag in one response feed the next request."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for code, response in operation.get("responses", {}).items():
                links = LINKS.get((operation.get("operationId", ""), code))
                if links:
                    response["links"] = links
                if not code.isdigit() or int(code) < 400:
                    continue
                content = response.get("content")
                if content:
                    response["content"] = {PROBLEM_CONTENT_TYPE: next(iter(content.values()))}
                for name, header in RESPONSE_HEADERS.get(int(code), {}).items():
                    response.setdefault("headers", {}).setdefault(name, header)
    return result
