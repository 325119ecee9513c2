"""Where one claim-list request spends its time: database, building the JSON, rendering it, and
everything else (Django, DRF, middleware, the token check's Python side).

    .venv/bin/python bench/profile_list.py [--requests 300] [--path "/api/v1/claims/"]

Runs in-process through Django's test client against the benchmark database (BENCH_DATABASE_URL,
tokens from bench/.tokens), rate limits off as in bench/run. The database share is the time
inside cursor.execute (the query and its fetch, psycopg included); building is
claims.api.representations plus claims.selectors.verdict_details' Python; rendering is the orjson
renderer. Each is the median over the requests, after a warm-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault(
    "DATABASE_URL", os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claims_bench")
)
os.environ.setdefault("SECRET_KEY", "bench-profile")
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["RATE_LIMIT_TOKEN"] = os.environ["RATE_LIMIT_ADDRESS"] = "off"

import django  # noqa: E402 - the path and settings above come first

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from claims.api import representations  # noqa: E402
from claims.api.views import claims as claim_views  # noqa: E402
from claims.platform import renderers  # noqa: E402

spent: dict[str, float] = {}


def timed(name, function):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def in_database(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        spent["database"] = spent.get("database", 0.0) + time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--path", default="/api/v1/claims/")
    args = parser.parse_args()
    tokens = dict(
        line.split("=", 1) for line in (ROOT / "bench" / ".tokens").read_text().splitlines() if "=" in line
    )
    token = tokens["BENCH_EDITOR_TOKEN"].strip()
    # Building the JSON: the dicts of claims.api.representations, called from the views.
    claim_views.claims_json = timed("building", representations.claims_json)
    renderers.OrjsonRenderer.render = timed("rendering", renderers.OrjsonRenderer.render)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    samples = []
    with connection.execute_wrapper(in_database):
        for index in range(args.requests + 50):
            spent.clear()
            started = time.perf_counter()
            response = client.get(args.path)
            total = time.perf_counter() - started
            assert response.status_code == 200, response.content[:300]
            if index >= 50:  # warm-up
                samples.append({**spent, "total": total})
    median = {
        key: statistics.median(s.get(key, 0.0) for s in samples) * 1000
        for key in ("total", "database", "building", "rendering")
    }
    median["framework"] = median["total"] - median["database"] - median["building"] - median["rendering"]
    print(f"{args.path}: median of {args.requests} requests, in process")
    for key in ("database", "building", "rendering", "framework", "total"):
        print(f"  {key:10} {median[key]:6.2f} ms  {100 * median[key] / median['total']:5.1f}%")


if __name__ == "__main__":
    main()
