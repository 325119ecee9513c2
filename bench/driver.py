#!/usr/bin/env python3
"""Measure the service against the bare WSGI baseline, endpoint by endpoint (run by bench/run).

1. Fixtures from the data: the cursor of the 10,000th page, a claim rich in evidence, a rare
   (<= 1% of rows), a common and an absent search term, a range of claims to PATCH.
2. Parity: every benchmark request (and a few neighbours) is sent to both servers, and their
   answers must be the same JSON (and ETag); a PATCH through each is read back through the other,
   and both history events must agree. Any difference stops the run: a ceiling that answers
   something else measures nothing.
3. The service's own SQL for each request (captured in-process) with EXPLAIN ANALYZE.
4. Throughput: per endpoint, rounds of wrk against each server in turn (A B, B A, A B, ...),
   after a warm-up. Search endpoints also get a single-connection run for their latency goal.
5. One markdown table: both throughputs, their ratio, p50/p99, the goal and whether it is met.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import math
import os
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ABSENT_TERM = "zyzzogetherqx"
# Shares of rows a search term matches; denser around 0.5-0.9%, where a page of 50 in a million
# rows changes path (claims.selectors) and a search costs the most.
SWEEP = (0.0005, 0.001, 0.002, 0.004, 0.0055, 0.007, 0.0085, 0.01, 0.02, 0.05)
HOST = "localhost"  # one Host header for both servers, so their `next` links can be compared


@dataclass
class Endpoint:
    name: str
    label: str
    path: str
    role: str = "editor"
    method: str = "GET"
    goal: str = "ratio"  # ratio | page | p95:<ms> | none
    latency_run: bool = False
    results: dict[str, list[dict]] = field(default_factory=lambda: {"service": [], "baseline": []})
    single: dict[str, list[dict]] = field(default_factory=lambda: {"service": [], "baseline": []})


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def encode_cursor(key: int) -> str:
    raw = json.dumps({"o": "id", "r": False, "k": [key]}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# --- fixtures ---------------------------------------------------------------------------------------

# The editor's match, as claims.platform.db.search writes it (the stored vectors of migration 0005).
EDITOR_MATCH = (
    "(quote_tsv @@ websearch_to_tsquery('english'::regconfig, %(q)s) "
    "OR summary_tsv @@ websearch_to_tsquery('english'::regconfig, %(q)s))"
)


def fixtures(conn: psycopg.Connection, args: argparse.Namespace, tokens: dict) -> dict:
    fx: dict = {}
    fx["claims"] = conn.execute("SELECT count(*) FROM claims_claim").fetchone()[0]
    pages = fx["claims"] // 50
    fx["deep_page"] = 10_000 if pages >= 10_000 else max(2, pages // 2)
    offset = (fx["deep_page"] - 1) * 50 - 1
    after = conn.execute("SELECT id FROM claims_claim ORDER BY id OFFSET %s LIMIT 1", [offset]).fetchone()[0]
    fx["deep_cursor"] = encode_cursor(after)
    top = conn.execute("SELECT max(id) FROM claims_claim").fetchone()[0]
    fx["patch_count"] = min(100_000, max(100, fx["claims"] // 10))
    fx["patch_first"] = top - fx["patch_count"] + 1
    # The richest claim outside the PATCH range: published, three pieces of evidence, corrected.
    fx["detail_id"] = conn.execute(
        """SELECT c.id FROM claims_claim c WHERE c.status = 'published' AND c.id < %s
           ORDER BY (SELECT count(*) FROM claims_correction k WHERE k.claim_id = c.id) DESC,
                    (SELECT count(*) FROM claims_evidence v WHERE v.claim_id = c.id) DESC, c.id
           LIMIT 1""",
        [fx["patch_first"]],
    ).fetchone()[0]
    # Search terms: document frequencies of lexemes in a sample, then exact counts for a few.
    sample = conn.execute(
        "SELECT word, ndoc FROM ts_stat($$SELECT quote_tsv FROM claims_claim "
        "TABLESAMPLE SYSTEM (2) REPEATABLE (7)$$) WHERE word ~ '^[a-z]{4,}$' ORDER BY ndoc DESC, word"
    ).fetchall()
    sampled = conn.execute(
        "SELECT count(*) FROM claims_claim TABLESAMPLE SYSTEM (2) REPEATABLE (7)"
    ).fetchone()[0]
    shares = {w: n / sampled for w, n in sample}
    count_sql = f"SELECT count(*) FROM claims_claim WHERE {EDITOR_MATCH}"

    fx["common_term"] = sample[0][0]
    # A sweep of shares up to 5%: the plan flips between the id order and the text indexes
    # somewhere in there, and the rare term is the slowest of those in at most 1% of rows.
    words: list[str] = []
    for target in SWEEP:
        # The editor's search also matches summaries: about 1.5 times the quote-only share.
        word = min(
            (w for w, n in sample if w not in words),
            key=lambda w: abs(shares[w] * 1.5 - target),
            default=None,
        )
        if word is not None:
            words.append(word)
    # Each term's page-1 query as the service sends it (its choice of access path included).
    captured = service_sql(
        args,
        tokens,
        [
            {"name": w, "method": "GET", "path": f"/api/v1/claims/?q={quote(w)}", "role": "editor"}
            for w in words
        ],
    )
    fx["sweep"] = []
    for word in words:
        rows = conn.execute(count_sql, {"q": word}).fetchone()[0]
        statement = page_query(captured[word]["queries"])
        timings = []
        for _ in range(2):
            plan = [r[0] for r in conn.execute(f"EXPLAIN (ANALYZE) {statement}").fetchall()]
            timings.append(float(plan[-1].split(":")[1].split()[0]))
        fx["sweep"].append(
            {
                "term": word,
                "rows": rows,
                "share": rows / fx["claims"],
                "ms": min(timings),
                "plan": plan_summary(plan),
            }
        )
    rare = [t for t in fx["sweep"] if 0 < t["rows"] <= fx["claims"] / 100]
    fx["rare_term"] = max(rare, key=lambda t: t["ms"])["term"]
    fx["terms"] = {}
    for kind in ("rare", "common", "absent"):
        term = fx[f"{kind}_term"] if kind != "absent" else ABSENT_TERM
        n = conn.execute(count_sql, {"q": term}).fetchone()[0]
        fx["terms"][kind] = {"term": term, "rows": n, "share": n / max(1, fx["claims"])}
    return fx


def endpoints(fx: dict) -> list[Endpoint]:
    terms = fx["terms"]

    def search(kind: str, role: str = "editor") -> Endpoint:
        t = terms[kind]
        goal_ms = 50 if kind == "common" else 10
        return Endpoint(
            f"search-{kind}" + ("-client" if role == "client" else ""),
            f"search, {kind} term `{t['term']}` ({100 * t['share']:.2f}% of rows)"
            + (", client token" if role == "client" else ""),
            f"/api/v1/claims/?q={quote(t['term'])}",
            role=role,
            goal=f"p95:{goal_ms}",
            latency_run=True,
        )

    return [
        Endpoint("list", "claim list, page 1", "/api/v1/claims/"),
        Endpoint("list-client", "claim list, page 1, client token", "/api/v1/claims/", role="client"),
        Endpoint("status", "list, ?status=published", "/api/v1/claims/?status=published"),
        Endpoint(
            "deep-page",
            f"page {fx['deep_page']:,} by cursor",
            f"/api/v1/claims/?cursor={fx['deep_cursor']}",
            goal="page",
        ),
        Endpoint("detail", f"detail (claim {fx['detail_id']})", f"/api/v1/claims/{fx['detail_id']}/"),
        search("rare"),
        # Partners search with client tokens, whose summary matches count on published claims only.
        search("rare", role="client"),
        search("common"),
        search("absent"),
        Endpoint(
            "patch", "PATCH claimant (If-Match: *)", "/api/v1/claims/{id}/", method="PATCH", goal="none"
        ),
    ]


# --- parity -------------------------------------------------------------------------------------------


def fetch(base: str, method: str, path: str, token: str, body: dict | None = None, **headers: str):
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    sent = {"Host": HOST, "Authorization": f"Bearer {token}", **headers}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    conn.request(method, path, body=payload, headers=sent)
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    return response.status, response.getheader("ETag"), raw


class Mismatch(Exception):
    pass


def same(what: str, service: tuple, baseline: tuple, *, status: int = 200) -> str:
    (s_status, s_etag, s_raw), (b_status, b_etag, b_raw) = service, baseline
    if s_status != status or b_status != status:
        raise Mismatch(f"{what}: status {s_status} (service) / {b_status} (baseline), expected {status}")
    if status >= 400:
        return "same status"
    if s_etag != b_etag:
        raise Mismatch(f"{what}: ETag {s_etag!r} (service) != {b_etag!r} (baseline)")
    s_json, b_json = json.loads(s_raw), json.loads(b_raw)
    if s_json != b_json:
        raise Mismatch(f"{what}: JSON differs\n  service:  {s_raw[:600]!r}\n  baseline: {b_raw[:600]!r}")
    return "identical bytes" if s_raw == b_raw else "same JSON"


def check_parity(args: argparse.Namespace, eps: list[Endpoint], tokens: dict, fx: dict) -> None:
    s, b = args.service, args.baseline
    requests: list[tuple[str, str, str]] = []
    for ep in eps:
        if ep.method == "GET":
            requests.append((ep.name, ep.path, ep.role))
    detail = f"/api/v1/claims/{fx['detail_id']}/"
    term = quote(fx["terms"]["rare"]["term"])
    requests += [
        ("detail, client", detail, "client"),
        ("search, client", f"/api/v1/claims/?q={term}", "client"),
        ("status, client", "/api/v1/claims/?status=in_review&page_size=20", "client"),
        ("page_size=1", "/api/v1/claims/?page_size=1", "editor"),
        ("page_size=200", "/api/v1/claims/?page_size=200", "editor"),
        ("article filter", "/api/v1/claims/?article=7&status=published", "editor"),
    ]
    verdicts = {}
    for name, path, role in requests:
        service = fetch(s, "GET", path, tokens[role])
        verdicts[name] = same(name, service, fetch(b, "GET", path, tokens[role]))
        if name == "deep-page":  # follow its links on both sides too
            page = json.loads(service[2])
            for link in ("next", "previous"):
                target = urlsplit(page[link])
                linked = target.path + "?" + target.query
                verdicts[f"deep-page {link}"] = same(
                    f"deep-page {link}",
                    fetch(s, "GET", linked, tokens[role]),
                    fetch(b, "GET", linked, tokens[role]),
                )
    editor = tokens["editor"]
    verdicts["bad token"] = same(
        "bad token",
        fetch(s, "GET", "/api/v1/claims/", editor[:-2] + "xx"),
        fetch(b, "GET", "/api/v1/claims/", editor[:-2] + "xx"),
        status=401,
    )
    # PATCH: one through each server, each read back through the other.
    claim = f"/api/v1/claims/{fx['patch_first']}/"
    tag = uuid.uuid4().hex[:8]
    for writer, reader, who in ((s, b, "service"), (b, s, "baseline")):
        body = {"claimant": f"Parity {who} {tag}", "note": "parity check"}
        written = fetch(writer, "PATCH", claim, editor, body, **{"If-Match": "*"})
        read = fetch(reader, "GET", claim, editor)
        first, second = (written, read) if writer == s else (read, written)
        verdicts[f"PATCH via {who}, read back"] = same(f"PATCH via {who}", first, second)
        etag = written[1]
        stale = etag.replace("-", "-9") if etag else '"0-0"'
        verdicts[f"stale If-Match via {who}"] = same(
            "stale If-Match",
            fetch(s, "PATCH", claim, editor, body, **{"If-Match": stale}),
            fetch(b, "PATCH", claim, editor, body, **{"If-Match": stale}),
            status=412,
        )
    verdicts["PATCH without If-Match"] = same(
        "no If-Match", fetch(s, "PATCH", claim, editor, {}), fetch(b, "PATCH", claim, editor, {}), status=428
    )
    verdicts["client PATCH"] = same(
        "client PATCH",
        fetch(s, "PATCH", claim, tokens["client"], {"claimant": "x"}, **{"If-Match": "*"}),
        fetch(b, "PATCH", claim, tokens["client"], {"claimant": "x"}, **{"If-Match": "*"}),
        status=403,
    )
    with psycopg.connect(args.database_url) as conn:
        events = conn.execute(
            """SELECT e.action, e.changes, e.note, e.version, u.username, c.version
               FROM claims_claimevent e JOIN auth_user u ON u.id = e.actor_id
               JOIN claims_claim c ON c.id = e.claim_id
               WHERE e.claim_id = %s ORDER BY e.version DESC LIMIT 2""",
            [fx["patch_first"]],
        ).fetchall()
    by_baseline, by_service = events
    expected = [
        ("updated", by_service[1]["claimant"][1], "parity check", by_service[3], "bench-editor"),
        ("updated", by_baseline[1]["claimant"][1], "parity check", by_service[3] + 1, "bench-editor"),
    ]
    got = [(e[0], e[1]["claimant"][1], e[2], e[3], e[4]) for e in (by_service, by_baseline)]
    if (
        got != expected
        or by_baseline[1]["claimant"][0] != by_service[1]["claimant"][1]
        or by_baseline[5] != by_baseline[3]
    ):
        raise Mismatch(f"history events of the two PATCHes differ: {events}")
    verdicts["history events of both PATCHes"] = "same shape, consecutive versions"
    width = max(map(len, verdicts))
    print("\nParity (service vs baseline):")
    for name, verdict in verdicts.items():
        print(f"  {name:<{width}}  {verdict}")


# --- SQL ----------------------------------------------------------------------------------------------


def service_sql(args: argparse.Namespace, tokens: dict, requests: list[dict]) -> dict:
    """{name: {"status", "queries"}}: the SQL the service sends for each request, captured
    in-process by service_queries.py against the benchmark database."""
    env = dict(
        os.environ,
        DATABASE_URL=args.database_url,
        RATE_LIMIT_TOKEN="off",
        RATE_LIMIT_ADDRESS="off",
        BENCH_TOKENS_JSON=json.dumps(tokens),
    )
    env.setdefault("SECRET_KEY", "bench-" + uuid.uuid4().hex)
    return json.loads(
        subprocess.run(
            [sys.executable, str(BENCH / "service_queries.py")],
            input=json.dumps(requests),
            env=env,
            check=True,
            text=True,
            stdout=subprocess.PIPE,
        ).stdout
    )


def page_query(queries: list[str]) -> str | None:
    """The request's query for its claims: not the planner's estimates (EXPLAIN) a search asks
    for first, nor a PATCH's locking read."""
    main = [
        q
        for q in queries
        if 'FROM "claims_claim"' in q and "FOR UPDATE" not in q and not q.startswith("EXPLAIN")
    ]
    return main[0] if main else None


