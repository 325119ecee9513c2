"""What integrators' tools need of the OpenAPI schema: a document that validates, operations that
say what they do and who may call them, list pages whose links a generated client can follow
without parsing anything (the `Link` header), and an example of every body, true to the service.

`.ci/lint-schema` runs the tools themselves: openapi-spec-validator, Redocly's recommended rules,
and openapi-typescript with a type check of what it generates."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from openapi_spec_validator import validate

from claims.api.views import examples
from claims.platform.schema import LINK_PATTERN
from claims.services.articles import article_create
from tests.helpers import ARTICLES, CLAIMS, PROBLEM_JSON, assert_problem

LISTS = {
    "articles_list",
    "claims_list",
    "claims_history_list",
    "articles_revisions_list",
    "changes_list",
    "webhooks_list",
    "webhooks_deliveries_list",
    "reviews_list",
}
# Writes whose body is a document as others publish it (ClaimReview as JSON, JSON lines or HTML),
# not a JSON object of this API's with fields to name.
DOCUMENT_BODIES = {"reviews_import"}
HOST = "http://testserver"


@pytest.fixture
def schema(anonymous: Any, db: Any) -> dict[str, Any]:
    response = anonymous.get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def component(schema: dict[str, Any], holder: dict[str, Any]) -> dict[str, Any]:
    return schema["components"]["schemas"][holder["$ref"].rsplit("/", 1)[1]]


def test_the_served_schema_is_valid_openapi(schema):
    validate(schema)


def test_every_operation_says_what_it_does_who_may_call_it_and_what_its_errors_mean(schema):
    for method, path, operation in operations(schema):
        where = (method, path)
        assert operation.get("summary", "").strip(), where
        description = operation.get("description", "")
        assert "**Who:**" in description, where
        for code in operation["responses"]:
            if int(code) >= 400:
                assert f"- `{code}`: " in description, (where, code)
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        for header in headers & {"If-Match", "If-None-Match"}:
            assert f"`{header}`" in description.split("**Conditional requests:**", 1)[-1], (where, header)


def test_every_list_documents_its_link_header_and_keeps_its_envelope(schema):
    lists = set()
    for method, path, operation in operations(schema):
        ok = operation["responses"].get("200", {})
        media = next(iter(ok.get("content", {}).values()), {})
        body = component(schema, media["schema"]) if "$ref" in media.get("schema", {}) else {}
        if set(body.get("properties", {})) & {"next", "previous", "results"}:
            lists.add(operation["operationId"])
            # The envelope stays exactly {next, previous, results}: the links go in a header.
            assert set(body["properties"]) == {"next", "previous", "results"}, (method, path)
            link = ok["headers"]["Link"]
            assert link.get("required", False) is False, (method, path)
            assert link["schema"] == {"type": "string", "pattern": LINK_PATTERN}
            for example in link["examples"].values():
                assert re.fullmatch(LINK_PATTERN, example["value"]), example
    assert lists == LISTS


def bodies(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, direction, media type object) of every request and response body."""
    for method, path, operation in operations(schema):
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            yield f"{method} {path} request {media_type}", "request", media
        for code, response in operation["responses"].items():
            for media_type, media in response.get("content", {}).items():
                yield f"{method} {path} {code} {media_type}", "response", media


def test_every_body_has_an_example_that_its_schema_accepts(schema):
    seen = 0
    for where, direction, media in bodies(schema):
        found = [example["value"] for example in media.get("examples", {}).values()]
        if "example" in media:
            found.append(media["example"])
        assert found, f"{where}: no example"
        validator_class = OAS30WriteValidator if direction == "request" else OAS30ReadValidator
        validator = validator_class(
            {**media["schema"], "components": schema["components"]},
            format_checker=validator_class.FORMAT_CHECKER,
        )
        for value in found:
            errors = [error.message for error in validator.iter_errors(value)]
            assert not errors, f"{where}: {errors}"
            seen += 1
    assert seen > 100


def test_examples_use_small_real_ids(schema):
    def numbers(value: Any) -> Iterator[int]:
        if isinstance(value, dict):
            for item in value.values():
                yield from numbers(item)
        elif isinstance(value, list):
            for item in value:
                yield from numbers(item)
        elif isinstance(value, int) and not isinstance(value, bool):
            yield value

    for where, _, media in bodies(schema):
        for example in media.get("examples", {}).values():
            assert all(n < 100_000 for n in numbers(example["value"])), where


def keys(schema: Any) -> Iterator[str]:
    """Every key of a schema and of the schemas inside it."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            yield key
            yield from keys(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from keys(item)


def request_bodies(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(operationId, request body component, operation) of every write."""
    for _, _, operation in operations(schema):
        if operation["operationId"] in DOCUMENT_BODIES:
            continue
        for media in operation.get("requestBody", {}).get("content", {}).values():
            yield operation["operationId"], component(schema, media["schema"]), operation


