"""The visit exports run in the background: the page's export link queues the work and the file holds the rows of
the user's scope with the page's filters (issue 14: long work never on the request thread)."""

import datetime as dt

import pytest
from django.utils import timezone

from serviceloop.core.testing import work_rows as download
from serviceloop.visits.models import Visit, VisitPolicy
from serviceloop.visits.tally import visittally_rebuild

pytestmark = pytest.mark.django_db


def visit(world, shop, manager, *, days_ago, status="done"):
    at = timezone.now() - dt.timedelta(days=days_ago)
    return Visit.objects.create(
        customer=shop, manager=manager, route=shop.route, source="manual", planned_on=timezone.localdate(at),
        policy=VisitPolicy.objects.get(name="三四星客户"), status=status, outcome="visited" if status == "done" else "",
        check_in_at=at if status == "done" else None, check_out_at=at + dt.timedelta(minutes=25) if status == "done" else None,
        minutes_spent=25 if status == "done" else None,
    )  # fmt: skip


@pytest.fixture
def visits(world):
    mine = world.shops["张湾1号线"]
    made = [visit(world, mine[0], world.account_manager, days_ago=2),
            visit(world, mine[1], world.account_manager, days_ago=1),
            visit(world, mine[0], world.account_manager, days_ago=0, status="planned")]  # fmt: skip
    visit(world, world.shops["城关1号线"][0], world.outsider, days_ago=1)  # another branch's
    visittally_rebuild()  # the visits were made around the services that count them
    return made


def test_the_visit_list_export_holds_the_scope_and_the_filter(app, world, visits):
    page = app.get("/visits/", user=world.account_manager)
    rows = download(page.click(href="export=1").follow())
    names = sorted(r[1] for r in rows[1:])
    assert rows[0][:2] == ("计划日期", "客户名称")
    assert names == sorted(v.customer.name for v in visits)
    filtered = app.get("/visits/", {"status": "planned"}, user=world.account_manager)
    rows = download(filtered.click(href="export=1").follow())
    assert [r[1] for r in rows[1:]] == [visits[2].customer.name]


def test_the_compliance_export_and_the_key_list_export_run_in_the_background(app, world, visits):
    page = app.get("/visits/compliance/", {"by": "route"}, user=world.station_head)
    rows = download(page.click(href="export=1").follow())
    assert len(rows) >= 2 and "张湾1号线" in [r[0] for r in rows[1:]]
    assert "城关1号线" not in [r[0] for r in rows[1:]]
    key_list = app.get("/visits/key-lists/", {"list": "care"}, user=world.station_head)
    queued = key_list.click(href="export=1")
    assert queued.status_code == 302 and len(download(queued.follow())) >= 1  # the header at least
