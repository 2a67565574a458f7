"""Per shop-week and shop-month aggregates, recomputed from the current rows for the keys a batch touched.

Callers fill two temporary key tables (``trade_keys_week``: customer_id, week; ``trade_keys_month``:
customer_id, month) and call ``refresh_from_keys``: the aggregate rows of those keys are deleted and
regrouped from order lines, orders, deliveries and settlements — one statement each, in the database, so a
city week (500,000 lines) is regrouped without a row passing through Python. Recomputing rather than adding
deltas keeps corrections, cancellations and rollbacks exact.
"""

import datetime as dt

from django.db import connection

KEYS_WEEK = "trade_keys_week"
KEYS_MONTH = "trade_keys_month"

MONTH_COLUMNS = (
    "orders", "corrected_orders", "cancelled_orders", "online_orders", "phone_orders", "visit_orders",
    "other_orders", "qty_asked", "qty_supplied", "amount",
    "deliveries", "deliveries_on_time", "deliveries_accurate", "deliveries_refused", "cartons_delivered",
    "cartons_damaged",
    "settlements", "e_settlements", "e_settlements_paid", "settlements_failed", "attempts", "failed_attempts",
)  # fmt: skip

_ACTIVE = "o.status = 'active'"
_ORDER_VALUES = (
    f"CASE WHEN {_ACTIVE} THEN 1 ELSE 0 END",
    f"CASE WHEN {_ACTIVE} AND o.revision > 1 THEN 1 ELSE 0 END",
    "CASE WHEN o.status = 'cancelled' THEN 1 ELSE 0 END",
    f"CASE WHEN {_ACTIVE} AND o.channel = 'online' THEN 1 ELSE 0 END",
    f"CASE WHEN {_ACTIVE} AND o.channel = 'phone' THEN 1 ELSE 0 END",
    f"CASE WHEN {_ACTIVE} AND o.channel = 'visit' THEN 1 ELSE 0 END",
    f"CASE WHEN {_ACTIVE} AND o.channel = 'other' THEN 1 ELSE 0 END",
    f"CASE WHEN {_ACTIVE} THEN o.qty_asked ELSE 0 END",
    f"CASE WHEN {_ACTIVE} THEN o.qty_supplied ELSE 0 END",
    f"CASE WHEN {_ACTIVE} THEN o.amount ELSE 0 END",
) + ("0",) * 12
_KEYS_M = f"(SELECT DISTINCT customer_id, month FROM {KEYS_MONTH})"
_KEYS_W = f"(SELECT DISTINCT customer_id, week FROM {KEYS_WEEK})"
# The first SELECT of a UNION names the columns (SQLite has no column list on a derived table).
_ORDER_PART = f"""
SELECT o.customer_id AS customer_id, o.month AS month, o.route_id AS route_id, o.station_id AS station_id,
  o.branch_id AS branch_id, {", ".join(f"{v} AS c{i}" for i, v in enumerate(_ORDER_VALUES))}
FROM trade_order o JOIN {_KEYS_M} k ON k.customer_id = o.customer_id AND k.month = o.month
WHERE o.is_current
"""
_DELIVERY_PART = f"""
SELECT d.customer_id, d.month, d.route_id, d.station_id, d.branch_id,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  1,
  CASE WHEN d.on_time THEN 1 ELSE 0 END,
  CASE WHEN d.accurate THEN 1 ELSE 0 END,
  CASE WHEN d.outcome = 'refused' THEN 1 ELSE 0 END,
  d.cartons, d.damaged_cartons,
  0, 0, 0, 0, 0, 0
FROM trade_delivery d JOIN {_KEYS_M} k ON k.customer_id = d.customer_id AND k.month = d.month
WHERE d.is_current
"""
_SETTLEMENT_PART = f"""
SELECT s.customer_id, s.month, s.route_id, s.station_id, s.branch_id,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0,
  1,
  CASE WHEN s.method = 'e' THEN 1 ELSE 0 END,
  CASE WHEN s.method = 'e' AND s.state = 'success' THEN 1 ELSE 0 END,
  CASE WHEN s.state = 'failed' THEN 1 ELSE 0 END,
  s.attempts, s.failed_attempts
FROM trade_settlement s JOIN {_KEYS_M} k ON k.customer_id = s.customer_id AND k.month = s.month
WHERE s.is_current
"""
_SUMS = ", ".join(f"SUM(c{i})" for i in range(len(MONTH_COLUMNS)))
MONTH_SQL = f"""
INSERT INTO trade_shopmonth (customer_id, month, route_id, station_id, branch_id, {", ".join(MONTH_COLUMNS)})
SELECT customer_id, month, MAX(route_id), MAX(station_id), MAX(branch_id), {_SUMS}
FROM ({_ORDER_PART} UNION ALL {_DELIVERY_PART} UNION ALL {_SETTLEMENT_PART}) AS x
GROUP BY customer_id, month
"""
_CLASS_SUMS = ",\n  ".join(
    f"SUM(CASE WHEN l.price_class = {c} THEN l.qty_supplied ELSE 0 END)" for c in range(1, 6)
)
WEEK_SQL = f"""
INSERT INTO trade_shopweek (customer_id, week, route_id, station_id, branch_id, orders, lines, qty_asked,
  qty_supplied, amount, qty_class1, qty_class2, qty_class3, qty_class4, qty_class5)
SELECT o.customer_id, o.week, MAX(o.route_id), MAX(o.station_id), MAX(o.branch_id), COUNT(DISTINCT o.id),
  COUNT(*), SUM(l.qty_asked), SUM(l.qty_supplied), SUM(l.amount),
  {_CLASS_SUMS}
FROM trade_orderline l
  JOIN {_KEYS_W} k ON k.customer_id = l.customer_id AND k.week = l.week
  JOIN trade_order o ON o.id = l.order_id
WHERE l.live
GROUP BY o.customer_id, o.week
"""
# The same rows reached through the orders: each key finds its shop's orders, each order its lines. For a
# refresh of most of a year (the demo's, a restore) this is 4× cheaper than WEEK_SQL, which scans every line of
# the shop's whole history for each key (9.5 → 2.4 s CPU for the 3,000-shop demo's year on SQLite); for one
# imported week WEEK_SQL is the cheaper one (0.16 vs 0.39 s), so imports keep it.
WEEK_SQL_THROUGH_ORDERS = f"""
INSERT INTO trade_shopweek (customer_id, week, route_id, station_id, branch_id, orders, lines, qty_asked,
  qty_supplied, amount, qty_class1, qty_class2, qty_class3, qty_class4, qty_class5)
SELECT o.customer_id, o.week, MAX(o.route_id), MAX(o.station_id), MAX(o.branch_id), COUNT(DISTINCT o.id),
  COUNT(*), SUM(l.qty_asked), SUM(l.qty_supplied), SUM(l.amount),
  {_CLASS_SUMS}
FROM {_KEYS_W} k
  JOIN trade_order o ON o.customer_id = k.customer_id AND o.week = k.week
  JOIN trade_orderline l ON l.order_id = o.id
WHERE l.live
GROUP BY o.customer_id, o.week
"""


