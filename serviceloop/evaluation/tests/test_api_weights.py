"""Scorecard weights over the API: read by whoever sees scorecards, set by city admins with a reason through the
weights page's form and service; each change is a new row (the history) with its audit row."""

import pytest
from django.test import Client
from django.utils import timezone

from serviceloop.core.models import AuditEvent
from serviceloop.evaluation.models import ScorecardWeight
from serviceloop.evaluation.services import current_weights
from serviceloop.integrations.services import apitoken_create

pytestmark = pytest.mark.django_db
URL = "/api/v1/scorecard-weights/"


def client_of(user, scope="write"):
    _t, secret = apitoken_create(
        user=user, name="t", scope=scope, expires_at=None, actor=user, now=timezone.now()
    )
    return Client(HTTP_AUTHORIZATION=f"Token {secret}")


def post(client, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(URL, body, content_type="application/json", **headers)


def body_for(weight=7, reason="突出流失"):
    w = current_weights("manager")[0]
    return w, {"subject": "manager", "kpi": w.kpi.code, "perspective": w.perspective, "weight": weight,
               "reason": reason}  # fmt: skip


def test_a_city_admin_sets_a_weight_and_the_history_keeps_the_old_one(world, django_assert_max_num_queries):
    admin = client_of(world.city_admin)
    old, body = body_for()
    before = ScorecardWeight.objects.count()
    made = post(admin, body, key="W-1")
    assert made.status_code == 201, made.content
    assert made.json()["kpi_code"] == old.kpi.code and made.json()["weight"] == 7
    assert post(admin, body, key="W-1")["Idempotent-Replayed"] == "true"
    assert ScorecardWeight.objects.count() == before + 1
    current = admin.get(f"{URL}current/?subject=manager").json()
    line = next(w for w in current[0]["weights"] if w["kpi_code"] == old.kpi.code)
    assert line["weight"] == 7 and current[0]["total"] == sum(w["weight"] for w in current[0]["weights"])
    with django_assert_max_num_queries(10):  # token, throttle, scope, count, page with KPI and author
        history = admin.get(f"{URL}?subject=manager").json()
    assert history["results"][0]["reason"] == "突出流失"
    assert history["count"] == ScorecardWeight.objects.filter(subject="manager").count()
    assert AuditEvent.objects.filter(action="evaluation.weight").count() == 1


def test_bad_bodies_get_the_forms_messages(world):
    admin = client_of(world.city_admin)
    _w, body = body_for()
    before = ScorecardWeight.objects.count()
    assert post(admin, {}).json().keys() >= {"subject", "kpi", "perspective", "weight", "reason"}
    assert "weight" in post(admin, {**body, "weight": "abc"}).json()
    assert "weight" in post(admin, {**body, "weight": 101}).json()
    assert "kpi" in post(admin, {**body, "kpi": "no_such_kpi"}).json()
    assert "subject" in post(admin, {**body, "subject": "planet"}).json()
    assert "reason" in post(admin, {**body, "reason": "长" * 201}).json()
    assert "reason" in post(admin, {**body, "reason": ["a", "b"]}).json()
    assert ScorecardWeight.objects.count() == before


def test_who_reads_and_who_writes(world):
    _w, body = body_for()
    assert post(client_of(world.city_admin, "read"), body).status_code == 403
    for user in (world.branch_manager, world.supervisor, world.account_manager, world.outsider):
        assert post(client_of(user), body).status_code == 403
    # company-wide settings, read as on the weights page by whoever sees a scorecard (an outsider sees their own)
    assert client_of(world.supervisor).get(URL).status_code == 200
    assert client_of(world.outsider).get(f"{URL}current/").status_code == 200
    for user in (world.agent, world.inspector):
        assert client_of(user).get(URL).status_code == 403
        assert client_of(user).get(f"{URL}current/").status_code == 403
    assert Client().get(URL).status_code == 401
    assert not AuditEvent.objects.filter(action="evaluation.weight").exists()