def explain(args: argparse.Namespace, eps: list[Endpoint], tokens: dict, fx: dict, out: Path) -> dict:
    """EXPLAIN ANALYZE of the service's main query for each request; returns {name: (ms, plan)}."""
    requests = [
        {"name": ep.name, "method": ep.method, "path": ep.path, "role": ep.role}
        for ep in eps
        if ep.method == "GET"
    ]
    requests += [
        {"name": f"{ep.name}, client", "method": "GET", "path": ep.path, "role": "client"}
        for ep in eps
        if ep.name.startswith("search") and ep.role == "editor"
    ]
    requests += [
        {
            "name": f"list page_size={n}",
            "method": "GET",
            "path": f"/api/v1/claims/?page_size={n}",
            "role": "editor",
        }
        for n in (1, 200)
    ]
    claim = fx["patch_first"] + 1
    requests.append(
        {
            "name": "patch",
            "method": "PATCH",
            "path": f"/api/v1/claims/{claim}/",
            "role": "editor",
            "body": {"claimant": f"Explain {uuid.uuid4().hex[:8]}", "note": "benchmark"},
            "headers": {"If-Match": "*"},
        }
    )
    captured = service_sql(args, tokens, requests)
    plans = {}
    lines = []
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        for name, result in captured.items():
            queries = result["queries"]
            lines.append(f"### {name}: HTTP {result['status']}, {len(queries)} queries\n")
            lines += [f"    {q}\n" for q in queries]
            sql_text = page_query(queries)
            if name != "patch" and sql_text:
                conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql_text}")  # warm
                rows = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql_text}").fetchall()
                plan = [r[0] for r in rows]
                ms = float(plan[-1].split(":")[1].split()[0])
                plans[name] = {"ms": ms, "plan": plan, "queries": len(queries)}
                lines.append("\n" + "\n".join(plan) + "\n\n")
            else:
                plans[name] = {"ms": None, "plan": [], "queries": len(queries)}
    out.write_text("".join(lines))
    return plans


