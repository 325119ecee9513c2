#!/usr/bin/env python3
"""Check the benchmark database's invariants with SQL (what the model promises, offsets included).

    python bench/verify.py [--database-url postgres://postgres@127.0.0.1:5432/claims_bench]

Every check runs over all rows, not a sample: on the default 1,000,000 claims it takes well under
a minute. Exits non-zero on the first broken invariant class, after printing all of them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import psycopg

# (what must hold, SQL counting the rows that break it)
CHECKS = [
    (
        "quote == body[start:end] (substr() counts code points, as Python does)",
        """SELECT count(*) FROM claims_claim c JOIN claims_article a ON a.id = c.article_id
           WHERE substr(a.body, c.start + 1, c."end" - c.start) IS DISTINCT FROM c.quote""",
    ),
    (
        "prefix/suffix == 32 characters of context either side",
        """SELECT count(*) FROM claims_claim c JOIN claims_article a ON a.id = c.article_id
           WHERE c.prefix IS DISTINCT FROM substr(a.body, greatest(c.start - 32, 0) + 1,
                                                  c.start - greatest(c.start - 32, 0))
              OR c.suffix IS DISTINCT FROM substr(a.body, c."end" + 1, 32)""",
    ),
    (
        "quotes are 30..250 characters, word-aligned, within one paragraph",
        """SELECT count(*) FROM claims_claim c JOIN claims_article a ON a.id = c.article_id
           WHERE length(c.quote) NOT BETWEEN 30 AND 250 OR c.quote ~ '^\\s|\\s$|\\n'
              OR (c.start > 0 AND substr(a.body, c.start, 1) !~ '\\s')""",
    ),
    (
        "version == number of history events, numbered 1..version",
        """SELECT count(*) FROM claims_claim c LEFT JOIN (
               SELECT claim_id, count(*) AS n, min(version) AS lo, max(version) AS hi
               FROM claims_claimevent GROUP BY claim_id) e ON e.claim_id = c.id
           WHERE e.n IS DISTINCT FROM c.version OR e.lo <> 1 OR e.hi <> c.version""",
    ),
    (
        "history starts with `created` recording the quote, offsets and claimant",
        """SELECT count(*) FROM claims_claimevent e JOIN claims_claim c ON c.id = e.claim_id
           WHERE e.version = 1 AND (e.action <> 'created'
              OR e.changes -> 'quote' ->> 1 IS DISTINCT FROM c.quote
              OR (e.changes -> 'start' ->> 1)::int IS DISTINCT FROM c.start
              OR (e.changes -> 'end' ->> 1)::int IS DISTINCT FROM c."end"
              OR e.changes -> 'status' ->> 1 IS DISTINCT FROM 'pending')""",
    ),
    (
        "the last status in the history is the claim's status",
        """SELECT count(*) FROM claims_claim c JOIN LATERAL (
               SELECT coalesce((SELECT changes -> 'status' ->> 1 FROM claims_claimevent
                                WHERE claim_id = c.id AND changes ? 'status'
                                ORDER BY version DESC LIMIT 1), 'pending') AS status) h ON true
           WHERE c.id % 50 = 0 AND h.status <> c.status""",
    ),
    (
        "published claims have a rating, a summary, published_at and 1..3 evidence rows",
        """SELECT count(*) FROM claims_claim c
           LEFT JOIN (SELECT claim_id, count(*) AS n FROM claims_evidence GROUP BY claim_id) v
             ON v.claim_id = c.id
           WHERE c.status = 'published' AND (c.rating IS NULL OR c.summary = ''
              OR c.published_at IS NULL OR coalesce(v.n, 0) NOT BETWEEN 1 AND 3)""",
    ),
    (
        "each evidence row has its `evidence_added` event",
        """SELECT count(*) FROM claims_evidence v WHERE NOT EXISTS (
               SELECT 1 FROM claims_claimevent e WHERE e.claim_id = v.claim_id
               AND e.action = 'evidence_added' AND (e.changes -> 'evidence' -> 1 ->> 'id')::bigint = v.id)""",
    ),
    (
        "each correction has its `corrected` event and names the claim's rating path",
        """SELECT count(*) FROM claims_correction k WHERE NOT EXISTS (
               SELECT 1 FROM claims_claimevent e WHERE e.claim_id = k.claim_id AND e.action = 'corrected'
               AND e.changes -> 'rating' ->> 0 = k.from_rating
               AND e.changes -> 'rating' ->> 1 = k.to_rating)""",
    ),
    (
        "timestamps are ordered: created_at <= published_at <= updated_at",
        """SELECT count(*) FROM claims_claim WHERE updated_at < created_at
           OR (published_at IS NOT NULL AND (published_at < created_at OR published_at > updated_at))""",
    ),
    (
        "each article is at revision 1, whose body is the article's, and its claims are anchored to it",
        """SELECT (SELECT count(*) FROM claims_article a WHERE a.revision <> 1 OR NOT EXISTS (
                     SELECT 1 FROM claims_articlerevision r
                     WHERE r.article_id = a.id AND r.number = 1 AND r.body = a.body))
                + (SELECT count(*) FROM claims_claim WHERE revision <> 1 OR anchor <> 'exact')""",
    ),
    (
        "the feed has one change per article and per history event",
        """SELECT abs((SELECT count(*) FROM claims_change)
                    - (SELECT count(*) FROM claims_article) - (SELECT count(*) FROM claims_claimevent))""",
    ),
]

STATS = [
    ("articles", "SELECT count(*) FROM claims_article"),
    (
        "article body length min/avg/max",
        "SELECT min(length(body)) || ' / ' || round(avg(length(body))) || ' / ' || max(length(body)) "
        "FROM claims_article",
    ),
    ("claims", "SELECT count(*) FROM claims_claim"),
    (
        "claims per article min/avg/max",
        "SELECT min(n) || ' / ' || round(avg(n), 1) || ' / ' || max(n) FROM "
        "(SELECT count(*) AS n FROM claims_claim GROUP BY article_id) t",
    ),
    (
        "quote length p10/p50/p90",
        "SELECT array_to_string(percentile_disc(ARRAY[0.1, 0.5, 0.9]) "
        "WITHIN GROUP (ORDER BY length(quote)), ' / ') FROM claims_claim",
    ),
    (
        "status mix",
        "SELECT string_agg(status || ' ' || round(100.0 * n / sum, 1) || '%', ', ' ORDER BY n DESC) FROM "
        "(SELECT status, count(*) AS n, sum(count(*)) OVER () AS sum FROM claims_claim GROUP BY status) t",
    ),
    (
        "rating mix (published)",
        "SELECT string_agg(rating || ' ' || round(100.0 * n / sum, 1) || '%', ', ' "
        "ORDER BY n DESC) FROM (SELECT rating, count(*) AS n, sum(count(*)) OVER () AS sum FROM claims_claim "
        "WHERE status = 'published' GROUP BY rating) t",
    ),
    (
        "drafts with a rating (in_review)",
        "SELECT count(*) FROM claims_claim WHERE status <> 'published' AND rating IS NOT NULL",
    ),
    ("distinct claimants", "SELECT count(DISTINCT claimant) FROM claims_claim"),
    (
        "top claimant's share",
        "SELECT round(100.0 * max(n) / sum(n), 2) || '%' FROM "
        "(SELECT count(*) AS n FROM claims_claim GROUP BY claimant) t",
    ),
    ("evidence rows", "SELECT count(*) FROM claims_evidence"),
    ("history events", "SELECT count(*) FROM claims_claimevent"),
    ("corrections", "SELECT count(*) FROM claims_correction"),
    (
        "table sizes",
        "SELECT string_agg(relname || ' ' || pg_size_pretty(pg_total_relation_size(oid)), ', ' "
        "ORDER BY pg_total_relation_size(oid) DESC) FROM pg_class WHERE relname IN "
        "('claims_claim', 'claims_claimevent', 'claims_article', 'claims_evidence', 'claims_correction')",
    ),
]


def verify(url: str) -> int:
    failed = 0
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET statement_timeout = 0")
        conn.execute("SET work_mem = '256MB'")
        print("Data:")
        for label, query in STATS:
            print(f"  {label}: {conn.execute(query).fetchone()[0]}")
        print("Invariants:")
        for label, query in CHECKS:
            started = time.monotonic()
            bad = conn.execute(query).fetchone()[0]
            failed += bool(bad)
            verdict = "ok" if not bad else f"BROKEN in {bad} rows"
            print(f"  {verdict:>8}  {label}  ({time.monotonic() - started:.1f}s)", flush=True)
        tables = [
            "claims_article",
            "claims_claim",
            "claims_evidence",
            "claims_claimevent",
            "claims_correction",
        ]
        behind = []
        for table in tables:
            sequence = conn.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table]).fetchone()[0]
            last, called = conn.execute(f"SELECT last_value, is_called FROM {sequence}").fetchone()
            top = conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
            if (last if called else last - 1) < top:
                behind.append(table)
        failed += bool(behind)
        verdict = "ok" if not behind else f"BROKEN for {', '.join(behind)}"
        print(f"  {verdict:>8}  identity sequences continue after the loaded ids")
    print("All invariants hold." if not failed else f"{failed} invariant(s) broken.")
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claims_bench"),
    )
    sys.exit(verify(parser.parse_args().database_url))
