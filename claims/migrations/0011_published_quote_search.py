"""A text index over published claims' quotes (PostgreSQL only).

`/v1alpha1/claims:search` matches the quotes of published claims only (claims.selectors.reviews),
so its condition reads `quote_tsv @@ q AND status = 'published'`. Over the index of every quote,
a rare term's page visited the heap for every claim that quotes it, four in five of them not
published; this index's predicate is the condition's, so the page reads only what it may show
(docs/PERFORMANCE.md).

Built CONCURRENTLY, so a deployment does not block writes to claims while it builds; that cannot
run in a transaction, hence atomic = False.
"""

from django.db import migrations

from claims.migrations._vendor_sql import vendor_sql

FORWARD = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS claims_claim_published_quote_search ON claims_claim "
    "USING gin (quote_tsv) WITH (fastupdate = off) WHERE status = 'published'",
]
BACKWARD = ["DROP INDEX CONCURRENTLY IF EXISTS claims_claim_published_quote_search"]


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("claims", "0010_reviews")]

    operations = [vendor_sql({"postgresql": FORWARD}, {"postgresql": BACKWARD})]
