"""The city administrator's trade settings pages, filled and submitted as rendered (WebTest): the import's
column and value mappings, and how grades, stars, segments and key lists are computed."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from serviceloop.core.models import AuditEvent
from serviceloop.trade.importing import import_trade_file
from serviceloop.trade.models import BatchStatus, ColumnAlias, DerivationSettings, Order, ValueAlias
from serviceloop.trade.testing import ORDER_HEADER, csv_bytes, make_products, order_rows

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 9, 15)


def add_column(app, user, target, header, status=302):
    page = app.get(reverse("trade:aliases"), user=user)
    form = page.forms["column-alias"]
    form["col-target"] = target
    form["col-header"] = header
    return form.submit(status=status).follow()


def add_value(app, user, target, alias):
    page = app.get(reverse("trade:aliases"), user=user)
    form = page.forms["value-alias"]
    form["val-target"] = target
    form["val-alias"] = alias
    return form.submit().follow()


def test_a_column_name_added_on_the_page_is_read_by_the_next_import(app, world):
    make_products()
    shop = world.shops["张湾1号线"][0]
    header = ["单据流水号" if h == "订单编号" else h for h in ORDER_HEADER]
    data = csv_bytes(header, order_rows(shop, "DD1", DAY, [("31020002", 2, 2)]))
    refused = import_trade_file(file=data, kind="orders", now=timezone.now(), filename="w.csv")
    assert refused.status != BatchStatus.COMMITTED

    page = add_column(app, world.city_admin, "orders:order_no", "单据流水号")

    assert (
        "已添加列名" in page.text
        and "单据流水号" in page.html.select_one('[data-testid="column-aliases"]').text
    )
    batch = import_trade_file(file=data, kind="orders", now=timezone.now(), filename="w.csv")
    assert batch.status == BatchStatus.COMMITTED, batch.errors
    assert Order.objects.filter(order_no="DD1").exists()
    assert AuditEvent.objects.filter(action="trade.columnalias.add", actor=world.city_admin).exists()


def test_a_value_added_on_the_page_is_read_by_the_next_import(app, world):
    make_products()
    shop = world.shops["张湾1号线"][0]
    data = csv_bytes(ORDER_HEADER, order_rows(shop, "DD2", DAY, [("31020002", 2, 2)], channel="掌上订"))
    assert import_trade_file(file=data, kind="orders", now=timezone.now()).status != BatchStatus.COMMITTED

    page = add_value(app, world.city_admin, "channel:online", "掌上订")

    assert "掌上订" in page.html.select_one('[data-testid="value-aliases"]').text
    assert import_trade_file(file=data, kind="orders", now=timezone.now()).status == BatchStatus.COMMITTED
    assert Order.objects.get(order_no="DD2").channel == "online"


def test_duplicates_blanks_and_oversize_names_are_refused_with_a_reason(app, world):
    add_column(app, world.city_admin, "orders:order_no", "单据流水号")
    again = add_column(app, world.city_admin, "orders:order_no", " 单据流水号 ")
    assert "已映射过这个列名" in again.text
    blank = add_column(app, world.city_admin, "deliveries:note", "   ")
    assert "文件中的列名" in blank.text
    long = add_column(app, world.city_admin, "deliveries:note", "长" * 61)
    assert "文件中的列名" in long.text
    assert ColumnAlias.objects.count() == 1


def test_a_target_the_page_never_offered_is_refused(app, world):
    page = app.get(reverse("trade:aliases"), user=world.city_admin)
    form = page.forms["value-alias"]
    form["val-target"].force_value("channel:teleport")
    form["val-alias"] = "瞬移"
    result = form.submit().follow()
    assert "选择一个有效的选项" in result.text and not ValueAlias.objects.exists()


def test_a_mapping_is_removed_with_an_audit_row(app, world):
    add_value(app, world.city_admin, "outcome:refused", "退货拒签")
    page = app.get(reverse("trade:aliases"), user=world.city_admin)
    delete = next(f for f in page.forms.values() if "/delete/" in (f.action or ""))
    delete.submit().follow()
    assert not ValueAlias.objects.exists()
    assert AuditEvent.objects.filter(action="trade.valuealias.delete").exists()


def test_the_mappings_export_and_filter(app, world):
    add_column(app, world.city_admin, "orders:order_no", "单据流水号")
    add_column(app, world.city_admin, "deliveries:note", "情况说明")
    filtered = app.get(reverse("trade:aliases") + "?kind=deliveries", user=world.city_admin)
    table = filtered.html.select_one('[data-testid="column-aliases"]').text
    assert "情况说明" in table and "单据流水号" not in table
    export = app.get(reverse("trade:aliases") + "?export=xlsx", user=world.city_admin)
    assert export.content_type.endswith("spreadsheetml.sheet") and export.body[:2] == b"PK"


def test_the_computation_settings_are_saved_as_rendered_and_audited(app, world):
    page = app.get(reverse("trade:settings"), user=world.city_admin)
    form = page.forms["derivation-settings"]
    assert form["grade_shares"].value.count(",") == 29
    form["grade_window_weeks"] = "26"
    form["star_cutoffs"] = "20, 40, 60, 80"
    form["star_credit"] = "25"
    form.submit().follow()

    row = DerivationSettings.current()
    assert (row.grade_window_weeks, row.star_cutoffs, row.star_weights["credit"]) == (
        26,
        [20, 40, 60, 80],
        25,
    )
    event = AuditEvent.objects.get(action="trade.settings.update")
    assert event.data["changed"]["grade_window_weeks"] == [52, 26]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("grade_shares", "10, 90", "需要 30 个数"),
        ("grade_shares", ", ".join(["4"] * 30), "合计为 120"),
        ("grade_shares", "一, 二", "只能填数字"),
        ("star_cutoffs", "50, 40, 60, 80", "逐级递增"),
        ("grade_window_weeks", "2", "4"),
        ("cluster_count", "abc", "整数"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(app, world, field, value, words):
    page = app.get(reverse("trade:settings"), user=world.city_admin)
    form = page.forms["derivation-settings"]
    form[field] = value
    result = form.submit(status=400)
    assert words in result.text
    assert DerivationSettings.current().updated_at is None


def test_two_admins_editing_at_once_the_second_is_told(app, world):
    first = app.get(reverse("trade:settings"), user=world.city_admin).forms["derivation-settings"]
    second = app.get(reverse("trade:settings"), user=world.city_admin).forms["derivation-settings"]
    first["cluster_count"] = "8"
    first.submit().follow()
    second["cluster_count"] = "4"
    result = second.submit(status=400)
    assert "其他人修改了这些设置" in result.text
    assert DerivationSettings.current().cluster_count == 8


@pytest.mark.parametrize("name", ["trade:aliases", "trade:settings"])
def test_only_the_city_admin_may_open_them(app, world, name):
    for user in (world.account_manager, world.station_head, world.supervisor):
        app.get(reverse(name), user=user, status=403)
    app.reset()
    assert "/login/" in app.get(reverse(name), status=302).location
