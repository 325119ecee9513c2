"""Latency on one connection for the endpoints whose goals are absolute (run by bench/run).

The reader pages, `claims:search` and the change feed have no counterpart in the baseline, so
their goals are p95 latencies: each target is requested over one keep-alive connection, one
request at a time, in rounds that take every target in turn; the table gives the median round's
p50/p95/p99 with the spread of p95 over the rounds, and flags a target whose rounds disagree by
more than 20% (bench/rounds.py).

    .venv/bin/python bench/latency.py --service http://127.0.0.1:18001 \\
        --database-url postgres://postgres@127.0.0.1:5432/claims_bench [--rounds 5 --requests 300]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg
from rounds import LEGEND, Rounds, median_round

BENCH = Path(__file__).resolve().parent


@dataclass
class Target:
    name: str
    path: str
    goal_ms: float
    token: str | None = None
    # Sent as If-None-Match: the ETag of a first plain GET, so the target measures the 304.
    conditional: bool = False
    expect: int = 200
    rounds: list[dict[str, float]] = field(default_factory=list)


def read_tokens(path: Path) -> dict[str, str]:
    values = dict(
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    return {"editor": values["BENCH_EDITOR_TOKEN"], "client": values["BENCH_CLIENT_TOKEN"]}


def rare_terms(conn: psycopg.Connection, claims: int) -> list[tuple[str, int]]:
    """Terms of published quotes in 0.01% to 1% of the published claims, from a sample's statistics:
    what `claims:search` (published verdicts only) finds a page of."""
    sample = conn.execute(
        "SELECT word, ndoc FROM ts_stat($$SELECT quote_tsv FROM claims_claim TABLESAMPLE SYSTEM (5) "
        "REPEATABLE (11) WHERE status = 'published'$$) WHERE word ~ '^[a-z]{4,}$' ORDER BY ndoc DESC, word"
    ).fetchall()
    published = conn.execute("SELECT count(*) FROM claims_claim WHERE status = 'published'").fetchone()[0]
    sampled = max(1, round(published * 0.05))
    picked: list[tuple[str, int]] = []
    for target in (0.0001, 0.001, 0.004, 0.01):
        word, ndoc = min(sample, key=lambda row: abs(row[1] / sampled - target))
        if word not in {w for w, _ in picked}:
            picked.append((word, round(ndoc / sampled * published)))
    return picked


def targets(conn: psycopg.Connection, tokens: dict[str, str]) -> list[Target]:
    claims = conn.execute("SELECT count(*) FROM claims_claim").fetchone()[0]
    # The article with the most claims (150 in the generated data), and its most evidenced verdict.
    article = conn.execute(
        "SELECT article_id FROM claims_claim GROUP BY article_id ORDER BY count(*) DESC, article_id LIMIT 1"
    ).fetchone()[0]
    claim = conn.execute(
        "SELECT id FROM claims_claim WHERE article_id = %s AND status = 'published' ORDER BY id LIMIT 1",
        [article],
    ).fetchone()[0]
    out = [
        Target("reader: article page (150 claims)", f"/articles/{article}/", 25),
        Target("reader: article page, 304", f"/articles/{article}/", 3, conditional=True, expect=304),
        Target("reader: claim page", f"/claims/{claim}/", 25),
    ]
    for word, rows in rare_terms(conn, claims):
        out.append(
            Target(
                f"claims:search `{word}` (~{rows:,} claims)",
                f"/v1alpha1/claims:search?query={quote(word)}",
                10,
            )
        )
    top = (
        conn.execute("SELECT coalesce(max(position), 0) FROM claims_change").fetchone()[0]
        if has_feed(conn)
        else 0
    )
    if top:
        for name, after in (("start", 0), ("middle", top // 2), ("end", max(0, top - 200))):
            for role in ("editor", "client"):
                out.append(
                    Target(
                        f"changes, page of 200 from the {name} ({role})",
                        f"/api/v1/changes/?after={after}&page_size=200",
                        10,
                        token=tokens[role],
                    )
                )
    return out


def has_feed(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT to_regclass('claims_change') IS NOT NULL").fetchone()[0]


def measure(base: str, target: Target, requests: int) -> dict[str, float] | None:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Authorization": f"Bearer {target.token}"} if target.token else {}
    conn.request("GET", target.path, headers=headers)
    first = conn.getresponse()
    first.read()
    if first.status == 404 and not target.conditional:
        return None  # not served by this build
    if target.conditional:
        headers["If-None-Match"] = first.getheader("ETag") or ""
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        conn.request("GET", target.path, headers=headers)
        response = conn.getresponse()
        response.read()
        timings.append((time.perf_counter() - started) * 1000)
        if response.status != target.expect:
            raise SystemExit(f"{target.name}: {response.status} from {target.path}, expected {target.expect}")
    conn.close()
    timings.sort()
    return {
        "p50": timings[len(timings) // 2],
        "p95": timings[int(len(timings) * 0.95)],
        "p99": timings[int(len(timings) * 0.99)],
    }


def report(measured: list[Target]) -> str:
    lines = [
        "| target | p50 ms | p95 ms (median round; min-max) | p99 ms | goal p95 | met? |",
        "|---|---:|---:|---:|---|:-:|",
    ]
    flagged = False
    for t in measured:
        p95 = Rounds.of(r["p95"] for r in t.rounds)
        flagged |= p95.disagree
        mid = median_round(t.rounds, "p95")
        met = "yes" if mid["p95"] <= t.goal_ms else "**no**"
        lines.append(
            f"| {t.name} | {mid['p50']:.1f} | {p95.show('{:.1f}')} | "
            f"{mid['p99']:.1f} | <= {t.goal_ms:g} ms | {met} |"
        )
    if flagged:
        lines += ["", LEGEND]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--service", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tokens", default=str(BENCH / ".tokens"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--results-dir", default=str(BENCH / "results"))
    args = parser.parse_args()
    tokens = read_tokens(Path(args.tokens))
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        planned = targets(conn, tokens)
    # Rounds interleave the targets (every target once, then again), so that a slow spell of the
    # machine lands on one round of each rather than on every round of one target.
    served = list(planned)
    for round_number in range(1, args.rounds + 1):
        for target in list(served):
            result = measure(args.service, target, args.requests)
            if result is None:
                print(f"  {target.name}: not served by this build, skipped", file=sys.stderr)
                served.remove(target)
                continue
            target.rounds.append(result)
        print(f"  round {round_number} of {args.rounds} done", file=sys.stderr)
    measured = [target for target in served if target.rounds]
    for target in measured:
        print(
            f"  {target.name}: p95 {statistics.median(r['p95'] for r in target.rounds):.1f} ms",
            file=sys.stderr,
        )
    table = report(measured)
    out = Path(args.results_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"latency-{time.strftime('%Y%m%d-%H%M%S')}.md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
