"""Does each speed trick still pay? Each one against the plain way it replaced, side by side.

    .venv/bin/python bench/tricks.py [--runs 400]

Runs in-process against the benchmark database (BENCH_DATABASE_URL), like profile_list.py. For
every trick in claims/platform/ that leans on a library's internals (and the two hand-written
statements of the claim selectors), it times the trick and the plain alternative in alternating
runs on the same inputs and prints the medians and their ratio. A trick whose ratio is near 1.0
no longer earns its place (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault(
    "DATABASE_URL", os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claims_bench")
)
os.environ.setdefault("SECRET_KEY", "bench-tricks")
os.environ["RATE_LIMIT_TOKEN"] = os.environ["RATE_LIMIT_ADDRESS"] = "off"

import django  # noqa: E402 - the path and settings above come first

django.setup()

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from rest_framework.request import Request  # noqa: E402

from claims.api.serializers import ClaimListParams  # noqa: E402
from claims.models import Claim, Correction, Evidence  # noqa: E402
from claims.platform.db import compiled, raw, timestamps  # noqa: E402
from claims.platform.params import query_params  # noqa: E402
from claims.selectors.claims import CLAIM_COLUMNS, ClaimFilters, claim_rows, verdict_details  # noqa: E402
from claims.selectors.reviews import SearchFilters, search_page  # noqa: E402


def compare(name: str, trick: Callable[[], Any], plain: Callable[[], Any], runs: int) -> None:
    for _ in range(20):  # warm-up: caches, prepared statements
        trick(), plain()
    spent: dict[str, list[float]] = {"trick": [], "plain": []}
    for _ in range(runs):
        for label, function in (("trick", trick), ("plain", plain)):
            started = time.perf_counter()
            function()
            spent[label].append(time.perf_counter() - started)
    t, p = (statistics.median(spent[label]) * 1000 for label in ("trick", "plain"))
    print(f"{name:50} trick {t:7.3f} ms   plain {p:7.3f} ms   trick/plain {t / p:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=400)
    runs = parser.parse_args().runs

    # The query parameters of a search, validated by the per-thread serializer, or a new one.
    request = Request(RequestFactory().get("/api/v1/claims/", {"q": "minister", "status": "published"}))

    def fresh_serializer() -> Any:
        serializer = ClaimListParams(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    compare(
        "query parameters: serializer per thread",
        lambda: query_params(ClaimListParams, request),
        fresh_serializer,
        runs,
    )

    # A page's rows: cloned from the one .values() queryset, or built anew.
    compare(
        "claim rows: cloned .values() (build + compile)",
        lambda: (
            claim_rows(drafts_visible=True, filters=ClaimFilters())
            .order_by("id")[:51]
            .query.sql_with_params()
        ),
        lambda: Claim.objects.values(*CLAIM_COLUMNS).order_by("id")[:51].query.sql_with_params(),
        runs,
    )

    # A page's evidence and corrections: hand-written statements, or the ORM's.
    rows = list(Claim.objects.values(*CLAIM_COLUMNS).filter(status="published").order_by("id")[:50])
    ids = [row["id"] for row in rows]

    def orm_details() -> Any:
        evidence = list(Evidence.objects.filter(claim_id__in=ids).order_by("id").values_list())
        corrections = list(Correction.objects.filter(claim_id__in=ids).order_by("id").values_list())
        return evidence, corrections

    compare(
        "verdict details: hand-written SQL",
        lambda: verdict_details(rows=rows, drafts_visible=True),
        orm_details,
        runs,
    )

    # A write's lock of its claim: the statement written once per model, or the ORM's. Both in a
    # transaction, so both take the lock.
    def locked(load: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with transaction.atomic():
                return load()

        return run

    claim_id = ids[0]
    compare(
        "claim locked FOR UPDATE: statement per model",
        locked(lambda: raw.locked(Claim, claim_id)),
        locked(lambda: Claim.objects.select_for_update().filter(pk=claim_id).first()),
        runs,
    )

    # A claims:search page: statements compiled once per shape, or built and compiled each time.
    term = Claim.objects.filter(status="published").values_list("quote", flat=True).first().split()[0]
    kept_rows = compiled.rows

    def searched(rows_function: Callable[..., Any]) -> Callable[[], Any]:
        def run() -> Any:
            compiled.rows = rows_function
            try:
                return search_page(filters=SearchFilters(query=term), desk_site="desk.example", page_size=10)
            finally:
                compiled.rows = kept_rows

        return run

    compare(
        f"claims:search `{term}`: statements kept per shape",
        searched(kept_rows),
        searched(lambda key, using, build, values: list(build(values))),
        runs,
    )

    # The health check of a kept connection before a request's first query: the socket asked
    # first (claims/platform/db/postgresql), or Django's `SELECT 1` every time.
    from django.db.backends.postgresql.base import DatabaseWrapper as DjangoWrapper

    wrapper = connections[DEFAULT_DB_ALIAS]

    def checked(check: Callable[[Any], None]) -> Callable[[], Any]:
        def run() -> Any:
            wrapper.health_check_done = False
            return check(wrapper)

        return run

    wrapper.ensure_connection()
    compare(
        "health check of a kept connection: socket first",
        checked(type(wrapper).close_if_health_check_failed),
        checked(DjangoWrapper.close_if_health_check_failed),
        runs,
    )

    # Timestamps: psycopg's compiled loader, or Django's Python one (a connection without ours).
    sql = "SELECT created_at, updated_at, published_at FROM claims_claim ORDER BY id LIMIT 50"

    def fetch() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def with_django_loader() -> Any:
        return fetch()

    connection.ensure_connection()
    ours = connection.connection.adapters.get_loader(timestamps.TIMESTAMPTZ_OID, 0)
    if ours is not timestamps.UtcTimestampLoader:
        print("timestamps: the compiled loader is not in use here (no psycopg[binary]?)")
        return
    from django.db.backends.postgresql.psycopg_any import get_adapters_template

    django_loader = get_adapters_template(True, connection.timezone).get_loader(timestamps.TIMESTAMPTZ_OID, 0)

    def use(loader: Any) -> Callable[[], Any]:
        def run() -> Any:
            connection.connection.adapters.register_loader(timestamps.TIMESTAMPTZ_OID, loader)
            return fetch()

        return run

    compare("timestamps (150 a page): compiled loader", use(ours), use(django_loader), runs)


if __name__ == "__main__":
    main()