def plan_summary(plan: list[str]) -> str:
    """The plan's nodes, outermost first: `Gather Merge > Index Scan using claims_claim_pkey`."""
    kinds = (
        "Limit",
        "Gather",
        "Sort",
        "Incremental Sort",
        "BitmapOr",
        "Seq Scan",
        "Nested Loop",
        "Hash Join",
    )
    nodes = []
    for line in plan:
        if "(cost=" not in line:  # a node's property (Sort Key, Filter, Buffers ...), not a node
            continue
        text = line.strip().removeprefix("->").strip()
        node = text.split("  (")[0]
        if " using " in node:  # Index Scan using <index> on <table>
            nodes.append(node.split(" on ")[0].replace("Parallel ", "parallel "))
        elif node.startswith(("Bitmap Heap Scan", "Bitmap Index Scan")):
            nodes.append(node.replace(" on ", " "))
        elif node.startswith(kinds) and not node.startswith("Limit"):
            nodes.append(node.split(" on ")[0])
    return " > ".join(nodes)


# --- wrk ----------------------------------------------------------------------------------------------


def wrk(
    args: argparse.Namespace,
    ep: Endpoint,
    base: str,
    token: str,
    fx: dict,
    *,
    duration: float,
    connections: int,
    threads: int,
    tag: str,
) -> dict:
    script = "patch.lua" if ep.method == "PATCH" else "get.lua"
    url = base + ("/" if ep.method == "PATCH" else ep.path)
    env = dict(
        os.environ,
        BENCH_TOKEN=token,
        BENCH_WRK_DIR=str(BENCH / "wrk"),
        BENCH_WRK_THREADS=str(threads),
        BENCH_PATCH_FIRST=str(fx["patch_first"]),
        BENCH_PATCH_COUNT=str(fx["patch_count"]),
        BENCH_PATCH_TAG=tag,
    )
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "15s",
        "--latency",
        "-s",
        str(BENCH / "wrk" / script),
        url,
    ]
    result = subprocess.run(command, env=env, text=True, capture_output=True, timeout=duration + 60)
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed for {ep.name} on {base}:\n{result.stdout}\n{result.stderr}")
    values = dict(item.split("=") for item in line.split()[1:])
    run = {k: float(v) for k, v in values.items()}
    run["rps"] = run["requests"] / (run["duration_us"] / 1e6)
    if run["bad"]:
        raise RuntimeError(
            f"{ep.name} on {base}: {int(run['bad'])} failed requests in this run:\n{result.stdout}"
        )
    return run


