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


def messages(batch):
    return [(e["line"], e["column"], e["reason"]) for e in batch.errors]


def test_it_names_unknown_shops_and_products_and_writes_nothing(setup):
    world, shops = setup
    rows = order_rows(shops[0], "A1", DAY, [("31020002", 1, 1)])
    rows += [["A2", "420301199999", DAY.isoformat(), "电话", "31020002", "", 1, 1, "450", "450"]]
    rows += [["A3", shops[1].licence_no, DAY.isoformat(), "电话", "99999999", "", 1, 1, "450", "450"]]
    batch = import_trade_file(file=csv_bytes(ORDER_HEADER, rows), kind="orders", now=timezone.now())
    assert batch.status == BatchStatus.REFUSED
    found = messages(batch)
    assert found[0][:2] == (3, "许可证号") and "客户档案中没有这个许可证号" in found[0][2]
    assert found[1][:2] == (4, "卷烟编码") and "卷烟目录中没有这个编码" in found[1][2]
    assert batch.details["unknown_shops"] == {"420301199999": 1}
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0


def test_it_refuses_duplicate_lines_naming_both(setup):
    world, shops = setup
    rows = order_rows(shops[0], "A1", DAY, [("31020002", 1, 1), ("31020002", 2, 2)])
    batch = import_trade_file(file=csv_bytes(ORDER_HEADER, rows), kind="orders", now=timezone.now())
    assert [e[0] for e in messages(batch)] == [2, 3]
    assert "第2、3行" in batch.errors[0]["reason"]
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("asked", "reason"),
    [("-3", "不能为负数"), ("2.5", "不能有小数"), ("三条", "不是数字")],
)
def test_it_refuses_quantities_that_are_not_whole_cartons(setup, asked, reason):
    world, shops = setup
    rows = order_rows(shops[0], "A1", DAY, [("31020002", 1, 1)])
    rows[0][6] = asked
    batch = import_trade_file(file=csv_bytes(ORDER_HEADER, rows), kind="orders", now=timezone.now())
    assert batch.status == BatchStatus.REFUSED
    assert messages(batch)[0][1] == "订购量" and reason in messages(batch)[0][2]


def test_it_refuses_codes_mangled_by_excel(setup):
    world, shops = setup
    rows = order_rows(shops[0], "A1", DAY, [("31020002", 1, 1)])
    rows += order_rows(shops[0], "A2", DAY, [("31020002", 1, 1)])
    rows[0][1] = "4.20301123450E+11"  # a licence number Excel showed in scientific notation and saved
    rows[1][4] = "2010001"  # 02010001 with its leading zero lost
    rows[1][8], rows[1][9] = "12", "12"
    batch = import_trade_file(file=csv_bytes(ORDER_HEADER, rows), kind="orders", now=timezone.now())
    found = messages(batch)
    assert found[0][0] == 2 and "科学计数法" in found[0][2]
    assert found[1][0] == 3 and "前面的0丢失了" in found[1][2] and "02010001" in found[1][2]


def test_it_reads_gb18030_and_xlsx_alike(setup):
    from serviceloop.trade.testing import xlsx_bytes

    world, shops = setup
    rows = order_rows(shops[0], "A1", DAY, [("31020002", 1, 1)], channel="电话订货")
    gbk = import_trade_file(file=csv_bytes(ORDER_HEADER, rows, encoding="gb18030"), kind="orders",
                            now=timezone.now(), dry_run=True)  # fmt: skip
    assert (gbk.status, gbk.file_format, gbk.created) == (BatchStatus.CHECKED, "CSV（GB18030）", 1)
    book = import_trade_file(file=xlsx_bytes(ORDER_HEADER, rows), kind="orders", now=timezone.now())
    assert (book.status, book.file_format) == (BatchStatus.COMMITTED, "xlsx")
    assert Order.objects.get().channel == "phone"


def test_a_dry_run_writes_nothing(setup):
    world, shops = setup
    batch = import_trade_file(file=week_file(shops), kind="orders", now=timezone.now(), dry_run=True)
    assert (batch.status, batch.created) == (BatchStatus.CHECKED, 4)
    assert not Order.objects.exists() and not ShopWeek.objects.exists()


def test_a_cancelled_order_stops_counting_as_sales(setup):
    world, shops = setup
    import_trade_file(file=week_file(shops[:1]), kind="orders", now=timezone.now())
    header = [*ORDER_HEADER, "订单状态"]
    rows = [[*r, "已取消"] for r in order_rows(shops[0], f"DD{DAY:%Y%m%d}0000", DAY, [("31020002", 2, 2)])]
    batch = import_trade_file(file=csv_bytes(header, rows), kind="orders", now=timezone.now())
    assert (batch.replaced, batch.cancelled) == (1, 1)
    assert not ShopWeek.objects.filter(customer=shops[0]).exists()
    month = ShopMonth.objects.get(customer=shops[0])
    assert (month.orders, month.cancelled_orders, month.qty_supplied) == (0, 1, 0)


def test_a_rollback_restores_what_the_batch_replaced(setup):
    from serviceloop.trade.services import batch_rollback

    world, shops = setup
    first = import_trade_file(file=week_file(shops), kind="orders", now=timezone.now())
    second = import_trade_file(file=week_file(shops[:2], supplied=9), kind="orders", now=timezone.now())
    assert ShopWeek.objects.get(customer=shops[0], week=DAY).qty_supplied == 14
    with pytest.raises(Exception, match=f"#{second.pk}"):
        batch_rollback(batch=first, actor=world.city_admin, now=timezone.now())
    batch_rollback(batch=second, actor=world.city_admin, now=timezone.now())
    assert Order.objects.filter(is_current=True).count() == 4 and Order.objects.count() == 4
    assert ShopWeek.objects.get(customer=shops[0], week=DAY).qty_supplied == 10
    assert ShopMonth.objects.get(customer=shops[0]).corrected_orders == 0
    batch_rollback(batch=first, actor=world.city_admin, now=timezone.now())
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    assert not ShopWeek.objects.exists() and not ShopMonth.objects.exists()


def test_only_the_city_administrator_rolls_back(setup):
    from django.core.exceptions import PermissionDenied

    from serviceloop.trade.services import batch_rollback

    world, shops = setup
    batch = import_trade_file(file=week_file(shops), kind="orders", now=timezone.now())
    with pytest.raises(PermissionDenied):
        batch_rollback(batch=batch, actor=world.station_head, now=timezone.now())
