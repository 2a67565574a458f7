import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from webtest import Upload

from serviceloop.core.models import Work
from serviceloop.trade.importing import import_trade_file
from serviceloop.trade.models import BatchStatus, ImportBatch, Order
from serviceloop.trade.testing import ORDER_HEADER, csv_bytes, make_products, order_rows

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 9, 15)


@pytest.fixture
def trade(world):
    make_products()
    rows = []
    for n, shops in enumerate(world.shops.values()):
        for k, shop in enumerate(shops):
            rows += order_rows(shop, f"O{n}{k}", DAY, [("31020002", 1, 1)])
    return world, csv_bytes(ORDER_HEADER, rows)


def test_it_checks_then_imports_an_uploaded_file(app, trade):
    world, data = trade
    page = app.get(reverse("trade:import"), user=world.city_admin)
    form = page.forms["trade-import"]
    form["kind"] = "orders"
    form["file"] = Upload("订单.csv", data)
    work_page = form.submit().follow()  # the check runs as background work, which links to its batch
    batch = ImportBatch.objects.latest("pk")
    assert batch.status == BatchStatus.CHECKED and batch.get_absolute_url() in work_page.text
    checked = app.get(batch.get_absolute_url(), user=world.city_admin)
    assert "已检查" in checked.text
    assert not Order.objects.exists()
    work_page = checked.forms["batch-commit"].submit().follow()  # the background work's page
    batch = ImportBatch.objects.latest("pk")
    assert (batch.status, batch.created, batch.actor) == (BatchStatus.COMMITTED, 8, world.city_admin)
    assert batch.get_absolute_url() in work_page.text
    done = app.get(batch.get_absolute_url(), user=world.city_admin)
    rolled = done.forms["batch-rollback"].submit().follow()
    assert rolled.status_code == 200 and not Order.objects.exists()
    # the rollback ran as background work, whose page reports it and links back to the batch
    assert "批次已撤销" in rolled.text and batch.get_absolute_url() in rolled.text
    again = done.forms["batch-rollback"].submit().follow()  # the same button on the stale page
    assert "只有已导入的批次可以撤销" in again.text and Work.objects.latest("pk").status == "failed"


def test_a_refused_upload_lists_every_bad_row(app, trade):
    world, _data = trade
    rows = order_rows(world.shops["张湾1号线"][0], "X1", DAY, [("31020002", 1, 1), ("31020002", 1, 1)])
    page = app.get(reverse("trade:import"), user=world.city_admin)
    form = page.forms["trade-import"]
    form["kind"] = "orders"
    form["file"] = Upload("bad.csv", csv_bytes(ORDER_HEADER, rows))
    form.submit().follow()
    result = app.get(ImportBatch.objects.latest("pk").get_absolute_url(), user=world.city_admin)
    rows_shown = result.html.select('[data-testid="batch-errors"] tbody tr')
    assert len(rows_shown) == 2 and "重复的订单明细" in result.text
    assert "batch-commit" not in result.forms


def test_only_the_city_administrator_imports(app, trade):
    world, _data = trade
    for user in (world.station_head, world.account_manager, world.outsider):
        app.get(reverse("trade:import"), user=user, status=403)
    batch = import_trade_file(file=trade[1], kind="orders", now=timezone.now())
    app.get(batch.get_absolute_url(), user=world.outsider, status=404)
    app.post(reverse("trade:batch-rollback", args=[batch.pk]), user=world.outsider, status=403)


def test_an_account_manager_sees_only_their_routes_orders(app, trade):
    world, data = trade
    import_trade_file(file=data, kind="orders", now=timezone.now())
    mine = {s.pk for s in world.shops["张湾1号线"]}
    page = app.get(reverse("trade:orders"), user=world.account_manager)
    shown = page.html.select('[data-testid="orders"] tbody tr')
    assert len(shown) == 2
    other = Order.objects.exclude(customer_id__in=mine).first()
    app.get(reverse("trade:order", args=[other.pk]), user=world.account_manager, status=404)
    app.get(reverse("trade:order", args=[other.pk]), user=world.outsider, status=404)
    assert (
        len(
            app.get(reverse("trade:orders"), user=world.city_admin).html.select(
                '[data-testid="orders"] tbody tr'
            )
        )
        == 8
    )


def test_the_orders_page_filters_as_rendered(app, trade):
    world, data = trade
    import_trade_file(file=data, kind="orders", now=timezone.now())
    page = app.get(reverse("trade:orders"), user=world.city_admin)
    form = page.forms["order-filter"]
    form["q"] = "O00"
    result = form.submit()
    assert len(result.html.select('[data-testid="orders"] tbody tr')) == 1


def test_list_pages_cost_the_same_queries_at_any_size(client, trade, login):
    world, data = trade
    import_trade_file(file=data, kind="orders", now=timezone.now())
    login(world.city_admin)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for url in (reverse("trade:orders"), reverse("trade:products"), reverse("trade:overview"),
                reverse("trade:orders") + "?q=O"):  # fmt: skip
        small = count(url + "?size=10")
        rows = order_rows(world.shops["张湾2号线"][0], "MORE", DAY, [("42020005", 1, 1)])
        import_trade_file(file=csv_bytes(ORDER_HEADER, rows * 1), kind="orders", now=timezone.now())
        assert count(url + "?size=200") == small
