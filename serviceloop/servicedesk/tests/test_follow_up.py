"""Follow-up before closing: by someone else, satisfaction, dissatisfied reopens, unreachable closes."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from serviceloop.servicedesk import services as s
from serviceloop.servicedesk.models import Closure, Escalation, Status

pytestmark = pytest.mark.django_db


def resolved(world, file_request, now, handler=None):
    handler = handler or world.account_manager
    sr = file_request()
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    s.servicerequest_dispatch(request=sr, owner=handler, actor=world.agent, now=now)
    s.servicerequest_start(request=sr, plan="上门", actor=handler, now=now)
    s.servicerequest_report(request=sr, actions_taken="上门", outcome="解决", actor=handler, now=now)
    s.servicerequest_resolve(request=sr, actor=handler, now=now + timedelta(hours=2))
    return sr


def test_it_refuses_a_follow_up_by_the_handler_by_default(world, file_request, now):
    sr = resolved(world, file_request, now, handler=world.station_head)
    with pytest.raises(ValidationError) as exc:
        s.servicerequest_follow_up(
            request=sr, reached=True, satisfaction=5, actor=world.station_head, now=now
        )
    assert exc.value.code == "forbidden"
    s.servicerequest_follow_up(request=sr, reached=True, satisfaction=5, actor=world.agent, now=now)
    assert sr.status == Status.FOLLOWED_UP


def test_it_lets_the_handler_follow_up_when_the_setting_allows(world, file_request, now, settings):
    settings.SERVICEDESK = {"FOLLOW_UP_BY_OTHER": False}
    sr = resolved(world, file_request, now, handler=world.station_head)
    s.servicerequest_follow_up(request=sr, reached=True, satisfaction=4, actor=world.station_head, now=now)
    assert sr.status == Status.FOLLOWED_UP and sr.satisfaction == 4


def test_it_reopens_to_the_owner_and_escalates_when_dissatisfied(world, file_request, now):
    sr = resolved(world, file_request, now)
    s.servicerequest_follow_up(
        request=sr, reached=True, satisfaction=2, comment="没解决", actor=world.agent, now=now
    )
    sr.refresh_from_db()
    assert sr.status == Status.REOPENED and sr.owner == world.account_manager and sr.reopen_count == 1
    esc = Escalation.objects.get(request=sr, reason="low_satisfaction")
    assert world.account_manager.pk in esc.recipients and world.station_head.pk in esc.recipients
    # a fresh resolve deadline for the second round
    assert sr.milestones.filter(milestone="resolve", round=1, state="pending").exists()
    # it needs a new handling report before it can be resolved again
    s.servicerequest_start(request=sr, plan="再次上门", actor=world.account_manager, now=now)
    with pytest.raises(ValidationError):
        s.servicerequest_resolve(request=sr, actor=world.account_manager, now=now + timedelta(hours=1))


def test_it_refuses_satisfaction_out_of_range(world, file_request, now):
    sr = resolved(world, file_request, now)
    for bad in (None, 0, 6):
        with pytest.raises(ValidationError):
            s.servicerequest_follow_up(request=sr, reached=True, satisfaction=bad, actor=world.agent, now=now)
    assert sr.follow_ups.count() == 0


def test_it_closes_as_unreachable_after_n_tries_over_the_span(world, file_request, now, settings):
    settings.SERVICEDESK = {"FOLLOW_UP_MAX_ATTEMPTS": 3, "FOLLOW_UP_SPAN": timedelta(hours=48)}
    sr = resolved(world, file_request, now)
    for hours in (0, 4, 8):  # three tries, but within 8 hours: not yet
        s.servicerequest_follow_up(
            request=sr, reached=False, comment="无人接听", actor=world.agent, now=now + timedelta(hours=hours)
        )
    assert sr.status == Status.RESOLVED and sr.follow_up_attempts == 3
    s.servicerequest_follow_up(
        request=sr, reached=False, comment="空号", actor=world.agent, now=now + timedelta(hours=49)
    )
    sr.refresh_from_db()
    assert sr.status == Status.CLOSED and sr.closure == Closure.UNREACHABLE and sr.closure_reason == "空号"
    assert not sr.milestones.filter(state="pending").exists()


def test_it_refuses_a_follow_up_before_resolution(world, file_request, now):
    sr = file_request()
    with pytest.raises(ValidationError):
        s.servicerequest_follow_up(request=sr, reached=True, satisfaction=5, actor=world.supervisor, now=now)
