"""OpenAPI pieces shared by the views: problem responses, pages, ids, conditional-request headers.

The schema is a promise that `.ci/fuzz` holds the service to: every status an operation can
answer, every header it always sends, and request constraints exactly as strict as the service.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from claims.platform.pagination import MAX_ID
from claims.platform.problems import PROBLEM_CONTENT_TYPE, TYPE_PREFIX


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
    413: f"The request body is over {settings.MAX_REQUEST_BODY_BYTES // 2**20} MiB.",
    415: "The body is not JSON in UTF-8.",
    428: "If-Match is missing.",
    429: "Too many requests: wait for `Retry-After` seconds.",
    503: "The database is not answering: try again after `Retry-After` seconds.",
}

# What any API operation can answer, whatever it does: a malformed request (a NUL in the URL, a
# bad Content-Length, a bad query parameter), no or a bad token, a token whose role may not, an
# Accept header that JSON does not satisfy, a rate limit, and the database being down.
EVERY_OPERATION = (400, 401, 403, 406, 429, 503)


def problem_example(
    name: str, status: int, detail: str, *, slug: str | None = None, title: str | None = None, **extra: Any
) -> OpenApiExample:
    """An example of problem details, as `claims.platform.problems.problem_response` writes them."""
    body: dict[str, Any] = {
        "type": f"{TYPE_PREFIX}{slug}" if slug else "about:blank",
        "title": title if slug and title else HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return OpenApiExample(name, value=body)


def validation_example(name: str, errors: Mapping[str, list[str]]) -> OpenApiExample:
    """A 400 naming the fields in `errors`, as the service words it."""
    detail = " ".join(f"{field}: {messages[0]}" for field, messages in errors.items())
    return problem_example(
        name, 400, detail, slug="validation-error", title="Invalid input", errors=dict(errors)
    )


# The problems any operation can meet, as the service words them; an operation names its own where
# they say more (its 400s, its 404).
PROBLEM_EXAMPLES: dict[int, OpenApiExample] = {
    400: problem_example("NUL in the URL", 400, "NUL characters are not allowed in the URL."),
    401: problem_example("No token", 401, "Authentication credentials were not provided."),
    403: problem_example(
        "A token without a role",
        403,
        "This token has no role; ask an admin to give its user the client or editor role.",
    ),
    404: problem_example("Unknown URL", 404, "No such resource."),
    406: problem_example("Accept without JSON", 406, "Could not satisfy the request Accept header."),
    409: problem_example(
        "Outside the workflow",
        409,
        "A claim in status 'pending' cannot move to 'published'. Allowed targets: in_review, not_checkable.",
        slug="invalid-transition",
        title="Status change not allowed",
        allowed=["in_review", "not_checkable"],
    ),
    412: problem_example(
        "Stale If-Match",
        412,
        "The claim has changed since you read it: it is at version 4. Fetch it again, then retry "
        "with its new ETag.",
        slug="precondition-failed",
        title="Precondition failed",
    ),
    413: problem_example(
        "Body too large",
        413,
        f"The request body is larger than the {settings.MAX_REQUEST_BODY_BYTES // 2**20} MiB limit.",
    ),
    415: problem_example("Not JSON", 415, 'Unsupported media type "text/plain" in request.'),
    428: problem_example(
        "No If-Match",
        428,
        "This request needs an If-Match header with the claim's current ETag, so that it cannot "
        "overwrite a change you have not seen. GET the claim to read its ETag.",
        slug="precondition-required",
        title="Precondition required",
    ),
    429: problem_example("Rate limited", 429, "Request was throttled. Expected available in 12 seconds."),
    503: problem_example("Database down", 503, "The database is not answering; try again shortly."),
}


def _problem_responses(
    codes: Sequence[int],
    descriptions: Mapping[int, str] | None,
    examples: Mapping[int, OpenApiExample | Sequence[OpenApiExample]] | None,
) -> dict[int, OpenApiResponse]:
    responses = {}
    for code in codes:
        own = (examples or {}).get(code)
        listed = [own] if isinstance(own, OpenApiExample) else list(own or [PROBLEM_EXAMPLES[code]])
        responses[code] = OpenApiResponse(
            ProblemSerializer,
            description=(descriptions or {}).get(code, DESCRIPTIONS[code]),
            examples=listed,
        )
    return responses


def problems(
    *codes: int,
    descriptions: Mapping[int, str] | None = None,
    examples: Mapping[int, OpenApiExample | Sequence[OpenApiExample]] | None = None,
) -> dict[int, OpenApiResponse]:
    """The problem responses of an API operation: those of `EVERY_OPERATION` plus `codes`, each
    with what it means for this operation (`descriptions`, else `DESCRIPTIONS`) and an example
    (`examples`, else `PROBLEM_EXAMPLES`). `postprocess_schema` serves them all as
    application/problem+json, and lists them in the operation's description."""
    return _problem_responses(sorted({*EVERY_OPERATION, *codes}), descriptions, examples)


