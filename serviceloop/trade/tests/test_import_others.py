import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from serviceloop.trade.importing import import_trade_file
from serviceloop.trade.models import BatchStatus, Delivery, OrderLine, Product, Settlement, ShopMonth
from serviceloop.trade.partitions import existing_partitions
from serviceloop.trade.services import batch_rollback
from serviceloop.trade.testing import ORDER_HEADER, csv_bytes, make_products, order_rows

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 9, 15)
REAL_SHEET = Path("/work/shared/data/real/allocation_week.xlsx")


@pytest.fixture
def ordered(world):
    make_products()
    shop = world.shops["张湾1号线"][0]
    rows = order_rows(shop, "A1", DAY, [("31020002", 2, 2), ("42020005", 4, 4)])
    rows += order_rows(shop, "A2", DAY + dt.timedelta(days=7), [("31020002", 1, 1)])
    batch = import_trade_file(file=csv_bytes(ORDER_HEADER, rows), kind="orders", now=timezone.now())
    assert batch.status == BatchStatus.COMMITTED, batch.errors
    return world, shop


def test_it_accepts_the_86_products_of_the_real_allocation_sheet(db):
    batch = import_trade_file(file=REAL_SHEET, kind="products", now=timezone.now())
    assert (batch.status, batch.created) == (BatchStatus.COMMITTED, 86)
    assert Product.objects.get(code="42020129").brand == "黄鹤楼"
    assert Product.objects.filter(is_price_band=True).count() == 37
    assert Product.objects.filter(is_scarce=True).count() == 49


def test_a_product_rollback_restores_the_earlier_values(db):
    header = ["卷烟编码", "卷烟名称", "批发价"]
    first = import_trade_file(file=csv_bytes(header, [["31020002", "中华(硬)", "450"]]), kind="products",
                              now=timezone.now())  # fmt: skip
    assert Product.objects.get().price_class == 1
    second = import_trade_file(file=csv_bytes(header, [["31020002", "中华(硬)", "95"]]), kind="products",
                               now=timezone.now())  # fmt: skip
    assert (second.replaced, Product.objects.get().price_class) == (1, 2)
    batch_rollback(batch=second, actor=None, now=timezone.now())
    product = Product.objects.get()
    assert (product.wholesale_price, product.price_class, product.batch_id) == (450, 1, first.pk)


def test_deliveries_feed_on_time_accuracy_and_damage(ordered):
    world, shop = ordered
    header = ["订单编号", "计划送货日期", "送达时间", "签收状态", "少送品规数", "破损条数"]
    rows = [["A1", "2025-09-16", "2025-09-16 10:20", "已签收", 0, 1],
            ["A2", "2025-09-23", "2025-09-24 09:00", "已签收", 1, 0]]  # fmt: skip
    batch = import_trade_file(file=csv_bytes(header, rows), kind="deliveries", now=timezone.now())
    assert (batch.status, batch.created) == (BatchStatus.COMMITTED, 2), batch.errors
    month = ShopMonth.objects.get(customer=shop)
    assert (month.deliveries, month.deliveries_on_time, month.deliveries_accurate) == (2, 1, 1)
    assert (month.cartons_delivered, month.cartons_damaged) == (7, 1)
    again = import_trade_file(file=csv_bytes(header, rows), kind="deliveries", now=timezone.now())
    assert (again.unchanged, Delivery.objects.count()) == (2, 2)


def test_a_delivery_of_an_unknown_order_is_refused(ordered):
    header = ["订单编号", "计划送货日期"]
    batch = import_trade_file(file=csv_bytes(header, [["NOPE", "2025-09-16"]]), kind="deliveries",
                              now=timezone.now())  # fmt: skip
    assert batch.status == BatchStatus.REFUSED and "请先导入订单" in batch.errors[0]["reason"]


def test_settlement_attempts_make_one_settlement_per_order(ordered):
    world, shop = ordered
    header = ["订单编号", "结算方式", "扣款时间", "扣款结果", "失败原因", "扣款金额"]
    rows = [["A1", "电子结算", "2025-09-16 08:00", "失败", "余额不足", "1240"],
            ["A1", "电子结算", "2025-09-17 08:00", "成功", "", "1240"],
            ["A2", "电子结算", "2025-09-23 08:00", "失败", "卡被冻结", "450"]]  # fmt: skip
    batch = import_trade_file(file=csv_bytes(header, rows), kind="settlements", now=timezone.now())
    assert (batch.status, batch.created) == (BatchStatus.COMMITTED, 2), batch.errors
    a1 = Settlement.objects.get(order_no="A1")
    assert (a1.state, a1.attempts, a1.failed_attempts, a1.last_failure_reason) == (
        "success",
        2,
        1,
        "余额不足",
    )
    month = ShopMonth.objects.get(customer=shop)
    assert (month.e_settlements, month.e_settlements_paid, month.settlements_failed) == (2, 1, 1)
    dup = import_trade_file(file=csv_bytes(header, rows + rows[:1]), kind="settlements", now=timezone.now())
    assert dup.status == BatchStatus.REFUSED and "同一次扣款只能有一行" in dup.errors[0]["reason"]


def test_order_lines_land_in_month_partitions(ordered):
    assert OrderLine.objects.filter(order_date__month=9).count() == 3
    if connection.vendor == "postgresql":
        assert "trade_orderline_202509" in existing_partitions()
        world, shop = ordered
        rows = order_rows(shop, "A9", dt.date(2026, 1, 5), [("31020002", 1, 1)])
        import_trade_file(file=csv_bytes(ORDER_HEADER, rows), kind="orders", now=timezone.now())
        assert "trade_orderline_202601" in existing_partitions()
        assert OrderLine.objects.filter(order_date__year=2026).count() == 1
