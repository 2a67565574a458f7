"""The restock list reads one summary row a shop (``RestockShop``), which the restock job writes with the shop's
advice lines (issue 14): the summaries always equal a recount of the lines, after a run and a re-run that changes
or removes lines; the list's queries do not grow with the shops; the scope and the filters hold; the migration
fills the summaries of advice stored before it."""

import datetime as dt
import importlib
import random

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Count, Min, Q, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from serviceloop.core.testing import make_customer, make_user
from serviceloop.customers.models import Customer
from serviceloop.growth import restock
from serviceloop.growth.models import AllocationRun, ProductAllocation, RestockAdvice, RestockShop, RunKind
from serviceloop.trade.demo import generate_trade
from serviceloop.trade.models import OrderLine, Product
from serviceloop.trade.testing import make_products

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2026, 11, 25, 9, 0))


def recount() -> dict:
    """The per-shop figures as the list computed them before the summaries: a GROUP BY over every line."""
    rows = (
        RestockAdvice.objects.values("customer_id")
        .annotate(n=Count("id"), total=Sum("suggested"), short=Count("id", filter=Q(short=True)),
                  day=Min("order_day"))
        .order_by()
    )  # fmt: skip
    return {r["customer_id"]: (r["n"], r["total"], r["short"], r["day"]) for r in rows}


def summaries() -> dict:
    return {s.customer_id: (s.lines, s.suggested, s.short, s.order_day) for s in RestockShop.objects.all()}


@pytest.fixture
def orders(world):
    rng = random.Random(7)
    routes = [world.route_a1_1, world.route_a1_2, world.route_b1_1]
    for i in range(15):
        make_customer(routes[i % 3], grade=rng.randint(5, 30), order_cycle=("weekly", "odd", "even")[i % 3],
                      order_weekday=1 + i % 5)  # fmt: skip
    shops = list(Customer.objects.exclude(order_cycle="none").order_by("pk"))
    generate_trade(shops=shops, weeks=40, end=NOW.date() - dt.timedelta(days=1), seed=3, now=NOW,
                   lines_scale=0.5)  # fmt: skip
    return world, shops


def test_the_summaries_equal_a_recount_after_a_run_and_a_rerun_that_changes_and_removes_lines(orders):
    world, shops = orders
    restock.restock_run(now=NOW, chunk=4)  # several chunks
    first = recount()
    assert first and summaries() == first
    assert set(RestockShop.objects.values_list("computed_at", flat=True)) == {NOW}
    # a re-run after: a scarce product capped at 0 for a shop (its suggestion changes, the line turns short),
    # a shop whose orders are all cancelled (its lines go, and so must its summary), a product withdrawn
    line = RestockAdvice.objects.filter(suggested__gte=2).select_related("product").first()
    run = AllocationRun.objects.create(kind=RunKind.POINTS, title="t", method="webster", created_at=NOW,
                                       total_target=0)  # fmt: skip
    ProductAllocation.objects.create(run=run, position=1, code=line.product.code, name=line.product.name,
                                     method="webster", target=0)  # fmt: skip
    Product.objects.filter(pk=line.product_id).update(is_scarce=True)
    gone = next(pk for pk in first if pk != line.customer_id)
    OrderLine.objects.filter(customer_id=gone).update(live=False)
    withdrawn = RestockAdvice.objects.exclude(product=line.product).values_list("product_id", flat=True)[0]
    Product.objects.filter(pk=withdrawn).update(active=False)
    later = NOW + dt.timedelta(days=1)
    restock.restock_run(now=later, chunk=4)
    second = recount()
    assert summaries() == second and second != first
    assert gone not in second and not RestockShop.objects.filter(customer_id=gone).exists()
    assert second[line.customer_id][2] >= 1  # the capped line is likely short now
    assert not RestockAdvice.objects.filter(product_id=withdrawn).exists()
    # one shop again: only its summary is rewritten
    RestockAdvice.objects.filter(customer_id=line.customer_id).delete()  # as if lost: the run restores both
    restock.restock_run(now=later + dt.timedelta(hours=1), shop_ids=[line.customer_id])
    assert summaries() == recount() == second
    stamps = dict(RestockShop.objects.values_list("customer_id", "computed_at"))
    assert stamps.pop(line.customer_id) == later + dt.timedelta(hours=1) and set(stamps.values()) == {later}


def advise(shop, product, suggested, *, short=False, day=dt.date(2026, 11, 30)):
    RestockAdvice.objects.create(customer=shop, product=product, order_day=day, forecast=suggested,
                                 recent=suggested, suggested=suggested, method="tsb", short=short, computed_at=NOW)  # fmt: skip


