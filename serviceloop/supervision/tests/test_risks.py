"""The three-level risk register: risks raised by hand within one's unit or by the rules run by the job, never twice
for the same cause and month; a risk goes open → measures under way → awaiting review → closed (or sent back)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from serviceloop.core.jobs import run_due_jobs, schedule
from serviceloop.supervision.models import Risk, RiskEvent
from serviceloop.supervision.rules import run_rules
from serviceloop.supervision.services import risk_raise, risk_transition, risk_update

from .helpers import NOW, TZ, complaint, followed_up, visits

pytestmark = pytest.mark.django_db
DEC = dt.datetime(2026, 12, 3, 9, 0, tzinfo=TZ)  # the job then looks at November


def test_a_station_whose_satisfaction_falls_two_months_in_a_row_is_raised_once(world):
    shop = world.shops["张湾1号线"][0]
    for month, score in ((9, 5), (10, 4), (11, 3)):
        followed_up(world, shop, at=dt.datetime(2026, month, 10, 10, tzinfo=TZ), satisfaction=score)
    other = world.shops["城关1号线"][0]  # rose: nothing to raise
    for month, score in ((9, 3), (10, 4), (11, 5)):
        followed_up(world, other, at=dt.datetime(2026, month, 10, 10, tzinfo=TZ), satisfaction=score)
    assert run_rules(DEC) == 1
    assert run_rules(DEC) == 0
    risk = Risk.objects.get()
    assert (risk.level, risk.station, risk.cause, risk.owner) == ("station", world.station_a1,
                                                                  "satisfaction_falling", world.station_head)  # fmt: skip
    assert risk.period == dt.date(2026, 11, 1) and "5.00" in risk.description
    risk_transition(risk=risk, action="submit", actor=world.station_head, now=DEC, note="已回访")
    risk_transition(risk=risk, action="close", actor=world.supervisor, now=DEC, note="属实")
    assert run_rules(DEC) == 0  # closed for this month: not raised again


def test_many_short_visits_and_repeated_complaints_about_one_route_raise_risks(world, settings):
    visits(world, 5, at=dt.datetime(2026, 11, 5, 9, tzinfo=TZ), minutes=3)  # the policy asks for more
    for day in (3, 8, 12):
        complaint(world, world.shops["茅箭1号线"][0], at=dt.datetime(2026, 11, day, 9, tzinfo=TZ))
    complaint(world, world.shops["城关1号线"][0], at=dt.datetime(2026, 11, 3, 9, tzinfo=TZ))
    assert run_rules(DEC) == 2
    short = Risk.objects.get(cause="short_visits")
    assert short.person == world.account_manager and short.station == world.station_a1
    route = Risk.objects.get(cause="route_complaints")
    assert route.station == world.station_a2 and "3" in route.title
    assert run_rules(DEC) == 0


def test_the_job_runner_runs_the_supervision_job(world):
    assert "supervision_daily" in [j.name for j in schedule()]
    result = run_due_jobs(DEC, force=True)["supervision_daily"]
    assert result.startswith("overdue 0")


def test_risks_are_raised_by_hand_within_ones_unit_and_worked_through_review(world):
    with pytest.raises(PermissionDenied):
        risk_raise(data={"level": "city", "title": "x"}, actor=world.inspector, now=NOW)
    with pytest.raises(ValidationError):
        risk_raise(
            data={"level": "branch", "branch": world.branch_b, "title": "x"}, actor=world.inspector, now=NOW
        )
    with pytest.raises(PermissionDenied):
        risk_raise(data={"level": "station", "station": world.station_a1, "title": "x"}, actor=world.account_manager,
                   now=NOW)  # fmt: skip
    with pytest.raises(ValidationError):
        risk_raise(data={"level": "station", "station": world.station_a2, "title": "x"}, actor=world.station_head,
                   now=NOW)  # fmt: skip
    risk = risk_raise(data={"level": "station", "station": world.station_a1, "title": "卷烟断货投诉多",
                            "owner": world.station_head, "deadline": dt.date(2026, 12, 1)},
                      actor=world.inspector, now=NOW)  # fmt: skip
    assert risk.branch == world.branch_a and risk.reference.startswith("FX202611")
    city = risk_raise(data={"level": "city", "title": "全市满意度下滑"}, actor=world.supervisor, now=NOW)
    assert city.branch is None and city.reference != risk.reference
    risk_update(risk=risk, data={"measures": "每周盘点", "deadline": dt.date(2026, 12, 5)}, actor=world.station_head,
                now=NOW)  # fmt: skip
    risk_transition(risk=risk, action="start", actor=world.station_head, now=NOW)
    with pytest.raises(ValidationError):
        risk_transition(risk=risk, action="close", actor=world.supervisor, now=NOW, note="好")
    risk_transition(risk=risk, action="submit", actor=world.station_head, now=NOW, note="已落实")
    with pytest.raises(PermissionDenied):  # the owner does not review their own risk
        risk_transition(risk=risk, action="close", actor=world.station_head, now=NOW, note="好")
    risk_transition(risk=risk, action="reopen", actor=world.inspector, now=NOW, note="效果不明显")
    risk_transition(risk=risk, action="submit", actor=world.station_head, now=NOW, note="再次落实")
    risk_transition(risk=risk, action="close", actor=world.inspector, now=NOW, note="复核通过")
    risk.refresh_from_db()
    assert risk.status == "closed" and risk.review == "复核通过"
    actions = list(RiskEvent.objects.filter(risk=risk).values_list("action", flat=True))
    assert actions == ["raise", "edit", "start", "submit", "reopen", "submit", "close"]
    with pytest.raises(ValidationError):
        risk_update(risk=risk, data={"measures": "改"}, actor=world.supervisor, now=NOW)
