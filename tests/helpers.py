"""Assertions, clients and small readers shared by the tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.test import APIClient

from claims.accounts.services import token_create
from claims.models import Claim, ClaimEvent, Correction, Evidence

PROBLEM_JSON = "application/problem+json"
ARTICLES = "/api/v1/articles/"
CLAIMS = "/api/v1/claims/"


def assert_problem(response: Any, status: int, *, errors_on: str | Iterable[str] | None = None) -> dict:
    """The response is RFC 9457 problem details for `status`; returns the body.

    With `errors_on`, the body is a validation error whose `errors` name exactly those fields,
    each with at least one message.
    """
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    for member in ("type", "title", "detail"):
        assert isinstance(body[member], str), body
        assert body[member].strip(), body
    assert "Traceback" not in response.content.decode()
    if errors_on is not None:
        expected = {errors_on} if isinstance(errors_on, str) else set(errors_on)
        assert set(body["errors"]) == expected, body
        assert all(body["errors"][field] and all(body["errors"][field]) for field in expected), body
    return body


def make_token(username: str, role: str = "client", days: int | None = 30) -> str:
    """A real token through the real service, for a user in `role`."""
    return token_create(username=username, role=role, days=days)[1]


def client_with(token: str | None, scheme: str = "Bearer") -> APIClient:
    api = APIClient()
    if token is not None:
        api.credentials(HTTP_AUTHORIZATION=f"{scheme} {token}")
    return api


def claim_url(claim_or_id: Claim | int) -> str:
    pk = claim_or_id if isinstance(claim_or_id, int) else claim_or_id.pk
    return f"{CLAIMS}{pk}/"


def etag_of(api: APIClient, claim: Claim | int) -> str:
    """The ETag a GET of the claim returns: what a careful client sends back in If-Match."""
    response = api.get(claim_url(claim))
    assert response.status_code == 200, response.content
    return response["ETag"]


def actions_of(claim_id: int) -> list[str]:
    """The claim's history as stored, oldest first."""
    return list(
        ClaimEvent.objects.filter(claim_id=claim_id).order_by("version").values_list("action", flat=True)
    )


def snapshot(claim_id: int) -> dict[str, Any]:
    """Everything a write could change, read from the database, to show that nothing did."""
    row = Claim.objects.filter(pk=claim_id).values().first()
    return {
        "claim": row,
        "events": ClaimEvent.objects.filter(claim_id=claim_id).count(),
        "corrections": Correction.objects.filter(claim_id=claim_id).count(),
        "evidence": Evidence.objects.filter(claim_id=claim_id).count(),
    }
