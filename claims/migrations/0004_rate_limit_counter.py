from django.db import migrations, models


def make_unlogged(apps, schema_editor):
    # Counters need not survive a crash; unlogged, counting writes no WAL and waits for no flush.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE claims_ratelimitcounter SET UNLOGGED")


class Migration(migrations.Migration):
    dependencies = [("claims", "0003_role_groups")]

    operations = [
        migrations.CreateModel(
            name="RateLimitCounter",
            fields=[
                ("key", models.CharField(max_length=200, primary_key=True, serialize=False)),
                (
                    "bucket",
                    models.BigIntegerField(
                        help_text="The window counted: seconds since the epoch // window length."
                    ),
                ),
                ("hits", models.PositiveIntegerField()),
            ],
        ),
        migrations.RunPython(make_unlogged, migrations.RunPython.noop),
    ]