def measure(args: argparse.Namespace, eps: list[Endpoint], tokens: dict, fx: dict) -> None:
    servers = {"service": args.service, "baseline": args.baseline}
    for ep in eps:
        token = tokens[ep.role]
        for name, base in servers.items():  # warm-up, not recorded
            wrk(
                args,
                ep,
                base,
                token,
                fx,
                duration=args.warmup,
                connections=args.connections,
                threads=args.threads,
                tag=f"warm-{name}-{uuid.uuid4().hex[:6]}",
            )
        for round_ in range(args.rounds):
            order = ["service", "baseline"] if round_ % 2 == 0 else ["baseline", "service"]
            for name in order:
                tag = f"{name}-{round_}-{uuid.uuid4().hex[:6]}"
                run = wrk(
                    args,
                    ep,
                    servers[name],
                    token,
                    fx,
                    duration=args.duration,
                    connections=args.connections,
                    threads=args.threads,
                    tag=tag,
                )
                ep.results[name].append(run)
                if ep.latency_run:
                    time.sleep(args.drain)  # let requests still queued from the -c8 run finish first
                    single = wrk(
                        args,
                        ep,
                        servers[name],
                        token,
                        fx,
                        duration=args.latency_duration,
                        connections=1,
                        threads=1,
                        tag=tag + "-1",
                    )
                    ep.single[name].append(single)
        s = statistics.median(r["rps"] for r in ep.results["service"])
        b = statistics.median(r["rps"] for r in ep.results["baseline"])
        ratio = paired_ratio(ep)
        log(f"  {ep.name:<14} service {s:8.1f} req/s   baseline {b:8.1f} req/s   ratio {ratio:6.1%}")


