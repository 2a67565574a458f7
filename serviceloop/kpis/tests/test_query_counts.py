"""The KPI pages read aggregates: the number of queries of each page is the same for a small city and for one
with many more routes, account managers, shops and events (issue 14: no N+1 as the city grows)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from serviceloop.core.testing import make_customer, make_user
from serviceloop.customers.models import Customer
from serviceloop.evaluation.services import scorecards_compute
from serviceloop.kpis.compute import kpivalues_compute
from serviceloop.kpis.selectors import Period
from serviceloop.kpis.testing import generate_month
from serviceloop.org.models import Role, Route

pytestmark = pytest.mark.django_db


def compute(world):
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    from serviceloop.surveys.models import Wave

    # a second generation of the same month makes a second survey wave; wave names are unique
    Wave.objects.update(name=Concat(F("name"), Value("（前）")))
    shops = list(Customer.objects.select_related("route", "branch"))
    generate_month(month=world.month, shops=shops, seed=len(shops), per_shop=2)
    now = timezone.now()
    kpivalues_compute(months=[world.month], now=now)
    for subject in ("manager", "station"):
        scorecards_compute(subject=subject, period=Period("month", world.month), now=now)


def grow(world, n=25):
    """n more routes, each with its account manager and three shops, in both branches."""
    for i in range(n):
        station = world.station_a1 if i % 2 else world.station_b1
        am = make_user(f"grown_am_{i}", Role.ACCOUNT_MANAGER, company=world.company, branch=station.branch,
                       station=station)  # fmt: skip
        route = Route.objects.create(station=station, name=f"扩展{i}号线", account_manager=am)
        for _ in range(3):
            make_customer(route)


def pages(world):
    key = world.month.strftime("%Y-%m")
    route = world.route_a1_1.pk
    return {
        "city_admin": [
            f"{reverse('kpis:dashboard')}?level=city&period={key}",
            f"{reverse('kpis:dashboard')}?level=route&unit={route}&period={key}",
            f"{reverse('kpis:compare', args=['visit_compliance'])}?level=route&period={key}",
            f"{reverse('kpis:compare', args=['followup_satisfaction'])}?level=manager&period={key}",
            reverse("kpis:drill", args=["visit_compliance", "route", route, key]),
            reverse("kpis:drill", args=["follow_up_rate", "city", 0, key]),
            f"{reverse('evaluation:scorecards')}?period={key}",
            f"{reverse('evaluation:grades')}?year={world.month.year}",
            reverse("evaluation:stars"),
            reverse("home"),
        ],
        "station_head": [
            reverse("home"),
            f"{reverse('evaluation:scorecards')}?period={key}",
            f"{reverse('kpis:compare', args=['visit_compliance'])}?level=route&period={key}",
        ],  # fmt: skip
    }


def counts(world, login):
    out = {}
    for role, urls in pages(world).items():
        client = login(getattr(world, role))
        for url in urls:
            assert client.get(url).status_code == 200, url  # warm: sessions, catalogue, templates
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200, url
            out[(role, url)] = len(ctx.captured_queries)
    return out


def test_kpi_pages_query_counts_are_flat_in_the_size_of_the_city(world, login):
    world.month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    compute(world)
    small = counts(world, login)
    grow(world)
    compute(world)
    big = counts(world, login)
    grew = {k: (small[k], big[k]) for k in small if big[k] > small[k]}
    assert not grew, grew
    assert max(big.values()) <= 40, big
