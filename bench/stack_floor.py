"""What the stack alone costs a request: Django, the service's middleware and DRF around the
baseline's own work, against the baseline, in process.

    .venv/bin/python bench/stack_floor.py [--path "/api/v1/claims/?q=rose"] [--role client]
        [--requests 300] [--rounds 5]

The same GET of the claim list is answered five ways, in alternating rounds, after checking
that all five answer with the baseline's bytes:

- the baseline (bench/baseline.py) alone;
- Django's handler with no middleware, around a view that returns the baseline's whole answer
  (its token check, SQL and JSON);
- the same with the service's middleware (settings.MIDDLEWARE);
- DRF's dispatch with the service's token check, permission and renderer, around the baseline's
  list (its SQL and its JSON building): what a list written by hand inside DRF would cost at
  best;
- the service.

So it shows how much of a ratio to the baseline no view code can win back while the list is a
DRF view. Setup as for bench/profile_list.py: the benchmark database (BENCH_DATABASE_URL),
tokens from bench/.tokens, rate limits off.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# First: it points the environment at the benchmark database and sets Django up.
from bench import inprocess

# isort: split
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bench import baseline
from claims.accounts import roles
from project.wsgi import application as service

LIST_PATH = "/api/v1/claims/"


def whole_baseline(request: HttpRequest) -> HttpResponse:
    """The baseline's whole answer (its token check included), as a Django response."""
    answered: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answered.update(status=int(status[:3]), headers=headers)

    body = b"".join(baseline.application(request.environ, start_response))
    response = HttpResponse(body, status=answered["status"], content_type="application/json")
    for name, value in answered["headers"]:
        if name not in ("Content-Type", "Content-Length"):
            response[name] = value
    return response


class BaselineListInDrf(APIView):
    """The baseline's list (its SQL and its JSON building) behind the service's DRF settings:
    token check, permission, content negotiation, renderer."""

    def get(self, request: Request) -> Response:
        role = "editor" if roles.sees_drafts(request.user) else "client"
        return Response(baseline.claim_list(baseline.connection(), request._request.environ, role))


urlpatterns = [path(LIST_PATH.lstrip("/"), whole_baseline)]
drf_urlpatterns = [path(LIST_PATH.lstrip("/"), BaselineListInDrf.as_view())]


class Handler(WSGIHandler):
    """Django's WSGI handler, resolving paths in a URLconf of its own (the service's own handler
    keeps project.urls), with the middleware it is given."""

    def __init__(self, urlconf: Any, middleware: list[str]) -> None:
        saved, settings.MIDDLEWARE = settings.MIDDLEWARE, middleware
        try:
            super().__init__()
        finally:
            settings.MIDDLEWARE = saved
        self.urlconf = urlconf

    def get_response(self, request: HttpRequest) -> HttpResponse:
        request.urlconf = self.urlconf
        return super().get_response(request)


class URLConf:
    def __init__(self, patterns: list[Any]) -> None:
        self.urlpatterns = patterns


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--path", default=LIST_PATH, help=f"a GET of {LIST_PATH}, with any query")
    parser.add_argument("--role", choices=("editor", "client"), default="editor")
    parser.add_argument("--requests", type=int, default=300, help="per variant and round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.path.split("?")[0] != LIST_PATH:
        parser.error(f"--path must be the claim list, {LIST_PATH}, with any query")
    token = inprocess.token_of(args.role)
    middleware = list(settings.MIDDLEWARE)
    variants = {
        "baseline": baseline.application,
        "Django, no middleware": Handler(URLConf(urlpatterns), []),
        "Django and middleware": Handler(URLConf(urlpatterns), middleware),
        "... and DRF, token check": Handler(URLConf(drf_urlpatterns), middleware),
        "service": service,
    }
    expected = inprocess.call(baseline.application, args.path, token)[0]
    for name, app in variants.items():
        if inprocess.call(app, args.path, token)[0] != expected:
            raise SystemExit(f"{args.path}: {name} answers other bytes than the baseline")
    rounds: dict[str, list[float]] = {name: [] for name in variants}
    for index in range(args.rounds):
        order = list(variants) if index % 2 == 0 else list(reversed(variants))
        for name in order:
            app = variants[name]
            for _ in range(50):  # warm-up: connections, prepared statements, kept estimates
                inprocess.call(app, args.path, token)
            seconds = [inprocess.call(app, args.path, token)[1] for _ in range(args.requests)]
            rounds[name].append(statistics.median(seconds) * 1000)
    print(
        f"{args.path}, {args.role} token: medians of {args.requests} requests a round, "
        f"{args.rounds} alternating rounds (min-max), in ms, in process"
    )
    print(f"  {'':26} {'ms':>17} {'x baseline':>11}")
    reference = rounds["baseline"]
    for name, values in rounds.items():
        ratios = [value / base for value, base in zip(values, reference, strict=True)]
        print(f"  {name:26} {inprocess.shown(values):>17} {statistics.median(ratios):10.2f}x")


if __name__ == "__main__":
    main()
