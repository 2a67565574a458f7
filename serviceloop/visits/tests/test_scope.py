"""Who sees which visit when a shop moves to another station: lists show the work planned on the user's routes (the
visit keeps the route it was made on), a visit opens for them and for whoever has the shop now."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from serviceloop.customers.services import customer_update
from serviceloop.visits.models import Visit, VisitPolicy, VisitStatus
from serviceloop.visits.services import visits_follow_routes

pytestmark = pytest.mark.django_db


def visit(world, shop, day, manager=None, **fields):
    return Visit.objects.create(customer=shop, manager=manager or world.account_manager, route=shop.route,
                                source="generated", planned_on=day, policy=VisitPolicy.objects.get(name="三四星客户"),
                                **fields)  # fmt: skip


def listed(client, url="/visits/") -> set[int]:
    return {v.pk for v in client.get(url).context["page"]}


def api_listed(user) -> set[int]:
    client = APIClient()
    client.force_authenticate(user)
    return {v["id"] for v in client.get("/api/v1/visits/").json()["results"]}


def test_a_moved_shops_past_visits_stay_with_the_station_that_made_them_and_open_for_its_new_one(
    world, login
):
    shop = world.shops["张湾1号线"][0]
    today, now = timezone.localdate(), timezone.now()
    done = visit(world, shop, today - dt.timedelta(days=3), status=VisitStatus.DONE, outcome="visited")
    coming = visit(world, shop, today + dt.timedelta(days=2))
    customer_update(customer=shop, data={"route": world.route_b1_1}, actor=world.city_admin, now=now)
    assert (
        visits_follow_routes(now=now) == 1
    )  # the planned one follows the shop; the done one keeps its route
    coming.refresh_from_db()
    assert coming.route == world.route_b1_1 and coming.manager == world.outsider

    # lists: the work planned on each one's routes (page, API and the home page's count agree)
    for user, expected in ((world.station_head, {done.pk}), (world.branch_manager, {done.pk}),
                           (world.account_manager, {done.pk}), (world.outsider, {coming.pk}),
                           (world.city_admin, {done.pk, coming.pk})):  # fmt: skip
        assert listed(login(user)) == expected, user
        assert api_listed(user) == expected, user
    # opening one: the station that made it, and the station that has the shop now (its history on the shop page)
    assert login(world.station_head).get(f"/visits/{done.pk}/").status_code == 200
    client = login(world.outsider)
    assert client.get(f"/visits/{done.pk}/").status_code == 200
    assert f"/visits/{done.pk}/" in client.get(f"/customers/{shop.pk}/").content.decode()
    # and nobody else: the old route's manager has neither the shop nor the moved visit, which is now the new
    # route's manager's (an account manager's list is the visits they are the manager of)
    assert login(world.account_manager).get(f"/visits/{coming.pk}/").status_code == 404
    other = world.shops["茅箭1号线"][0]
    elsewhere = visit(world, other, today - dt.timedelta(days=1), manager=world.market_manager)
    for user in (world.station_head, world.account_manager, world.outsider):
        assert login(user).get(f"/visits/{elsewhere.pk}/").status_code == 404
        assert elsewhere.pk not in api_listed(user)


def test_the_home_page_counts_the_visits_planned_on_the_users_routes(world, login):
    from serviceloop.kpis.home import _visits_due

    shop = world.shops["张湾1号线"][0]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    visit(world, shop, yesterday)
    customer_update(
        customer=shop, data={"route": world.route_b1_1}, actor=world.city_admin, now=timezone.now()
    )
    missed = {
        u.username: _visits_due(u, timezone.now())[1]["count"] for u in (world.station_head, world.outsider)
    }
    assert missed == {"station_head": 1, "outsider": 0}  # a missed visit is the station's that planned it
