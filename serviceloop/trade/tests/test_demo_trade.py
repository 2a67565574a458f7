import datetime as dt

import pytest

from serviceloop.core.demo import demo_build, demo_reset
from serviceloop.trade.models import (
    ImportBatch,
    Order,
    OrderLine,
    Product,
    Segment,
    Settlement,
    SettlementFailureTally,
    SettlementTally,
    ShopMonth,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 9, 19, 12, tzinfo=dt.UTC)


def test_the_demo_city_gets_trade_and_loses_it_on_reset(settings):
    settings.DEMO_TRADE_WEEKS = 6
    counts = demo_build(customers=120, seed=5, now=NOW)
    assert counts["order_lines"] == OrderLine.objects.count() > 0
    assert Settlement.objects.filter(state="failed").count() == counts["failed_settlements"]
    assert ShopMonth.objects.filter(deliveries__gt=0).exists() and Segment.objects.exists()
    assert SettlementTally.objects.exists() and SettlementFailureTally.objects.exists()
    first = list(Order.objects.order_by("order_no").values_list("order_no", "qty_supplied", "amount")[:50])
    demo_reset()
    assert not Order.objects.exists() and not OrderLine.objects.exists() and not Segment.objects.exists()
    assert not ImportBatch.objects.exists() and not Product.objects.exists()
    assert not SettlementTally.objects.exists() and not SettlementFailureTally.objects.exists()
    demo_build(customers=120, seed=5, now=NOW)
    assert (
        list(Order.objects.order_by("order_no").values_list("order_no", "qty_supplied", "amount")[:50])
        == first
    )
