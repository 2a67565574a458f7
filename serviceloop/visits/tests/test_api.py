"""Visits over the API: plan, add, move, cancel, check in, check out with the checklist and a photo; key lists.
Same services, scope and messages as the pages."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from serviceloop.visits.models import KeyCustomerEntry, Visit, VisitPolicy, VisitStatus

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def png() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return SimpleUploadedFile("shop.png", buf.getvalue(), content_type="image/png")


def test_it_adds_a_visit_once_per_key_and_an_outsider_gets_404(world):
    shop = world.shops["张湾1号线"][0]
    body = {"customer": shop.pk, "day": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}
    am = api(world.account_manager)
    one = am.post("/api/v1/visits/", body, format="json", HTTP_IDEMPOTENCY_KEY="v-1")
    two = am.post("/api/v1/visits/", body, format="json", HTTP_IDEMPOTENCY_KEY="v-1")
    assert one.status_code == two.status_code == 201 and one.json()["id"] == two.json()["id"]
    assert Visit.objects.count() == 1
    assert api(world.outsider).post("/api/v1/visits/", body, format="json").status_code == 404
    assert api(world.outsider).get(f"/api/v1/visits/{one.json()['id']}/").status_code == 404
    assert api(world.outsider).get("/api/v1/visits/").json()["count"] == 0
    past = am.post("/api/v1/visits/", {**body, "day": "2020-01-01"}, format="json")
    assert past.status_code == 400 and "non_field_errors" in past.json()
    assert am.post("/api/v1/visits/", {**body, "day": "明天"}, format="json").json()["day"]


def test_the_day_move_cancel_and_list_filters(world):
    shop = world.shops["张湾1号线"][0]
    am = api(world.account_manager)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    visit = am.post(
        "/api/v1/visits/", {"customer": shop.pk, "day": tomorrow.isoformat()}, format="json"
    ).json()
    assert [v["id"] for v in am.get("/api/v1/visits/day/", {"day": tomorrow.isoformat()}).json()] == [
        visit["id"]
    ]
    assert am.get("/api/v1/visits/day/", {"day": "x"}).status_code == 400
    later = (tomorrow + dt.timedelta(days=2)).isoformat()
    moved = am.post(f"/api/v1/visits/{visit['id']}/move/", {"day": later}, format="json")
    assert moved.json()["planned_on"] == later
    assert am.get("/api/v1/visits/", {"date_from": later, "status": "planned"}).json()["count"] == 1
    assert (
        am.get("/api/v1/visits/", {"date_from": (tomorrow + dt.timedelta(days=9)).isoformat()}).json()[
            "count"
        ]
        == 0
    )
    no_reason = am.post(f"/api/v1/visits/{visit['id']}/cancel/", {"reason": " "}, format="json")
    assert no_reason.status_code == 400
    done = am.post(f"/api/v1/visits/{visit['id']}/cancel/", {"reason": "店主外出"}, format="json")
    assert done.json()["status"] == VisitStatus.CANCELLED


def test_a_missed_visit_cannot_be_cancelled_by_its_manager_over_the_api(world):
    shop = world.shops["张湾1号线"][0]
    visit = Visit.objects.create(customer=shop, manager=world.account_manager, route=shop.route, source="manual",
                                 planned_on=timezone.localdate() - dt.timedelta(days=1))  # fmt: skip
    am, url = api(world.account_manager), f"/api/v1/visits/{visit.pk}/"
    assert am.get(url).json()["may_manage"] is False
    refused = am.post(url + "cancel/", {"reason": "忘了去"}, format="json")
    assert refused.status_code == 400 and "只有站长或市场经理" in str(refused.json())
    head = api(world.station_head)
    assert head.get(url).json()["may_manage"] is True
    assert head.post(url + "cancel/", {"reason": "客户停业"}, format="json").json()["status"] == "cancelled"
    assert api(world.outsider).post(url + "cancel/", {"reason": "x"}, format="json").status_code == 404


def test_check_in_and_out_with_checklist_photo_and_masked_reads(world):
    shop = world.shops["张湾1号线"][0]
    policy = VisitPolicy.objects.filter(min_minutes__gt=0).exclude(checklist="").first()
    visit = Visit.objects.create(customer=shop, manager=world.account_manager, route=shop.route, policy=policy,
                                 planned_on=timezone.localdate(), source="manual")  # fmt: skip
    am, url = api(world.account_manager), f"/api/v1/visits/{visit.pk}/"
    assert api(world.station_head).post(url + "check-in/", {}, format="json").status_code == 403
    bad = am.post(url + "check-in/", {"latitude": 200, "longitude": 10}, format="json")
    assert bad.status_code == 400 and "latitude" in bad.json()
    r = am.post(url + "check-in/", {"latitude": "32.6", "longitude": "110.8"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == VisitStatus.IN_PROGRESS
    assert r.json()["checklist"] == policy.checklist_items
    item = policy.checklist_items[0]
    unknown = am.post(url + "check-out/", {"outcome": "visited", "covered": ["不存在"]}, format="json")
    assert unknown.status_code == 400 and "covered" in unknown.json()
    short = am.post(url + "check-out/", {"outcome": "visited", "covered": [item]}, format="json")
    assert (
        short.status_code == 400 and "non_field_errors" in short.json()
    )  # shorter than the policy's minimum
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=policy.min_minutes + 1)):
        done = am.post(url + "check-out/", {"outcome": "visited", "covered": [item], "notes": "陈列整改",
                                            "photo": png()}, format="multipart")  # fmt: skip
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == VisitStatus.DONE and done.json()["has_photo"]
    photo = am.get(url + "photo/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert api(world.outsider).get(url + "photo/").status_code == 404


def test_key_lists_summary_and_entries_in_scope(world):
    shop_in, shop_out = world.shops["张湾1号线"][0], world.shops["城关1号线"][0]
    now = timezone.now()
    for shop in (shop_in, shop_out):
        KeyCustomerEntry.objects.create(
            key_list="care", customer=shop, since=timezone.localdate(), computed_at=now
        )
    am = api(world.account_manager)
    summary = {row["key"]: row["count"] for row in am.get("/api/v1/key-lists/").json()}
    assert summary["care"] == 1
    entries = am.get("/api/v1/key-list-entries/", {"list": "care"}).json()
    assert [e["licence_no"] for e in entries["results"]] == [shop_in.licence_no]
    assert am.get("/api/v1/key-list-entries/").status_code == 400
    assert api(world.city_admin).get("/api/v1/key-list-entries/", {"list": "care"}).json()["count"] == 2
