"""Where one request's time goes, in the service and in the baseline, side by side: the database,
and everything else (Django, DRF, middleware, the token check's Python side, building the JSON).

    .venv/bin/python bench/profile_list.py [--path "/api/v1/claims/?q=rose"] [--role client]
        [--requests 300] [--rounds 5]

Both WSGI applications run in this one process against the benchmark database
(BENCH_DATABASE_URL, tokens from bench/.tokens), called as gunicorn calls them, with no HTTP in
between; rate limits off, as in bench/run. Rounds alternate between the two, so a change in the
machine's speed falls on both. The database is the time inside psycopg's cursor calls (execute
and fetch: the round trips and psycopg's own Python, with the loaders each side registers), the
same statements in both; building is `claims_json` as the claim views call it, and rendering the
orjson renderer (the service's only; the baseline's are in its rest). Each figure is
the median over a round's requests, after a warm-up; the table shows the median of the rounds
with their min-max. A figure here is what the framework costs a request on one idle connection;
bench/run measures the same over HTTP, under load and at p95.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

# First: it points the environment at the benchmark database and sets Django up.
from bench import inprocess

# isort: split
from bench import baseline
from claims.api import representations
from claims.api.views import claims as claim_views
from claims.platform import renderers
from project.wsgi import application as service

spent: dict[str, float] = {}
PARTS = ("database", "building", "rendering")
ROWS = (
    ("database", "database"),
    ("outside", "outside the database"),
    ("building", "  of it, building JSON"),
    ("rendering", "  of it, rendering"),
    ("total", "total"),
)


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def instrument() -> None:
    for method in ("execute", "fetchone", "fetchmany", "fetchall", "__next__"):
        setattr(psycopg.Cursor, method, timed("database", getattr(psycopg.Cursor, method)))
    claim_views.claims_json = timed("building", representations.claims_json)
    renderers.OrjsonRenderer.render = timed("rendering", renderers.OrjsonRenderer.render)


def one(app: Callable[..., Any], path: str, token: str) -> tuple[bytes, dict[str, float]]:
    spent.clear()
    body, total = inprocess.call(app, path, token)
    return body, {**spent, "total": total}


def round_of(app: Callable[..., Any], path: str, token: str, requests: int) -> dict[str, float]:
    for _ in range(50):  # warm-up: connections, prepared statements, kept estimates
        one(app, path, token)
    samples = [one(app, path, token)[1] for _ in range(requests)]
    median = {key: statistics.median(s.get(key, 0.0) for s in samples) * 1000 for key in (*PARTS, "total")}
    median["outside"] = median["total"] - median["database"]
    return median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--path", default="/api/v1/claims/")
    parser.add_argument("--role", choices=("editor", "client"), default="editor")
    parser.add_argument("--requests", type=int, default=300, help="per server and round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    token = inprocess.token_of(args.role)
    instrument()
    apps = {"service": service, "baseline": baseline.application}
    if one(service, args.path, token)[0] != one(baseline.application, args.path, token)[0]:
        raise SystemExit(f"{args.path}: the two servers' answers differ; bench/run --parity-only says how")
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in apps}
    for index in range(args.rounds):
        order = list(apps) if index % 2 == 0 else list(reversed(apps))
        for name in order:
            rounds[name].append(round_of(apps[name], args.path, token, args.requests))
    ratios = [s["total"] / b["total"] for s, b in zip(rounds["service"], rounds["baseline"], strict=True)]
    print(
        f"{args.path}, {args.role} token: medians of {args.requests} requests a round, "
        f"{args.rounds} alternating rounds (min-max), in ms, in process"
    )
    print(f"  {'':22} {'service':>17} {'baseline':>17} {'difference':>11}")
    for key, label in ROWS:
        service_ms = [r[key] for r in rounds["service"]]
        if key in ("building", "rendering"):  # the baseline's are not measured apart
            print(f"  {label:22} {inprocess.shown(service_ms):>17}")
            continue
        baseline_ms = [r[key] for r in rounds["baseline"]]
        difference = statistics.median(service_ms) - statistics.median(baseline_ms)
        both = f"{inprocess.shown(service_ms):>17} {inprocess.shown(baseline_ms):>17}"
        print(f"  {label:22} {both} {difference:+11.2f}")
    print(f"  service / baseline: {statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f}x)")


if __name__ == "__main__":
    main()
