"""Inspection records: a finding per item; a problem opens a rectification whose owner rectifies and whose inspector
verifies or sends back; overdue rectifications are marked once; findings are counted for the scorecards."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from serviceloop.core.models import AuditEvent
from serviceloop.supervision.models import InspectionItem, Rectification, RectificationEvent, Risk
from serviceloop.supervision.selectors import finding_counts
from serviceloop.supervision.services import (
    job_mark_overdue,
    plan_create,
    plan_draw,
    record_create,
    rectification_transition,
)

from .helpers import MONTH, NOW, visits

pytestmark = pytest.mark.django_db


def drawn(world, n=3, assignee=None):
    visits(world, 6)
    plan = plan_create(data={"name": "抽查", "kind": "random", "sources": ["visits"], "per_station": n,
                             "branch": None, "first_month": MONTH, "assignee": assignee}, actor=world.supervisor,
                       now=NOW)  # fmt: skip
    plan_draw(plan=plan, month=MONTH, actor=world.supervisor, now=NOW)
    return list(InspectionItem.objects.filter(plan=plan).order_by("pk"))


PROBLEM = {"method": "phone", "finding": "problem", "severity": "major", "notes": "店主说没来过",
           "task": "补走访并说明情况", "deadline": dt.date(2026, 11, 25)}  # fmt: skip


def test_a_problem_opens_a_rectification_that_goes_open_rectified_sent_back_rectified_verified(world):
    item = drawn(world)[0]
    record = record_create(item=item, data=PROBLEM, actor=world.inspector, now=NOW)
    rect = record.rectification
    assert rect.owner == world.account_manager and rect.status == "open" and rect.station == world.station_a1
    for who in ("city_admin", "supervisor", "inspector", "branch_manager", "station_head", "account_manager"):
        assert Rectification.objects.visible_to(getattr(world, who)).count() == 1, who
    for who in ("outsider", "market_manager", "agent"):
        assert not Rectification.objects.visible_to(getattr(world, who)).exists(), who
    with pytest.raises(PermissionDenied):  # the inspector does not rectify; the owner does not verify
        rectification_transition(rect=rect, action="rectify", actor=world.inspector, now=NOW, note="x")
    rectification_transition(
        rect=rect, action="rectify", actor=world.account_manager, now=NOW, note="已补走访"
    )
    with pytest.raises(PermissionDenied):
        rectification_transition(rect=rect, action="verify", actor=world.account_manager, now=NOW)
    with pytest.raises(ValidationError):
        rectification_transition(rect=rect, action="send_back", actor=world.inspector, now=NOW, note="")
    rectification_transition(rect=rect, action="send_back", actor=world.inspector, now=NOW, note="没有照片")
    rectification_transition(rect=rect, action="rectify", actor=world.station_head, now=NOW, note="补了照片")
    rectification_transition(rect=rect, action="verify", actor=world.inspector, now=NOW)
    with pytest.raises(ValidationError):
        rectification_transition(rect=rect, action="verify", actor=world.inspector, now=NOW)
    steps = list(RectificationEvent.objects.filter(rectification=rect).values_list("action", "to_status"))
    assert steps == [("create", "open"), ("rectify", "rectified"), ("send_back", "sent_back"),
                     ("rectify", "rectified"), ("verify", "verified")]  # fmt: skip
    assert AuditEvent.objects.filter(object_type="supervision.rectification").count() == 4


def test_an_item_is_inspected_once_by_someone_who_may_and_a_problem_needs_a_severity_and_deadline(world):
    first, second, third = drawn(world)
    with pytest.raises(PermissionDenied):
        record_create(item=first, data=PROBLEM, actor=world.station_head, now=NOW)
    with pytest.raises(ValidationError):
        record_create(item=first, data={**PROBLEM, "severity": "none"}, actor=world.inspector, now=NOW)
    with pytest.raises(ValidationError):
        record_create(
            item=first, data={**PROBLEM, "deadline": dt.date(2026, 11, 1)}, actor=world.inspector, now=NOW
        )
    ok = record_create(item=first, data={"method": "records", "finding": "ok", "severity": "major"},
                       actor=world.inspector, now=NOW)  # fmt: skip
    assert ok.severity == "none" and not Rectification.objects.filter(record=ok).exists()
    with pytest.raises(ValidationError):
        record_create(
            item=first, data={"method": "records", "finding": "ok"}, actor=world.supervisor, now=NOW
        )


def test_a_plan_given_to_one_inspector_is_theirs_alone(world):
    item = drawn(world, assignee=world.inspector)[0]
    with pytest.raises(PermissionDenied):
        record_create(item=item, data={"method": "records", "finding": "ok"}, actor=world.supervisor, now=NOW)
    record_create(item=item, data={"method": "records", "finding": "ok"}, actor=world.inspector, now=NOW)


def test_overdue_rectifications_are_marked_once(world):
    record = record_create(item=drawn(world)[0], data=PROBLEM, actor=world.inspector, now=NOW)
    assert job_mark_overdue(NOW) == (0, 0)
    later = NOW + dt.timedelta(days=10)
    assert job_mark_overdue(later) == (1, 0)
    assert job_mark_overdue(later) == (0, 0)
    rect = Rectification.objects.get(record=record)
    assert rect.overdue_at == later and rect.is_overdue(dt.date(2026, 11, 30))
    assert rect.events.filter(action="overdue").count() == 1


def test_findings_are_counted_per_person_station_and_month_by_severity(world):
    a, b, c = drawn(world)
    record_create(item=a, data=PROBLEM, actor=world.inspector, now=NOW)
    record_create(item=b, data={**PROBLEM, "severity": "serious"}, actor=world.inspector, now=NOW)
    record_create(item=c, data={"method": "site", "finding": "ok"}, actor=world.inspector, now=NOW)
    serious = Risk.objects.get()  # the serious finding went on the station's register
    assert (serious.cause, serious.station, serious.owner, serious.person) == (
        "inspection",
        world.station_a1,
        world.station_head,
        world.account_manager,
    )
    rows = finding_counts(first_month=MONTH, last_month=MONTH)
    assert rows == [{"person_id": world.account_manager.pk, "station_id": world.station_a1.pk, "month": MONTH,
                     "inspected": 3, "ok": 1, "problems": 2, "minor": 0, "major": 1, "serious": 1}]  # fmt: skip
    assert finding_counts(first_month=MONTH, last_month=MONTH, by=("station",))[0]["problems"] == 2
    assert finding_counts(first_month=MONTH, last_month=MONTH, user=world.outsider) == []
    assert finding_counts(first_month=dt.date(2026, 12, 1), last_month=dt.date(2026, 12, 1)) == []