def test_request_fields_with_defaults_are_optional_and_say_their_default(schema):
    for operation_id, body, _ in request_bodies(schema):
        for name, field in body["properties"].items():
            # Generators read `default` as "always present": it goes in the description.
            assert "default" not in set(keys(field)), (operation_id, name)
            if "Default: " in field.get("description", ""):
                assert name not in body.get("required", []), (operation_id, name)
    article = schema["components"]["schemas"]["ArticleCreateInputRequest"]
    assert "language" not in article["required"]
    assert article["properties"]["language"]["description"].endswith('Default: `"en"`.')
    # In a response, it is always there.
    assert "language" in schema["components"]["schemas"]["ArticleDetail"]["required"]


def test_a_nullable_schema_has_a_type_and_a_branch_that_admits_null(schema):
    schemas = schema["components"]["schemas"]
    for name in ("Claim", "PatchedClaimUpdateInputRequest"):
        rating = schemas[name]["properties"]["rating"]
        assert rating["type"] == "string"
        assert rating["nullable"] is True
    url = schemas["ArticleCreateInputRequest"]["properties"]["url"]
    assert url["type"] == "string"
    assert {"$ref": "#/components/schemas/NullEnum"} in url["oneOf"]
    assert schemas["NullEnum"] == {"enum": [None]}


def test_a_request_body_names_every_field_the_service_takes_and_no_other(schema):
    # A field the resource does not have is a 400; the resource's fields that the request cannot
    # set (those its response shows) are accepted and ignored.
    for operation_id, body, operation in request_bodies(schema):
        assert body["additionalProperties"] is False, operation_id
        (code,) = [code for code in operation["responses"] if code.startswith("2")]
        shown = component(schema, operation["responses"][code]["content"]["application/json"]["schema"])
        assert set(body["properties"]) >= set(shown["properties"]), operation_id
        ignored = {name for name, field in body["properties"].items() if set(field) == {"description"}}
        assert ignored, operation_id
        assert ignored <= set(shown["properties"]) - set(body.get("required", [])), operation_id
        assert all(body["properties"][name]["description"].startswith("Ignored") for name in ignored)


def test_the_service_ignores_a_resource_field_and_refuses_any_other(alice, demo):
    from claims.models import Claim

    first = Claim.objects.filter(article=demo).order_by("id").values_list("id", flat=True)[0]
    evidence = {"url": "https://www.nato.int/cps/en/natohq/official_texts_17120.htm"}
    ignored = alice.post(
        f"{CLAIMS}{first}/evidence/", {**evidence, "id": 5, "added_at": [None]}, format="json"
    )
    assert ignored.status_code == 201, ignored.content
    assert ignored.json()["id"] != 5
    unknown = alice.post(f"{CLAIMS}{first}/evidence/", {**evidence, "source": "NATO"}, format="json")
    assert_problem(unknown, 400, errors_on="source")


def test_every_query_parameter_may_be_sent_empty(schema):
    # `?status=` is `status` not given (tests/test_schema.py holds the service to it).
    for method, path, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                assert parameter.get("allowEmptyValue") is True, (method, path, parameter["name"])


def test_the_document_names_its_server_and_its_default_security(schema):
    assert schema["servers"] == [{"url": "/", "description": "The host serving this schema."}]
    assert schema["security"] == [{"bearerAuth": []}]
    assert schema["paths"]["/api/v1/"]["get"]["security"] == [{}]


# --- the Link header, as the service sends it --------------------------------------------------


def link_of(response: Any) -> str | None:
    assert response.status_code == 200, response.content
    return response.headers.get("Link")


def expected_link(body: dict[str, Any]) -> str | None:
    pairs = [(body["next"], "next"), (body["previous"], "prev")]
    return ", ".join(f'<{link}>; rel="{rel}"' for link, rel in pairs if link) or None


def test_every_page_links_to_its_neighbours_in_a_link_header_as_in_its_body(alice, demo):
    url, pages = f"{CLAIMS}?page_size=10", []
    while url:
        response = alice.get(url)
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        assert link_of(response) == expected_link(body)
        pages.append(link_of(response))
        url = body["next"]
    first, middle, last = pages
    assert re.fullmatch(r'<[^>]+>; rel="next"', first)
    assert re.fullmatch(r'<[^>]+>; rel="next", <[^>]+>; rel="prev"', middle)
    assert re.fullmatch(r'<[^>]+>; rel="prev"', last)
    assert all(re.fullmatch(LINK_PATTERN, link) for link in pages)


