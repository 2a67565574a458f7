"""The rectification list and the risk register are exported in the background (issue 14): the page's export link
queues the work, and the file holds the rows of the user's scope with the page's filters, as the page shows them."""

import datetime as dt

import pytest
import time_machine

from serviceloop.core.models import Work
from serviceloop.core.testing import work_rows as download
from serviceloop.supervision.models import InspectionItem
from serviceloop.supervision.services import plan_create, plan_draw, record_create, risk_raise

from .helpers import MONTH, NOW, done_visit, visits

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rectifications(world):
    """Two problems found in 张湾 (station A1), one in 城关 (station B1, another branch)."""
    visits(world, 4)
    done_visit(world, world.shops["城关1号线"][0], at=NOW - dt.timedelta(days=4), manager=world.outsider)
    plan = plan_create(data={"name": "走访抽查", "kind": "random", "sources": ["visits"], "per_station": 2,
                             "branch": None, "first_month": MONTH}, actor=world.supervisor, now=NOW)  # fmt: skip
    plan_draw(plan=plan, month=MONTH, actor=world.supervisor, now=NOW)
    tasks = {}
    names = {world.station_a1.pk: ["补走访", "整改价签"], world.station_b1.pk: ["补走访城关"]}
    for item in InspectionItem.objects.filter(plan=plan).order_by("pk"):
        task = names[item.station_id].pop()
        record_create(item=item, data={"method": "phone", "finding": "problem", "severity": "minor", "task": task,
                                       "deadline": dt.date(2026, 11, 30)}, actor=world.supervisor, now=NOW)  # fmt: skip
        tasks[task] = item.station.name
    return tasks


def test_the_rectification_export_holds_the_scope_and_the_filter(app, world, rectifications):
    assert sorted(rectifications.values()) == ["城关服务站", "张湾服务站", "张湾服务站"]
    page = app.get("/supervision/rectifications/", user=world.station_head)
    rows = download(page.click(href="export=1").follow())
    assert rows[0][:3] == ("服务站", "整改要求", "负责人")
    assert sorted(r[1] for r in rows[1:]) == sorted(t for t, s in rectifications.items() if s == "张湾服务站")

    filtered = app.get("/supervision/rectifications/", {"q": "价签"}, user=world.station_head)
    rows = download(filtered.click(href="export=1").follow())
    assert [r[1] for r in rows[1:]] == ["整改价签"]

    everything = app.get("/supervision/rectifications/", user=world.supervisor)
    rows = download(everything.click(href="export=1").follow())
    assert sorted(r[1] for r in rows[1:]) == sorted(rectifications)


def test_the_risk_register_export_holds_the_scope_and_the_filter(app, world):
    mine = risk_raise(data={"level": "station", "station": world.station_a1, "title": "张湾站断货投诉集中",
                            "owner": world.station_head}, actor=world.supervisor, now=NOW)  # fmt: skip
    county = risk_raise(data={"level": "branch", "branch": world.branch_b, "title": "房县配送延误"},
                        actor=world.supervisor, now=NOW)  # fmt: skip
    other = risk_raise(data={"level": "station", "station": world.station_a2, "title": "茅箭站陈列不规范"},
                       actor=world.supervisor, now=NOW)  # fmt: skip
    page = app.get("/supervision/risks/", user=world.station_head)
    rows = download(page.click(href="export=1").follow())
    assert rows[0][:4] == ("诉求编号", "级别", "所属单位", "风险问题")
    assert [r[0] for r in rows[1:]] == [mine.reference]

    filtered = app.get("/supervision/risks/", {"level": "station"}, user=world.supervisor)
    rows = download(filtered.click(href="export=1").follow())
    assert sorted(r[0] for r in rows[1:]) == sorted([mine.reference, other.reference])
    rows = download(app.get("/supervision/risks/", user=world.supervisor).click(href="export=1").follow())
    assert sorted(r[0] for r in rows[1:]) == sorted(r.reference for r in (mine, county, other))


def test_an_outsider_exports_nothing_and_one_not_logged_in_cannot_start_it(app, world, rectifications):
    risk_raise(data={"level": "branch", "branch": world.branch_b, "title": "房县配送延误"}, actor=world.supervisor,
               now=NOW)  # fmt: skip
    for url in ("/supervision/rectifications/", "/supervision/risks/"):
        # a market manager owns nothing here and reads no unit's supervision: the file holds the header only
        rows = download(app.get(url, user=world.market_manager).click(href="export=1").follow())
        assert len(rows) == 1, url
        app.reset()  # logged out
        response = app.get(url, {"export": "1"}, status=302)
        assert "/login/" in response["Location"]
    assert Work.objects.count() == 2  # the two above; none for the visitor who was not logged in