def public_problems() -> dict[int, OpenApiResponse]:
    """The problem responses of a public, token-free operation: a malformed request, an Accept
    header that JSON does not satisfy, the address's rate limit, the database down."""
    rate_limited = problem_example(
        "Rate limited", 429, "Too many requests from 203.0.113.7; try again in 12 seconds."
    )
    return _problem_responses((400, 406, 429, 503), None, {429: rate_limited})


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


CLAIM_ETAG_PATTERN = r'^"[0-9]+-[0-9]+-[ce]"$'
ARTICLE_ETAG_PATTERN = r'^"a[0-9]+-[0-9]+"$'


def etag_header(*codes: int, example: str = '"1-4-e"', pattern: str = CLAIM_ETAG_PATTERN) -> OpenApiParameter:
    return OpenApiParameter(
        "ETag",
        location=OpenApiParameter.HEADER,
        response=list(codes),
        required=True,
        type={"type": "string", "pattern": pattern},
        description='The claim\'s current entity tag, `"<id>-<version>-<view>"` (view `c` for '
        "clients, `e` for editors and admins); send it back in If-Match to change the claim.",
        examples=[OpenApiExample("The tag an editor gets", value=example)],
    )


# RFC 8288 links to the pages either side, the same URLs as the body's `next` and `previous`: a
# URI reference between angle brackets, then its relation, comma-separated, next first.
_LINK = r"<[^<>\s]+>"
LINK_PATTERN = f'^({_LINK}; rel="next"(, {_LINK}; rel="prev")?|{_LINK}; rel="prev")$'


def link_header(example: str, *, example_name: str = "The first of several pages") -> OpenApiParameter:
    """The `Link` header of a list's 200 (`claims.api.views.common.page_response`)."""
    return OpenApiParameter(
        "Link",
        location=OpenApiParameter.HEADER,
        response=[200],
        required=False,
        type={"type": "string", "pattern": LINK_PATTERN},
        description='RFC 8288 links to the next and previous pages: `<url>; rel="next", <url>; '
        'rel="prev"`, the same URLs as `next` and `previous` in the body. Sent when there is '
        "another page either side, absent on a list that fits one page.",
        examples=[OpenApiExample(example_name, value=example)],
    )