@pytest.mark.parametrize("path", [ARTICLES, CLAIMS, "history of the 18th claim"])
def test_a_list_that_fits_one_page_has_no_link_header(alice, demo, path):
    from claims.models import Claim

    if path.startswith("history"):
        eighteenth = Claim.objects.filter(article=demo).order_by("id").values_list("id", flat=True)[17]
        path = f"{CLAIMS}{eighteenth}/history/"
    response = alice.get(path, {"page_size": 200})
    assert response.json()["next"] is None
    assert response.json()["previous"] is None
    assert link_of(response) is None


def test_going_back_to_the_first_page_links_it_without_a_cursor(alice, demo):
    second = alice.get(alice.get(CLAIMS, {"page_size": 5}).json()["next"]).json()
    # The second page's way back, followed: the first page, whose `previous` is null.
    first = alice.get(second["previous"])
    assert link_of(first) == expected_link(first.json())
    assert "cursor=" not in (first.json()["previous"] or "")


def test_a_link_header_survives_what_a_client_puts_in_the_query(alice, demo):
    # An unknown parameter is ignored, but stays in the links, percent-encoded.
    response = alice.get(CLAIMS, {"page_size": 1, "q": "NATO", "utm_source": '<b x="1">, y; rel="z"'})
    link = link_of(response)
    assert link is not None
    assert link == expected_link(response.json())
    assert re.fullmatch(LINK_PATTERN, link)


def test_errors_carry_no_link_header(alice, demo):
    response = alice.get(CLAIMS, {"page_size": 0})
    assert response["Content-Type"] == PROBLEM_JSON
    assert "Link" not in response.headers


# --- the examples are what the service answers for the seed column -----------------------------

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def served(value: Any) -> Any:
    """An example as the test server would send it: its host, and any timestamp, since the real
    ones are the moment the test loaded the column."""
    if isinstance(value, dict):
        return {key: served(item) for key, item in value.items()}
    if isinstance(value, list):
        return [served(item) for item in value]
    if isinstance(value, str):
        return "<timestamp>" if TIMESTAMP.match(value) else value.replace(examples.BASE, HOST)
    return value


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_the_examples_are_what_the_service_answers_for_the_seed_column(alice, bob):
    # Ids as on a freshly loaded database: article 1, claims 1 to 30.
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    def answer(api: Any, path: str, **headers: str) -> Any:
        response = api.get(path, **headers)
        assert response.status_code == 200, response.content
        return served(response.json())

    assert answer(alice, ARTICLES) == served(examples.ARTICLE_PAGE)
    assert answer(alice, f"{ARTICLES}1/") == served(examples.article(body=True))
    for claim_id in (1, 18):
        assert answer(alice, f"{CLAIMS}{claim_id}/") == served(examples.claim(claim_id))
        public = examples.claim(claim_id, drafts_visible=False)
        assert answer(bob, f"{CLAIMS}{claim_id}/") == served(public)
        assert alice.get(f"{CLAIMS}{claim_id}/")["ETag"] == examples.claim_etag(claim_id)
        assert bob.get(f"{CLAIMS}{claim_id}/")["ETag"] == examples.claim_etag(claim_id, drafts_visible=False)

    page = alice.get(CLAIMS + examples.CLAIM_PAGE_QUERY)
    assert served(page.json()) == served(examples.CLAIM_PAGE)
    assert page["Link"] == served(examples.CLAIM_PAGE_LINK)

    review = served(examples.claim_review(examples.PUBLISHED_REVIEW))
    assert answer(bob, f"{CLAIMS}{examples.PUBLISHED_REVIEW}/claimreview/") == review
    assert answer(bob, f"{ARTICLES}1/claimreview/")[0] == review

    history = answer(alice, f"{CLAIMS}18/history/")
    assert history == served({"next": None, "previous": None, "results": examples.history(18)})
    second_page = alice.get(f"{CLAIMS}18/history/", {"page_size": 1})
    assert served(alice.get(second_page.json()["next"])["Link"]) == served(examples.history_link(18))

    # The writes: claim 2 into review, claim 1 published, as the PATCH examples show them.
    for claim_id, request, result in [
        (2, examples.REVIEW_REQUEST, examples.in_review_claim(2)),
        (1, examples.PUBLISH_REQUEST, examples.published_first_claim()),
    ]:
        response = alice.patch(
            f"{CLAIMS}{claim_id}/", request, format="json", HTTP_IF_MATCH=examples.claim_etag(claim_id)
        )
        assert response.status_code == 200, response.content
        assert served(response.json()) == served(result)
        assert response["ETag"] == examples.claim_etag(claim_id, result["version"])

    # A second column: the first page of one article a page links to the next.
    article_create(headline="H", body="B")
    assert alice.get(ARTICLES, {"page_size": 1})["Link"] == served(examples.ARTICLE_PAGE_LINK)
