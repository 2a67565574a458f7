"""Inspection plans draw the same records twice: the sample of a station and month is seeded by plan, station,
month and record kind. Inspectors plan within their branch; the draw is idempotent and audited."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from serviceloop.core.models import AuditEvent
from serviceloop.supervision import sampling
from serviceloop.supervision.models import InspectionItem
from serviceloop.supervision.selectors import work_list
from serviceloop.supervision.services import plan_create, plan_draw

from .helpers import MONTH, NOW, followed_up, visits

pytestmark = pytest.mark.django_db


def test_it_samples_the_same_ids_from_the_same_seed_and_others_from_another():
    ids = list(range(1, 200))
    a = sampling.sample_ids(ids, 5, sampling.seed_for(1, 2, MONTH, "visits"))
    assert a == sampling.sample_ids(list(reversed(ids)), 5, sampling.seed_for(1, 2, MONTH, "visits"))
    assert a != sampling.sample_ids(ids, 5, sampling.seed_for(1, 2, dt.date(2026, 10, 1), "visits"))
    assert len(a) == 5 and a == sorted(a)
    assert sampling.sample_ids([3, 1], 5, "x") == [1, 3]  # fewer than asked: all of them


def make_plan(world, actor=None, **extra):
    data = {"name": "十一月走访抽查", "kind": "random", "sources": ["visits", "requests"], "per_station": 3,
            "branch": None, "first_month": MONTH, "last_month": None, "assignee": None, "notes": ""}  # fmt: skip
    data.update(extra)
    return plan_create(data=data, actor=actor or world.supervisor, now=NOW)


def test_a_plan_draws_the_same_items_twice_per_station_and_month(world):
    visits(world, 8)
    for i in range(4):
        followed_up(world, world.shops["张湾1号线"][i % 2], at=NOW - dt.timedelta(days=3 + i), satisfaction=4)
    plan = make_plan(world)
    added = plan_draw(plan=plan, month=MONTH, actor=world.supervisor, now=NOW)
    first = sorted(InspectionItem.objects.filter(plan=plan).values_list("station_id", "source", "object_id"))
    assert added == len(first) == 6  # station A1: 3 of 8 visits, 3 of 4 requests; the other stations had none
    assert plan_draw(plan=plan, month=MONTH, actor=world.supervisor, now=NOW) == 0  # idempotent
    InspectionItem.objects.filter(plan=plan).delete()
    plan_draw(plan=plan, month=MONTH, actor=world.supervisor, now=NOW)
    again = sorted(InspectionItem.objects.filter(plan=plan).values_list("station_id", "source", "object_id"))
    assert again == first
    item = InspectionItem.objects.filter(plan=plan, source="visits").first()
    assert item.person == world.account_manager and "′" in item.summary
    assert AuditEvent.objects.filter(action="supervision.plan_draw").count() == 3


def test_the_drawn_items_are_the_work_list_of_the_assignee_or_of_every_inspector_in_scope(world):
    visits(world, 4)
    open_plan = make_plan(world)
    plan_draw(plan=open_plan, month=MONTH, actor=world.supervisor, now=NOW)
    assert work_list(user=world.inspector).count() == 3  # branch A inspector: station A1 is theirs
    assert work_list(user=world.supervisor).count() == 3
    assert work_list(user=world.station_head).count() == 0
    mine = make_plan(world, name="指定督察", assignee=world.inspector, sources=["visits"], per_station=1)
    plan_draw(plan=mine, month=MONTH, actor=world.supervisor, now=NOW)
    assert work_list(user=world.inspector).count() == 4
    assert work_list(user=world.supervisor).count() == 3


def test_an_inspector_plans_within_their_branch_only_and_others_not_at_all(world):
    with pytest.raises(ValidationError):
        make_plan(world, actor=world.inspector, branch=None)
    with pytest.raises(ValidationError):
        make_plan(world, actor=world.inspector, branch=world.branch_b)
    plan = make_plan(world, actor=world.inspector, branch=world.branch_a)
    with pytest.raises(PermissionDenied):
        make_plan(world, actor=world.station_head, branch=world.branch_a)
    with pytest.raises(PermissionDenied):
        plan_draw(plan=plan, month=MONTH, actor=world.account_manager, now=NOW)


def test_a_plan_is_not_drawn_for_a_month_it_does_not_cover_or_that_has_not_begun(world):
    plan = make_plan(world)
    with pytest.raises(ValidationError):
        plan_draw(plan=plan, month=dt.date(2026, 10, 1), actor=world.supervisor, now=NOW)
    scheduled = make_plan(world, kind="scheduled", name="每月")
    with pytest.raises(ValidationError):
        plan_draw(plan=scheduled, month=dt.date(2026, 12, 1), actor=world.supervisor, now=NOW)
    with pytest.raises(ValidationError):
        make_plan(world, sources=[])