def location_header(code: int, what: str, *, example: str) -> OpenApiParameter:
    return OpenApiParameter(
        "Location",
        location=OpenApiParameter.HEADER,
        response=[code],
        required=True,
        type={"type": "string", "format": "uri"},
        description=f"The new {what}'s URL.",
        examples=[OpenApiExample(f"A new {what}", value=example)],
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


# --- who may call an operation -------------------------------------------------------------------

TOKEN = (
    "Send a token as `Authorization: Bearer <token>`; without one, or with a bad, expired or revoked "
    "one, the answer is 401."
)
READERS = (
    f"**Who:** any token whose user has a role: `client`, `editor`, or an admin (superuser). "
    f"{TOKEN} A token whose user has no role gets 403."
)
EDITORS = f"**Who:** editors and admins. {TOKEN} A client's token, or one whose user has no role, gets 403."


def describe(what: str, *, who: str, conditional: str | None = None) -> str:
    """An operation's description: what it does, who may call it, its conditional-request rules.
    `postprocess_schema` adds what each of its error statuses means."""
    parts = [what, who]
    if conditional:
        parts.append(f"**Conditional requests:** {conditional}")
    return "\n\n".join(parts)


# --- request strings ---------------------------------------------------------------------------
# DRF refuses NUL in any string (and so does PostgreSQL), and a field that trims whitespace and
# may not be blank refuses a string of nothing but whitespace. The schema says both with a pattern,
# spelling out exactly the characters Python's str.strip() removes. Where a field may be blank,
# drf-spectacular adds `oneOf: [<the pattern>, {maxLength: 0}]`: the pattern must not match the
# empty string too, or `oneOf` would refuse it. (drf-spectacular also puts a field's `default` in
# the first branch, where a default of "" breaks that branch's pattern: `_request_defaults` moves
# the defaults of request bodies into their descriptions.)

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
    errors are application/problem+json, with the headers that go with their status, and each
    operation's description ends with what its errors mean. Links say how an id and an ETag in
    one response feed the next request. Then what generators and linters need to read the schema
    as the service means it: `_request_defaults`, `_typed_nullables`, `_security`."""
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
            _describe_errors(operation)
            _empty_query_values(operation)
    _request_defaults(result)
    _closed_request_bodies(result)
    _typed_nullables(result)
    _security(result)
    return result


def _operations(result: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for operations in result.get("paths", {}).values():
        yield from operations.values()


def _describe_errors(operation: dict[str, Any]) -> None:
    errors = sorted(
        (int(code), response.get("description", ""))
        for code, response in operation.get("responses", {}).items()
        if code.isdigit() and int(code) >= 400
    )
    if not errors:
        return
    listed = "\n".join(f"- `{code}`: {description}" for code, description in errors)
    text = f"**Errors** (problem details, `{PROBLEM_CONTENT_TYPE}`):\n\n{listed}"
    operation["description"] = "\n\n".join(filter(None, [operation.get("description"), text]))


def _empty_query_values(operation: dict[str, Any]) -> None:
    """An empty query parameter (`?status=`) is the parameter not given, for every parameter
    (`claims.platform.params.query_params`; all of them are optional)."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query":
            parameter["allowEmptyValue"] = True


def _ref_name(schema: Mapping[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[1] if isinstance(ref, str) else None


def _request_defaults(result: dict[str, Any]) -> None:
    """A request body's defaults go into its descriptions, out of `default`.

    The service fills in a field that was left out, so the field is optional, as `required` says.
    But generators read `default` as "always present": openapi-typescript makes such a property
    non-optional in any component outside a requestBody, and ours are components. And a `default`
    of `""` sits in the branch of a blank-allowed string's `oneOf` that refuses `""`
    (RequestStringExtension), where validators reject it."""
    components = result.get("components", {}).get("schemas", {})
    bodies = {
        name
        for operation in _operations(result)
        for media in operation.get("requestBody", {}).get("content", {}).values()
        if (name := _ref_name(media.get("schema", {})))
    }
    for name in sorted(bodies):
        for prop in components.get(name, {}).get("properties", {}).values():
            branches = [prop, *prop.get("oneOf", []), *prop.get("anyOf", []), *prop.get("allOf", [])]
            defaults = [branch.pop("default") for branch in branches if "default" in branch]
            if defaults:
                note = f"Default: `{json.dumps(defaults[0], ensure_ascii=False)}`."
                prop["description"] = f"{prop['description']} {note}" if prop.get("description") else note


def _closed_request_bodies(result: dict[str, Any]) -> None:
    """A body field the resource does not have is a 400 naming it; the resource's own fields that
    the request cannot set (`id`, `version`, ...) are accepted and ignored, so that a client may
    send back what it read (`claims.platform.params.body`, whose `read_only` is what the
    operation's success response shows). The request body lists those too, any value allowed,
    and no other property."""
    components = result.get("components", {}).get("schemas", {})
    for operation in _operations(result):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            request = components.get(_ref_name(media.get("schema", {})) or "")
            if request is None or request.get("type") != "object":
                continue
            shown: set[str] = set()
            for code, response in operation.get("responses", {}).items():
                if code.startswith("2"):
                    for content in response.get("content", {}).values():
                        resource = components.get(_ref_name(content.get("schema", {})) or "", {})
                        shown.update(resource.get("properties", {}))
            properties = request.setdefault("properties", {})
            for name in sorted(shown - set(properties)):
                properties[name] = {
                    "description": f"Ignored: `{name}` is not set by this request. Accepted, with any "
                    "value, so that what a GET returned can be sent back."
                }
            request["additionalProperties"] = False


NULL_ENUM = "NullEnum"


def _subschemas(schema: Any) -> Iterator[dict[str, Any]]:
    """`schema` and every schema inside it."""
    if not isinstance(schema, dict):
        return
    yield schema
    for key in ("items", "additionalProperties", "not"):
        yield from _subschemas(schema.get(key))
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in schema.get(key, []):
            yield from _subschemas(branch)
    for prop in schema.get("properties", {}).values():
        yield from _subschemas(prop)


def _typed_nullables(result: dict[str, Any]) -> None:
    """`nullable` counts only beside a `type` (OpenAPI 3.0.3): drf-spectacular writes it beside a
    `oneOf` without one (a nullable enum, a nullable string that may be blank). Give such a schema
    the one type its branches share, and a branch that admits null (`NullEnum`) if it has none,
    so that null is allowed however a validator reads `nullable`."""
    components = result.get("components", {}).get("schemas", {})

    def resolved(schema: dict[str, Any]) -> dict[str, Any]:
        name = _ref_name(schema)
        return components.get(name, {}) if name else schema

    def null_only(schema: dict[str, Any]) -> bool:
        return resolved(schema).get("enum") == [None]

    for component in list(components.values()):
        for schema in _subschemas(component):
            branches = schema.get("oneOf") or schema.get("anyOf")
            if not schema.get("nullable") or "type" in schema or not branches:
                continue
            types = {resolved(branch).get("type") for branch in branches if not null_only(branch)}
            if len(types) != 1 or None in types:
                continue
            if not any(null_only(branch) for branch in branches):
                components.setdefault(NULL_ENUM, {"enum": [None]})
                branches.append({"$ref": f"#/components/schemas/{NULL_ENUM}"})
            typed = {"type": types.pop(), **schema}
            schema.clear()
            schema.update(typed)


def _security(result: dict[str, Any]) -> None:
    """The token scheme as the document's default, and a public operation (no `security` of its
    own) saying explicitly that it needs none."""
    required = [operation["security"] for operation in _operations(result) if operation.get("security")]
    if not required:
        return
    result.setdefault("security", required[0])
    for operation in _operations(result):
        operation.setdefault("security", [{}])
