"""A text index over published claims' summaries (PostgreSQL only).

A client's search matches a summary only where the claim is published (claims.selectors), so its
condition reads `summary_tsv @@ q AND status = 'published'`. With only the index over every
summary, the planner served that by intersecting the summary matches with the status index's
200,000 published claims, and a rare term's search took 24 ms instead of 4 (bench/). This index
answers the condition alone: its predicate is the visibility rule.

Built CONCURRENTLY, so a deployment does not block writes to claims while it builds (seconds on
a million claims); that cannot run in a transaction, hence atomic = False.
"""

from django.db import migrations

from claims.migrations._vendor_sql import vendor_sql

FORWARD = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS claims_claim_published_summary_search ON claims_claim "
    "USING gin (summary_tsv) WITH (fastupdate = off) WHERE status = 'published'",
]
BACKWARD = ["DROP INDEX CONCURRENTLY IF EXISTS claims_claim_published_summary_search"]


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("claims", "0006_search_statistics_default")]

    operations = [vendor_sql({"postgresql": FORWARD}, {"postgresql": BACKWARD})]
