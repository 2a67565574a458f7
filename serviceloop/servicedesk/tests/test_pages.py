"""Desk pages through HTTP: intake, detail and actions, tasks, ledger (query counts; its export is in
test_ledger_export), board, KPIs, notifications, the shop panel; and who is refused."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from serviceloop.servicedesk import services as s
from serviceloop.servicedesk.escalation import sweep
from serviceloop.servicedesk.models import Notification, ServiceRequest, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def recent(world, file_request):
    """A request filed a minute ago (pages use the real clock)."""
    return file_request(at=timezone.now() - timedelta(minutes=1))


def test_it_finds_the_shop_and_shows_its_open_requests_before_filing(world, login, recent):
    client = login(world.agent)
    shop = recent.shop
    page = client.get(reverse("servicedesk:shop-search"), {"q": shop.name[:6]})
    assert shop.name in page.content.decode()
    context = client.get(reverse("servicedesk:shop-context", args=[shop.pk])).content.decode()
    assert recent.reference in context and "本户未办结诉求" in context


def test_it_files_from_the_desk_form_once_even_if_submitted_twice(world, login, recent):
    client = login(world.agent)
    shop = world.shops["张湾2号线"][0]
    data = {
        "shop": shop.pk,
        "channel": "phone",
        "kind": "complaint",
        "category": recent.category.pk,
        "urgency": "normal",
        "complexity": "simple",
        "text": "配送延误",
        "callback_phone": "13800001111",
        "idempotency_key": "form-abc",
    }
    first = client.post(reverse("servicedesk:new"), data)
    again = client.post(reverse("servicedesk:new"), data)
    assert first.status_code == 302 and again.status_code == 302
    assert ServiceRequest.objects.filter(shop=shop).count() == 1


@pytest.mark.parametrize(
    "change,message",
    [
        ({"text": ""}, "必填"),
        ({"text": "长" * 2001}, "2000"),
        ({"kind": "gossip"}, "选择"),
        ({"category": "999999"}, "选择"),
        ({"callback_phone": "abc"}, "7 到 20 位数字"),
    ],
)
def test_it_refuses_bad_input_on_the_form_in_chinese(world, login, recent, change, message):
    client = login(world.agent)
    data = {
        "shop": recent.shop.pk,
        "channel": "phone",
        "kind": "complaint",
        "category": recent.category.pk,
        "urgency": "normal",
        "complexity": "simple",
        "text": "配送延误",
        **change,
    }
    response = client.post(reverse("servicedesk:new"), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert ServiceRequest.objects.count() == 1


def test_it_refuses_a_shop_outside_the_filers_area(world, login):
    client = login(world.account_manager)
    other = world.shops["城关1号线"][0]
    response = client.post(
        reverse("servicedesk:new"),
        {"shop": other.pk, "channel": "visit", "kind": "request", "category": 1, "text": "x"},
    )
    assert response.status_code == 404 and ServiceRequest.objects.count() == 0


def test_it_shows_the_detail_with_the_actions_the_user_may_take(world, login, recent):
    page = login(world.agent).get(reverse("servicedesk:detail", args=[recent.pk])).content.decode()
    assert recent.reference in page and 'data-testid="action-acknowledge"' in page
    assert 'data-testid="action-dispatch"' not in page  # not before acknowledgement


def test_it_runs_the_loop_through_the_action_forms(world, client, login, recent):
    agent = login(world.agent)
    url = lambda action: reverse("servicedesk:act", args=[recent.pk, action])  # noqa: E731
    assert agent.post(url("acknowledge"), {}).status_code == 302
    assert agent.post(url("dispatch"), {"dispatch-owner": world.account_manager.pk}).status_code == 302
    client.logout()
    am = login(world.account_manager)
    assert am.post(url("start"), {"start-note": "明天上门"}).status_code == 302
    refused = am.post(url("resolve"), {})
    assert refused.status_code == 400 and "办结前须先填写处理反馈单" in refused.content.decode()
    assert (
        am.post(url("report"), {"report-actions_taken": "上门", "report-outcome": "已解决"}).status_code
        == 302
    )
    assert am.post(url("resolve"), {}).status_code == 302
    assert (
        am.post(url("follow_up"), {"follow_up-reached": "yes", "follow_up-satisfaction": "5"}).status_code
        == 403
    )
    client.logout()
    agent = login(world.agent)
    bad = agent.post(url("follow_up"), {"follow_up-reached": "yes"})
    assert bad.status_code == 400
    assert (
        agent.post(url("follow_up"), {"follow_up-reached": "yes", "follow_up-satisfaction": "5"}).status_code
        == 302
    )
    assert agent.post(url("close"), {}).status_code == 302
    recent.refresh_from_db()
    assert recent.status == Status.CLOSED


def test_it_refuses_an_action_the_status_does_not_allow(world, login, recent):
    response = login(world.agent).post(reverse("servicedesk:act", args=[recent.pk, "close"]), {})
    assert response.status_code == 403
    assert login(world.agent).post(reverse("servicedesk:act", args=[recent.pk, "fly"]), {}).status_code == 404


def test_it_hides_another_routes_request_from_an_account_manager(world, login, file_request):
    other = file_request(world.shops["城关1号线"][0], at=timezone.now())
    client = login(world.account_manager)
    assert client.get(reverse("servicedesk:detail", args=[other.pk])).status_code == 404
    assert client.post(reverse("servicedesk:act", args=[other.pk, "acknowledge"]), {}).status_code == 404
    assert other.reference not in client.get(reverse("servicedesk:ledger")).content.decode()
    other.refresh_from_db()
    assert other.status == Status.NEW


def test_it_hides_a_tipoff_page_from_everyone_but_inspectors(world, login, file_request):
    report = file_request(kind="report", category="other", at=timezone.now())
    assert login(world.station_head).get(reverse("servicedesk:detail", args=[report.pk])).status_code == 404
    assert login(world.inspector).get(reverse("servicedesk:detail", args=[report.pk])).status_code == 200


def test_it_lists_the_ledger_with_constant_queries_and_filters_it(world, login, file_request):
    client = login(world.agent)
    now = timezone.now()
    for i in range(3):
        file_request(
            world.shops["张湾1号线"][i % 2], category=["ordering", "settlement", "policy"][i], at=now
        )
    client.get(reverse("servicedesk:ledger"))  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("servicedesk:ledger"), {"size": 10})
    for i in range(25):
        file_request(world.shops["张湾2号线"][i % 2], category="other", kind="inquiry", at=now)
    with CaptureQueriesContext(connection) as big:
        page = client.get(reverse("servicedesk:ledger"), {"size": 50})
    assert len(big) == len(small)
    assert page.content.decode().count("SR2") >= 28
    filtered = client.get(reverse("servicedesk:ledger"), {"kind": "inquiry"}, HTTP_HX_REQUEST="true")
    fragment = filtered.content.decode()
    assert "<html" not in fragment and fragment.count(">咨询<") == 25 and "订货" not in fragment
    # the export of the filtered ledger: test_ledger_export


def test_it_refuses_a_bad_ledger_filter_without_crashing(world, login, recent):
    page = login(world.agent).get(
        reverse("servicedesk:ledger"), {"created_from": "not-a-date", "station": "abc"}
    )
    assert page.status_code == 200 and recent.reference not in page.content.decode()


def test_it_shows_the_board_and_refreshes_it(world, login, file_request):
    old = file_request(at=timezone.now() - timedelta(days=3))
    page = login(world.agent).get(reverse("servicedesk:board")).content.decode()
    assert 'hx-trigger="every 30s"' in page and old.reference in page
    fragment = login(world.agent).get(reverse("servicedesk:board"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and old.reference in fragment
    assert old.reference not in login(world.outsider).get(reverse("servicedesk:board")).content.decode()


def test_it_shows_kpis_with_chart_data(world, login, file_request):
    now = timezone.now()
    sr = file_request(at=now - timedelta(days=2))
    s.servicerequest_acknowledge(
        request=sr, actor=world.agent, now=now - timedelta(days=2) + timedelta(minutes=5)
    )
    from serviceloop.kpis.compute import kpivalues_compute, months_due

    kpivalues_compute(months=months_due(now - timedelta(days=2)), now=now)  # the page reads the job's values
    page = login(world.agent).get(reverse("servicedesk:kpis"), {"group": "category"}).content.decode()
    assert "服务态度" in page and "pareto-data" in page and "values" in page.split("pareto-data")[1][:200]
    by_station = login(world.agent).get(reverse("servicedesk:kpis")).content.decode()
    assert sr.station.name in by_station
    assert sr.station.name not in login(world.outsider).get(reverse("servicedesk:kpis")).content.decode()
    assert login(world.agent).get(reverse("servicedesk:kpis"), {"from": "bad"}).status_code == 200


def test_it_lists_tasks_and_notifications_and_marks_them_read(world, login, file_request):
    sr = file_request(at=timezone.now() - timedelta(days=3))
    sweep(timezone.now())
    client = login(world.station_head)
    assert 'data-testid="unread"' in client.get(reverse("servicedesk:bell")).content.decode()
    page = client.get(reverse("servicedesk:notifications")).content.decode()
    assert sr.reference in page
    client.post(reverse("servicedesk:notifications-read"), {})
    assert not Notification.objects.filter(user=world.station_head, read_at__isnull=True).exists()
    assert client.post(reverse("servicedesk:notifications-read"), {"id": "x"}).status_code == 400
    tasks = login(world.agent).get(reverse("servicedesk:tasks")).content.decode()
    assert sr.reference in tasks


def test_it_shows_the_shops_requests_on_its_page(world, login, recent):
    client = login(world.account_manager)
    detail = client.get(reverse("customers:detail", args=[recent.shop.pk])).content.decode()
    assert reverse("servicedesk:shop-panel", args=[recent.shop.pk]) in detail
    panel = client.get(reverse("servicedesk:shop-panel", args=[recent.shop.pk])).content.decode()
    assert recent.reference in panel
    assert (
        login(world.outsider).get(reverse("servicedesk:shop-panel", args=[recent.shop.pk])).status_code == 404
    )


def test_it_requires_login(client, recent):
    for name in ("servicedesk:tasks", "servicedesk:ledger", "servicedesk:board", "servicedesk:new"):
        assert client.get(reverse(name)).status_code == 302


def test_it_offers_only_owners_of_visible_requests_in_the_ledger_filter(world, login, file_request):
    mine = file_request(world.shops["张湾1号线"][0], at=timezone.now())
    other = file_request(world.shops["城关1号线"][0], at=timezone.now())
    s.servicerequest_acknowledge(request=mine, actor=world.agent, now=timezone.now())
    s.servicerequest_acknowledge(request=other, actor=world.agent, now=timezone.now())
    s.servicerequest_dispatch(
        request=mine, owner=world.account_manager, actor=world.agent, now=timezone.now()
    )
    s.servicerequest_dispatch(request=other, owner=world.outsider, actor=world.agent, now=timezone.now())
    owners = (
        login(world.account_manager).get(reverse("servicedesk:ledger")).context["filter"].filters["owner"]
    )
    assert list(owners.queryset) == [world.account_manager]
