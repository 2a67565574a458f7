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
    return file_request(channel="qr", actor=None, at=timezone.now() - timedelta(minutes=1), text="送的烟少了一条")


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
