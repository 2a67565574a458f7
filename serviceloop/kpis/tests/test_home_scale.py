"""The home page costs the same number of queries in a small city and in one several times larger, for every kind
of user, and its shop counts (read from ``ShopTally``) stay equal to a count of the shops in each scope while shops
are added, edited, moved and imported (issue 14)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from serviceloop.core.selectors import home_summary
from serviceloop.core.testing import make_customer, make_user
from serviceloop.customers.models import Customer
from serviceloop.customers.services import customer_update
from serviceloop.customers.tally import shoptally_counts, shoptally_kept, shoptally_rebuild
from serviceloop.org.models import Role, Route, Station

pytestmark = pytest.mark.django_db
USERS = ("city_admin", "branch_manager", "station_head", "account_manager", "supervisor", "outsider")


def grow(world, stations=2, routes=3, shops=4):
    """More stations, routes, managers, shops and requests: the same kinds of rows, several times more."""
    from serviceloop.servicedesk.models import Category
    from serviceloop.servicedesk.services import servicerequest_file

    category = Category.objects.filter(active=True).first()
    now = timezone.now() - dt.timedelta(days=10)
    for i in range(stations):
        station = Station.objects.create(branch=world.branch_a, name=f"扩展服务站{i}")
        for j in range(routes):
            am = make_user(f"grow_am_{i}_{j}", Role.ACCOUNT_MANAGER, company=world.company, branch=world.branch_a,
                           station=station)  # fmt: skip
            route = Route.objects.create(station=station, name=f"扩展{i}-{j}号线", account_manager=am)
            for k in range(shops):
                shop = make_customer(route, stars=k % 6, care_flag=k == 0)
                if k < 2:
                    servicerequest_file(customer=shop, channel="phone", kind="complaint", category=category,
                                        text="送货不及时", actor=world.agent, now=now)  # fmt: skip


def queries(app, user) -> int:
    with CaptureQueriesContext(connection) as ctx:
        app.get(reverse("home"), user=user)
    return len(ctx.captured_queries)


def test_the_home_page_costs_the_same_queries_in_a_bigger_city(world, app):
    for user in USERS:
        app.get(reverse("home"), user=getattr(world, user))  # warm the per-process caches first
    small = {user: queries(app, getattr(world, user)) for user in USERS}
    grow(world)
    assert Customer.objects.count() >= 4 * 8
    big = {user: queries(app, getattr(world, user)) for user in USERS}
    assert big == small


def scoped_count(user) -> dict:
    shops = Customer.objects.visible_to(user)
    return {"total": shops.count(), "care": shops.filter(care_flag=True).count()}


def test_the_kept_shop_counts_equal_a_recount_after_every_change(world):
    def check():
        assert shoptally_kept() == shoptally_counts()
        for user in USERS:
            totals = home_summary(user=getattr(world, user), today=timezone.localdate())["totals"]
            assert {"total": totals["total"], "care": totals["care"]} == scoped_count(getattr(world, user)), (
                user
            )

    check()
    grow(world, stations=1, routes=2, shops=3)
    check()
    shop = world.shops["张湾1号线"][0]
    customer_update(customer=shop, data={"stars": 5, "care_flag": True}, actor=None, now=timezone.now())
    check()
    customer_update(customer=shop, data={"status": "suspended"}, actor=None, now=timezone.now())
    check()
    customer_update(
        customer=shop, data={"route": world.route_b1_1}, actor=None, now=timezone.now()
    )  # another branch
    check()
    from serviceloop.org.services import org_unit_save

    org_unit_save(unit=world.route_a1_2, data={"station": world.station_a2}, actor=world.city_admin,
                  now=timezone.now())  # fmt: skip
    check()
    Customer.objects.filter(
        pk=world.shops["茅箭1号线"][0].pk
    ).delete()  # around the services: the job puts it right
    assert shoptally_kept() != shoptally_counts()
    shoptally_rebuild()
    check()


def test_each_user_sees_only_their_units_shop_counts(world):
    today = timezone.localdate()
    total = {u: home_summary(user=getattr(world, u), today=today)["totals"]["total"] for u in USERS}
    assert total == {"city_admin": 8, "branch_manager": 6, "station_head": 4, "account_manager": 2,
                     "supervisor": 8, "outsider": 2}  # fmt: skip
    by_unit = home_summary(user=world.station_head, today=today)["by_unit"]
    assert [(r["name"], r["n"]) for r in by_unit] == [("张湾1号线", 2), ("张湾2号线", 2)]
    assert {r["name"] for r in home_summary(user=world.city_admin, today=today)["by_unit"]} == {
        "城区分公司",
        "房县分公司",
    }
