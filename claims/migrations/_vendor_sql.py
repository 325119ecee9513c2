"""SQL that only some databases run, as a migration operation (0002, 0005-0007).

Django's RunSQL runs on every database; these statements are PostgreSQL's (or SQLite's) own.
The leading underscore keeps Django's migration loader from taking this module for a migration.
Migrations import it, so it must keep behaving exactly as it does: change it only by adding.
"""

from django.db import migrations


def vendor_sql(forward: dict[str, list[str]], backward: dict[str, list[str]]) -> migrations.RunPython:
    """Run `forward[vendor]` when migrating, `backward[vendor]` when unapplying; a database whose
    vendor is not named runs nothing."""

    def run(statements_by_vendor: dict[str, list[str]]):
        def operation(apps, schema_editor):
            for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
                schema_editor.execute(statement)

        return operation

    return migrations.RunPython(run(forward), run(backward))
