"""The home page of every role opens with its KPIs against target and what needs attention today."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from serviceloop.customers.models import Customer
from serviceloop.kpis.compute import kpivalues_compute
from serviceloop.kpis.testing import generate_month

pytestmark = pytest.mark.django_db

ROLES = ["city_admin", "branch_manager", "station_head", "market_manager", "account_manager", "agent",
         "supervisor", "inspector", "outsider"]  # fmt: skip


@pytest.fixture
def computed(world):
    m = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    generate_month(month=m, shops=list(Customer.objects.select_related("route", "branch")), seed=5)
    kpivalues_compute(months=[m], now=timezone.now())
    return world


@pytest.mark.parametrize("role", ROLES)
def test_home_opens_with_kpis_and_attention(computed, app, role, django_assert_max_num_queries):
    user = getattr(computed, role)
    with django_assert_max_num_queries(40):
        page = app.get(reverse("home"), user=user)
    attention = page.html.select_one("[data-testid=attention]")
    assert attention is not None and "逾期诉求" in attention.text
    kpis = page.html.select_one("[data-testid=home-kpis]")
    assert kpis is not None and kpis.select("tbody tr")
    # the KPIs come before the archive counts
    assert page.text.index("home-kpis") < page.text.index("total-shops")


def test_account_manager_home_shows_their_own_kpis(computed, app):
    page = app.get(reverse("home"), user=computed.account_manager)
    assert computed.account_manager.full_name in page.html.select_one("[data-testid=home-kpis]").text


def test_overdue_requests_are_counted_in_scope(world, app):
    from serviceloop.servicedesk.models import Category
    from serviceloop.servicedesk.services import servicerequest_file

    now = timezone.now() - dt.timedelta(days=10)
    servicerequest_file(customer=world.shops["城关1号线"][0], channel="phone", kind="complaint",
                        category=Category.objects.filter(active=True).first(), text="送货员态度不好",
                        actor=world.agent, now=now)  # fmt: skip

    def overdue(user):
        cards = app.get(reverse("home"), user=user).html.select("[data-testid=attention] .card")
        card = next(c for c in cards if "逾期诉求" in c.text)
        return int(card.select_one(".value").text.replace(",", ""))

    assert overdue(world.city_admin) == 1
    assert overdue(world.station_head) == 0


def test_a_finding_puts_the_rectification_on_its_owners_home_page(world, app):
    """The supervision app's work reaches the home page: the inspected account manager sees the rectification to
    do, the supervisor who found it sees nothing to verify yet, and an outsider sees neither."""
    from serviceloop.supervision.models import InspectionItem
    from serviceloop.supervision.services import plan_create, record_create
    from serviceloop.visits.models import Visit, VisitPolicy

    now = timezone.now()
    shop = world.shops["张湾1号线"][0]
    visit = Visit.objects.create(customer=shop, manager=world.account_manager, route=shop.route, source="manual",
                                 planned_on=timezone.localdate(now), policy=VisitPolicy.objects.first())  # fmt: skip
    month = timezone.localdate(now).replace(day=1)
    plan = plan_create(data={"name": "首页抽查", "kind": "random", "sources": ["visits"], "per_station": 1,
                             "branch": world.branch_a, "first_month": month}, actor=world.supervisor, now=now)  # fmt: skip
    item = InspectionItem.objects.create(plan=plan, month=month, station=world.station_a1, source="visits",
                                         object_id=visit.pk, customer=shop, person=world.account_manager,
                                         summary="首页", drawn_at=now)  # fmt: skip
    record_create(item=item, data={"method": "phone", "finding": "problem", "severity": "minor",
                                   "deadline": timezone.localdate(now) + dt.timedelta(days=7)},
                  actor=world.supervisor, now=now)  # fmt: skip

    mine = (
        app.get(reverse("home"), user=world.account_manager).html.select_one('[data-testid="attention"]').text
    )
    assert "待我整改" in mine
    other = app.get(reverse("home"), user=world.outsider).html.select_one('[data-testid="attention"]').text
    assert "待我整改" not in other
