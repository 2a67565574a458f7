"""The compliance page (with its "not visited for too long" list) costs the same queries in a small city and in
one several times larger; it lists 50 managers a page, each with their own numbers; the kept manager-route-month
keys cover every visit the services plan or move (issue 14)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from serviceloop.core.testing import make_customer, make_user
from serviceloop.org.models import Role, Route, Station
from serviceloop.visits.models import Visit, VisitMonthKey
from serviceloop.visits.selectors import compliance, compliance_keys
from serviceloop.visits.services import (
    visit_add,
    visit_cancel,
    visit_check_in,
    visit_move,
    visit_record,
    visitdue_refresh,
    visits_follow_routes,
    visits_generate,
)
from serviceloop.visits.tally import visitkeys_expected, visitkeys_rebuild

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOON = dt.datetime(2026, 6, 15, 12, tzinfo=TZ)
MONTH = (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
USERS = ("city_admin", "branch_manager", "station_head", "account_manager", "outsider")


def grow(world, stations=2, routes=3, shops=3):
    for i in range(stations):
        station = Station.objects.create(branch=world.branch_a, name=f"扩展服务站{i}")
        for j in range(routes):
            am = make_user(f"grow_am_{i}_{j}", Role.ACCOUNT_MANAGER, company=world.company, branch=world.branch_a,
                           station=station, full_name=f"扩展经理{i}{j}")  # fmt: skip
            route = Route.objects.create(station=station, name=f"扩展{i}-{j}号线", account_manager=am)
            for k in range(shops):
                make_customer(route, stars=3 + k % 3, joined_on=dt.date(2025, 1, 1))


def kept() -> set:
    return set(VisitMonthKey.objects.values_list("month", "manager_id", "route_id"))


def queries(app, user, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        app.get(url, user=user)
    return len(ctx.captured_queries)


def test_the_compliance_page_costs_the_same_queries_in_a_bigger_city(world, app):
    url = "/visits/compliance/?month=2026-06"
    with time_machine.travel(NOON, tick=False):
        visits_generate(start=MONTH[0], end=MONTH[1], now=NOON)
        visitdue_refresh(now=NOON)
        for user in USERS:
            app.get(url, user=getattr(world, user))
        small = {u: (queries(app, getattr(world, u), url), queries(app, getattr(world, u), url + "&by=route"))
                 for u in USERS}  # fmt: skip
        grow(world)
        visits_generate(start=MONTH[0], end=MONTH[1], now=NOON)
        visitdue_refresh(now=NOON)
        assert Visit.objects.count() >= 100  # 24 shops for the 8 of the small city
        big = {u: (queries(app, getattr(world, u), url), queries(app, getattr(world, u), url + "&by=route"))
               for u in USERS}  # fmt: skip
    assert big == small


def test_it_lists_fifty_managers_a_page_each_with_their_own_numbers(world, app):
    grow(world, stations=6, routes=9, shops=1)  # 54 more managers, one shop each
    with time_machine.travel(NOON, tick=False):
        visits_generate(start=MONTH[0], end=MONTH[1], now=NOON)
        keys = list(compliance_keys(user=world.city_admin, first=MONTH[0]))
        assert len(keys) == 56  # the world's two account managers and the 54
        whole = {
            r.key: r
            for r in compliance(user=world.city_admin, first=MONTH[0], last=MONTH[1], today=NOON.date())
        }
        first = app.get("/visits/compliance/?month=2026-06", user=world.city_admin)
        second = app.get("/visits/compliance/?month=2026-06&page=2", user=world.city_admin)
    rows = [
        tr for page in (first, second) for tr in page.html.select("[data-testid=compliance-table] tbody tr")
    ]
    assert len(first.html.select("[data-testid=compliance-table] tbody tr")) <= 50
    names = [tr.select_one("td").get_text(strip=True) for tr in rows]
    assert sorted(names) == sorted(r.name for r in whole.values())
    planned = {
        tr.select_one("td").get_text(strip=True): int(tr.select("td")[1].get_text(strip=True)) for tr in rows
    }
    assert planned == {r.name: r.planned for r in whole.values()}
    assert "2" in first.html.select_one("[data-testid=result-count]").get_text()


def test_the_station_head_and_an_outsider_see_only_their_own_managers(world):
    with time_machine.travel(NOON, tick=False):
        visits_generate(start=MONTH[0], end=MONTH[1], now=NOON)
    names = {
        u: [r.name for r in compliance(user=getattr(world, u), first=MONTH[0], last=MONTH[1])] for u in USERS
    }
    assert names["station_head"] == [world.account_manager.full_name]
    assert names["outsider"] == [world.outsider.full_name]
    assert set(names["city_admin"]) == {world.account_manager.full_name, world.outsider.full_name}


def test_the_kept_keys_cover_every_planned_and_moved_visit(world):
    shop = world.shops["张湾1号线"][0]
    with time_machine.travel(NOON, tick=False):
        visits_generate(start=MONTH[0], end=MONTH[1], now=NOON)
        assert kept() == visitkeys_expected()
        added = visit_add(customer=shop, day=dt.date(2026, 7, 2), actor=world.account_manager, now=NOON)
        assert kept() == visitkeys_expected()
        visit_move(visit=added, day=dt.date(2026, 8, 3), actor=world.account_manager, now=NOON)
        assert (dt.date(2026, 8, 1), world.account_manager.pk, shop.route_id) in kept()
        other = visit_add(customer=shop, day=dt.date(2026, 6, 20), actor=world.account_manager, now=NOON)
        visit_cancel(visit=other, reason="店主外出", actor=world.account_manager, now=NOON)
        today = Visit.objects.filter(customer=shop, planned_on=dt.date(2026, 6, 16)).first() or visit_add(
            customer=shop, day=dt.date(2026, 6, 16), actor=world.account_manager, now=NOON
        )
    with time_machine.travel(NOON + dt.timedelta(days=20), tick=False):
        later = NOON + dt.timedelta(days=20)  # checked in a month later than planned: the record moves it
        visit_check_in(visit=today, actor=world.account_manager, now=later)
        visit_record(visit=today, outcome="shop_closed", actor=world.account_manager, now=later)
        # the route handed to another manager: the planned visits from today on follow it
        new_am = make_user("new_am", Role.ACCOUNT_MANAGER, company=world.company, branch=world.branch_a,
                           station=world.station_a1)  # fmt: skip
        Route.objects.filter(pk=shop.route_id).update(account_manager=new_am)
        visits_follow_routes(now=later)
    # every key the visits call for is kept (keys are never removed: the cancelled one's month stays, with 0 planned)
    assert visitkeys_expected() <= kept()
    before = kept()
    visitkeys_rebuild()
    assert kept() == before
    VisitMonthKey.objects.all().delete()  # lost (e.g. a restore of the visits alone): the job adds them back
    visitkeys_rebuild()
    assert kept() == visitkeys_expected()


def test_the_page_lists_each_users_own_shops_not_visited_for_too_long(world, app):
    """The "not visited for too long" list as drawn: an account manager's and a station head's read their own
    shops (one query each, in any city), a city admin's the window of the city's oldest; none shows another's."""
    with time_machine.travel(NOON, tick=False):
        visitdue_refresh(now=NOON)  # no visit yet: every shop counts from its join date
        drawn = {
            u: app.get("/visits/compliance/?month=2026-06", user=getattr(world, u))
            .html.select_one("[data-testid=gaps]")
            .get_text()
            for u in ("city_admin", "station_head", "account_manager", "outsider")
        }
    names = {route: [s.name for s in shops] for route, shops in world.shops.items()}
    assert all(name in drawn["city_admin"] for shops in names.values() for name in shops)
    assert all(name in drawn["station_head"] for name in names["张湾1号线"] + names["张湾2号线"])
    assert not any(name in drawn["station_head"] for name in names["茅箭1号线"] + names["城关1号线"])
    assert all(name in drawn["account_manager"] for name in names["张湾1号线"])
    assert not any(name in drawn["account_manager"] for name in names["张湾2号线"] + names["城关1号线"])
    assert all(name in drawn["outsider"] for name in names["城关1号线"])
    assert not any(name in drawn["outsider"] for name in names["张湾1号线"])