def paired_ratio(ep: Endpoint) -> float:
    """The median over rounds of service/baseline, each round's two runs back to back: steadier
    than a ratio of medians when something else on the machine comes and goes."""
    pairs = zip(ep.results["service"], ep.results["baseline"], strict=True)
    return statistics.median(s["rps"] / b["rps"] if b["rps"] else math.nan for s, b in pairs)


# --- the report ---------------------------------------------------------------------------------------


def med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def ms(us: float) -> str:
    return f"{us / 1000:.1f}" if us < 100_000 else f"{us / 1000:.0f}"


def report(eps: list[Endpoint], fx: dict, plans: dict, args: argparse.Namespace) -> str:
    by_name = {ep.name: ep for ep in eps}
    page1 = med(by_name["list"].results["service"], "rps")
    rows = []
    for ep in eps:
        s_runs, b_runs = ep.results["service"], ep.results["baseline"]
        s_rps, b_rps = med(s_runs, "rps"), med(b_runs, "rps")
        ratio = paired_ratio(ep)
        spread = f" ({min(r['rps'] for r in s_runs):.0f}-{max(r['rps'] for r in s_runs):.0f})"
        b_spread = f" ({min(r['rps'] for r in b_runs):.0f}-{max(r['rps'] for r in b_runs):.0f})"
        if ep.goal == "ratio":
            goal, met = "≥ 40% of baseline", ratio >= 0.40
        elif ep.goal == "page":
            factor = page1 / s_rps
            goal, met = f"≤ 1.5x page 1 (is {factor:.2f}x)", factor <= 1.5
        elif ep.goal.startswith("p95:"):
            limit = float(ep.goal[4:])
            p95 = med(ep.single["service"], "p95") / 1000
            b95 = med(ep.single["baseline"], "p95") / 1000
            goal, met = f"p95 ≤ {limit:.0f} ms, 1 conn (is {p95:.1f}; baseline {b95:.1f})", p95 <= limit
        else:
            goal, met = "—", None
        rows.append(
            f"| {ep.label} | {s_rps:.0f}{spread} | {b_rps:.0f}{b_spread} | {ratio:.0%} "
            f"| {ms(med(s_runs, 'p50'))} / {ms(med(s_runs, 'p99'))} "
            f"| {ms(med(b_runs, 'p50'))} / {ms(med(b_runs, 'p99'))} | {goal} "
            f"| {'—' if met is None else 'yes' if met else '**no**'} |"
        )
    head = [
        f"Claims: {fx['claims']:,}. wrk -t{args.threads} -c{args.connections}, {args.rounds} rounds x "
        f"{args.duration:g} s per server and endpoint, interleaved; req/s is the median round "
        "(min-max), the ratio the median of the rounds' ratios, latencies (ms) the median round's. "
        "Both servers: gunicorn gthread, 2 workers x 4 threads, --reuse-port.",
        "",
        "| endpoint | service req/s | baseline req/s | ratio | service p50 / p99 ms "
        "| baseline p50 / p99 ms | goal | met? |",
        "|---|---:|---:|---:|---:|---:|---|:-:|",
    ]
    sql_rows = [
        "",
        "The service's SQL for each request (EXPLAIN ANALYZE of its claims query, warm cache):",
        "",
        "| request | queries | claims query ms | plan |",
        "|---|---:|---:|---|",
    ]
    for name, plan in plans.items():
        timing = f"{plan['ms']:.2f}" if plan["ms"] is not None else "—"
        sql_rows.append(f"| {name} | {plan['queries']} | {timing} | {plan_summary(plan['plan'])} |")
    sweep = [
        "",
        "Search terms by share of rows (the service's page-1 query, editor; EXPLAIN ANALYZE, best of 2):",
        "",
        "| term | rows | share | query ms | plan |",
        "|---|---:|---:|---:|---|",
    ]
    sweep += [
        f"| `{t['term']}` | {t['rows']:,} | {100 * t['share']:.2f}% | {t['ms']:.1f} | {t['plan']} |"
        for t in fx["sweep"]
    ]
    return "\n".join(head + rows + sql_rows + sweep) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--service", required=True, help="e.g. http://127.0.0.1:18001")
    parser.add_argument("--baseline", required=True, help="e.g. http://127.0.0.1:18002")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tokens", default=str(BENCH / ".tokens"))
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 5)))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--latency-duration", type=float, default=3)
    parser.add_argument("--drain", type=float, default=3, help="seconds of pause before a latency run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only", help="comma-separated endpoint names (list, detail, search-rare, ...)")
    parser.add_argument(
        "--parity-only", action="store_true", help="check parity and the SQL, measure nothing"
    )
    parser.add_argument("--results-dir", default=str(BENCH / "results"))
    args = parser.parse_args()

    tokens = {}
    for line in Path(args.tokens).read_text().splitlines():
        if line.startswith("BENCH_") and "=" in line:
            key, value = line.split("=", 1)
            tokens[key.removeprefix("BENCH_").removesuffix("_TOKEN").lower()] = value
    results = Path(args.results_dir)
    results.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")

    started = time.monotonic()
    with psycopg.connect(args.database_url) as conn:
        fx = fixtures(conn, args, tokens)
    eps = endpoints(fx)
    print(
        f"Fixtures ({time.monotonic() - started:.1f}s): deep page {fx['deep_page']:,}, detail claim "
        f"{fx['detail_id']}, PATCH claims {fx['patch_first']:,}.."
        f"{fx['patch_first'] + fx['patch_count'] - 1:,}"
    )
    for kind, t in fx["terms"].items():
        print(f"  {kind} term `{t['term']}`: {t['rows']:,} rows ({100 * t['share']:.2f}%)")
    print("  search sweep (the service's query for page 1, editor, EXPLAIN ANALYZE):")
    for t in fx["sweep"]:
        share = f"{100 * t['share']:5.2f}%"
        print(f"    `{t['term']}` {t['rows']:>7,} rows ({share}): {t['ms']:7.1f} ms  {t['plan']}")
    try:
        check_parity(args, eps, tokens, fx)
    except Mismatch as problem:
        print(f"\nPARITY FAILED: the baseline does not answer like the service.\n{problem}", file=sys.stderr)
        return 2
    plans = explain(args, eps, tokens, fx, results / f"sql-{stamp}.txt")
    print(f"\nService SQL and plans: {results / f'sql-{stamp}.txt'}")
    if args.parity_only:
        return 0
    if args.only:
        wanted = set(args.only.split(","))
        eps = [ep for ep in eps if ep.name in wanted or ep.name == "list"]
    load = os.getloadavg()[0]
    if load > 0.5:
        log(
            f"warning: load average {load:.2f} before measuring; other work on this machine skews the numbers"
        )
    log(f"Measuring {len(eps)} endpoints ...")
    measure(args, eps, tokens, fx)
    table = report(eps, fx, plans, args)
    print("\n" + table)
    (results / f"table-{stamp}.md").write_text(table)
    raw = {
        ep.name: {"label": ep.label, "path": ep.path, "runs": ep.results, "single": ep.single} for ep in eps
    }
    (results / f"raw-{stamp}.json").write_text(json.dumps({"fixtures": fx, "endpoints": raw}, indent=1))
    print(f"Results: {results}/table-{stamp}.md, raw-{stamp}.json ({time.monotonic() - started:.0f}s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
