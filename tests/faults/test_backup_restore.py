"""A backup and restore round trip: `pg_dump` of the live database, `pg_restore` into a fresh one,
and the service run against the copy answers exactly as the original does, claims, histories and
tokens included. The copy keeps what the database itself enforces (the append-only triggers, the
search indexes, the constraints, the unlogged counters) and takes new writes without id clashes.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.faults.harness import ARTICLES, CLAIMS, Cluster, Service, fault_test

pytestmark = fault_test

SCHEMA = """
SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL
SELECT 'trigger', tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
UNION ALL
SELECT 'constraint', conname, concat_ws(' ', contype, conrelid::regclass, convalidated, ARRAY(
    SELECT attname FROM unnest(conkey) WITH ORDINALITY AS k(attnum, i)
    JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.attnum ORDER BY i
)) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL
SELECT 'function', proname, pg_get_functiondef(oid) FROM pg_proc
WHERE pronamespace = 'public'::regnamespace AND prokind = 'f' AND proname LIKE 'claims%'
UNION ALL
SELECT 'table', relname, relpersistence::text FROM pg_class
WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
UNION ALL
SELECT 'sequence', sequencename, last_value::text FROM pg_sequences WHERE schemaname = 'public'
UNION ALL
SELECT 'extension', extname, extversion FROM pg_extension
"""

APPEND_ONLY = {"claims_claimevent_append_only", "claims_correction_append_only"}
SEARCH_INDEXES = {
    "claims_claim_quote_search",
    "claims_claim_summary_search",
    "claims_article_headline_search",
    "claims_article_body_search",
    "claims_claim_claimant_trgm",
}


def schema_and_rows(cluster: Cluster, dbname: str) -> dict[tuple[str, str], str]:
    """Every index, trigger, constraint, function, table (and whether it is logged), sequence
    position and extension, and each table's row count.

    Constraints are compared by kind, table and column names, not by their text: PostgreSQL prints a
    restored `status IN (...)` check with its casts in another (equivalent) place. That the
    restored checks still check is shown separately.
    """
    with cluster.connect(dbname) as conn:
        found = {(kind, name): definition for kind, name, definition in conn.execute(SCHEMA).fetchall()}
        for kind, table in list(found):
            if kind == "table":
                query = psycopg.sql.SQL("SELECT count(*) FROM {}").format(psycopg.sql.Identifier(table))
                found[("rows", table)] = str(conn.execute(query).fetchone())
    return found


def everything_served(service: Service, editor: str, client: str) -> dict[str, Any]:
    """What the API serves: both roles' lists in both orders, a search, the articles with their
    bodies, and every claim's history."""
    served: dict[str, Any] = {}
    for role, token in (("editor", editor), ("client", client)):
        served[f"{role} claims"] = service.all_pages(f"{CLAIMS}?page_size=200", token=token)
        served[f"{role} claims by update"] = service.all_pages(
            f"{CLAIMS}?page_size=200&ordering=-updated_at", token=token
        )
        served[f"{role} search"] = service.all_pages(f"{CLAIMS}?q=NATO&page_size=200", token=token)
        served[f"{role} articles"] = service.all_pages(f"{ARTICLES}?page_size=200", token=token)
    for article in served["editor articles"]:
        served[f"article {article['id']}"] = service.call(
            "GET", f"{ARTICLES}{article['id']}/", token=editor
        ).json()
    for claim in served["editor claims"]:
        served[f"claim {claim['id']} history"] = service.all_pages(
            f"{CLAIMS}{claim['id']}/history/?page_size=200", token=editor
        )
    return served


def change(service: Service, token: str, claim: int, body: dict[str, Any]) -> None:
    etag = service.call("GET", f"{CLAIMS}{claim}/", token=token).headers["etag"]
    reply = service.call("PATCH", f"{CLAIMS}{claim}/", token=token, body=body, headers={"If-Match": etag})
    assert reply.status == 200, str(reply)


def test_a_dump_restored_into_a_fresh_database_serves_identical_claims_and_histories(
    throwaway_cluster: Cluster, service: Service, editor_token: str, client_token: str
) -> None:
    service.manage("load_demo")
    # Some history of our own on top of the demo's: a review, a publication, evidence and a
    # correction of the published verdict.
    demo = service.all_pages(f"{CLAIMS}?status=pending&page_size=200", token=editor_token)
    claim = demo[0]["id"]
    change(service, editor_token, claim, {"status": "in_review", "rating": "true", "summary": "Checked."})
    change(service, editor_token, claim, {"status": "published"})
    evidence = service.call(
        "POST", f"{CLAIMS}{claim}/evidence/", token=editor_token, body={"url": "https://example.org/source"}
    )
    assert evidence.status == 201, str(evidence)
    change(service, editor_token, claim, {"rating": "mostly_true", "note": "A detail was wrong."})

    dump = throwaway_cluster.root / "claims.dump"
    throwaway_cluster.pg_dump("claims", dump)
    throwaway_cluster.create_database("restored")
    throwaway_cluster.pg_restore("restored", dump)

    restored = Service(
        throwaway_cluster.dsn("restored"), logdir=throwaway_cluster.root, name="gunicorn-restored"
    )
    restored.manage("migrate", "--check")  # the copy is at the code's migration: nothing to apply
    try:
        restored.start()
        original = everything_served(service, editor_token, client_token)
        assert len(original[f"claim {claim} history"]) == 5
        assert everything_served(restored, editor_token, client_token) == original

        schema = schema_and_rows(throwaway_cluster, "claims")
        assert schema_and_rows(throwaway_cluster, "restored") == schema
        assert {name for kind, name in schema if kind == "trigger"} >= APPEND_ONLY
        assert {name for kind, name in schema if kind == "index"} >= SEARCH_INDEXES

        # The copy's triggers still refuse to rewrite history...
        with (
            throwaway_cluster.connect("restored") as conn,
            pytest.raises(psycopg.IntegrityError, match="append-only"),
        ):
            conn.execute("UPDATE claims_claimevent SET note = 'rewritten' WHERE claim_id = %s", [claim])
        # Nor do its check constraints let a status outside the workflow in.
        with (
            throwaway_cluster.connect("restored") as conn,
            pytest.raises(psycopg.errors.CheckViolation, match="claims_claim_status_valid"),
        ):
            conn.execute("UPDATE claims_claim SET status = 'lost' WHERE id = %s", [claim])

        # And it takes new writes: its sequences went on from where the original's stood.
        article = restored.call(
            "POST", ARTICLES, token=editor_token, body={"headline": "After the restore", "body": "It held."}
        )
        assert article.status == 201, str(article)
        created = restored.call(
            "POST",
            CLAIMS,
            token=editor_token,
            body={"article": article.json()["id"], "quote": "held", "claimant": "X"},
        )
        assert created.status == 201, str(created)
        assert created.json()["id"] > max(c["id"] for c in original["editor claims"])
    finally:
        restored.stop()
