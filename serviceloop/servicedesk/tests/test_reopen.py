"""A reopened request always goes back to a named person with a new running deadline (issue 9)."""

from datetime import timedelta

import pytest

from serviceloop.servicedesk import services as s
from serviceloop.servicedesk.models import MilestoneState, Status

pytestmark = pytest.mark.django_db


def answered_inquiry(world, file_request, now):
    sr = file_request(kind="inquiry", category="policy", text="新政策怎么执行？")
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    s.servicerequest_answer(
        request=sr, answer="按文件执行", actor=world.agent, now=now + timedelta(minutes=5)
    )
    return sr


def test_it_reopens_a_dissatisfied_inquiry_to_whoever_answered_it_with_a_deadline(world, file_request, now):
    sr = answered_inquiry(world, file_request, now)
    assert sr.owner is None  # an answered inquiry never had an owner
    later = now + timedelta(hours=3)
    s.servicerequest_follow_up(
        request=sr, reached=True, satisfaction=1, comment="没听懂", actor=world.supervisor, now=later
    )
    sr.refresh_from_db()
    assert sr.status == Status.REOPENED
    assert sr.owner == world.agent
    assert sr.owner_due_at is not None and sr.owner_due_at > later
    resolve = sr.milestones.get(milestone="resolve", round=1)
    assert resolve.state == MilestoneState.PENDING and resolve.due_at == sr.owner_due_at
    # it is on the agent's task list
    from serviceloop.servicedesk.selectors import overdue_q, task_sections

    mine = task_sections(user=world.agent, now=later)["mine"]
    assert sr in mine
    # and counts as overdue once late
    from serviceloop.servicedesk.models import ServiceRequest

    assert not ServiceRequest.objects.filter(overdue_q(later), pk=sr.pk).exists()
    assert ServiceRequest.objects.filter(overdue_q(sr.owner_due_at + timedelta(minutes=1)), pk=sr.pk).exists()


def test_it_reopens_by_hand_to_the_previous_owner(world, file_request, now):
    sr = file_request()
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    s.servicerequest_dispatch(request=sr, owner=world.account_manager, actor=world.agent, now=now)
    s.servicerequest_start(request=sr, plan="上门", actor=world.account_manager, now=now)
    s.servicerequest_report(
        request=sr, actions_taken="上门", outcome="好了", actor=world.account_manager, now=now
    )
    s.servicerequest_resolve(request=sr, actor=world.account_manager, now=now + timedelta(hours=1))
    s.servicerequest_follow_up(request=sr, reached=True, satisfaction=5, actor=world.agent, now=now)
    s.servicerequest_close(request=sr, actor=world.agent, now=now + timedelta(hours=2))
    s.servicerequest_reopen(request=sr, reason="客户再次反映", actor=world.agent, now=now + timedelta(days=1))
    sr.refresh_from_db()
    assert sr.status == Status.REOPENED and sr.owner == world.account_manager and sr.owner_due_at


def test_it_falls_back_to_the_desk_rule_when_the_previous_person_left(world, file_request, now):
    sr = answered_inquiry(world, file_request, now)
    world.agent.is_active = False
    world.agent.save()
    from serviceloop.core.testing import make_user
    from serviceloop.org.models import Role

    other = make_user("agent2", Role.AGENT, company=world.company)
    s.servicerequest_reopen(
        request=sr, reason="客户不满意", actor=world.city_admin, now=now + timedelta(hours=1)
    )
    sr.refresh_from_db()
    assert sr.owner == other and sr.owner_due_at


def test_it_keeps_owner_and_round_when_a_held_reopening_resumes(world, file_request, now):
    sr = answered_inquiry(world, file_request, now)
    s.servicerequest_reopen(request=sr, reason="不满意", actor=world.city_admin, now=now + timedelta(hours=1))
    s.servicerequest_hold(request=sr, reason="等资料", actor=world.agent, now=now + timedelta(hours=2))
    s.servicerequest_resume(request=sr, actor=world.agent, now=now + timedelta(hours=3))
    sr.refresh_from_db()
    assert sr.status == Status.REOPENED and sr.reopen_count == 1 and sr.owner == world.agent
    assert sr.milestones.filter(round=1, milestone="resolve").count() == 1