def test_refreshing_a_shop_without_lines_drops_its_summary(world):
    product = next(iter(make_products().values()))
    shop = world.shops[world.route_a1_1.name][0]
    advise(shop, product, 4, short=True)
    assert restock.restockshop_refresh(customer_ids=[shop.pk]) == 1
    assert summaries() == {shop.pk: (1, 4, 1, dt.date(2026, 11, 30))}
    RestockAdvice.objects.all().delete()
    assert restock.restockshop_refresh(customer_ids=[shop.pk]) == 0 and not RestockShop.objects.exists()


def table(page) -> list[list[str]]:
    return [
        [td.get_text(strip=True) for td in tr.select("td")]
        for tr in page.html.select('[data-testid="restock-shops"] tbody tr')
    ]


def test_the_list_shows_the_summaries_in_order_and_its_queries_do_not_grow_with_the_shops(app, world):
    products = list(make_products().values())
    route = world.route_a1_1

    def shops(n):
        made = [make_customer(route) for _ in range(n)]
        for i, shop in enumerate(made):
            for k in range(1 + i % 3):
                advise(
                    shop, products[k], 2 + k, short=i % 4 == 0 and k == 0, day=dt.date(2026, 11, 30 - i % 2)
                )
        restock.restockshop_refresh(customer_ids=[s.pk for s in made])
        return made

    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            page = app.get(reverse("growth:restock") + "?size=50", user=world.account_manager)
        return page, len(queries)

    first = shops(3)
    page_queries()  # the first request also logs the user in
    page, few = page_queries()
    rows = table(page)
    assert [r[0] for r in rows] == [first[0].licence_no, first[1].licence_no, first[2].licence_no]
    # the old GROUP BY's figures: lines, cartons, short lines, the earliest order day
    assert rows[0][3:] == ["2026-11-30", "1", "2", "1"] and rows[2][3:] == ["2026-11-30", "3", "9", ""]
    assert rows[1][3:] == ["2026-11-29", "2", "5", ""]
    shops(30)
    page, many = page_queries()
    assert len(table(page)) == 33 and many == few
    expected = sorted(
        recount().items(), key=lambda kv: (-kv[1][2], kv[1][3], Customer.objects.get(pk=kv[0]).licence_no)
    )
    assert [r[0] for r in table(page)] == [Customer.objects.get(pk=pk).licence_no for pk, _ in expected]


def test_outsiders_see_none_of_the_shops_and_a_user_without_a_role_is_refused(app, world):
    product = next(iter(make_products().values()))
    mine = world.shops[world.route_a1_1.name][0]
    advise(mine, product, 5, short=True)
    restock.restockshop_refresh(customer_ids=[mine.pk])
    assert mine.licence_no in app.get(reverse("growth:restock"), user=world.account_manager).text
    page = app.get(reverse("growth:restock"), user=world.outsider)  # another branch's account manager
    assert table(page) == [
        [page.html.select_one('[data-testid="restock-shops"] tbody td').get_text(strip=True)]
    ]
    assert mine.licence_no not in page.text
    nobody = make_user("nobody", "", company=world.company)
    app.get(reverse("growth:restock"), user=nobody, status=403)
    app.get(reverse("growth:restock-export"), user=nobody, status=403)


def test_search_and_short_filter_through_the_rendered_form_read_the_summaries(app, world):
    products = list(make_products().values())
    a, b = world.shops[world.route_a1_1.name]
    advise(a, products[0], 3, short=True)
    advise(b, products[1], 7)
    restock.restockshop_refresh(customer_ids=[a.pk, b.pk])
    page = app.get(reverse("growth:restock"), user=world.station_head)
    form = page.forms["restock-filter"]
    form["short"] = True
    assert [r[0] for r in table(form.submit())] == [a.licence_no]
    form = page.forms["restock-filter"]
    form["short"] = False  # the same form object: the box ticked above is still ticked
    form["q"] = b.name
    assert [r[0] for r in table(form.submit())] == [b.licence_no]
    form["q"] = "没有这家店"
    assert table(form.submit())[0] == ["您的客户暂无订货建议。"]


def test_the_migration_fills_the_summaries_of_advice_stored_before_it(world):
    products = list(make_products().values())
    a, b = world.shops[world.route_a1_1.name]
    advise(a, products[0], 3, short=True)
    advise(a, products[1], 4, day=dt.date(2026, 11, 29))
    advise(b, products[0], 1)
    assert not RestockShop.objects.exists()  # advice written without the job, as before the migration
    migration = importlib.import_module("serviceloop.growth.migrations.0008_restock_summary")
    migration.fill_summaries(apps, connection.schema_editor())
    assert (
        summaries()
        == recount()
        == {a.pk: (2, 7, 1, dt.date(2026, 11, 29)), b.pk: (1, 1, 0, dt.date(2026, 11, 30))}
    )
    assert set(RestockShop.objects.values_list("computed_at", flat=True)) == {NOW}
