"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest, HttpResponse, JsonResponse

from claims.platform.db import raw
from claims.platform.problems import problem_response


def healthz(request: HttpRequest) -> HttpResponse:
    """Alive: the process answers. It does not touch the database, so a database outage does not
    get healthy workers restarted."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    """Ready: the database that takes the writes answers a query."""
    try:
        raw.fetch_one(DEFAULT_DB_ALIAS, "SELECT 1")
    except Exception as exc:  # any failure to reach the database means "not ready"
        return problem_response(503, f"The database is not answering ({type(exc).__name__}).")
    return JsonResponse({"status": "ok", "database": "ok"})
