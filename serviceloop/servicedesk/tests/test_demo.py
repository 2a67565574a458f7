"""The demo part: a year of requests in every state, consistent with the state machine, fast, reproducible."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from serviceloop.core.demo import demo_build, demo_reset
from serviceloop.servicedesk.models import (
    FINAL,
    TRANSITIONS,
    MilestoneState,
    RequestEvent,
    RequestMilestone,
    ServiceRequest,
    Status,
)

NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
pytestmark = pytest.mark.django_db


def snapshot():
    return list(
        ServiceRequest.objects.order_by("reference").values_list(
            "reference",
            "shop__licence_no",
            "kind",
            "category__code",
            "status",
            "owner__username",
            "satisfaction",
        )
    )


def test_it_builds_a_year_of_requests_in_every_state_and_resets(settings):
    demo_build(customers=800, seed=3, now=NOW)
    first = snapshot()
    assert 800 <= len(first) <= 1100
    statuses = Counter(r[4] for r in first)
    for status in (
        Status.NEW,
        Status.ACKNOWLEDGED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.CLOSED,
        Status.ANSWERED,
    ):
        assert statuses[status] > 0, status
    assert statuses[Status.CLOSED] > len(first) / 2
    kinds = Counter(r[2] for r in first)
    assert set(kinds) >= {"inquiry", "request", "complaint", "suggestion", "praise", "report"}
    days = ServiceRequest.objects.dates("created_at", "month")
    assert len(days) >= 12
    # every recorded transition is one the state machine allows
    for frm, to in RequestEvent.objects.exclude(from_status="").values_list("from_status", "to_status"):
        assert to in TRANSITIONS[frm], (frm, to)
    assert not RequestMilestone.objects.filter(
        state=MilestoneState.PENDING, request__status__in=FINAL
    ).exists()
    assert RequestMilestone.objects.filter(breached=True).exists()
    demo_reset()
    assert not ServiceRequest.objects.exists()
    demo_build(customers=800, seed=3, now=NOW)
    assert [r[1:] for r in snapshot()] == [r[1:] for r in first]


def test_the_demo_leaves_no_request_without_a_named_owner_and_its_lists_agree_with_its_events():
    from serviceloop.core.testing import make_user
    from serviceloop.org.models import Company, Role
    from serviceloop.servicedesk.board import board_data
    from serviceloop.servicedesk.selectors import overdue_q, task_sections
    from serviceloop.visits.models import KeyCustomerEntry

    demo_build(customers=800, seed=3, now=NOW)
    reopened = ServiceRequest.objects.filter(reopen_count__gt=0)
    assert reopened.exists()
    stuck = ServiceRequest.objects.filter(status=Status.REOPENED)
    assert not stuck.filter(owner__isnull=True).exists()
    assert not stuck.filter(owner_due_at__isnull=True).exists()
    for sr in stuck:
        assert sr.milestones.filter(round=1, milestone="resolve", state=MilestoneState.PENDING).exists(), sr
    # whoever is being handled has a named owner
    handling = ServiceRequest.objects.filter(
        status__in=[Status.DISPATCHED, Status.IN_PROGRESS, Status.REOPENED]
    )
    assert not handling.filter(owner__isnull=True).exists()
    # a request's status is the last status its trail records
    last = {}
    for request_id, to in (
        RequestEvent.objects.exclude(to_status="").order_by("at", "id").values_list("request_id", "to_status")
    ):
        last[request_id] = to
    for pk, status in ServiceRequest.objects.values_list("pk", "status"):
        assert last[pk] == status, (pk, status, last[pk])
    # the board's overdue count, the ledger's 超时 filter and the owners' task lists agree
    admin = make_user("demo_check", Role.CITY_ADMIN, company=Company.objects.get())
    board = board_data(user=admin, now=NOW)
    overdue = ServiceRequest.objects.filter(
        overdue_q(NOW), status__in=[s for s in Status.values if s not in FINAL]
    )
    assert board["overdue_total"] == overdue.count() > 0
    for sr in stuck[:20]:
        assert sr in task_sections(user=sr.owner, now=NOW)["mine"]
    # key lists were computed after the requests: every recent complaint's shop is on the complaints list
    recent = ServiceRequest.objects.filter(kind="complaint", created_at__gte=NOW - dt.timedelta(days=30))
    listed = set(KeyCustomerEntry.objects.values_list("customer_id", flat=True))
    assert recent.exists() and set(recent.values_list("shop_id", flat=True)) <= listed
