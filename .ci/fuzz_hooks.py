"""Schemathesis hooks for `.ci/fuzz`: the rejections of schema-valid requests that no OpenAPI
schema can rule out, and nothing else.

`positive_data_acceptance` sends requests that the schema says are valid and fails on any 4xx
other than 401, 403, 404 and 409, which depend on who asks and on what exists. These depend on
what exists, or on rules beyond JSON Schema, in the same way:

- 412: an If-Match tag that is not the claim's (or the article's) current version, which the
  schema cannot know;
- `cursor`: an opaque token that only the service's own `next`/`previous` links hold;
- an import's `body`: a document that must parse as what its media type says (JSON, HTML);
- a claim's `article`, `quote`, `start`, `end`: the article must exist and the quote must stand in
  its body, once, or at the offsets given (both or neither);
- a PATCH's `note`, `rating`, `summary`: publishing needs a rating and a summary; withdrawing or
  correcting a published verdict needs a note (the workflow, which depends on the claim's status);
- an article's `url` that another article already has (URLs are unique);
- the change feed's `after` beyond its last position; a webhook's `url`, which must be https and
  resolve, when subscribing, to public addresses only;
- a `url` that is a URI but not a web address: `format: uri` admits any RFC 3986 URI, and the
  service takes only what Django's URLValidator does (http, https, ftp or ftps, and a host that
  is a DNS name of at most 253 characters with a top-level domain of two letters or more, an IP
  address or localhost), which no JSON Schema format or practical pattern spells out.

Each is dropped only for the operations where it can happen and only when the problem details
name nothing else. Every other check, and this one for every other answer, stays on.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData

CLAIM = "/api/v1/claims/{claim_id}/"
DUPLICATE_URL = "An article with this URL already exists"
NOT_A_WEB_ADDRESS = "Enter a valid URL."

# Operation -> fields whose 400 depends on the data or on a rule the schema cannot state.
FIELDS = {
    "GET /api/v1/articles/": {"cursor"},
    "GET /api/v1/claims/": {"cursor"},
    f"GET {CLAIM}history/": {"cursor"},
    "GET /api/v1/articles/{article_id}/revisions/": {"cursor"},
    "GET /api/v1/reviews/": {"cursor"},
    # An import's body must be a document that parses (JSON, or HTML with markup), which no
    # schema of "any JSON" or "a string" states.
    "POST /api/v1/reviews/import/": {"body"},
    "POST /api/v1/claims/": {"article", "quote", "start", "end"},
    # Placing a claim again: its quote must stand in the body, at start and end if given (both
    # or neither); only a fuzzy claim's place can be accepted.
    f"PATCH {CLAIM}": {"note", "rating", "summary", "quote", "start", "end", "anchor"},
    # An `after` beyond the feed's last position, which the feed never gave.
    "GET /api/v1/changes/": {"after"},
    "GET /api/v1/webhooks/": {"cursor"},
    "GET /api/v1/webhooks/{webhook_id}/deliveries/": {"cursor"},
    # A webhook URL must be https and resolve, now, to public addresses only.
    "POST /api/v1/webhooks/": {"url"},
}
ARTICLE = "/api/v1/articles/{article_id}/"
URL_OPERATIONS = {"POST /api/v1/articles/", f"PATCH {ARTICLE}", f"POST {CLAIM}evidence/"}
IF_MATCH_OPERATIONS = {f"PATCH {CLAIM}", f"DELETE {CLAIM}", f"POST {CLAIM}evidence/", f"PATCH {ARTICLE}"}


def _problem(response: Any) -> dict[str, Any]:
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def beyond_the_schema(operation: str, status: int, problem: dict[str, Any]) -> bool:
    """Whether this refusal of a schema-valid request is one that no schema could have foretold."""
    if status == 412:
        return operation in IF_MATCH_OPERATIONS and problem.get("type", "").endswith(":precondition-failed")
    errors = problem.get("errors")
    if status != 400 or not isinstance(errors, dict) or not errors:
        return False
    if operation in URL_OPERATIONS and set(errors) == {"url"}:
        return all(m == NOT_A_WEB_ADDRESS or m.startswith(DUPLICATE_URL) for m in errors["url"])
    return set(errors) <= FIELDS.get(operation, set())


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """False drops the failure."""
    if not isinstance(failure, RejectedPositiveData):
        return True
    return not beyond_the_schema(case.operation.label, response.status_code, _problem(response))
