"""Each request's next running deadline (``next_due_at``), which the home page's "overdue requests" count reads, is
kept by the services through every move of the request, equals a recount from the milestones, and gives the same
count as the open requests joined to their overdue milestones, in each user's scope (issue 14)."""

from datetime import timedelta

import pytest
from django.db.models import Min

from serviceloop.kpis.home import _overdue_requests
from serviceloop.servicedesk import services as s
from serviceloop.servicedesk.models import OPEN, MilestoneState, RequestMilestone, ServiceRequest
from serviceloop.servicedesk.sla import next_due_rebuild

pytestmark = pytest.mark.django_db


def recounted() -> dict:
    """next_due_at as it must be: the earliest pending, running milestone of a request still open."""
    running = (
        RequestMilestone.objects.filter(
            state=MilestoneState.PENDING, paused_at__isnull=True, request__status__in=OPEN
        )
        .values("request")
        .annotate(m=Min("due_at"))
    )
    return {r["request"]: r["m"] for r in running}


def kept() -> dict:
    return dict(ServiceRequest.objects.filter(next_due_at__isnull=False).values_list("pk", "next_due_at"))


def joined_count(user, now) -> int:
    """The count as the home page made it before: open requests joined to their overdue milestones."""
    return (
        ServiceRequest.objects.visible_to(user)
        .filter(status__in=OPEN, milestones__state=MilestoneState.PENDING, milestones__paused_at__isnull=True,
                milestones__due_at__lte=now)
        .values("pk").distinct().count()
    )  # fmt: skip


def test_the_next_deadline_is_kept_through_every_move_and_equals_a_recount(world, file_request, now):
    later = now + timedelta(days=30)  # every deadline of these requests has passed by then
    steps = []

    def check(what):
        steps.append(what)
        assert kept() == recounted(), steps
        for user in (world.city_admin, world.branch_manager, world.station_head, world.account_manager,
                     world.outsider, world.agent):  # fmt: skip
            assert _overdue_requests(user, later)[0]["count"] == joined_count(user, later), (steps, user)

    a = file_request()
    b = file_request(world.shops["张湾2号线"][0], kind="complaint")
    c = file_request(world.shops["城关1号线"][0])
    check("filed")
    s.servicerequest_acknowledge(request=a, actor=world.agent, now=now)
    check("acknowledged")
    s.servicerequest_dispatch(request=a, owner=world.account_manager, actor=world.agent, now=now)
    check("dispatched")
    s.servicerequest_hold(request=b, reason="等待客户回复", actor=world.agent, now=now)
    check("held")
    s.servicerequest_resume(request=b, actor=world.agent, now=now + timedelta(hours=3))
    check("resumed")
    s.servicerequest_start(request=a, plan="上门", actor=world.account_manager, now=now)
    s.servicerequest_report(
        request=a, actions_taken="上门", outcome="解决", actor=world.account_manager, now=now
    )
    s.servicerequest_resolve(request=a, actor=world.account_manager, now=now + timedelta(hours=2))
    check("resolved")
    s.servicerequest_follow_up(request=a, reached=True, satisfaction=1, comment="没解决", actor=world.agent,
                               now=now + timedelta(hours=4))  # fmt: skip
    check("dissatisfied: reopened")
    s.servicerequest_cancel(request=c, reason="重复来电", actor=world.agent, now=now)
    check("cancelled")
    assert ServiceRequest.objects.get(pk=c.pk).next_due_at is None
    # a recount changes nothing, and puts right what a bulk write left out
    before = kept()
    assert next_due_rebuild() == len(before)
    assert kept() == before
    ServiceRequest.objects.update(next_due_at=None)
    next_due_rebuild()
    assert kept() == before == recounted()


def test_overdue_requests_are_counted_only_in_the_users_scope(world, file_request, now):
    file_request(world.shops["城关1号线"][0])  # the outsider's route, another branch
    file_request(world.shops["张湾1号线"][0])
    later = now + timedelta(days=30)
    counts = {u: _overdue_requests(getattr(world, u), later)[0]["count"]
              for u in ("city_admin", "branch_manager", "station_head", "account_manager", "outsider")}  # fmt: skip
    assert counts == {
        "city_admin": 2,
        "branch_manager": 1,
        "station_head": 1,
        "account_manager": 1,
        "outsider": 1,
    }
    assert _overdue_requests(world.city_admin, now)[0]["count"] == 0  # nothing due yet
