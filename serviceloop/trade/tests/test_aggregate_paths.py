"""The two ways of regrouping week aggregates (by the lines' own keys, or through the orders) give the same rows."""

import datetime as dt

import pytest

from serviceloop.core.testing import make_customer
from serviceloop.trade import aggregates
from serviceloop.trade.demo import generate_trade
from serviceloop.trade.importing.stage import execute
from serviceloop.trade.models import ShopWeek

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 9, 19, 12, tzinfo=dt.UTC)
COLUMNS = ("customer_id", "week", "route_id", "orders", "lines", "qty_asked", "qty_supplied", "amount",
           "qty_class1", "qty_class2", "qty_class3", "qty_class4", "qty_class5")  # fmt: skip


def regrouped(*, whole_history: bool) -> list[tuple]:
    execute("DELETE FROM trade_shopweek")
    aggregates.create_key_tables()
    aggregates.add_keys(table=aggregates.KEYS_WEEK, select_sql="SELECT customer_id, week FROM trade_order")
    aggregates.refresh_from_keys(whole_history=whole_history)
    return list(ShopWeek.objects.order_by("customer_id", "week").values_list(*COLUMNS))


def test_week_rows_are_the_same_through_the_orders_as_by_the_lines(world):
    for i in range(12):
        make_customer(world.route_a1_1 if i % 2 else world.route_a2_1, grade=1 + 2 * i)
    generate_trade(shops=list(world.route_a1_1.customers.all()) + list(world.route_a2_1.customers.all()),
                   weeks=8, end=NOW.date(), seed=4, now=NOW)  # fmt: skip
    generated = list(ShopWeek.objects.order_by("customer_id", "week").values_list(*COLUMNS))
    assert len(generated) > 50
    assert regrouped(whole_history=False) == generated == regrouped(whole_history=True)
