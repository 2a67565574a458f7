"""Monthly partitions of the order-line table on PostgreSQL (no-ops on SQLite).

There is deliberately no DEFAULT partition: a row of a month without a partition is refused by the database
rather than piling up where adding that month's partition later would have to move it. Every writer of lines
(the import, the demo) calls ``ensure_month_partitions`` first, inside its transaction.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import connection

TABLE = "trade_orderline"


def partition_name(month: dt.date) -> str:
    return f"{TABLE}_{month:%Y%m}"


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                       "WHERE c.relname = %s", [TABLE])  # fmt: skip
        return cursor.fetchone() is not None


def existing_partitions() -> set[str]:
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [TABLE],
        )
        return {row[0] for row in cursor.fetchall()}


def ensure_month_partitions(months: Iterable[dt.date]) -> list[str]:
    """Creates the partitions of the given months that do not exist yet; returns the names created."""
    if connection.vendor != "postgresql":
        return []
    wanted = {m.replace(day=1) for m in months}
    if not wanted:
        return []
    have = existing_partitions()
    created = []
    with connection.cursor() as cursor:
        for month in sorted(wanted):
            name = partition_name(month)
            if name in have:
                continue
            cursor.execute(
                f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF {TABLE} '
                f"FOR VALUES FROM ('{month.isoformat()}') TO ('{next_month(month).isoformat()}')"
            )
            created.append(name)
    return created
