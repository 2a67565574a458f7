"""KPIs and scorecards over the API: the same scope as the pages (an account manager reads their own unit and card
only; another unit is 404), targets and adjustments through the pages' forms and services, idempotent writes."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from serviceloop.core.models import AuditEvent
from serviceloop.customers.models import Customer
from serviceloop.evaluation.models import Scorecard, ScorecardAdjustment
from serviceloop.evaluation.services import scorecards_compute
from serviceloop.integrations.services import apitoken_create
from serviceloop.kpis.compute import kpivalues_compute
from serviceloop.kpis.models import Kpi, KpiTarget
from serviceloop.kpis.selectors import Period
from serviceloop.kpis.testing import generate_month

pytestmark = pytest.mark.django_db
MONTH = dt.date(2026, 10, 1)


def client_of(user, scope="write"):
    _t, secret = apitoken_create(
        user=user, name="t", scope=scope, expires_at=None, actor=user, now=timezone.now()
    )
    return Client(HTTP_AUTHORIZATION=f"Token {secret}")


def post(client, path, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(path, body, content_type="application/json", **headers)


@pytest.fixture
def cards(world):
    generate_month(
        month=MONTH, shops=list(Customer.objects.select_related("route", "branch")), seed=11, per_shop=2
    )
    now = timezone.make_aware(dt.datetime(2026, 11, 2, 3))
    kpivalues_compute(months=[MONTH], now=now)
    for subject in ("manager", "station"):
        scorecards_compute(subject=subject, period=Period("month", MONTH), now=now)
    return world


def card_of(user):
    return Scorecard.objects.get(subject="manager", unit_id=user.pk, period_kind="month", period=MONTH)


# --- KPIs ----------------------------------------------------------------------------------------------------
def test_an_account_manager_reads_their_own_kpis_and_gets_404_for_someone_elses(cards):
    am = client_of(cards.account_manager)
    own = am.get("/api/v1/kpis/values/?period=2026-10").json()
    assert own["level"] == "manager" and own["unit"] == cards.account_manager.pk
    assert any(r["value"] is not None for r in own["rows"]) and len(own["trend_labels"]) == 12
    other = am.get(f"/api/v1/kpis/values/?level=manager&unit={cards.outsider.pk}&period=2026-10")
    assert other.status_code == 404
    assert am.get("/api/v1/kpis/values/?level=city").status_code == 404
    code = Kpi.objects.filter(active=True).first().code
    routes = am.get(f"/api/v1/kpis/{code}/compare/?level=route&period=2026-10").json()["results"]
    assert {r["unit"] for r in routes} == {cards.route_a1_1.pk}
    city = client_of(cards.city_admin).get(f"/api/v1/kpis/{code}/compare/?level=route&period=2026-10").json()
    assert city["count"] > 1
    assert client_of(cards.agent).get("/api/v1/kpis/").status_code == 200
    assert Client().get("/api/v1/kpis/").status_code == 401


def test_the_catalogue_and_target_history(cards, django_assert_max_num_queries):
    admin = client_of(cards.city_admin)
    with django_assert_max_num_queries(14):  # token, throttle cache, scope, count, page, targets
        catalogue = admin.get("/api/v1/kpis/").json()
    assert catalogue["count"] == Kpi.objects.filter(active=True).count()
    kpi = Kpi.objects.filter(active=True, unit="%", direction="higher").first()
    path = f"/api/v1/kpis/{kpi.code}/targets/"
    body = {"level": "station", "target": "95", "warning": "90", "reason": "年度目标调整"}
    made = post(admin, path, body, key="T-1")
    assert made.status_code == 201 and made.json()["target"] == "95.00"
    assert post(admin, path, body, key="T-1")["Idempotent-Replayed"] == "true"
    assert KpiTarget.objects.filter(kpi=kpi, reason="年度目标调整").count() == 1
    wrong_way = post(admin, path, {**body, "warning": "99"})
    assert wrong_way.status_code == 400 and "non_field_errors" in wrong_way.json()
    assert post(admin, path, {**body, "target": "abc"}).json().keys() >= {"target"}
    assert post(admin, path, {"level": "station"}).json().keys() >= {"target", "warning", "reason"}
    assert post(admin, path, {**body, "reason": "长" * 201}).status_code == 400
    assert post(client_of(cards.account_manager), path, body).status_code == 403
    assert post(client_of(cards.city_admin, "read"), path, body).status_code == 403
    history = admin.get(path).json()
    assert history["results"][0]["reason"] == "年度目标调整"
    assert AuditEvent.objects.filter(action="kpis.target").count() == 1


# --- scorecards ----------------------------------------------------------------------------------------------
def test_an_account_manager_sees_their_own_card_only(cards):
    am = client_of(cards.account_manager)
    rows = am.get("/api/v1/scorecards/?subject=manager&period=2026-10").json()["results"]
    assert [r["unit_id"] for r in rows] == [cards.account_manager.pk]
    mine = am.get(f"/api/v1/scorecards/{card_of(cards.account_manager).pk}/").json()
    assert mine["perspectives"] and mine["may_adjust"] is False
    assert am.get(f"/api/v1/scorecards/{card_of(cards.outsider).pk}/").status_code == 404
    assert am.get("/api/v1/scorecards/999999/").status_code == 404
    assert client_of(cards.agent).get("/api/v1/scorecards/").status_code == 403
    ranked = client_of(cards.city_admin).get("/api/v1/scorecards/?subject=manager&period=2026-10").json()
    ranks = [r["rank"] for r in ranked["results"] if r["rank"] is not None]
    assert ranks == sorted(ranks) and ranked["count"] >= 2


def test_an_adjustment_with_its_reason_through_the_pages_service(cards):
    card = card_of(cards.account_manager)
    path = f"/api/v1/scorecards/{card.pk}/adjustments/"
    sup = client_of(cards.supervisor)
    made = post(sup, path, {"points": "-2.5", "reason": "督察发现虚假走访"}, key="ADJ-1")
    assert made.status_code == 201, made.content
    assert made.json()["adjustments"][0]["reason"] == "督察发现虚假走访"
    assert float(made.json()["final"]) == pytest.approx(float(card.score) - 2.5)
    assert post(sup, path, {"points": "-2.5", "reason": "督察发现虚假走访"}, key="ADJ-1").status_code == 201
    assert ScorecardAdjustment.objects.filter(scorecard=card).count() == 1
    zero = post(sup, path, {"points": "0", "reason": "x"})
    assert zero.status_code == 400 and "points" in zero.json()
    assert post(sup, path, {"points": "25", "reason": "x"}).json().keys() >= {"points"}
    assert post(sup, path, {"points": "1"}).json().keys() >= {"reason"}
    assert post(sup, path, {"points": "1", "reason": "长" * 301}).status_code == 400
    assert post(sup, path, {"points": "1", "reason": "a\x00"}).status_code == 400
    own = post(client_of(cards.account_manager), path, {"points": "5", "reason": "自评"})
    assert own.status_code == 403  # nobody adjusts their own card
    outsider = post(client_of(cards.outsider), path, {"points": "5", "reason": "x"})
    assert outsider.status_code == 404
    assert post(client_of(cards.supervisor, "read"), path, {"points": "1", "reason": "x"}).status_code == 403
