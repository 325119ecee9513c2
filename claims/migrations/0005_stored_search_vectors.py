"""Claims' text-search vectors become stored generated columns (PostgreSQL only).

With the vectors only in expression indexes, a query that walks the id order (ORDER BY id LIMIT n)
had to compute to_tsvector() for every row it passed: terms in 0.4-2% of a million claims took
80-230 ms. Stored, the check on each row is a lookup, and ANALYZE keeps statistics on the column's
lexemes, so the planner also picks between the GIN index and the id order better. Articles are
few and keep their expression indexes. `claims.platform.db.search` queries these columns by name.
"""

from django.db import migrations

from claims.migrations._vendor_sql import vendor_sql

FORWARD = [
    "DROP INDEX claims_claim_quote_search",
    "DROP INDEX claims_claim_summary_search",
    "ALTER TABLE claims_claim "
    "ADD COLUMN quote_tsv tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, quote)) STORED, "
    "ADD COLUMN summary_tsv tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, summary)) STORED",
    # GET /claims/?q=  matches quote_tsv, and summary_tsv where the viewer may see the summary.
    # fastupdate off: with it, each write parks its entries in a pending list that every search
    # then scans (bench/: 3 ms added to a no-match search after a burst of edits). Claims are
    # read far more often than written, so writes pay for the index update instead.
    "CREATE INDEX claims_claim_quote_search ON claims_claim USING gin (quote_tsv) WITH (fastupdate = off)",
    "CREATE INDEX claims_claim_summary_search ON claims_claim "
    "USING gin (summary_tsv) WITH (fastupdate = off)",
    # More lexemes in the statistics, so that `claims.selectors.search_is_selective` gets a real
    # estimate for terms in a few hundredths of a percent of rows, not a default guess.
    "ALTER TABLE claims_claim ALTER COLUMN quote_tsv SET STATISTICS 1000, "
    "ALTER COLUMN summary_tsv SET STATISTICS 1000",
]

BACKWARD = [
    "ALTER TABLE claims_claim DROP COLUMN quote_tsv, DROP COLUMN summary_tsv",
    "CREATE INDEX claims_claim_quote_search ON claims_claim "
    "USING gin (to_tsvector('english'::regconfig, quote))",
    "CREATE INDEX claims_claim_summary_search ON claims_claim "
    "USING gin (to_tsvector('english'::regconfig, summary))",
]


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_rate_limit_counter")]

    operations = [vendor_sql({"postgresql": FORWARD}, {"postgresql": BACKWARD})]
