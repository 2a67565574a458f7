"""Audit and event rows are append-only in the database itself, not only in the admin and the models.

PostgreSQL: a trigger refuses every UPDATE and DELETE of these rows. Deleting them is possible only inside
a transaction that says so first (``SET LOCAL serviceloop.purge = 'on'``, see ``core.audit.trail_purge``),
which only the demo reset does; TRUNCATE (used by test flushes and by an administrator at the console) is
not a row operation and stays possible.
Rewriting a row with its own values (test fixtures reloading data) is let through.
SQLite: no trigger. A trigger refusing changed UPDATEs was tried and broke the test suite's serialized-rollback
reloads; on SQLite (one machine, a county or a small city) the rows are protected by the models, the admin and the
services, which never update or delete them.
"""

from django.db import migrations

# tags_libraryedit (the tag library's history) is not here: a data migration seeds it, and the tests that
# reload seeded rows between transactional tests (serialized_rollback) rewrite those rows; it stays
# protected by its model admin and services only.
TABLES = [
    "core_auditevent",
    "servicedesk_requestevent",
    "tags_customertagevent",
    "visits_visitevent",
    "surveys_waveevent",
    "customers_customerchange",
]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION serviceloop_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('serviceloop.purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;  -- rewriting a row with its own values (test fixtures reloading data) changes nothing
    END IF;
    RAISE EXCEPTION 'serviceloop: rows of % are append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION serviceloop_append_only()"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')
        schema_editor.execute("DROP FUNCTION IF EXISTS serviceloop_append_only()")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_cache_table"),
        ("servicedesk", "0004_sweep_indexes"),
        ("tags", "0004_shop_history_follows_the_shop"),
        ("visits", "0004_visit_minutes_spent"),
        ("surveys", "0003_lowscore_actions"),
        ("customers", "0003_default_aliases"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
