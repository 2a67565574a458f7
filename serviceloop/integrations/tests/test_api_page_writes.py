"""Writes the pages allow, now over the API too: the problem-tag library with its strategies, visit policies and
survey waves (add, draw, open) — the city admin's, through the pages' forms and services, audited, idempotent."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from serviceloop.core.models import AuditEvent
from serviceloop.integrations.services import apitoken_create
from serviceloop.surveys.models import Questionnaire, Wave
from serviceloop.tags.models import ProblemTag
from serviceloop.visits.models import VisitPolicy

pytestmark = pytest.mark.django_db


def client_of(user, scope="write"):
    _t, secret = apitoken_create(
        user=user, name="t", scope=scope, expires_at=None, actor=user, now=timezone.now()
    )
    return Client(HTTP_AUTHORIZATION=f"Token {secret}")


def send(client, method, path, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return getattr(client, method)(path, body, content_type="application/json", **headers)


TAG = {"category": "ordering", "name": "不会网上订货API", "description": "", "discovery_source": "visit",
       "severity": 2, "active": True, "actions": "上门演示\n电话回访", "responsible_role": "account_manager",
       "time_limit_days": 7, "materials": ""}  # fmt: skip


def test_the_tag_library_is_edited_with_versions(world):
    admin = client_of(world.city_admin)
    made = send(admin, "post", "/api/v1/problem-tags/", TAG, key="LIB-1")
    assert made.status_code == 201, made.content
    assert made.json()["strategy"]["steps"] == ["上门演示", "电话回访"] and made.json()["version"] == 1
    assert send(admin, "post", "/api/v1/problem-tags/", TAG, key="LIB-1")["Idempotent-Replayed"] == "true"
    assert ProblemTag.objects.filter(name=TAG["name"]).count() == 1
    pk = made.json()["id"]
    edited = send(admin, "put", f"/api/v1/problem-tags/{pk}/", {**TAG, "time_limit_days": 5, "version": 1})
    assert edited.status_code == 200 and edited.json()["version"] == 2
    stale = send(admin, "put", f"/api/v1/problem-tags/{pk}/", {**TAG, "version": 1})
    assert stale.status_code == 400 and "non_field_errors" in stale.json()  # someone saved in between
    for change, field in (({"time_limit_days": 0}, "time_limit_days"), ({"name": ""}, "name"),
                          ({"severity": "high"}, "severity"), ({"actions": "x" * 2001}, "actions")):  # fmt: skip
        bad = send(admin, "post", "/api/v1/problem-tags/", {**TAG, **change})
        assert bad.status_code == 400 and field in bad.json(), change
    assert send(client_of(world.account_manager), "post", "/api/v1/problem-tags/", TAG).status_code == 403
    assert send(client_of(world.city_admin, "read"), "post", "/api/v1/problem-tags/", TAG).status_code == 403
    assert AuditEvent.objects.filter(action="tag.library").count() == 2


POLICY = {"name": "五星客户API", "kind": "stars", "stars_min": 5, "stars_max": 5, "key_list": "",
          "visits_per_month": 4, "min_minutes": 15, "max_gap_days": 10, "checklist": "陈列\n价格", "active": True}  # fmt: skip


def test_visit_policies_are_added_and_edited_by_the_city_admin(world):
    admin = client_of(world.city_admin)
    made = send(admin, "post", "/api/v1/visit-policies/", POLICY, key="VP-1")
    assert made.status_code == 201, made.content
    assert made.json()["checklist_items"] == ["陈列", "价格"]
    pk = made.json()["id"]
    edited = send(admin, "put", f"/api/v1/visit-policies/{pk}/", {**POLICY, "min_minutes": 20})
    assert edited.status_code == 200 and VisitPolicy.objects.get(pk=pk).min_minutes == 20
    stars = send(
        admin, "post", "/api/v1/visit-policies/", {**POLICY, "name": "x", "stars_min": 5, "stars_max": 1}
    )
    assert stars.status_code == 400
    dup = send(admin, "post", "/api/v1/visit-policies/", POLICY)
    assert dup.status_code == 400 and "name" in dup.json()
    assert send(
        admin, "post", "/api/v1/visit-policies/", {**POLICY, "name": "y", "visits_per_month": "many"}
    ).json().keys() >= {"visits_per_month"}
    assert send(client_of(world.station_head), "post", "/api/v1/visit-policies/", POLICY).status_code == 403


def test_a_survey_wave_is_added_drawn_and_opened(world):
    admin = client_of(world.city_admin)
    today = timezone.localdate()
    body = {"questionnaire": Questionnaire.objects.order_by("pk").first().pk, "name": "API 调查",
            "period_start": today.isoformat(), "period_end": (today + dt.timedelta(days=20)).isoformat(),
            "anonymous": False, "target_mode": "all", "confidence": "0.95", "margin": "0.05"}  # fmt: skip
    made = send(admin, "post", "/api/v1/survey-waves/", body, key="W-1")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    backwards = send(
        admin,
        "post",
        "/api/v1/survey-waves/",
        {**body, "name": "倒序", "period_end": (today - dt.timedelta(days=1)).isoformat()},
    )
    assert backwards.status_code == 400 and "period_end" in backwards.json()
    drawn = send(admin, "post", f"/api/v1/survey-waves/{pk}/draw/", {})
    assert (
        drawn.status_code == 200
        and drawn.json()["n_targets"] is None
        or Wave.objects.get(pk=pk).targets.exists()
    )
    closed = send(admin, "post", f"/api/v1/survey-waves/{pk}/transition/", {"to": "closed"})
    assert closed.status_code == 400 and "non_field_errors" in closed.json()  # draft → closed is not a step
    assert send(admin, "post", f"/api/v1/survey-waves/{pk}/transition/", {"to": 3}).json().keys() >= {"to"}
    opened = send(admin, "post", f"/api/v1/survey-waves/{pk}/transition/", {"to": "open"}, key="W-2")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    assert send(client_of(world.branch_manager), "post", "/api/v1/survey-waves/", body).status_code == 403
    assert (
        send(client_of(world.branch_manager), "post", f"/api/v1/survey-waves/{pk}/draw/", {}).status_code
        == 403
    )


def test_the_holiday_calendar_is_kept_and_days_deleted_over_the_api(world):
    admin = client_of(world.city_admin)
    made = send(admin, "post", "/api/v1/servicedesk/holidays/",
                {"first": "2027-02-06", "last": "2027-02-08", "is_workday": "off", "name": "春节"}, key="H-1")  # fmt: skip
    assert made.status_code == 201 and [r["date"] for r in made.json()["days"]] == [
        "2027-02-06",
        "2027-02-07",
        "2027-02-08",
    ]
    listed = admin.get("/api/v1/servicedesk/holidays/?year=2027").json()
    assert listed["count"] == 3
    backwards = send(
        admin,
        "post",
        "/api/v1/servicedesk/holidays/",
        {"first": "2027-02-08", "last": "2027-02-06", "is_workday": "off"},
    )
    assert backwards.status_code == 400 and "non_field_errors" in backwards.json()
    assert send(admin, "post", "/api/v1/servicedesk/holidays/", {"first": "soon"}).json().keys() >= {"first"}
    assert (
        send(
            admin,
            "post",
            "/api/v1/servicedesk/holidays/",
            {"first": "2027-01-01", "is_workday": "off", "name": "长" * 51},
        ).status_code
        == 400
    )
    pk = made.json()["days"][0]["id"]
    assert client_of(world.station_head).delete(f"/api/v1/servicedesk/holidays/{pk}/").status_code == 403
    assert (
        client_of(world.city_admin, "read").delete(f"/api/v1/servicedesk/holidays/{pk}/").status_code == 403
    )
    assert admin.delete(f"/api/v1/servicedesk/holidays/{pk}/").status_code == 204
    assert admin.delete(f"/api/v1/servicedesk/holidays/{pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="servicedesk.holiday_delete").count() == 1
