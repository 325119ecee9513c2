"""The published claims in id order, with their quotes' text vectors (PostgreSQL only).

`/v1alpha1/claims:search` pages published claims by id. For a term in more than a few hundred of
them, walking this index in id order and testing each vector in the index itself (an index-only
scan) finds a page after about page x published / matches entries, and never visits the table;
the text index of migration 0011 instead visits the table once for every match, which for a term
in 2,000 published claims was 1,800 pages and 6.5 ms against 0.6 ms here
(claims.selectors.reviews chooses between the two; docs/PERFORMANCE.md).

Built CONCURRENTLY, so a deployment does not block writes to claims while it builds; that cannot
run in a transaction, hence atomic = False.
"""

from django.db import migrations

from claims.migrations._vendor_sql import vendor_sql

FORWARD = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS claims_claim_published_quote_walk ON claims_claim "
    "(id) INCLUDE (quote_tsv) WHERE status = 'published'",
]
BACKWARD = ["DROP INDEX CONCURRENTLY IF EXISTS claims_claim_published_quote_walk"]


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("claims", "0013_delivery_at_attempt")]

    operations = [vendor_sql({"postgresql": FORWARD}, {"postgresql": BACKWARD})]
