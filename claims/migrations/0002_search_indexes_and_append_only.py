"""What the ORM cannot declare for both databases: PostgreSQL's text-search and trigram indexes,
and triggers that make the history append-only in the database itself.

The index expressions must stay identical to `claims.platform.db.search.TsVector`, or the planner will not
use them. On SQLite, table rebuilds by later migrations drop triggers: recreate them there.
"""

from django.db import migrations

from claims.migrations._vendor_sql import vendor_sql

POSTGRES_FORWARD = [
    # GET /claims/?q=  matches to_tsvector(quote) and to_tsvector(summary)
    "CREATE INDEX claims_claim_quote_search ON claims_claim "
    "USING gin (to_tsvector('english'::regconfig, quote))",
    "CREATE INDEX claims_claim_summary_search ON claims_claim "
    "USING gin (to_tsvector('english'::regconfig, summary))",
    # GET /articles/?q=  matches to_tsvector(headline) and to_tsvector(body)
    "CREATE INDEX claims_article_headline_search ON claims_article "
    "USING gin (to_tsvector('english'::regconfig, headline))",
    "CREATE INDEX claims_article_body_search ON claims_article "
    "USING gin (to_tsvector('english'::regconfig, body))",
    # GET /claims/?claimant=  is UPPER(claimant) LIKE UPPER('%term%'): a trigram index serves it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX claims_claim_claimant_trgm ON claims_claim USING gin (upper(claimant) gin_trgm_ops)",
    # History and corrections are append-only: the database refuses UPDATE and DELETE on them.
    """
    CREATE FUNCTION claims_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = TG_TABLE_NAME || ' rows are append-only',
            ERRCODE = 'integrity_constraint_violation';
    END
    $$
    """,
    "CREATE TRIGGER claims_claimevent_append_only BEFORE UPDATE OR DELETE ON claims_claimevent "
    "FOR EACH ROW EXECUTE FUNCTION claims_refuse_change()",
    "CREATE TRIGGER claims_correction_append_only BEFORE UPDATE OR DELETE ON claims_correction "
    "FOR EACH ROW EXECUTE FUNCTION claims_refuse_change()",
]

POSTGRES_BACKWARD = [
    "DROP TRIGGER claims_correction_append_only ON claims_correction",
    "DROP TRIGGER claims_claimevent_append_only ON claims_claimevent",
    "DROP FUNCTION claims_refuse_change()",
    "DROP INDEX claims_claim_claimant_trgm",
    "DROP INDEX claims_article_body_search",
    "DROP INDEX claims_article_headline_search",
    "DROP INDEX claims_claim_summary_search",
    "DROP INDEX claims_claim_quote_search",
]

# SQLite refuses UPDATE only: Django's test database flush empties tables with DELETE.
SQLITE_FORWARD = [
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
    f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END"
    for table in ("claims_claimevent", "claims_correction")
]

SQLITE_BACKWARD = [
    f"DROP TRIGGER {table}_append_only" for table in ("claims_claimevent", "claims_correction")
]


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]

    operations = [
        vendor_sql(
            {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD},
            {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD},
        )
    ]
