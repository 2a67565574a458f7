"""Indexes for the customer search on PostgreSQL (issue 14, province scale).

The search is ``name``/``owner_name``/``address`` ``__icontains`` (Django writes ``UPPER(col::text) LIKE
UPPER('%…%')``), ``licence_no__startswith`` and, for roles that see numbers, ``phone``/``alt_phone``
``__contains``, OR-ed together. A B-tree cannot serve ``LIKE '%…%'``, and one branch of an OR without an index
turns the whole search into a scan of every shop; pg_trgm's GIN indexes serve infix LIKE on the same
expressions (three characters or more: a two-character infix has no whole trigram). The licence prefix
already has the ``varchar_pattern_ops`` B-tree Django adds to a unique CharField (``…_like``).
SQLite has neither and needs neither at city scale: the operations do nothing there.
"""

from django.db import migrations

INDEXES = {
    "customers_name_trgm": "USING gin (UPPER(name::text) gin_trgm_ops)",
    "customers_owner_trgm": "USING gin (UPPER(owner_name::text) gin_trgm_ops)",
    "customers_address_trgm": "USING gin (UPPER(address::text) gin_trgm_ops)",
    "customers_phone_trgm": "USING gin (phone gin_trgm_ops)",
    "customers_alt_phone_trgm": "USING gin (alt_phone gin_trgm_ops)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Not Django's TrigramExtension operation: run backwards it asks pg_extension on SQLite too. Kept on the way
    # back (other objects may use it).
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, how in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer {how}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_move_shop_messages")]

    operations = [migrations.RunPython(create, drop)]