def create_key_tables() -> None:
    with connection.cursor() as cursor:
        for table, column in ((KEYS_WEEK, "week"), (KEYS_MONTH, "month")):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {table} (customer_id BIGINT NOT NULL, {column} DATE NOT NULL)"
            )


def add_keys(*, table: str, select_sql: str, params=()) -> None:
    """Adds the (customer_id, week|month) pairs that ``select_sql`` returns to a key table."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} {select_sql}", params)


def refresh_from_keys(*, whole_history: bool = False) -> dict[str, int]:
    """Regroups the aggregate rows of the keys in the key tables; returns how many rows each now has.

    ``whole_history``: the keys cover most weeks of their shops (the demo's generated year), so the week rows
    are regrouped through the orders (``WEEK_SQL_THROUGH_ORDERS``); the rows are the same either way."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM trade_shopweek WHERE (customer_id, week) IN (SELECT customer_id, week FROM {KEYS_WEEK})"
        )
        cursor.execute(WEEK_SQL_THROUGH_ORDERS if whole_history else WEEK_SQL)
        weeks = cursor.rowcount
        cursor.execute(
            "DELETE FROM trade_shopmonth WHERE (customer_id, month) IN "
            f"(SELECT customer_id, month FROM {KEYS_MONTH})"
        )
        cursor.execute(MONTH_SQL)
        months = cursor.rowcount
        cursor.execute(f"SELECT DISTINCT month FROM {KEYS_MONTH}")
        touched = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"DROP TABLE {KEYS_WEEK}")
        cursor.execute(f"DROP TABLE {KEYS_MONTH}")
    settlementtally_refresh(touched)
    from .panel import peers_changed

    peers_changed()
    return {"shop_weeks": weeks, "shop_months": months}


