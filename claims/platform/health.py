"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from claims.platform.problems import problem_response


def healthz(request: HttpRequest) -> HttpResponse:
    """Alive: the process answers. It does not touch the database, so a database outage does not
    get healthy workers restarted."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    """Ready: the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to reach the database means "not ready"
        return problem_response(503, f"The database is not answering ({type(exc).__name__}).")
    return JsonResponse({"status": "ok", "database": "ok"})
