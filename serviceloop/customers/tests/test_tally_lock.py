"""The shop-count rebuild and concurrent edits on PostgreSQL: the rebuild locks the tally against writes, so an
edit's move is neither lost between the recount and the delete nor counted twice."""

import psycopg
import pytest
from django.db import connection, transaction

from serviceloop.customers.tally import shoptally_counts, shoptally_kept, shoptally_rebuild


def other_connection():
    s = connection.settings_dict
    return psycopg.connect(host=s["HOST"] or None, port=s["PORT"] or None, user=s["USER"], password=s["PASSWORD"],
                           dbname=s["NAME"], autocommit=True)  # fmt: skip


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the seeded rows for the next
def test_a_rebuild_holds_off_moves_until_it_commits(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")
    table = "customers_shoptally"
    shoptally_rebuild()
    with other_connection() as other:
        other.execute("SET lock_timeout = '200ms'")
        with transaction.atomic():
            shoptally_rebuild()
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(f"UPDATE {table} SET n = n + 1 WHERE id = (SELECT min(id) FROM {table})")
        # committed: an edit goes through, onto the rebuilt rows
        other.execute(f"UPDATE {table} SET n = n + 1 WHERE id = (SELECT min(id) FROM {table})")
        other.execute(f"UPDATE {table} SET n = n - 1 WHERE id = (SELECT min(id) FROM {table})")
    assert shoptally_kept() == shoptally_counts()
