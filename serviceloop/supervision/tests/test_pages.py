"""Supervision pages as rendered (WebTest): plans created and drawn, the inspector's phone form, the rectification
loop, the risk register with filters, export and review; bad input; scope (outsiders get 404); query counts."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook
from PIL import Image

from serviceloop.core.models import AuditEvent
from serviceloop.core.testing import text_of
from serviceloop.supervision.models import InspectionItem, InspectionPlan, Rectification, Risk
from serviceloop.supervision.services import plan_create, plan_draw, record_create, risk_raise

from .helpers import MONTH, NOW, visits

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def picture() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "JPEG")
    return buf.getvalue()


def drawn_plan(world, with_visits=5, **extra):
    visits(world, with_visits)
    data = {"name": "走访抽查", "kind": "random", "sources": ["visits"], "per_station": 2, "branch": None,
            "first_month": MONTH}  # fmt: skip
    data.update(extra)
    plan = plan_create(data=data, actor=world.supervisor, now=NOW)
    plan_draw(plan=plan, month=MONTH, actor=world.supervisor, now=NOW)
    return plan


def test_a_supervisor_creates_and_draws_a_plan_through_the_forms(world, app):
    visits(world, 5)
    page = app.get("/supervision/plans/", user=world.supervisor).click(href="/supervision/plans/new/")
    form = page.forms["plan-create"]
    form["name"] = "十一月走访抽查"
    form["kind"] = "random"
    form.get("sources", index=0).checked = True  # visits
    form["per_station"] = "2"
    form["first_month"] = "2026-11"
    plan_page = form.submit().follow()
    plan = InspectionPlan.objects.get(name="十一月走访抽查")
    assert plan.first_month == plan.last_month == MONTH and plan.sources == ["visits"]
    draw = plan_page.forms["plan-draw"]
    draw["month"] = "2026-11"
    shown = draw.submit().follow()
    assert InspectionItem.objects.filter(plan=plan).count() == 2
    assert len(shown.html.select("[data-testid=item-table] tbody tr")) == 2
    assert AuditEvent.objects.filter(action="supervision.plan_create", actor=world.supervisor).exists()


def test_the_plan_form_refuses_bad_input(world, app):
    page = app.get("/supervision/plans/new/", user=world.inspector)
    form = page.forms["plan-create"]
    form["name"] = "x" * 101
    form["per_station"] = "0"
    form["first_month"] = "十一月"
    bad = form.submit()
    assert bad.status_code == 200 and not InspectionPlan.objects.exists()
    errors = {el["id"] for el in bad.html.select(".invalid-feedback[id]")}
    assert {"id_name_error", "id_sources_error", "id_per_station_error", "id_first_month_error"} <= errors
    # an inspector's branch choice holds their branch only
    assert [o[0] for o in form["branch"].options] == [str(world.branch_a.pk)]
    app.get("/supervision/plans/new/", user=world.station_head, status=403)
    app.get("/supervision/plans/", user=world.account_manager, status=403)


def test_the_inspector_records_a_problem_on_the_phone_form_and_the_loop_closes(world, app):
    plan = drawn_plan(world)
    work = app.get("/supervision/work/", user=world.inspector)
    links = work.html.select("[data-testid=work-list] a")
    assert len(links) == 2
    item = InspectionItem.objects.filter(plan=plan).order_by("pk").first()
    page = app.get(f"/supervision/items/{item.pk}/", user=world.inspector)
    assert "****" in text_of(page, "[data-testid=shop-phone]")  # inspectors see masked phones
    form = page.forms["inspection-record"]
    form["method"] = "phone"
    form["finding"] = "problem"
    form["severity"] = "major"
    form["notes"] = "店主说本月没见过客户经理"
    form["task"] = "补走访并说明"
    form["deadline"] = "2026-11-27"
    form["photo"] = ("p.jpg", picture())
    form.submit().follow()
    rect = Rectification.objects.get()
    assert rect.owner == world.account_manager and rect.record.photo
    again = form.submit().follow()  # the same form posted twice: one record
    assert Rectification.objects.count() == 1 and "已经" in text_of(again, ".alert")
    app.get(f"/supervision/records/{rect.record.pk}/photo/", user=world.inspector, status=200)
    app.get(f"/supervision/records/{rect.record.pk}/photo/", user=world.outsider, status=404)

    mine = app.get("/supervision/rectifications/?mine=1", user=world.account_manager)
    assert len(mine.html.select("[data-testid=rect-table] tbody tr a")) == 1
    page = app.get(f"/supervision/rectifications/{rect.pk}/", user=world.account_manager)
    empty = page.forms["rect-action"].submit("action", value="rectify")
    assert empty.status_code == 200 and Rectification.objects.get().status == "open"
    form = page.forms["rect-action"]
    form["note"] = "已补走访，附照片"
    form.submit("action", value="rectify").follow()
    page = app.get(f"/supervision/rectifications/{rect.pk}/", user=world.inspector)
    page.forms["rect-action"].submit("action", value="verify").follow()
    assert Rectification.objects.get().status == "verified"
    app.get(f"/supervision/rectifications/{rect.pk}/", user=world.outsider, status=404)
    app.get(f"/supervision/items/{item.pk}/", user=world.outsider, status=404)


def test_the_record_form_asks_for_severity_and_deadline_of_a_problem(world, app, client):
    item = InspectionItem.objects.filter(plan=drawn_plan(world)).first()
    form = app.get(f"/supervision/items/{item.pk}/", user=world.supervisor).forms["inspection-record"]
    form["method"] = "records"
    form["finding"] = "problem"
    form["deadline"] = ""
    bad = form.submit()
    errors = {el["id"] for el in bad.html.select(".invalid-feedback[id]")}
    assert {"id_severity_error", "id_deadline_error"} <= errors
    assert not Rectification.objects.exists()
    client.force_login(world.station_head)
    assert (
        client.post(f"/supervision/items/{item.pk}/", {"method": "records", "finding": "ok"}).status_code
        == 404
    )
    client.force_login(world.account_manager)  # the person inspected does not inspect their own work
    assert (
        client.post(f"/supervision/items/{item.pk}/", {"method": "records", "finding": "ok"}).status_code
        == 404
    )


def test_the_risk_register_raises_filters_exports_and_reviews(world, app):
    page = app.get("/supervision/risks/", user=world.supervisor).click(href="/supervision/risks/new/")
    form = page.forms["risk-create"]
    form["level"] = "station"
    form["station"] = str(world.station_a1.pk)
    form["title"] = "张湾站断货投诉集中"
    form["owner"] = str(world.station_head.pk)
    form["deadline"] = "2026-12-10"
    detail = form.submit().follow()
    risk = Risk.objects.get()
    assert "张湾站断货投诉集中" in text_of(detail, "h1")
    risk_raise(data={"level": "branch", "branch": world.branch_b, "title": "房县配送延误"}, actor=world.supervisor,
               now=NOW)  # fmt: skip
    listing = app.get(
        "/supervision/risks/",
        {"level": "station", "station": world.station_a1.pk, "q": "断货"},
        user=world.supervisor,
    )
    assert len(listing.html.select("[data-testid=risk-table] tbody tr a")) == 1
    work = listing.click(href="export=1").follow()  # the filtered register, in the background: test_exports
    export = work.click(href=work.html.select_one("[data-testid=work-download]")["href"])
    rows = list(load_workbook(io.BytesIO(export.body)).active.values)
    assert len(rows) == 2 and rows[1][3] == "张湾站断货投诉集中"
    # the station head sees their station's risk only, works it and submits it for review
    own = app.get("/supervision/risks/", user=world.station_head)
    assert [a.text for a in own.html.select("[data-testid=risk-table] tbody tr a")] == [risk.reference]
    page = app.get(f"/supervision/risks/{risk.pk}/", user=world.station_head)
    edit = page.forms["risk-edit"]
    edit["edit-measures"] = "每周盘点紧俏品种"
    page = edit.submit().follow()
    step = page.forms["risk-step"]
    step["note"] = "已落实"
    step.submit("action", value="submit").follow()
    assert "close" not in str(
        app.get(f"/supervision/risks/{risk.pk}/", user=world.station_head).html.select("button")
    )
    page = app.get(f"/supervision/risks/{risk.pk}/", user=world.supervisor)
    step = page.forms["risk-step"]
    step["note"] = "复核通过"
    done = step.submit("action", value="close").follow()
    assert Risk.objects.get(pk=risk.pk).status == "closed"
    assert len(done.html.select("[data-testid=risk-events] li")) == 4  # raised, edited, submitted, closed
    app.get(f"/supervision/risks/{risk.pk}/", user=world.outsider, status=404)
    app.get(f"/supervision/risks/{risk.pk}/", user=world.market_manager, status=404)


def test_the_risk_form_refuses_bad_input(world, app, client):
    form = app.get("/supervision/risks/new/", user=world.inspector).forms["risk-create"]
    assert [o[0] for o in form["level"].options] == ["branch", "station"]  # a branch inspector: no city risks
    form["level"] = "station"
    form["title"] = ""
    form["deadline"] = "2026-01-01"
    bad = form.submit()
    errors = {el["id"] for el in bad.html.select(".invalid-feedback[id]")}
    assert {"id_title_error", "id_station_error", "id_deadline_error"} <= errors
    assert not Risk.objects.exists()
    client.force_login(world.inspector)
    response = client.post(
        "/supervision/risks/new/", {"level": "station", "station": world.station_b1.pk, "title": "x"}
    )
    assert response.status_code == 200
    assert not Risk.objects.exists()  # a station outside the inspector's branch is not a choice
    app.get("/supervision/risks/new/", user=world.account_manager, status=403)


@pytest.mark.parametrize("url", ["/supervision/plans/", "/supervision/work/", "/supervision/rectifications/",
                                 "/supervision/risks/"])  # fmt: skip
def test_lists_take_the_same_number_of_queries_for_few_and_many_rows(
    world, app, url, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as ctx:
            app.get(url, user=world.supervisor)
        return len(ctx.captured_queries)

    def add(n):
        plan = drawn_plan(world, with_visits=n, name=f"计划{n}", per_station=n)
        for item in InspectionItem.objects.filter(plan=plan)[: n // 2]:
            record_create(item=item, data={"method": "phone", "finding": "problem", "severity": "minor",
                                           "deadline": dt.date(2026, 11, 30)}, actor=world.supervisor, now=NOW)  # fmt: skip
        for i in range(n):
            risk_raise(data={"level": "station", "station": world.station_a1, "title": f"风险{i}",
                             "owner": world.station_head}, actor=world.supervisor, now=NOW)  # fmt: skip

    add(2)
    few = count()
    add(12)
    assert count() <= few
