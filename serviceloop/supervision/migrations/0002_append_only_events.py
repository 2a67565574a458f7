"""Rectification and risk events are append-only in PostgreSQL, as the other trails (see core migration 0006)."""

from django.db import migrations

TABLES = ["supervision_rectificationevent", "supervision_riskevent"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from importlib import import_module

    pg_function = import_module("serviceloop.core.migrations.0006_append_only_trails").PG_FUNCTION
    schema_editor.execute(pg_function, params=None)
    for table in TABLES:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')
        schema_editor.execute(
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION serviceloop_append_only()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial"), ("core", "0006_append_only_trails")]
    operations = [migrations.RunPython(forwards, backwards)]
