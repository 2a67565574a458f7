"""Account-manager grades and service stars: rule proposals on generated scorecards, decisions by people with
history and audit, the rules' history, scope (a station head sees their station's people only, an account
manager never a peer's), forms as rendered, bad input, query counts."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from serviceloop.core.models import AuditEvent
from serviceloop.core.testing import make_user
from serviceloop.evaluation import recognition as r
from serviceloop.evaluation.models import (
    GradeProposal,
    GradeRule,
    ManagerGrade,
    Scorecard,
    ScorecardAdjustment,
    StarAward,
    StarRule,
)
from serviceloop.kpis.selectors import Period
from serviceloop.org.models import Role

pytestmark = pytest.mark.django_db
YEAR = 2025
NOW = timezone.make_aware(dt.datetime(2026, 1, 10, 9))


def cards_for(user_or_station_id, scores, *, subject="manager", year=YEAR, kind="month"):
    rows = []
    for i, score in enumerate(scores):
        period = dt.date(year, i + 1, 1) if kind == "month" else dt.date(year, 3 * i + 1, 1)
        rows.append(Scorecard(subject=subject, unit_id=user_or_station_id, period_kind=kind, period=period,
                              score=None if score is None else Decimal(str(score)), lines=[], computed_at=NOW))  # fmt: skip
    Scorecard.objects.bulk_create(rows)
    return rows


@pytest.fixture
def year(world):
    """A year of monthly scorecards: the station's manager excellent, the outsider middling, a third one poor and
    a fourth with only six scored months."""
    c = world.company
    world.poor = make_user(
        "poor_am", Role.ACCOUNT_MANAGER, company=c, branch=world.branch_a, station=world.station_a1
    )
    world.newcomer = make_user("new_am", Role.ACCOUNT_MANAGER, company=c, branch=world.branch_a,
                               station=world.station_a2)  # fmt: skip
    rng = random.Random(5)
    cards_for(world.account_manager.pk, [round(rng.uniform(90, 99), 2) for _ in range(12)])
    cards_for(world.outsider.pk, [round(rng.uniform(76, 86), 2) for _ in range(12)])
    cards_for(world.poor.pk, [round(rng.uniform(50, 70), 2) for _ in range(12)])
    cards_for(world.newcomer.pk, [95, 96, 97, 98, 99, 95] + [None] * 6)
    return world


def proposal(user):
    return GradeProposal.objects.get(manager=user, year=YEAR)


# --------------------------------------------------------------------------------------------------- rules
def test_the_rule_proposes_grades_from_a_year_of_scorecards(year):
    assert r.grades_propose(year=YEAR, actor=year.city_admin, now=NOW) == 4
    assert proposal(year.account_manager).grade == "senior"
    assert proposal(year.outsider).grade == "intermediate"
    assert proposal(year.poor).grade == "junior"
    new = proposal(year.newcomer)
    assert new.grade == "junior" and new.months == 6  # too few scored months, however good
    am = proposal(year.account_manager)
    finals = list(Scorecard.objects.filter(unit_id=year.account_manager.pk).values_list("score", flat=True))
    assert am.months == 12 and am.average == (sum(finals) / 12).quantize(Decimal("0.01"))
    assert am.lowest == min(finals) and am.rule == GradeRule.objects.get()
    assert AuditEvent.objects.filter(action="evaluation.grades.propose").count() == 1


def test_adjustments_count_and_one_bad_month_keeps_a_manager_from_senior(year):
    card = Scorecard.objects.get(unit_id=year.account_manager.pk, period=dt.date(YEAR, 3, 1))
    ScorecardAdjustment.objects.create(
        scorecard=card, points=-20, reason="虚假拜访", by=year.city_admin, at=NOW
    )
    card.score = Decimal("85")
    card.save()
    r.grades_propose(year=YEAR, actor=None, now=NOW)
    p = proposal(year.account_manager)
    assert p.lowest == Decimal("65.00") and p.grade == "intermediate"  # average still ≥ 75, but 65 < floor 80


def test_a_changed_rule_changes_the_proposals_still_waiting_only(year):
    r.grades_propose(year=YEAR, actor=year.city_admin, now=NOW)
    r.grade_decide(manager=year.outsider, grade="intermediate", reason="年度考评", actor=year.city_admin, now=NOW,
                   year=YEAR)  # fmt: skip
    r.graderule_set(values={"senior_min": Decimal(80), "senior_floor": Decimal(70), "intermediate_min": Decimal(60),
                            "min_months": 6}, reason="放宽标准", actor=year.city_admin, now=NOW)  # fmt: skip
    r.grades_propose(year=YEAR, actor=year.city_admin, now=NOW + dt.timedelta(hours=1))
    assert proposal(year.newcomer).grade == "senior"  # six months are enough now
    assert proposal(year.poor).grade == "intermediate" or proposal(year.poor).average < 60
    decided = proposal(year.outsider)
    assert decided.state == "decided" and decided.grade == "intermediate"  # left as it was decided
    assert GradeRule.objects.count() == 2  # the default row and the change: history


# ----------------------------------------------------------------------------------------------- decisions
def test_a_branch_manager_decides_with_a_reason_and_the_history_stays(year, app):
    r.grades_propose(year=YEAR, actor=year.city_admin, now=NOW)
    page = app.get(reverse("evaluation:manager", args=[year.account_manager.pk]), user=year.branch_manager)
    assert "pending-proposal" in page.text
    form = page.forms["grade-form"]
    assert form["grade"].value == "senior" and form["year"].value == str(YEAR)
    form["grade"] = "intermediate"
    form["reason"] = "服务投诉两起，暂定中级"
    page = form.submit().follow()
    assert "服务投诉两起" in page.html.select_one("[data-testid=grade-history]").text
    assert proposal(year.account_manager).state == "decided"
    form = page.forms["grade-form"]
    form["grade"] = "senior"
    form["reason"] = "复核后改为高级"
    page = form.submit().follow()
    rows = page.html.select("[data-testid=grade-history] tbody tr")
    assert len(rows) == 2 and "复核后改为高级" in rows[0].text
    assert ManagerGrade.objects.filter(manager=year.account_manager).count() == 2
    audit = AuditEvent.objects.filter(action="evaluation.grade").order_by("at", "id")
    assert [a.data["grade"] for a in audit] == ["intermediate", "senior"]
    assert all(a.actor == year.branch_manager for a in audit)
    # the grade in force shows on the profile and in the list
    assert "高级客户经理" in page.html.select_one("[data-testid=current-grade]").text
    listing = app.get(reverse("evaluation:grades"), {"year": YEAR}, user=year.branch_manager)
    assert "高级客户经理" in listing.html.select_one("[data-testid=grades]").text


def test_a_double_submission_decides_once(year):
    kwargs = {
        "manager": year.poor,
        "grade": "junior",
        "reason": "年度考评",
        "actor": year.city_admin,
        "year": YEAR,
    }
    r.grade_decide(now=NOW, **kwargs)
    r.grade_decide(now=NOW + dt.timedelta(seconds=5), **kwargs)
    assert ManagerGrade.objects.filter(manager=year.poor).count() == 1


@pytest.mark.parametrize(
    "grade, year_text, reason",
    [("expert", "2025", "x"), ("senior", "abc", "x"), ("senior", "1999", "x"), ("senior", "2025", ""),
     ("senior", "2025", "长" * 301)],
)  # fmt: skip
def test_a_bad_decision_is_refused(year, login, grade, year_text, reason):
    response = login(year.city_admin).post(reverse("evaluation:manager", args=[year.poor.pk]),
                                           {"grade": grade, "year": year_text, "reason": reason})  # fmt: skip
    assert response.status_code == 400 and not ManagerGrade.objects.exists()


def test_who_may_decide(year, login):
    url = reverse("evaluation:manager", args=[year.account_manager.pk])
    data = {"grade": "senior", "year": YEAR, "reason": "自评"}
    # the person themselves, their station head, a supervisor: may look (or not) but not decide
    assert login(year.account_manager).post(url, data).status_code == 403
    assert login(year.station_head).post(url, data).status_code == 403
    assert login(year.supervisor).post(url, data).status_code == 403
    # a branch manager of another branch does not even see the person
    other = make_user("bm_b", Role.BRANCH_MANAGER, company=year.company, branch=year.branch_b)
    assert login(other).get(url).status_code == 404
    assert not ManagerGrade.objects.exists()
    assert not r.may_decide(year.account_manager, "manager", year.account_manager.pk)


# ---------------------------------------------------------------------------------------------------- scope
def test_a_station_head_sees_their_stations_people_only(year, app):
    r.grades_propose(year=YEAR, actor=year.city_admin, now=NOW)
    page = app.get(reverse("evaluation:grades"), {"year": YEAR}, user=year.station_head)
    text = page.html.select_one("[data-testid=grades]").text
    assert year.account_manager.full_name in text and year.poor.full_name in text
    assert year.outsider.full_name not in text and year.newcomer.full_name not in text
    assert "grade-propose-form" not in page.forms
    app.get(reverse("evaluation:manager", args=[year.outsider.pk]), user=year.station_head, status=404)


def test_an_account_manager_sees_their_own_grade_never_a_peers(year, app):
    ManagerGrade.objects.create(manager=year.poor, grade="junior", year=YEAR, reason="考评", decided_by=year.city_admin,
                                decided_at=NOW)  # fmt: skip
    page = app.get(reverse("evaluation:grades"), user=year.account_manager)
    rows = page.html.select("[data-testid=grades] tbody tr")
    assert len(rows) == 1 and year.account_manager.full_name in rows[0].text
    stations = [o.text for o in page.html.select("#g-station option") if o.get("value")]
    assert stations == [f"{year.branch_a.name} · {year.station_a1.name}"]  # no other station's name offered
    app.get(reverse("evaluation:manager", args=[year.account_manager.pk]), user=year.account_manager)
    app.get(reverse("evaluation:manager", args=[year.poor.pk]), user=year.account_manager, status=404)
    app.get(reverse("evaluation:grades"), user=year.agent, status=403)


def test_grade_list_filters_pagination_and_export(year, app, login):
    for i in range(60):
        make_user(f"am_extra_{i}", Role.ACCOUNT_MANAGER, company=year.company, branch=year.branch_a,
                  station=year.station_a2)  # fmt: skip
    r.grades_propose(year=YEAR, actor=year.city_admin, now=NOW)
    page = app.get(
        reverse("evaluation:grades"), {"year": YEAR, "station": year.station_a2.pk}, user=year.city_admin
    )
    assert len(page.html.select("[data-testid=grades] tbody tr")) == 50
    page = app.get(reverse("evaluation:grades"), {"year": YEAR, "q": "poor_am"}, user=year.city_admin)
    assert len(page.html.select("[data-testid=grades] tbody tr")) == 1
    r.grade_decide(
        manager=year.poor, grade="junior", reason="考评", actor=year.city_admin, now=NOW, year=YEAR
    )
    page = app.get(reverse("evaluation:grades"), {"year": YEAR, "grade": "junior"}, user=year.city_admin)
    assert [tr.select("td")[1].text.strip() for tr in page.html.select("[data-testid=grades] tbody tr")] == [
        year.poor.full_name
    ]
    pending = app.get(reverse("evaluation:grades"), {"year": YEAR, "grade": "pending"}, user=year.city_admin)
    assert year.poor.full_name not in pending.html.select_one("[data-testid=grades]").text
    response = login(year.city_admin).get(reverse("evaluation:grades"), {"year": YEAR, "export": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")


def test_grade_list_queries_stay_flat(year, login, django_assert_max_num_queries):
    client = login(year.city_admin)
    r.grades_propose(year=YEAR, actor=year.city_admin, now=NOW)
    with django_assert_max_num_queries(14) as small:
        client.get(reverse("evaluation:grades"), {"year": YEAR})
    for i in range(40):
        make_user(f"am_more_{i}", Role.ACCOUNT_MANAGER, company=year.company, branch=year.branch_a,
                  station=year.station_a1)  # fmt: skip
    r.grades_propose(year=YEAR, actor=year.city_admin, now=NOW)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("evaluation:grades"), {"year": YEAR})


def test_city_admin_proposes_and_edits_the_rule_on_the_pages(year, app):
    form = app.get(reverse("evaluation:grades"), user=year.city_admin).forms["grade-propose-form"]
    form["year"] = str(YEAR)
    page = form.submit().follow()
    assert GradeProposal.objects.filter(year=YEAR).count() == 4
    assert len(page.html.select("[data-testid=grades] tbody tr")) == 4  # all four wait for a decision
    form = app.get(reverse("evaluation:grade-rules"), user=year.city_admin).forms["grade-rule-form"]
    form["senior_min"] = "92"
    form["reason"] = "提高高级门槛"
    page = form.submit().follow()
    assert "提高高级门槛" in page.html.select_one("[data-testid=grade-rule-history]").text
    assert r.grade_rule_in_force().senior_min == Decimal(92)
    form = page.forms["grade-rule-form"]
    form["intermediate_min"] = "95"  # above the senior line
    form["reason"] = "错误"
    assert form.submit(status=400) and GradeRule.objects.count() == 2
    assert "grade-rule-form" not in app.get(reverse("evaluation:grade-rules"), user=year.station_head).forms


# ---------------------------------------------------------------------------------------------------- stars
@pytest.fixture
def quarter(world):
    c = world.company
    world.poor = make_user(
        "poor_am", Role.ACCOUNT_MANAGER, company=c, branch=world.branch_a, station=world.station_a1
    )
    world.third = make_user(
        "third_am", Role.ACCOUNT_MANAGER, company=c, branch=world.branch_a, station=world.station_a2
    )
    q = dt.date(2025, 7, 1)
    for unit, score in ((world.account_manager.pk, 96), (world.outsider.pk, 97), (world.poor.pk, 70),
                        (world.third.pk, 91)):  # fmt: skip
        Scorecard.objects.create(subject="manager", unit_id=unit, period_kind="quarter", period=q, score=score,
                                 lines=[], computed_at=NOW)  # fmt: skip
    for station, score in ((world.station_a1, 93), (world.station_a2, 88), (world.station_b1, 95)):
        Scorecard.objects.create(subject="station", unit_id=station.pk, period_kind="quarter", period=q, score=score,
                                 lines=[], computed_at=NOW)  # fmt: skip
    world.period = Period("quarter", q)
    return world


def test_the_star_rule_proposes_the_best_above_the_line(quarter):
    assert r.stars_propose(subject="manager", period=quarter.period, actor=quarter.city_admin, now=NOW) == 3
    ranked = list(StarAward.objects.filter(subject="manager").order_by("rank").values_list("unit_id", "rank"))
    assert ranked == [(quarter.outsider.pk, 1), (quarter.account_manager.pk, 2), (quarter.third.pk, 3)]
    assert r.stars_propose(subject="station", period=quarter.period, actor=quarter.city_admin, now=NOW) == 2
    assert set(StarAward.objects.filter(subject="station").values_list("unit_id", flat=True)) == {
        quarter.station_b1.pk, quarter.station_a1.pk}  # fmt: skip
    # a month is not what the default rule counts
    assert (
        r.stars_propose(subject="manager", period=Period("month", dt.date(2025, 7, 1)), actor=None, now=NOW)
        == 0
    )


def test_a_stricter_rule_withdraws_waiting_proposals_and_keeps_decided_ones(quarter):
    r.stars_propose(subject="manager", period=quarter.period, actor=None, now=NOW)
    third = StarAward.objects.get(unit_id=quarter.third.pk)
    r.star_decide(award=third, confirm=True, reason="", actor=quarter.city_admin, now=NOW)
    r.starrule_set(subject="manager", values={"period_kind": "quarter", "top_n": 1, "min_score": Decimal(95),
                                              "kpi": None, "active": True}, reason="只评一名",
                   actor=quarter.city_admin, now=NOW)  # fmt: skip
    assert r.stars_propose(subject="manager", period=quarter.period, actor=None, now=NOW) == 1
    left = dict(StarAward.objects.values_list("unit_id", "state"))
    assert left == {quarter.outsider.pk: "proposed", quarter.third.pk: "confirmed"}


def test_adjustments_count_for_stars(quarter):
    card = Scorecard.objects.get(subject="manager", unit_id=quarter.poor.pk)
    ScorecardAdjustment.objects.create(
        scorecard=card, points=20, reason="抗疫保供", by=quarter.city_admin, at=NOW
    )
    StarRule.objects.create(
        subject="manager", period_kind="quarter", top_n=10, min_score=90, reason="多评", set_at=NOW
    )
    r.stars_propose(subject="manager", period=quarter.period, actor=None, now=NOW)
    assert StarAward.objects.get(unit_id=quarter.poor.pk).score == Decimal(90)


def test_a_kpi_condition_needs_the_target_met(quarter):
    from serviceloop.kpis.models import Kpi, KpiTarget, KpiValue

    kpi = Kpi.objects.get(code="followup_satisfaction")
    target = KpiTarget.objects.filter(kpi=kpi, level="manager").order_by("-set_at").first()
    assert target is not None
    for unit, value in (
        (quarter.outsider.pk, float(target.target) - 10),
        (quarter.account_manager.pk, 100.0),
    ):
        KpiValue.objects.create(kpi=kpi, level="manager", unit_id=unit, period=dt.date(2025, 8, 1), numerator=value,
                                denominator=100, value=value, computed_at=NOW)  # fmt: skip
    StarRule.objects.create(subject="manager", period_kind="quarter", top_n=5, min_score=90, kpi=kpi, reason="满意度",
                            set_at=NOW)  # fmt: skip
    r.stars_propose(subject="manager", period=quarter.period, actor=None, now=NOW)
    award = StarAward.objects.get()
    assert award.unit_id == quarter.account_manager.pk and award.basis["kpi"]["met"] is True


def test_a_supervisor_confirms_on_the_page_and_the_decision_is_audited(quarter, app, login):
    r.stars_propose(subject="manager", period=quarter.period, actor=None, now=NOW)
    award = StarAward.objects.get(unit_id=quarter.account_manager.pk)
    page = app.get(reverse("evaluation:star", args=[award.pk]), user=quarter.supervisor)
    form = page.forms["star-form"]
    form["decision"] = "reject"
    assert form.submit(status=400)  # not confirming needs a reason
    form = app.get(reverse("evaluation:star", args=[award.pk]), user=quarter.supervisor).forms["star-form"]
    form["decision"] = "confirm"
    page = form.submit().follow()
    award.refresh_from_db()
    assert award.state == "confirmed" and award.decided_by == quarter.supervisor
    assert "star-form" not in page.forms
    assert AuditEvent.objects.filter(action="evaluation.star", object_id=str(award.pk)).count() == 1
    # a second submission of the same decision (another tab) changes nothing
    client = login(quarter.supervisor)
    assert (
        client.post(
            reverse("evaluation:star", args=[award.pk]), {"decision": "reject", "reason": "x"}
        ).status_code
        == 302
    )
    award.refresh_from_db()
    assert award.state == "confirmed"
    with pytest.raises(Exception):  # noqa: B017,PT011 - ValidationError from the service
        r.star_decide(award=award, confirm=False, reason="改", actor=quarter.city_admin, now=NOW)


def test_nobody_confirms_their_own_star_and_station_heads_do_not_confirm(quarter, login):
    r.stars_propose(subject="manager", period=quarter.period, actor=None, now=NOW)
    award = StarAward.objects.get(unit_id=quarter.account_manager.pk)
    url = reverse("evaluation:star", args=[award.pk])
    assert login(quarter.account_manager).get(url).status_code == 200
    assert login(quarter.account_manager).post(url, {"decision": "confirm"}).status_code == 403
    assert login(quarter.station_head).post(url, {"decision": "confirm"}).status_code == 403
    award.refresh_from_db()
    assert award.state == "proposed"


def test_star_scope(quarter, app):
    r.stars_propose(subject="manager", period=quarter.period, actor=None, now=NOW)
    r.stars_propose(subject="station", period=quarter.period, actor=None, now=NOW)
    mine = app.get(reverse("evaluation:stars"), user=quarter.account_manager)
    rows = mine.html.select("[data-testid=stars] tbody tr")
    assert len(rows) == 1 and quarter.account_manager.full_name in rows[0].text
    head = (
        app.get(reverse("evaluation:stars"), user=quarter.station_head)
        .html.select_one("[data-testid=stars]")
        .text
    )
    assert quarter.account_manager.full_name in head and quarter.station_a1.name in head
    assert quarter.outsider.full_name not in head and quarter.station_b1.name not in head
    peer = StarAward.objects.get(unit_id=quarter.outsider.pk, subject="manager")
    app.get(reverse("evaluation:star", args=[peer.pk]), user=quarter.account_manager, status=404)
    app.get(reverse("evaluation:star", args=[peer.pk]), user=quarter.station_head, status=404)
    everything = app.get(reverse("evaluation:stars"), user=quarter.city_admin)
    assert len(everything.html.select("[data-testid=stars] tbody tr")) == 5


def test_stars_on_the_pages_propose_filter_export_and_rules(quarter, app, login):
    form = app.get(reverse("evaluation:stars"), user=quarter.city_admin).forms["star-propose-form"]
    form["subject"] = "manager"
    form["period"] = "2025-Q3"
    page = form.submit().follow()
    assert len(page.html.select("[data-testid=stars] tbody tr")) == 3
    form = page.forms["star-propose-form"]
    form["period"] = "2025-13"
    assert form.submit(status=400)
    page = app.get(reverse("evaluation:stars"), {"state": "confirmed"}, user=quarter.city_admin)
    assert not page.html.select("[data-testid=stars] tbody tr td a")
    response = login(quarter.city_admin).get(reverse("evaluation:stars"), {"export": "xlsx"})
    assert response.status_code == 200
    form = app.get(reverse("evaluation:star-rules"), user=quarter.city_admin).forms["star-rule-form"]
    form["subject"] = "station"
    form["period_kind"] = "month"
    form["top_n"] = "2"
    form["min_score"] = "85"
    form["reason"] = "明星团队按月评"
    page = form.submit().follow()
    assert "明星团队按月评" in page.html.select_one("[data-testid=star-rule-history]").text
    assert r.star_rule_in_force("station").period_kind == "month"
    form = page.forms["star-rule-form"]
    form["top_n"] = "0"
    form["reason"] = "x"
    before = StarRule.objects.count()  # the default manager rule (saved when it proposed) and the change
    assert form.submit(status=400).html.select(".invalid-feedback, .errorlist")
    assert StarRule.objects.count() == before == 2
    assert (
        login(quarter.station_head).post(reverse("evaluation:star-rules"), {"subject": "manager"}).status_code
        == 403
    )
    assert (
        login(quarter.station_head).post(reverse("evaluation:stars"), {"subject": "manager"}).status_code
        == 403
    )


def test_star_list_queries_stay_flat(quarter, login, django_assert_max_num_queries):
    client = login(quarter.city_admin)
    r.stars_propose(subject="manager", period=quarter.period, actor=None, now=NOW)
    with django_assert_max_num_queries(16) as small:
        client.get(reverse("evaluation:stars"))
    for i in range(30):
        u = make_user(f"star_{i}", Role.ACCOUNT_MANAGER, company=quarter.company, branch=quarter.branch_a,
                      station=quarter.station_a1)  # fmt: skip
        Scorecard.objects.create(subject="manager", unit_id=u.pk, period_kind="quarter", period=quarter.period.start,
                                 score=99, lines=[], computed_at=NOW)  # fmt: skip
    StarRule.objects.create(
        subject="manager", period_kind="quarter", top_n=40, min_score=90, reason="多评", set_at=NOW
    )
    r.stars_propose(subject="manager", period=quarter.period, actor=None, now=NOW)
    assert StarAward.objects.count() > 30
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("evaluation:stars"))


def test_the_job_proposes_the_closed_quarter_and_last_years_grades(quarter):
    StarAward.objects.all().delete()
    now = timezone.make_aware(dt.datetime(2025, 10, 3, 4))
    out = r.job_recognition(now)
    assert StarAward.objects.filter(period=dt.date(2025, 7, 1)).count() == 5, out
    r.job_recognition(timezone.make_aware(dt.datetime(2026, 1, 3, 4)))
    assert GradeProposal.objects.filter(year=2025).exists()
