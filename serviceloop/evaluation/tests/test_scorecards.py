"""Balanced scorecards: weights in four perspectives, monthly and quarterly, explained scores, adjustments
with reasons, weights with history, and scope (an account manager sees their own card only)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from serviceloop.customers.models import Customer
from serviceloop.evaluation.models import Scorecard, ScorecardAdjustment, ScorecardWeight
from serviceloop.evaluation.services import current_weights, job_scorecards, scorecards_compute
from serviceloop.kpis.compute import kpivalues_compute
from serviceloop.kpis.models import KpiValue
from serviceloop.kpis.selectors import Period
from serviceloop.kpis.testing import generate_month

pytestmark = pytest.mark.django_db
MONTH = dt.date(2026, 10, 1)


@pytest.fixture
def cards(world):
    generate_month(
        month=MONTH, shops=list(Customer.objects.select_related("route", "branch")), seed=11, per_shop=2
    )
    now = timezone.make_aware(dt.datetime(2026, 11, 2, 3))
    kpivalues_compute(months=[MONTH], now=now)
    for subject in ("manager", "station"):
        scorecards_compute(subject=subject, period=Period("month", MONTH), now=now)
        scorecards_compute(subject=subject, period=Period("quarter", dt.date(2026, 10, 1)), now=now)
    return world


def card_of(world, user, kind="month"):
    return Scorecard.objects.get(subject="manager", unit_id=user.pk, period_kind=kind, period=MONTH)


@pytest.mark.parametrize("subject", ["manager", "station"])
def test_service_quality_weighs_as_much_as_sales(db, subject):
    weights = current_weights(subject)
    by = {
        p: sum(w.weight for w in weights if w.perspective == p)
        for p in ("customer", "sales", "process", "learning")
    }
    assert by["customer"] == by["sales"] and all(by.values()) and sum(by.values()) == 100


def test_every_score_explains_itself(cards):
    card = card_of(cards, cards.account_manager)
    lines = [ln for ln in card.lines if ln["points"] is not None]
    assert lines, "the generated month gives the manager values"
    assert float(card.score) == pytest.approx(sum(ln["points"] for ln in lines) / sum(ln["weight"] for ln in lines) * 100,
                                              abs=0.01)  # fmt: skip
    for ln in lines:
        kv = KpiValue.objects.get(kpi__code=ln["kpi"], level="manager", unit_id=cards.account_manager.pk, period=MONTH,
                                  part="")  # fmt: skip
        assert ln["value"] == pytest.approx(kv.value, abs=0.01)
        assert ln["points"] == pytest.approx(ln["weight"] * ln["achievement"], abs=0.01)
        assert 0 <= ln["achievement"] <= 1.2


def test_quarterly_cards_are_computed_too(cards):
    assert card_of(cards, cards.account_manager, "quarter").score is not None
    assert Scorecard.objects.filter(
        subject="station", period_kind="quarter", unit_id=cards.station_a1.pk
    ).exists()


def test_recomputing_keeps_the_adjustments(cards):
    card = card_of(cards, cards.account_manager)
    ScorecardAdjustment.objects.create(scorecard=card, points=2, reason="协助督查", by=cards.station_head,
                                       at=timezone.now())  # fmt: skip
    scorecards_compute(subject="manager", period=Period("month", MONTH), now=timezone.now())
    assert card_of(cards, cards.account_manager).adjustments.count() == 1


def test_station_head_adjusts_a_managers_card_with_a_reason(cards, app):
    card = card_of(cards, cards.account_manager)
    page = app.get(reverse("evaluation:scorecard", args=[card.pk]), user=cards.station_head)
    form = page.forms["adjust-form"]
    form["points"] = "-3"
    form["reason"] = "抽查发现两次虚假拜访"
    page = form.submit().follow()
    assert "抽查发现两次虚假拜访" in page.html.select_one("[data-testid=adjustments]").text
    assert Decimal(page.html.select_one("[data-testid=final]").text) == card.score - 3


@pytest.mark.parametrize("points, reason", [("0", "无"), ("25", "太多"), ("abc", "x"), ("1", "")])
def test_a_bad_adjustment_is_refused(cards, app, points, reason):
    card = card_of(cards, cards.account_manager)
    form = app.get(reverse("evaluation:scorecard", args=[card.pk]), user=cards.city_admin).forms[
        "adjust-form"
    ]
    form["points"] = points
    form["reason"] = reason
    assert form.submit().status_code == 200 and not card.adjustments.exists()


def test_an_account_manager_sees_only_their_own_card(cards, app, login):
    page = app.get(reverse("evaluation:scorecards"), {"period": "2026-10"}, user=cards.account_manager)
    rows = page.html.select("[data-testid=scorecards] tbody tr")
    assert len(rows) == 1 and cards.account_manager.full_name in rows[0].text
    own = card_of(cards, cards.account_manager)
    page = app.get(reverse("evaluation:scorecard", args=[own.pk]), user=cards.account_manager)
    assert "adjust-form" not in page.forms  # nobody adjusts their own card
    assert login(cards.account_manager).post(reverse("evaluation:scorecard", args=[own.pk]),
                                             {"points": "5", "reason": "自评"}).status_code == 403  # fmt: skip
    peer = card_of(cards, cards.outsider)
    assert (
        login(cards.account_manager).get(reverse("evaluation:scorecard", args=[peer.pk])).status_code == 404
    )


def test_a_station_head_sees_their_stations_people_only(cards, app, login):
    page = app.get(reverse("evaluation:scorecards"), {"period": "2026-10"}, user=cards.station_head)
    text = page.html.select_one("[data-testid=scorecards]").text
    assert cards.account_manager.full_name in text and cards.outsider.full_name not in text
    peer = card_of(cards, cards.outsider)
    assert login(cards.station_head).get(reverse("evaluation:scorecard", args=[peer.pk])).status_code == 404


def test_city_admin_changes_a_weight_and_the_history_stays(world, app, login):
    before = ScorecardWeight.objects.count()
    form = app.get(reverse("evaluation:weights"), user=world.city_admin).forms["weight-form"]
    form["subject"] = "manager"
    form.select("kpi", text="客户流失率")
    form["perspective"] = "sales"
    form["weight"] = "8"
    form["reason"] = "年度考核方案调整"
    page = form.submit().follow()
    assert ScorecardWeight.objects.count() == before + 1
    assert "年度考核方案调整" in page.html.select_one("[data-testid=weight-history]").text
    churn = next(w for w in current_weights("manager") if w.kpi.code == "churn_rate")
    assert churn.weight == 8
    assert (
        login(world.station_head).post(reverse("evaluation:weights"), {"subject": "manager"}).status_code
        == 403
    )


@pytest.mark.parametrize("url", ["/evaluation/scorecards/?period=2026-10", "/evaluation/weights/"])
def test_pages_export_to_excel(cards, login, url):
    sep = "&" if "?" in url else "?"
    response = login(cards.city_admin).get(f"{url}{sep}export=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")


def test_a_card_exports_to_excel(cards, login):
    card = card_of(cards, cards.account_manager)
    assert (
        login(cards.account_manager)
        .get(reverse("evaluation:scorecard", args=[card.pk]) + "?export=xlsx")
        .status_code
        == 200
    )


def test_a_user_without_a_role_is_refused(world, login):
    from serviceloop.core.testing import make_user

    nobody = make_user("nobody", "", company=world.company)
    assert login(nobody).get(reverse("evaluation:scorecards")).status_code == 403


def test_the_job_computes_month_and_quarter(world):
    from serviceloop.core.jobs import schedule

    assert "scorecards_monthly" in {j.name for j in schedule()}
    job_scorecards(timezone.make_aware(dt.datetime(2026, 11, 3, 3)))
    kinds = set(Scorecard.objects.values_list("period_kind", "period"))
    assert ("month", dt.date(2026, 11, 1)) in kinds and ("quarter", dt.date(2026, 10, 1)) in kinds


def test_a_double_submission_adjusts_once(cards, login):
    card = card_of(cards, cards.account_manager)
    client = login(cards.station_head)
    for _ in range(2):
        client.post(reverse("evaluation:scorecard", args=[card.pk]), {"points": "1", "reason": "表扬信"})
    assert card.adjustments.count() == 1


def test_scorecard_list_queries_are_flat(cards, login, django_assert_max_num_queries):
    from serviceloop.core.testing import make_user
    from serviceloop.org.models import Role

    client = login(cards.city_admin)
    with django_assert_max_num_queries(15):
        client.get(reverse("evaluation:scorecards"), {"period": "2026-10"})
    for i in range(20):
        make_user(
            f"am{i}",
            Role.ACCOUNT_MANAGER,
            company=cards.company,
            branch=cards.branch_a,
            station=cards.station_a1,
        )
    scorecards_compute(subject="manager", period=Period("month", MONTH), now=timezone.now())
    with django_assert_max_num_queries(15):
        client.get(reverse("evaluation:scorecards"), {"period": "2026-10"})
