"""The database cache's table (rate-limit counters shared by every worker): made here so that ``migrate``,
the test database and a fresh install all have it without a separate ``createcachetable`` step."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_work")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False)]
