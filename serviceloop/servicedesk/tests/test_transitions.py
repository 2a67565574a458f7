"""The state machine: every pair of statuses is tried; the table and the guards decide."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from serviceloop.servicedesk import services as s
from serviceloop.servicedesk.models import (
    TRANSITIONS,
    Closure,
    EventKind,
    HandlingReport,
    MilestoneState,
    RequestEvent,
    ServiceRequest,
    Status,
)

pytestmark = pytest.mark.django_db


def _prepare(sr, frm, world, now):
    """Puts the request in ``frm`` directly (a fixture, not a transition) with what each target needs."""
    ServiceRequest.objects.filter(pk=sr.pk).update(
        status=frm, held_from=Status.ACKNOWLEDGED if frm == Status.ON_HOLD else "", kind="inquiry"
    )
    sr.refresh_from_db()
    report = HandlingReport.objects.create(
        request=sr, author=world.agent, actions_taken="上门处理", outcome="已解决", created_at=now
    )
    RequestEvent.objects.create(request=sr, kind=EventKind.REPORT, at=now, data={"report": report.pk})
    return sr


def _extras(to, world, sr):
    extras = {"note": "原因"}
    if to == Status.DISPATCHED:
        extras["owner"] = world.account_manager
    if to == Status.CLOSED:
        extras["closure"] = Closure.UNREACHABLE
    if to == Status.MERGED:
        extras["merged_into"] = sr
    return extras


def test_it_allows_exactly_the_moves_in_the_table_and_refuses_every_other(world, file_request, now):
    """All 144 (from, to) pairs on one world; each pair gets a fresh request."""
    tried = 0
    for frm in Status.values:
        for to in Status.values:
            sr = _prepare(file_request(), frm, world, now)
            allowed = to in TRANSITIONS[frm] and (
                frm != Status.ON_HOLD or to in (Status.ACKNOWLEDGED, Status.CANCELLED)
            )
            before = RequestEvent.objects.filter(request=sr).count()
            if allowed:
                s.servicerequest_transition(
                    request=sr, to=to, actor=world.agent, now=now, **_extras(to, world, sr)
                )
                sr.refresh_from_db()
                assert sr.status == to, (frm, to)
                event = RequestEvent.objects.filter(request=sr).order_by("-id").first()
                assert (event.from_status, event.to_status, event.actor) == (frm, to, world.agent)
            else:
                with pytest.raises(ValidationError):
                    s.servicerequest_transition(
                        request=sr, to=to, actor=world.agent, now=now, **_extras(to, world, sr)
                    )
                sr.refresh_from_db()
                assert sr.status == frm, (frm, to)
                assert RequestEvent.objects.filter(request=sr).count() == before
            tried += 1
    assert tried == len(Status.values) ** 2


def test_it_refuses_to_answer_anything_but_an_inquiry(world, file_request, now):
    sr = file_request(kind="complaint")
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    with pytest.raises(ValidationError) as exc:
        s.servicerequest_answer(request=sr, answer="答复", actor=world.agent, now=now)
    assert exc.value.code == "answer_kind"


def test_it_requires_a_handling_report_before_resolving(world, file_request, now):
    sr = file_request()
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    s.servicerequest_dispatch(request=sr, owner=world.account_manager, actor=world.agent, now=now)
    s.servicerequest_start(request=sr, plan="明天上门", actor=world.account_manager, now=now)
    with pytest.raises(ValidationError) as exc:
        s.servicerequest_resolve(request=sr, actor=world.account_manager, now=now)
    assert exc.value.code == "report_required"
    s.servicerequest_report(
        request=sr, actions_taken="上门道歉", outcome="客户接受", actor=world.account_manager, now=now
    )
    s.servicerequest_resolve(request=sr, actor=world.account_manager, now=now)
    assert sr.status == Status.RESOLVED and sr.handler == world.account_manager


def test_it_refuses_closing_a_resolved_request_without_follow_up(world, file_request, now):
    sr = _prepare(file_request(), Status.RESOLVED, world, now)
    with pytest.raises(ValidationError) as exc:
        s.servicerequest_transition(request=sr, to=Status.CLOSED, actor=world.agent, now=now)
    assert exc.value.code == "follow_up_required"


def test_it_needs_a_reason_to_hold_cancel_or_reopen(world, file_request, now):
    sr = file_request()
    for service in (s.servicerequest_hold, s.servicerequest_cancel):
        with pytest.raises(ValidationError) as exc:
            service(request=sr, reason=" ", actor=world.agent, now=now)
        assert exc.value.code == "reason"


def test_it_walks_the_whole_loop_and_meets_each_milestone(world, file_request, now):
    sr = file_request(kind="complaint", complexity="complex")
    t = now
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=(t := t + timedelta(minutes=5)))
    s.servicerequest_dispatch(request=sr, owner=world.account_manager, actor=world.agent, now=t)
    s.servicerequest_start(
        request=sr, plan="先核实", actor=world.account_manager, now=(t := t + timedelta(hours=2))
    )
    s.servicerequest_report(
        request=sr, actions_taken="核实并补货", outcome="已补送", actor=world.account_manager, now=t
    )
    s.servicerequest_resolve(request=sr, actor=world.account_manager, now=(t := t + timedelta(hours=20)))
    s.servicerequest_follow_up(
        request=sr, reached=True, satisfaction=5, comment="满意", actor=world.agent, now=t
    )
    s.servicerequest_close(request=sr, actor=world.agent, now=t)
    sr.refresh_from_db()
    assert sr.status == Status.CLOSED and sr.closure == Closure.DONE and sr.satisfaction == 5
    assert set(sr.milestones.values_list("state", "breached")) == {(MilestoneState.MET, False)}
    kinds = list(sr.events.values_list("kind", flat=True))
    assert (
        kinds.count(EventKind.TRANSITION) == 6 and EventKind.REPORT in kinds and EventKind.FOLLOW_UP in kinds
    )


def test_it_marks_a_late_milestone_breached_when_met(world, file_request, now):
    sr = file_request()
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now + timedelta(minutes=30))
    ack = sr.milestones.get(milestone="acknowledge")
    assert ack.state == MilestoneState.MET and ack.breached


def test_it_pauses_the_clock_on_hold_and_moves_the_deadline(world, file_request, now):
    sr = file_request()
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    resolve = sr.milestones.get(milestone="resolve")
    s.servicerequest_hold(
        request=sr, reason="等待客户提供凭证", actor=world.agent, now=now + timedelta(hours=1)
    )
    assert sr.milestones.get(milestone="resolve").paused_at is not None
    s.servicerequest_resume(request=sr, actor=world.agent, now=now + timedelta(hours=5))
    moved = sr.milestones.get(milestone="resolve")
    assert sr.status == Status.ACKNOWLEDGED
    assert moved.due_at == resolve.due_at + timedelta(hours=4)
    assert moved.paused_total == timedelta(hours=4) and moved.paused_at is None


def test_it_cancels_the_pending_clocks_when_merged_or_cancelled(world, file_request, now):
    a, b = file_request(), file_request()
    s.servicerequest_merge(request=b, into=a, actor=world.agent, now=now)
    assert b.status == Status.MERGED and b.merged_into_id == a.pk
    assert not b.milestones.filter(state=MilestoneState.PENDING).exists()
    with pytest.raises(ValidationError):
        s.servicerequest_merge(request=a, into=a, actor=world.agent, now=now)
    s.servicerequest_cancel(request=a, reason="客户撤回", actor=world.agent, now=now)
    assert a.status == Status.CANCELLED and a.cancel_reason == "客户撤回"


def test_it_refuses_actions_to_roles_that_may_not_take_them(world, file_request, now):
    sr = file_request()
    with pytest.raises(ValidationError) as exc:
        s.servicerequest_dispatch(request=sr, owner=world.agent, actor=world.account_manager, now=now)
    assert exc.value.code == "forbidden"


def test_it_keeps_events_append_only(world, file_request):
    event = file_request().events.first()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
