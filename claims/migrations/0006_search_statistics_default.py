"""Claims' search vectors go back to the default statistics target (PostgreSQL only).

Migration 0005 raised it to 1,000 so that rare terms would get real estimates. It made every
search's planning cost 0.9 ms instead of 0.1 ms (bench/: the planner reads the column's 10,000
most common lexemes on each plan), which was a tenth of a rare-term search. At the default the
statistics keep 1,000 lexemes, down to those in about 0.1% of rows; a term below that is estimated
at half the least frequent one, which is what `claims.selectors.search_is_selective` needs: it
only has to tell terms of a few thousand rows from terms of tens of thousands.
"""

from django.db import migrations

from claims.migrations._vendor_sql import vendor_sql

# ANALYZE makes the new target count now rather than at autovacuum's next pass (seconds on a
# million claims; it reads a sample, and takes no lock that blocks reads or writes).
FORWARD = [
    "ALTER TABLE claims_claim ALTER COLUMN quote_tsv SET STATISTICS -1, "
    "ALTER COLUMN summary_tsv SET STATISTICS -1",
    "ANALYZE claims_claim (quote_tsv, summary_tsv)",
]
BACKWARD = [
    "ALTER TABLE claims_claim ALTER COLUMN quote_tsv SET STATISTICS 1000, "
    "ALTER COLUMN summary_tsv SET STATISTICS 1000",
    "ANALYZE claims_claim (quote_tsv, summary_tsv)",
]


class Migration(migrations.Migration):
    dependencies = [("claims", "0005_stored_search_vectors")]

    operations = [vendor_sql({"postgresql": FORWARD}, {"postgresql": BACKWARD})]
