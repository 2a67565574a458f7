import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from serviceloop.trade.importing import import_trade_file
from serviceloop.trade.models import DerivationRun
from serviceloop.trade.testing import ORDER_HEADER, csv_bytes, make_products, order_rows
from serviceloop.visits.keylists import compute_lists

pytestmark = pytest.mark.django_db


def monday(weeks_ago: int) -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=weeks_ago)


@pytest.fixture
def history(world):
    make_products()
    shop, quiet = world.shops["张湾1号线"]
    rows = []
    for w in range(10):
        rows += order_rows(shop, f"S{w}", monday(w), [("31020002", 2, 2), ("42020005", 3, 3)])
        if w >= 5:  # the second shop stopped ordering five weeks ago
            rows += order_rows(quiet, f"Q{w}", monday(w), [("53010014", 4, 4)])
    import_trade_file(file=csv_bytes(ORDER_HEADER, rows), kind="orders", now=timezone.now())
    header = ["订单编号", "扣款时间", "扣款结果", "失败原因", "结算方式"]
    day = monday(1).isoformat()
    attempts = [
        ["S1", f"{day} 08:00", "失败", "余额不足", "电子结算"],
        ["S1", f"{day} 20:00", "失败", "余额不足", "电子结算"],
    ]
    import_trade_file(file=csv_bytes(header, attempts), kind="settlements", now=timezone.now())
    return world, shop, quiet


def test_the_shop_page_shows_its_sales_panel(app, history):
    world, shop, _quiet = history
    page = app.get(reverse("customers:detail", args=[shop.pk]), user=world.account_manager)
    assert page.html.select('[data-testid="trade-panel-loader"]')
    panel = app.get(reverse("trade:shop-panel", args=[shop.pk]), user=world.account_manager)
    assert (
        'data-trade-chart="weekly"' in panel.text
        and 'id="trade-data"' in panel.text
        and "余额不足" in panel.text
    )
    assert panel.html.select('[data-testid="trade-peer"]')


def test_the_panel_is_refused_outside_the_users_scope(app, history):
    world, shop, _quiet = history
    app.get(reverse("trade:shop-panel", args=[shop.pk]), user=world.outsider, status=404)
    app.reset()
    app.get(reverse("trade:shop-panel", args=[shop.pk]), status=302)


def test_the_panel_costs_the_same_queries_with_more_history(client, login, history):
    world, shop, quiet = history
    login(world.city_admin)

    def count(pk):
        cache.clear()  # both shops have the same peers: a cold cache each
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("trade:shop-panel", args=[pk]))
        return len(ctx.captured_queries)

    assert count(shop.pk) == count(quiet.pk)


def test_peers_are_kept_until_the_next_import(client, login, history, django_capture_on_commit_callbacks):
    """The peers' averages are the same for every shop of the group: kept in the cache, read again after an
    import changes the aggregates (the kept value is never shown after new trade came in)."""
    world, shop, quiet = history
    login(world.city_admin)
    cache.clear()

    def peer_text():
        page = client.get(reverse("trade:shop-panel", args=[shop.pk]))
        return " ".join(el.get_text(" ", strip=True) for el in BeautifulSoup(page.content, "html.parser").select(
            '[data-testid="trade-peer"]'))  # fmt: skip

    before = peer_text()
    with CaptureQueriesContext(connection) as ctx:
        assert peer_text() == before
    assert not any(
        "trade_shopweek" in q["sql"] and "COUNT(DISTINCT" in q["sql"] for q in ctx.captured_queries
    )
    rows = order_rows(quiet, "Q-new", monday(0), [("53010014", 400, 400)])
    with django_capture_on_commit_callbacks(execute=True):
        import_trade_file(file=csv_bytes(ORDER_HEADER, rows), kind="orders", now=timezone.now())
    assert peer_text() != before


def test_key_lists_are_fed_by_trade_data(history):
    world, shop, quiet = history
    lists = compute_lists(timezone.now())
    assert "扣款失败2次" in lists["capital_pressure"][shop.pk]
    assert quiet.pk in lists["irregular"] and shop.pk not in lists["irregular"]


def test_grades_are_computed_reviewed_and_applied_through_the_pages(app, history):
    world, shop, quiet = history
    page = app.get(reverse("trade:derived"), user=world.city_admin)
    # whole-city derivations run in the background: the work page links to their result
    work = page.forms["compute-grades"].submit().follow()
    review = work.click(href=DerivationRun.objects.get().get_absolute_url())
    assert review.html.select('[data-testid="run-levels"]')
    work = review.forms["run-apply"].submit().follow()
    assert "已应用" in work.text
    applied = work.click(href=DerivationRun.objects.get().get_absolute_url())
    assert DerivationRun.objects.get().state == "applied"
    assert "run-apply" not in applied.forms
    done = page.forms["compute-segments"].submit().follow()
    assert "/work/" in done.request.path
    for user in (world.station_head, world.outsider):
        app.get(reverse("trade:derived"), user=user, status=403)


def test_the_run_review_page_costs_the_same_queries_at_any_page_size(client, login, world):
    from serviceloop.core.testing import make_customer
    from serviceloop.trade.demo import generate_trade
    from serviceloop.trade.derive import grades_compute

    for i in range(30):
        make_customer(world.route_a1_1, grade=1 + i % 30)
    now = timezone.now()
    generate_trade(
        shops=list(world.route_a1_1.customers.all()), weeks=6, end=timezone.localdate(), seed=1, now=now
    )
    run = grades_compute(actor=world.city_admin, now=now)
    login(world.city_admin)

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("trade:run", args=[run.pk]) + f"?size={size}").status_code == 200
        return len(ctx.captured_queries)

    assert count(10) == count(200)


def test_the_order_list_counts_up_to_its_cap_and_ignores_malformed_filters(app, history, monkeypatch):
    """Millions of orders: the list is counted up to ORDER_COUNT_CAP ("more than …", no last page); a malformed
    week or customer filters nothing instead of failing; an outsider sees none of the shop's orders."""
    from serviceloop.trade import views

    world, shop, _quiet = history
    page = app.get(reverse("trade:orders"), user=world.account_manager)
    shown = page.html.select_one('[data-testid="result-count"]').text
    assert "15" in shown and "超过" not in shown  # ten weeks of one shop and five of the other, exactly
    monkeypatch.setattr(views, "ORDER_COUNT_CAP", 10)
    capped = app.get(reverse("trade:orders"), user=world.account_manager)
    assert "超过 10" in capped.html.select_one('[data-testid="result-count"]').text
    assert not capped.html.select('[data-testid="page-last"]')
    assert len(capped.html.select("tbody tr")) == 10
    for bad in ({"week": "x"}, {"week": "2026-02-30"}, {"customer": "²"}, {"customer": "9" * 30}):
        assert app.get(reverse("trade:orders"), bad, user=world.account_manager).status_code == 200
    form = app.get(reverse("trade:orders"), user=world.account_manager).forms["order-filter"]
    form["week"] = monday(1).isoformat()  # the filter as the page renders it
    one_week = form.submit()  # S1 only
    assert len(one_week.html.select("tbody tr")) == 1
    assert not app.get(reverse("trade:orders"), user=world.outsider).html.select("tbody tr td a")
