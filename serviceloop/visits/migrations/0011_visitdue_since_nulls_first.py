"""The "not visited for too long" list in the order it is read, on PostgreSQL (issue 14, province scale).

``shops_not_visited`` orders by ``since`` NULLS FIRST, then ``customer_id``, and takes 50. PostgreSQL's default
B-tree on ``since`` keeps NULLs last, so it sorted every overdue shop of the province first (337 ms at 14,000
shops on the loaded bench machine); with an index in that very order it walks 50 entries (0.7 ms). SQLite
sorts NULLs first already and uses the plain ``since`` index: nothing to do there.
"""

from django.db import migrations

NAME = "visits_due_since_nulls_first"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON visits_visitdue (since ASC NULLS FIRST, customer_id)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("visits", "0010_visitdue_since_customer")]

    operations = [migrations.RunPython(create, drop)]
