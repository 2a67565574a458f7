"""The sweep: warning → owner; breach → station head; still breached → branch; then city. Idempotent."""

from datetime import timedelta

import pytest

from serviceloop.core.jobs import run_due_jobs, schedule
from serviceloop.servicedesk import services as s
from serviceloop.servicedesk.escalation import sweep
from serviceloop.servicedesk.models import Escalation, Notification

pytestmark = pytest.mark.django_db


def dispatched(world, file_request, now):
    sr = file_request(kind="complaint", complexity="simple")  # acknowledge 15 min, resolve 24 h
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now + timedelta(minutes=5))
    s.servicerequest_dispatch(
        request=sr, owner=world.account_manager, actor=world.agent, now=now + timedelta(minutes=5)
    )
    return sr


def titles(user):
    """The escalation notices (the owner's "new task" notice at dispatch is tested elsewhere)."""
    return list(
        Notification.objects.filter(user=user)
        .exclude(title__startswith="新派给您的任务")
        .order_by("id")
        .values_list("title", flat=True)
    )


def test_it_warns_the_owner_at_three_quarters_of_the_time(world, file_request, now):
    sr = dispatched(world, file_request, now)
    sweep(now + timedelta(hours=17, minutes=59))
    assert titles(world.account_manager) == []
    sweep(now + timedelta(hours=18))
    assert titles(world.account_manager) == [f"临近时限：{sr.reference}"]
    assert titles(world.station_head) == []


def test_it_climbs_the_chain_station_branch_city(world, file_request, now, settings):
    settings.SERVICEDESK = {
        "ESCALATE_BRANCH_AFTER": timedelta(hours=4),
        "ESCALATE_CITY_AFTER": timedelta(hours=24),
    }
    sr = dispatched(world, file_request, now)
    due = now + timedelta(hours=24)
    sweep(due)
    assert titles(world.station_head) == [f"已超时：{sr.reference}"]
    assert f"已超时：{sr.reference}" in titles(world.account_manager)
    assert titles(world.branch_manager) == []
    sweep(due + timedelta(hours=3))
    assert titles(world.branch_manager) == []
    sweep(due + timedelta(hours=4))
    assert titles(world.branch_manager) == [f"持续超时：{sr.reference}"]
    assert titles(world.city_admin) == []
    sweep(due + timedelta(hours=24))
    assert titles(world.city_admin) == [f"持续超时：{sr.reference}"]
    assert titles(world.supervisor) == [f"持续超时：{sr.reference}"]
    m = sr.milestones.get(milestone="resolve")
    assert m.breached and m.breached_at == due and m.escalation_level == 3


def test_it_sends_nothing_twice_for_the_same_now_or_later(world, file_request, now):
    dispatched(world, file_request, now)
    later = now + timedelta(days=3)
    sweep(later)
    first = (Notification.objects.count(), Escalation.objects.count())
    assert first[0] > 0
    sweep(later)
    sweep(later + timedelta(minutes=5))
    assert (Notification.objects.count(), Escalation.objects.count()) == first


def test_it_ignores_closed_and_paused_requests(world, file_request, now):
    sr = dispatched(world, file_request, now)
    s.servicerequest_hold(request=sr, reason="等待客户", actor=world.agent, now=now + timedelta(hours=1))
    sweep(now + timedelta(days=5))
    assert (
        not Notification.objects.filter(request=sr)
        .exclude(title__startswith="临近")
        .exclude(title__startswith="新派给您的任务")
        .exists()
    )
    other = file_request(kind="inquiry", category="policy")
    s.servicerequest_cancel(request=other, reason="重复", actor=world.agent, now=now)
    sweep(now + timedelta(days=5))
    assert not Notification.objects.filter(request=other).exists()


def test_it_runs_as_a_registered_job(world, file_request, now):
    dispatched(world, file_request, now)
    assert any(job.name == "servicedesk_sweep" for job in schedule())
    results = run_due_jobs(now + timedelta(days=2), force=True)
    assert "breach" in results["servicedesk_sweep"]
    assert Notification.objects.filter(user=world.station_head).exists()


def test_it_sends_tipoff_escalations_only_to_those_who_may_see_them(world, file_request, now):
    sr = file_request(kind="report", category="other")
    sweep(now + timedelta(days=5))
    people = set(Notification.objects.filter(request=sr).values_list("user__username", flat=True))
    assert people and people <= {"inspector", "city_admin"}
