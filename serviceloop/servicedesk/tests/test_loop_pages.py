"""The request loop through the pages as rendered (WebTest): whoever may act can carry the request on."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from serviceloop.core.testing import text_of
from serviceloop.servicedesk import services as s
from serviceloop.servicedesk.models import ServiceRequest, Status

pytestmark = pytest.mark.django_db


def detail(sr):
    return reverse("servicedesk:detail", args=[sr.pk])


def qr_complaint(world, file_request):
    return file_request(
        channel="qr", actor=None, at=timezone.now() - timedelta(minutes=1), text="送的烟少了一条"
    )


def test_an_account_manager_who_acknowledges_a_qr_complaint_handles_it_to_the_end(world, app, file_request):
    sr = qr_complaint(world, file_request)
    am = world.account_manager
    page = app.get(detail(sr), user=am)
    page = page.forms["act-acknowledge"].submit().follow()
    sr.refresh_from_db()
    assert sr.status == Status.DISPATCHED and sr.owner == am and sr.owner_due_at
    # no dead end: the next steps are offered, not only "add a note"
    assert {"act-start", "act-report", "act-hand_back"} <= set(page.forms)
    tasks = app.get(reverse("servicedesk:tasks"), user=am)
    assert sr.reference in text_of(tasks, "[data-testid=tasks-mine]")

    form = page.forms["act-start"]
    form["start-note"] = "今天下午上门核实"
    page = form.submit().follow()
    form = page.forms["act-report"]
    form["report-actions_taken"] = "上门补送一条"
    form["report-outcome"] = "客户已收到"
    page = form.submit().follow()
    page = page.forms["act-resolve"].submit().follow()
    sr.refresh_from_db()
    assert sr.status == Status.RESOLVED and sr.handler == am
    assert "已办结" in text_of(page, "[data-testid=reference]")


def test_an_account_manager_hands_a_complaint_back_to_the_desk(world, app, file_request):
    sr = qr_complaint(world, file_request)
    am = world.account_manager
    page = app.get(detail(sr), user=am).forms["act-acknowledge"].submit().follow()
    form = page.forms["act-hand_back"]
    form["hand_back-note"] = "属于结算问题，请财务处理"
    form.submit().follow()
    sr.refresh_from_db()
    assert sr.status == Status.ACKNOWLEDGED and sr.owner is None
    # it waits on the desk's list for an owner, and the desk can dispatch it
    tasks = app.get(reverse("servicedesk:tasks"), user=world.agent)
    assert sr.reference in text_of(tasks, "[data-testid=tasks-dispatch]")
    page = app.get(detail(sr), user=world.agent)
    form = page.forms["act-dispatch"]
    form["dispatch-owner"] = str(world.station_head.pk)
    form.submit().follow()
    sr.refresh_from_db()
    assert sr.status == Status.DISPATCHED and sr.owner == world.station_head


def test_hand_back_needs_a_reason(world, app, file_request):
    sr = qr_complaint(world, file_request)
    page = app.get(detail(sr), user=world.account_manager).forms["act-acknowledge"].submit().follow()
    result = page.forms["act-hand_back"].submit(status=400)
    assert "必填" in result.text
    sr.refresh_from_db()
    assert sr.owner == world.account_manager


def test_the_desk_sees_only_acknowledged_requests_it_did_not_dispatch_yet(world, file_request):
    from serviceloop.servicedesk.selectors import task_sections

    sr = qr_complaint(world, file_request)
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=timezone.now())
    assert list(task_sections(user=world.agent, now=timezone.now())["dispatch"]) == [sr]
    assert "dispatch" not in task_sections(user=world.account_manager, now=timezone.now())
    assert ServiceRequest.objects.get(pk=sr.pk).owner is None


def _dispatched(world, file_request, *, at, owner=None):
    sr = file_request(at=at)
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=at)
    s.servicerequest_dispatch(request=sr, owner=owner or world.station_head, actor=world.agent, now=at)
    return sr


def test_the_task_list_marks_overdue_and_nearly_due_and_sorts_them_first(world, app, file_request):
    now = timezone.now()
    fresh = _dispatched(world, file_request, at=now - timedelta(minutes=5))  # simple complaint: 24 h
    nearly = _dispatched(world, file_request, at=now - timedelta(hours=20))  # past 75 %
    late = _dispatched(world, file_request, at=now - timedelta(hours=30))  # past 24 h
    page = app.get(reverse("servicedesk:tasks"), user=world.station_head)
    rows = page.html.select("[data-testid=tasks-mine] tbody tr")
    refs = [r.select_one("a").get_text(strip=True) for r in rows]
    assert refs == [late.reference, nearly.reference, fresh.reference]
    assert rows[0]["data-due"] == "overdue" and "超时" in rows[0].get_text()
    assert rows[1]["data-due"] == "soon" and "即将超时" in rows[1].get_text()
    assert not rows[2].get("data-due")


def test_the_task_list_costs_the_same_queries_for_more_rows(
    world, app, file_request, django_assert_max_num_queries
):
    now = timezone.now()
    for i in range(3):
        _dispatched(world, file_request, at=now - timedelta(hours=i))
    with django_assert_max_num_queries(30) as few:
        app.get(reverse("servicedesk:tasks"), user=world.station_head)
    for i in range(12):
        _dispatched(world, file_request, at=now - timedelta(hours=i, minutes=7))
    with django_assert_max_num_queries(len(few.captured_queries)):
        app.get(reverse("servicedesk:tasks"), user=world.station_head)


def test_the_ledgers_overdue_filter_means_overdue_now_and_ever_late_is_its_own_option(
    world, app, file_request
):
    now = timezone.now()
    late_now = _dispatched(world, file_request, at=now - timedelta(hours=30))
    was_late = _dispatched(world, file_request, at=now - timedelta(hours=40))
    s.servicerequest_start(request=was_late, plan="上门", actor=world.station_head, now=now)
    s.servicerequest_report(
        request=was_late, actions_taken="上门", outcome="好了", actor=world.station_head, now=now
    )
    s.servicerequest_resolve(request=was_late, actor=world.station_head, now=now)  # met, but late
    on_time = _dispatched(world, file_request, at=now - timedelta(hours=1))
    page = app.get(reverse("servicedesk:ledger"), user=world.agent)
    form = page.forms["ledger-filter"]
    form["state"] = "overdue"
    overdue = text_of(form.submit(), "[data-testid=ledger-table]")
    assert (
        late_now.reference in overdue
        and was_late.reference not in overdue
        and on_time.reference not in overdue
    )
    form["state"] = "late_ever"
    ever = text_of(form.submit(), "[data-testid=ledger-table]")
    assert late_now.reference in ever and was_late.reference in ever and on_time.reference not in ever


def test_the_request_page_shows_the_shops_phone_with_a_call_link_masked_for_roles_that_need_not_see_it(
    world, app, file_request
):
    sr = qr_complaint(world, file_request)
    shop = sr.shop
    shop.phone, shop.alt_phone = "138-0000-5678", ""
    shop.save()
    page = app.get(detail(sr), user=world.agent)
    cell = page.html.select_one("[data-testid=shop-phone]")
    assert "138-0000-5678" in cell.get_text() and cell.select_one("a")["href"] == "tel:13800005678"
    page = app.get(detail(sr), user=world.supervisor)
    cell = page.html.select_one("[data-testid=shop-phone]")
    assert "138-0000-5678" not in page.text and "5678" in cell.get_text() and cell.select_one("a") is None


def test_the_ledgers_route_filter_follows_the_chosen_station_as_rendered(world, app, file_request):
    """A city admin is offered the routes of the station chosen, none before (a province's 2,000 routes cost
    the ledger 30 ms a request, issue 14); the route then filters, and the table's fragment carries the
    station's routes out of band into the page's route select."""
    mine = file_request(world.shops["张湾2号线"][0])
    other = file_request(world.shops["张湾1号线"][0])
    page = app.get(reverse("servicedesk:ledger"), user=world.city_admin)
    form = page.forms["ledger-filter"]
    assert [label for _v, _s, label in form["route"].options] == ["全部线路"]
    assert "先选择站点" in text_of(page, "#route-filter")
    form["station"] = str(world.station_a1.pk)
    form = form.submit().forms["ledger-filter"]
    assert [label for _v, _s, label in form["route"].options] == ["全部线路", "张湾1号线", "张湾2号线"]
    form["route"] = str(world.route_a1_2.pk)
    rows = text_of(form.submit(), "[data-testid=ledger-table]")
    assert mine.reference in rows and other.reference not in rows
    fragment = app.get(reverse("servicedesk:ledger"), {"station": world.station_a1.pk}, user=world.city_admin,
                       headers={"HX-Request": "true"})  # fmt: skip
    oob = fragment.html.select_one("#id_route")
    assert oob["hx-swap-oob"] == "innerHTML" and "张湾2号线" in oob.get_text()
    # a station head is offered their routes at once
    form = app.get(reverse("servicedesk:ledger"), user=world.station_head).forms["ledger-filter"]
    assert [label for _v, _s, label in form["route"].options] == ["全部线路", "张湾1号线", "张湾2号线"]
