"""The demo part: a year of requests in every state, consistent with the state machine, fast, reproducible."""

import datetime as dt
import time
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
    started = time.perf_counter()
    demo_build(customers=800, seed=3, now=NOW)
    elapsed = time.perf_counter() - started
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
    assert elapsed < 60
    demo_reset()
    assert not ServiceRequest.objects.exists()
    demo_build(customers=800, seed=3, now=NOW)
    assert [r[1:] for r in snapshot()] == [r[1:] for r in first]
