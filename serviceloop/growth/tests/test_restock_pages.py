"""Restock advice pages: the account manager's list (scope, search, filter, paging, export) and the shop panel."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from serviceloop.core.testing import make_customer, work_workbook
from serviceloop.growth.models import RestockAdvice
from serviceloop.growth.restock import restockshop_refresh
from serviceloop.trade.testing import make_products

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2026, 11, 25, 9, 0))


def advise(shop, product, suggested, *, short=False, cap=None):
    """An advice line and its shop's summary, as the restock job writes them (the list reads the summaries)."""
    line = RestockAdvice.objects.create(
        customer=shop, product=product, order_day=dt.date(2026, 11, 30), forecast=suggested, recent=suggested,
        suggested=suggested, cap=cap, method="tsb", short=short, computed_at=NOW,
    )  # fmt: skip
    restockshop_refresh(customer_ids=[shop.pk])
    return line


def download(work):
    return work_workbook(work).active


@pytest.fixture
def advice(world):
    products = list(make_products().values())
    mine = world.shops[world.route_a1_1.name]
    other = world.shops[world.route_b1_1.name]
    advise(mine[0], products[0], 3, short=True, cap=3)
    advise(mine[0], products[1], 5)
    advise(mine[1], products[2], 2)
    advise(other[0], products[0], 9, short=True)
    return world, mine, other, products


def test_account_manager_sees_their_shops_short_first_and_not_others(app, advice):
    world, mine, other, _ = advice
    page = app.get(reverse("growth:restock"), user=world.account_manager)
    rows = page.html.select('[data-testid="restock-shops"] tbody tr')
    assert [r.select("td")[0].get_text(strip=True) for r in rows] == [mine[0].licence_no, mine[1].licence_no]
    assert "可能断货" in page.text and other[0].licence_no not in page.text
    assert rows[0].select("td")[5].get_text(strip=True) == "8"  # 3 + 5 cartons
    page = app.get(reverse("growth:restock"), user=world.outsider)
    assert other[0].licence_no in page.text and mine[0].licence_no not in page.text


def test_search_and_short_filter_through_the_rendered_form(app, advice):
    world, mine, _, _ = advice
    page = app.get(reverse("growth:restock"), user=world.account_manager)
    form = page.forms["restock-filter"]
    form["short"] = True
    result = form.submit()
    assert mine[0].licence_no in result.text and mine[1].licence_no not in result.text
    form = page.forms["restock-filter"]
    form["q"] = mine[1].licence_no
    result = form.submit()
    assert mine[1].licence_no in result.text and mine[0].licence_no not in result.text
    # oversize or odd input is harmless
    app.get(
        reverse("growth:restock") + "?q=" + "x" * 500 + "&short=maybe&page=abc", user=world.account_manager
    )


def test_export_runs_in_the_background_with_the_lines_of_the_users_shops_only(app, advice):
    world, mine, other, _ = advice
    page = app.get(reverse("growth:restock"), user=world.account_manager)
    queued = page.click(linkid="restock-export")
    assert queued.status_code == 302
    ws = download(queued.follow())
    licences = [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert sorted(licences) == sorted([mine[0].licence_no, mine[0].licence_no, mine[1].licence_no])
    assert ws.cell(1, 8).value == "建议订货量（条）"
    # the page's filter carries over: only the lines likely to run short, of the shops listed
    form = page.forms["restock-filter"]
    form["short"] = True
    ws = download(form.submit().click(linkid="restock-export").follow())
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[9]) for r in rows] == [(mine[0].licence_no, "是")]
    # another route's manager gets their own shops' lines, never these
    ws = download(
        app.get(reverse("growth:restock"), user=world.outsider).click(linkid="restock-export").follow()
    )
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == [other[0].licence_no]


def test_list_queries_are_flat_in_page_size(app, advice, django_assert_max_num_queries):
    world, mine, _, products = advice
    for _i in range(25):
        advise(make_customer(world.route_a1_1), products[3], 1)
    with django_assert_max_num_queries(16):
        app.get(reverse("growth:restock") + "?size=10", user=world.account_manager)
    with django_assert_max_num_queries(16):
        app.get(reverse("growth:restock") + "?size=50", user=world.account_manager)


def test_customer_page_shows_the_suggestion(app, advice):
    world, mine, _, products = advice
    page = app.get(reverse("customers:detail", args=[mine[0].pk]), user=world.account_manager)
    panel = page.html.select_one('[data-testid="shop-restock"]')
    text = panel.get_text(" ", strip=True)
    assert products[0].name in text and "可能断货" in text and "投放上限 3" in text and "2026-11-30" in text
    page = app.get(reverse("customers:detail", args=[mine[1].pk]), user=world.account_manager)
    assert products[2].name in page.html.select_one('[data-testid="shop-restock"]').get_text()
    empty = make_customer(world.route_a1_1)
    page = app.get(reverse("customers:detail", args=[empty.pk]), user=world.account_manager)
    assert "暂无订货建议" in page.html.select_one('[data-testid="shop-restock"]').get_text()
