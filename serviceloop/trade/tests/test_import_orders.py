import datetime as dt

import pytest
from django.utils import timezone

from serviceloop.trade.importing import import_trade_file
from serviceloop.trade.models import BatchStatus, Order, OrderLine, ShopMonth, ShopWeek
from serviceloop.trade.testing import ORDER_HEADER, csv_bytes, make_products, order_rows

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 9, 15)  # a Monday


@pytest.fixture
def setup(world):
    make_products()
    shops = world.shops["张湾1号线"] + world.shops["张湾2号线"]
    return world, shops


def week_file(shops, day=DAY, supplied=5):
    rows = []
    for i, shop in enumerate(shops):
        rows += order_rows(
            shop,
            f"DD{day:%Y%m%d}{i:04d}",
            day,
            [("31020002", 2, 2), ("42020005", 10, supplied), ("02010001", 3, 3)],
        )
    return csv_bytes(ORDER_HEADER, rows)


def test_it_imports_a_week_and_keeps_the_aggregates(setup):
    world, shops = setup
    batch = import_trade_file(file=week_file(shops), kind="orders", now=timezone.now(), filename="w.csv")
    assert batch.status == BatchStatus.COMMITTED, batch.errors
    assert (batch.rows, batch.created) == (12, 4)
    assert OrderLine.objects.count() == 12
    week = ShopWeek.objects.get(customer=shops[0], week=DAY)
    assert (week.orders, week.lines, week.qty_asked, week.qty_supplied) == (1, 3, 15, 10)
    assert (week.qty_class1, week.qty_class2, week.qty_class5) == (2, 5, 3)
    assert week.amount == 2 * 450 + 5 * 85 + 3 * 12
    month = ShopMonth.objects.get(customer=shops[0], month=DAY.replace(day=1))
    assert (month.orders, month.online_orders, month.corrected_orders) == (1, 1, 0)


def test_it_changes_nothing_when_the_same_file_comes_again(setup):
    world, shops = setup
    data = week_file(shops)
    import_trade_file(file=data, kind="orders", now=timezone.now())
    again = import_trade_file(file=data, kind="orders", now=timezone.now())
    assert (again.status, again.created, again.replaced, again.unchanged) == (BatchStatus.COMMITTED, 0, 0, 4)
    assert Order.objects.count() == 4 and OrderLine.objects.count() == 12


def test_it_replaces_a_corrected_order_and_keeps_the_earlier_revision(setup):
    world, shops = setup
    import_trade_file(file=week_file(shops), kind="orders", now=timezone.now())
    corrected = import_trade_file(file=week_file(shops[:1], supplied=8), kind="orders", now=timezone.now())
    assert (corrected.created, corrected.replaced, corrected.unchanged) == (0, 1, 0)
    orders = Order.objects.filter(customer=shops[0]).order_by("revision")
    assert [(o.revision, o.is_current) for o in orders] == [(1, False), (2, True)]
    assert ShopWeek.objects.get(customer=shops[0], week=DAY).qty_supplied == 13
    assert ShopMonth.objects.get(customer=shops[0]).corrected_orders == 1
    assert OrderLine.objects.filter(live=True).count() == 12
