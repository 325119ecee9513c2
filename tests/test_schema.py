"""The OpenAPI schema is a promise: every status an operation answers, every header it always
sends, and request constraints exactly as strict as the service. `.ci/fuzz` holds the service to
it with schemathesis; these tests pin what the fuzzer relies on, and that the service keeps the
strictness the schema states."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework import serializers

from claims.api.serializers import MAX_ID
from claims.platform.schema import NO_NUL, NOT_BLANK
from tests.helpers import ARTICLES, CLAIMS, PROBLEM_JSON, assert_problem

API = "/api/v1/"
CLAIM = "/api/v1/claims/{claim_id}/"
EVERY_OPERATION = {"400", "401", "403", "406", "429", "503"}
PUBLIC_OPERATIONS = {"api_index"}
# Writes whose body is a document as others publish it (ClaimReview as JSON, JSON lines or HTML),
# not a JSON object of this API's.
DOCUMENT_BODIES = {"reviews_import"}


@pytest.fixture
def schema(anonymous: Any, db: Any) -> dict[str, Any]:
    response = anonymous.get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = [
        (method.upper(), path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(found) == 26
    return found


def parameter(operation: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [p for p in operation.get("parameters", []) if p["name"] == name]
    return found


def component(schema: dict[str, Any], ref_holder: dict[str, Any]) -> dict[str, Any]:
    return schema["components"]["schemas"][ref_holder["$ref"].rsplit("/", 1)[1]]


def test_the_schema_is_valid_openapi(schema):
    validate_schema(schema)


def test_every_error_response_is_problem_details(schema):
    for method, path, operation in operations(schema):
        for code, response in operation["responses"].items():
            if int(code) >= 400:
                assert set(response["content"]) == {PROBLEM_JSON}, (method, path, code)
                assert response["content"][PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}
            else:
                assert PROBLEM_JSON not in response.get("content", {}), (method, path, code)


def test_every_operation_needs_a_token_and_documents_what_any_request_can_meet(schema):
    for method, path, operation in operations(schema):
        assert path.startswith(API)
        if operation["operationId"] in PUBLIC_OPERATIONS:
            assert operation.get("security", [{}]) == [{}], (method, path)
            assert "401" not in operation["responses"], (method, path)
            continue
        assert operation["security"] == [{"bearerAuth": []}], (method, path)
        # Malformed request, no or bad token, a role that may not, Accept without JSON, a rate
        # limit, the database down.
        assert set(operation["responses"]) >= EVERY_OPERATION, (method, path)
        challenge = operation["responses"]["401"]["headers"]["WWW-Authenticate"]
        assert challenge["required"] is True
        for code in ("429", "503"):
            assert "Retry-After" in operation["responses"][code]["headers"], (method, path, code)


def test_every_operation_on_one_resource_documents_404_and_a_64_bit_id(schema):
    for method, path, operation in operations(schema):
        if "{" not in path:
            continue
        assert "404" in operation["responses"], (method, path)
        name = re.search(r"\{(\w+)\}", path)[1]  # type: ignore[index]
        assert parameter(operation, name)["schema"] == {
            "type": "integer",
            "format": "int64",
            "minimum": 1,
            "maximum": MAX_ID,
        }


def test_writes_document_their_body_limits_and_take_only_json_objects(schema):
    for method, path, operation in operations(schema):
        if method in {"GET", "DELETE"}:
            assert "requestBody" not in operation, (method, path)
            continue
        assert {"413", "415"} <= set(operation["responses"]), (method, path)
        content = operation["requestBody"]["content"]
        if operation["operationId"] in DOCUMENT_BODIES:
            assert "application/json" in content, (method, path)
            continue
        assert set(content) == {"application/json"}, (method, path)
        assert component(schema, content["application/json"]["schema"])["type"] == "object"


def test_conditional_writes_document_if_match_412_and_428(schema):
    for method in ("patch", "delete"):
        operation = schema["paths"][CLAIM][method]
        assert parameter(operation, "If-Match")["required"] is True
        assert {"409", "412", "428"} <= set(operation["responses"]), method
    evidence = schema["paths"][f"{CLAIM}evidence/"]["post"]
    assert parameter(evidence, "If-Match").get("required", False) is False
    assert "412" in evidence["responses"]
    assert "428" not in evidence["responses"]


def test_etag_and_location_headers_are_documented_where_they_are_always_sent(schema):
    def headers(path: str, method: str, code: str) -> dict[str, Any]:
        return schema["paths"][path][method]["responses"][code].get("headers", {})

    retrieve = schema["paths"][CLAIM]["get"]
    assert set(retrieve["responses"]) >= {"200", "304"}
    assert parameter(retrieve, "If-None-Match").get("required", False) is False
    for path, method, code in [(CLAIM, "get", "200"), (CLAIM, "get", "304"), (CLAIM, "patch", "200")]:
        assert headers(path, method, code)["ETag"]["required"] is True, (path, method, code)
    assert set(headers(CLAIMS, "post", "201")) == {"ETag", "Location"}
    assert set(headers(ARTICLES, "post", "201")) == {"ETag", "Location"}
    # Only the responses that carry them: no ETag on an error.
    assert "ETag" not in headers(CLAIM, "get", "404")
    assert "headers" not in schema["paths"][CLAIM]["delete"]["responses"]["204"]


def test_links_say_that_the_etag_of_a_response_is_the_if_match_of_the_next_write(schema):
    for path, method, code in [(CLAIMS, "post", "201"), (CLAIM, "get", "200"), (CLAIM, "patch", "200")]:
        links = schema["paths"][path][method]["responses"][code]["links"]
        assert links["UpdateClaim"] == {
            "operationId": "claims_partial_update",
            "parameters": {"claim_id": "$response.body#/id", "header.If-Match": "$response.header.ETag"},
        }
        assert links["DeleteClaim"]["parameters"]["header.If-Match"] == "$response.header.ETag"


def test_list_parameters_are_as_strict_as_the_service(schema):
    claims = schema["paths"][CLAIMS]["get"]
    for path in (ARTICLES, CLAIMS, f"{CLAIM}history/"):
        page_size = parameter(schema["paths"][path]["get"], "page_size")["schema"]
        assert (page_size["minimum"], page_size["maximum"], page_size["default"]) == (1, 200, 50)
    assert parameter(claims, "status")["schema"]["enum"] == [
        "pending",
        "in_review",
        "published",
        "not_checkable",
    ]
    assert set(parameter(claims, "rating")["schema"]["enum"]) == {
        "true",
        "mostly_true",
        "half_true",
        "mostly_false",
        "false",
        "misleading",
        "unproven",
    }
    assert parameter(claims, "ordering")["schema"]["enum"] == ["id", "-updated_at"]
    assert parameter(claims, "article")["schema"]["format"] == "int64"
    assert parameter(claims, "updated_after")["schema"]["format"] == "date-time"


def test_ids_in_responses_are_64_bit(schema):
    schemas = schema["components"]["schemas"]
    for name in ("Article", "ArticleDetail", "Claim", "Evidence", "ClaimEvent"):
        assert schemas[name]["properties"]["id"]["format"] == "int64", name
    assert schemas["Claim"]["properties"]["article"]["format"] == "int64"


def test_what_a_client_sees_as_null_is_nullable(schema):
    claim = schema["components"]["schemas"]["Claim"]["properties"]
    for field in ("rating", "summary", "published_at"):
        assert claim[field]["nullable"] is True, field
    article = schema["components"]["schemas"]["Article"]["properties"]
    for field in ("url", "published_at"):
        assert article[field]["nullable"] is True, field


@pytest.mark.parametrize(
    ("component_name", "field", "max_length"),
    [
        ("ArticleCreateInputRequest", "headline", 500),
        ("ArticleCreateInputRequest", "author", 200),
        ("ArticleCreateInputRequest", "body", 100_000),
        ("ArticleCreateInputRequest", "url", 2000),
        ("ClaimCreateInputRequest", "claimant", 200),
        ("PatchedClaimUpdateInputRequest", "summary", 10_000),
        ("PatchedClaimUpdateInputRequest", "note", 10_000),
        ("EvidenceCreateInputRequest", "title", 500),
    ],
)
def test_string_limits_match_the_serializers(schema, component_name, field, max_length):
    properties = schema["components"]["schemas"][component_name]["properties"][field]
    # A field that may be blank is `oneOf: [<its rules>, {maxLength: 0}]`.
    rules = properties["oneOf"][0] if "oneOf" in properties else properties
    assert rules["maxLength"] == max_length


# --- the patterns say exactly what DRF accepts -------------------------------------------------

SAMPLES = [
    "",
    " ",
    "\t\n",
    "\u3000",
    "\x1c",
    "\x85",
    "\u00a0",
    "a",
    " a ",
    "a\x00",
    "\x00",
    "\u200b",
    "\ufeff",
]


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_not_blank_pattern_accepts_what_a_trimming_field_does(sample):
    field = serializers.CharField()
    try:
        field.run_validation(sample)
        accepted = True
    except serializers.ValidationError:
        accepted = False
    assert bool(re.fullmatch(NOT_BLANK, sample)) == accepted


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_no_nul_pattern_accepts_what_a_field_that_may_be_blank_does(sample):
    field = serializers.CharField(allow_blank=True, trim_whitespace=False)
    try:
        field.run_validation(sample)
        accepted = True
    except serializers.ValidationError:
        accepted = False
    # The empty string is the other branch of the field's `oneOf`.
    assert bool(re.fullmatch(NO_NUL, sample) or sample == "") == accepted


def test_claimant_in_the_schema_refuses_blank_and_nul(schema):
    claimant = schema["components"]["schemas"]["ClaimCreateInputRequest"]["properties"]["claimant"]
    assert claimant["pattern"] == NOT_BLANK


# --- the service is as strict as the schema says -----------------------------------------------


@pytest.mark.parametrize("param", ["article", "status", "rating", "ordering", "updated_after", "page_size"])
def test_an_empty_parameter_is_not_given(alice, demo, param):
    # One rule for every parameter: `?status=` is the same as no `status` at all.
    assert alice.get(CLAIMS, {param: ""}).json() == alice.get(CLAIMS).json()


@pytest.mark.parametrize(("path", "param"), [(CLAIMS, "q"), (CLAIMS, "claimant"), (ARTICLES, "outlet")])
@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_or_blank_text_filter_is_no_filter(alice, demo, path, param, value):
    assert alice.get(path, {param: value}).json() == alice.get(path).json()


def test_an_empty_cursor_is_the_first_page(alice, demo):
    assert alice.get(CLAIMS, {"cursor": ""}).json() == alice.get(CLAIMS).json()


def test_text_limits_count_what_was_sent_not_what_is_left_once_trimmed(alice, article):
    # 200 characters are allowed; 200 and a space are not, though trimming would leave 200.
    body = {"article": article.pk, "quote": "unemployment fell to 4.2% in March"}
    too_long = alice.post(CLAIMS, {**body, "claimant": "x" * 200 + " "}, format="json")
    assert_problem(too_long, 400, errors_on="claimant")
    assert_problem(alice.get(CLAIMS, {"q": "x" * 500 + " "}), 400, errors_on="q")
    assert alice.post(CLAIMS, {**body, "claimant": "x" * 200}, format="json").status_code == 201


def test_a_language_tag_with_spaces_is_refused_as_the_pattern_says(alice):
    response = alice.post(ARTICLES, {"headline": "H", "body": "B", "language": " en"}, format="json")
    assert_problem(response, 400, errors_on="language")


def test_an_invalid_url_says_so(alice):
    response = alice.post(
        ARTICLES, {"headline": "H", "body": "B", "url": "https://" + "a" * 300 + ".com"}, format="json"
    )
    assert assert_problem(response, 400, errors_on="url")["errors"]["url"] == ["Enter a valid URL."]
    response = alice.post(ARTICLES, {"headline": "H", "body": "B", "url": 5}, format="json")
    assert assert_problem(response, 400, errors_on="url")["errors"]["url"] == ["Must be a string."]


def test_an_accept_header_without_json_is_406(alice, demo):
    assert_problem(alice.get(CLAIMS, HTTP_ACCEPT="application/xml"), 406)


def test_an_invalid_transition_names_the_allowed_targets_as_the_schema_says(schema):
    problem = schema["components"]["schemas"]["Problem"]["properties"]
    assert problem["allowed"]["items"]["type"] == "string"
    assert set(schema["components"]["schemas"]["Problem"]["required"]) == {
        "type",
        "title",
        "status",
        "detail",
    }
