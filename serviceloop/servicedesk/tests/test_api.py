"""The API: file (idempotent), list, read, every action — same services and scope as the pages."""

import pytest
from django.utils import timezone

from serviceloop.servicedesk.models import ServiceRequest, Status

pytestmark = pytest.mark.django_db
URL = "/api/v1/service-requests/"


def test_it_files_by_licence_number_once_per_idempotency_key(world, login):
    client = login(world.agent)
    shop = world.shops["张湾1号线"][0]
    body = {
        "licence_no": shop.licence_no,
        "channel": "hotline_12313",
        "kind": "complaint",
        "category": "delivery",
        "text": "三天没送货",
        "callback_phone": "13900001111",
    }
    first = client.post(URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="12313-778")
    again = client.post(URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="12313-778")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["reference"] == again.json()["reference"]
    assert ServiceRequest.objects.count() == 1
    data = first.json()
    assert data["shop"] == shop.pk and data["status"] == "new"
    assert {m["milestone"] for m in data["milestones"]} == {"acknowledge", "resolve"}
    assert "acknowledge" in data["allowed_actions"]


@pytest.mark.parametrize(
    "change,field",
    [
        ({"kind": "gossip"}, "kind"),
        ({"category": "nope"}, "category"),
        ({"text": ""}, "text"),
        ({"text": "长" * 2001}, "text"),
        ({"channel": 5}, "channel"),
        ({"callback_phone": "abc"}, "detail"),
        ({"shop": "x"}, "shop"),
    ],
)
def test_it_refuses_bad_input(world, login, change, field):
    body = {
        "shop": world.shops["张湾1号线"][0].pk,
        "channel": "phone",
        "kind": "complaint",
        "category": "delivery",
        "text": "没送到",
        **change,
    }
    response = login(world.agent).post(URL, body, content_type="application/json")
    assert response.status_code == 400 and field in response.json()
    assert ServiceRequest.objects.count() == 0


def test_it_refuses_another_routes_shop_to_an_account_manager(world, login):
    body = {
        "shop": world.shops["城关1号线"][0].pk,
        "channel": "visit",
        "kind": "request",
        "category": "other",
        "text": "x",
    }
    response = login(world.account_manager).post(URL, body, content_type="application/json")
    assert response.status_code == 400 and "shop" in response.json()
    body = {
        "licence_no": world.shops["城关1号线"][0].licence_no,
        "channel": "visit",
        "kind": "request",
        "category": "other",
        "text": "x",
    }
    assert login(world.account_manager).post(URL, body, content_type="application/json").status_code == 400


def test_it_lists_and_reads_only_what_the_caller_may_see(world, login, file_request):
    mine = file_request(world.shops["张湾1号线"][0], at=timezone.now())
    other = file_request(world.shops["城关1号线"][0], at=timezone.now())
    client = login(world.account_manager)
    refs = [r["reference"] for r in client.get(URL).json()["results"]]
    assert refs == [mine.reference]
    assert client.get(f"{URL}{other.pk}/").status_code == 404
    assert (
        client.post(f"{URL}{other.pk}/acknowledge/", {}, content_type="application/json").status_code == 404
    )
    other.refresh_from_db()
    assert other.status == Status.NEW
    assert client.get(URL, {"kind": "inquiry"}).json()["count"] == 0


def test_it_runs_the_loop_through_the_action_endpoints(world, client, login, file_request):
    sr = file_request(at=timezone.now())
    agent = login(world.agent)

    def post(c, step, data=None):
        return c.post(f"{URL}{sr.pk}/{step}/", data or {}, content_type="application/json")

    assert post(agent, "acknowledge").status_code == 200
    assert post(agent, "dispatch", {"owner": 999999}).status_code == 400
    assert post(agent, "dispatch", {"owner": world.account_manager.pk}).json()["status"] == "dispatched"
    client.logout()
    am = login(world.account_manager)
    assert post(am, "start", {"note": "上门"}).status_code == 200
    refused = post(am, "resolve")
    assert refused.status_code == 400 and "处理反馈单" in str(refused.json())
    assert post(am, "report", {"actions_taken": "上门", "outcome": "解决"}).status_code == 200
    assert post(am, "resolve").json()["status"] == "resolved"
    assert post(am, "follow-up", {"reached": "yes", "satisfaction": 5}).status_code == 403
    client.logout()
    agent = login(world.agent)
    assert post(agent, "follow-up", {"reached": "yes", "satisfaction": 9}).status_code == 400
    assert post(agent, "follow-up", {"reached": "yes", "satisfaction": 4}).json()["status"] == "followed_up"
    assert post(agent, "close").json()["status"] == "closed"
    assert post(agent, "close").status_code == 403


def test_it_hides_tipoffs_in_the_api(world, login, file_request):
    report = file_request(kind="report", category="other", at=timezone.now())
    assert login(world.station_head).get(f"{URL}{report.pk}/").status_code == 404
    assert login(world.inspector).get(f"{URL}{report.pk}/").status_code == 200


def test_it_refuses_anonymous_callers(client):
    assert client.get(URL).status_code in (401, 403)
    assert client.post(URL, {}, content_type="application/json").status_code in (401, 403)
