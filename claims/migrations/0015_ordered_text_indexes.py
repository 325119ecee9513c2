"""Text indexes that keep each match's id, where the database offers the RUM extension.

A search of the API pages its matches in id order. A GIN index yields every match unordered, so a
page of a rare term costs reading and sorting all its matches, and a common term is cheaper found
by walking the id order; between the two, terms in about 0.4-1% of a million claims cost 3-6 ms
whichever way (docs/PERFORMANCE.md). A RUM index with `attach = 'id'` stores the id beside each
entry and answers `ORDER BY id |=> 0 LIMIT n` from the index, visiting the table only for the
page: 0.3-2.5 ms for terms in 0.03-0.93% of a million claims. One RUM scan orders one vector,
so quotes and summaries get one index each, and published summaries (a client's search) one of
their own, as in migration 0007.

Only with SEARCH_ORDERED_INDEXES on (off by default). RUM releases up to 1.3.15, Debian's
`postgresql-15-rum` 1.3.13 among them, read posting lists that VACUUM has emptied as if they still
held items: on this project's machines a search after deleting rows and vacuuming failed with
"tuple offset out of range" and "could not open file ... target block", and upstream reports the
same path crashing the server process, which restarts PostgreSQL (postgrespro/rum#183; fixed by
commit 239255e, PR #172, not in a release yet). Turn it on only with a build that has the fix.

RUM is an extension, which most managed PostgreSQL services do not offer and which only a
superuser may create. Where the setting is on, this migration creates the extension and its
indexes if it can, and otherwise does nothing: the selectors look for the indexes and fall back to
the GIN paths (claims.platform.db.ordered_search). An operator who turns it on later runs the
statements by hand (README, "Production").

Built CONCURRENTLY, so a deployment does not block writes to claims while they build (about 10 s
each on a million claims); that cannot run in a transaction, hence atomic = False.
"""

from django.conf import settings
from django.db import DatabaseError, migrations, transaction

EXTENSION = "rum"
INDEXES = {
    "claims_claim_quote_rum": ("quote_tsv", ""),
    "claims_claim_summary_rum": ("summary_tsv", ""),
    "claims_claim_published_summary_rum": ("summary_tsv", " WHERE status = 'published'"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or not settings.SEARCH_ORDERED_INDEXES:
        return
    try:
        # In a transaction of its own (a savepoint, inside one): a refusal leaves nothing behind.
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(f"CREATE EXTENSION IF NOT EXISTS {EXTENSION}")
    except DatabaseError:
        return  # not installed, or not ours to create: the GIN paths serve every search
    for name, (vector, where) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON claims_claim "
            f"USING rum ({vector} rum_tsvector_addon_ops, id) WITH (attach = 'id', to = '{vector}'){where}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("claims", "0014_published_quote_walk")]

    operations = [migrations.RunPython(create, drop)]