# Grouped by the local day of the first debit ({day}: the backend's own conversion, see settlementtally_refresh),
# a month at a time through the window index on that time.
_E_WINDOW = "s.is_current AND s.method = 'e' AND s.first_attempt_at >= %s AND s.first_attempt_at < %s"
TALLY_SQL = f"""
INSERT INTO trade_settlementtally (day, route_id, station_id, branch_id, settlements, paid, attempts, failed_attempts)
SELECT day, route_id, station_id, branch_id, COUNT(*), SUM(CASE WHEN state = 'success' THEN 1 ELSE 0 END),
  SUM(attempts), SUM(failed_attempts)
FROM (SELECT {{day}} AS day, s.route_id, s.station_id, s.branch_id, s.state, s.attempts, s.failed_attempts
      FROM trade_settlement s WHERE {_E_WINDOW}) e
GROUP BY day, route_id, station_id, branch_id
"""
FAILURE_TALLY_SQL = f"""
INSERT INTO trade_settlementfailuretally (day, route_id, station_id, branch_id, reason, failed_attempts)
SELECT day, route_id, station_id, branch_id, reason, COUNT(*)
FROM (SELECT {{day}} AS day, s.route_id, s.station_id, s.branch_id, a.failure_reason AS reason
      FROM trade_settlement s JOIN trade_settlementattempt a ON a.settlement_id = s.id
      WHERE {_E_WINDOW} AND a.result = 'failed') f
GROUP BY day, route_id, station_id, branch_id, reason
"""


def settlementtally_refresh(months=None) -> int:
    """Regroups the e-settlement day counts (``SettlementTally``, ``SettlementFailureTally``) of the days of
    ``months`` (first days; default every month with a current e-settlement) from the current settlements; returns
    how many months. A settlement's day is the local date of its first debit (its ``month`` is that day's month),
    so a month's settlements are read through the window index on that time."""
    from django.utils import timezone

    from .importing.values import month_of

    tz = timezone.get_current_timezone()
    day_sql, day_params = connection.ops.datetime_cast_date_sql(
        "s.first_attempt_at", (), timezone.get_current_timezone_name()
    )
    with connection.cursor() as cursor:
        if months is None:
            cursor.execute(
                "SELECT DISTINCT month FROM trade_settlement s WHERE s.is_current AND s.method = 'e'"
            )
            months = [m for (m,) in cursor.fetchall()]
        months = sorted(set(months))
        for month in months:
            after = month_of(month + dt.timedelta(days=31))
            lo, hi = (dt.datetime.combine(d, dt.time.min, tzinfo=tz) for d in (month, after))
            window = [connection.ops.adapt_datetimefield_value(t) for t in (lo, hi)]
            days = [connection.ops.adapt_datefield_value(d) for d in (month, after)]
            for table, sql in (
                ("trade_settlementtally", TALLY_SQL),
                ("trade_settlementfailuretally", FAILURE_TALLY_SQL),
            ):
                cursor.execute(f"DELETE FROM {table} WHERE day >= %s AND day < %s", days)
                cursor.execute(sql.format(day=day_sql), [*day_params, *window])
    return len(months)


def add_order_keys(batch_id: int) -> None:
    """The (shop, week) and (shop, month) keys of orders a batch wrote or replaced."""
    where = "WHERE batch_id = %s OR replaced_by_id = %s"
    add_keys(table=KEYS_WEEK, select_sql=f"SELECT customer_id, week FROM trade_order {where}",
             params=[batch_id, batch_id])  # fmt: skip
    add_keys(table=KEYS_MONTH, select_sql=f"SELECT customer_id, month FROM trade_order {where}",
             params=[batch_id, batch_id])  # fmt: skip


def add_month_keys(table: str, batch_id: int) -> None:
    """The (shop, month) keys of deliveries or settlements a batch wrote or replaced."""
    add_keys(table=KEYS_MONTH, select_sql=f"SELECT customer_id, month FROM {table} WHERE batch_id = %s OR replaced_by_id = %s",
             params=[batch_id, batch_id])  # fmt: skip
