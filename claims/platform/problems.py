"""RFC 9457 problem details: the one shape of every error the service returns.

`exception_handler` is DRF's hook; `handler404`/`handler500` and the request-limits middleware use
`problem_response` directly, so errors raised outside DRF views have the same shape.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework import exceptions as drf
from rest_framework.settings import api_settings

from claims.platform.errors import DomainError, describe_errors

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:claim-tracker:problem:"


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    """A problem details response. Without a `slug` the type is `about:blank` and the title is
    the status phrase, as RFC 9457 section 4.2.1 asks."""
    body: dict[str, Any] = {
        "type": f"{TYPE_PREFIX}{slug}" if slug else "about:blank",
        "title": title if slug and title else HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = dict(errors)
    body.update(extra)
    # ASCII escapes: a message may quote the client's input, and a lone surrogate in it
    # (`"\ud800"`) has no UTF-8 encoding.
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as `{"field": [...], "evidence.0.url": [...]}`."""
    if isinstance(detail, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and any(isinstance(item, (Mapping, list)) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            if item:
                flat.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [str(message) for message in messages]}


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> HttpResponse | None:
    if isinstance(exc, DomainError):
        extra = {"allowed": exc.allowed} if hasattr(exc, "allowed") else {}
        return problem_response(
            exc.status,
            exc.detail,
            slug=exc.slug,
            title=exc.title,
            errors=getattr(exc, "errors", None),
            **extra,
        )
    if isinstance(exc, drf.ValidationError):
        errors = flatten_errors(exc.detail)
        return problem_response(
            400, describe_errors(errors), slug="validation-error", title="Invalid input", errors=errors
        )
    if isinstance(exc, drf.APIException):
        headers: dict[str, str] = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
        # DRF answers an unauthenticated request with 403 when no authenticator sends a
        # challenge; ours always does, so 401 and 403 keep their meanings.
        return problem_response(exc.status_code, str(exc.detail), headers=headers)
    if isinstance(exc, Http404):
        return problem_response(404, "No such resource.")
    if isinstance(exc, PermissionDenied):
        return problem_response(403, "You do not have permission to perform this action.")
    if isinstance(exc, RequestDataTooBig):
        return request_too_large()
    if isinstance(exc, SuspiciousOperation):
        return problem_response(400, str(exc) or "The request was refused.")
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable: %s", exc)
        return database_unavailable()
    # Anything else is a bug of ours, not the client's: Django logs it and answers 500 through
    # handler500, without a traceback in the body.
    return None


def request_too_large() -> HttpResponse:
    limit = settings.MAX_REQUEST_BODY_BYTES // (1024 * 1024)
    return problem_response(413, f"The request body is larger than the {limit} MiB limit.")


def database_unavailable() -> HttpResponse:
    return problem_response(
        503, "The database is not answering; try again shortly.", headers={"Retry-After": "5"}
    )


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return problem_response(404, f"Nothing is served at {request.path}.")


def handler500(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except` block. A database that is down is a 503 here too (the
    # admin's session lookup, a middleware's query), as it is in the API: not a bug of ours.
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return database_unavailable()
    return problem_response(500, "The server failed to answer this request; it has been logged.")


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return problem_response(403, "You do not have permission to perform this action.")


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return problem_response(400, "The request was malformed.")
