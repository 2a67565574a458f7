"""The feedback survey (a wave of the survey module targeting exactly the attendees) and the tag-effect figure
(attended vs invited-not-attended) on a small generated case."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from serviceloop.customers.models import OutboxMessage
from serviceloop.customers.outbox import job_shop_outbox_send
from serviceloop.surveys.models import Wave, WaveStatus
from serviceloop.tags.models import ProblemTag
from serviceloop.tags.services import customertag_attach, customertag_transition
from serviceloop.trainings.models import Invitation
from serviceloop.trainings.selectors import tag_effect
from serviceloop.trainings.services import attendance_set, feedback_send, session_transition

from .helpers import NOW, START, invited_session, station_a1_shops

pytestmark = pytest.mark.django_db
AFTER = START + dt.timedelta(hours=3)


def held(world, attended_shops):
    session = invited_session(world)
    ids = Invitation.objects.filter(session=session, customer__in=attended_shops).values_list("pk", flat=True)
    attendance_set(session=session, attended_ids=ids, actor=world.station_head, now=START)
    session_transition(session=session, action="hold", actor=world.station_head, now=AFTER)
    return session


def test_the_feedback_wave_targets_exactly_the_attendees(world, django_capture_on_commit_callbacks):
    shops = station_a1_shops(world)
    session = held(world, shops[:2])
    with django_capture_on_commit_callbacks(execute=True):
        wave = feedback_send(session=session, actor=world.station_head, now=AFTER)
    assert wave.status == WaveStatus.OPEN and wave.company == world.company
    assert set(wave.targets.values_list("customer_id", flat=True)) == {s.pk for s in shops[:2]}
    assert wave.questionnaire.code == "training-feedback"
    # the four invitations and the two feedback links, sent by the outbox job
    assert job_shop_outbox_send(AFTER) == "6 shop message(s) sent, 0 not sent"
    notices = OutboxMessage.objects.filter(session=session, kind="feedback")
    assert notices.count() == 2 and all("/q/" in n.text and n.state == "sent" for n in notices)
    session.refresh_from_db()
    assert session.wave == wave
    with pytest.raises(ValidationError):  # once per session
        feedback_send(session=session, actor=world.station_head, now=AFTER)
    assert Wave.objects.count() == 1


def test_no_feedback_before_the_session_is_held_or_without_attendees(world):
    session = invited_session(world)
    with pytest.raises(ValidationError):
        feedback_send(session=session, actor=world.station_head, now=NOW)
    session_transition(session=session, action="hold", actor=world.station_head, now=AFTER)
    with pytest.raises(ValidationError):
        feedback_send(session=session, actor=world.station_head, now=AFTER)
    assert not Wave.objects.exists()


def test_the_tag_effect_compares_attendees_with_absentees(world):
    """Four invited shops, each with the topic's tag before the session: two attend, two do not. One attendee's
    tag is removed after the session; one absentee's before it (not counted: it was not live at the start), and
    the other absentee's stays. A tag outside the topic does not count."""
    ordering = ProblemTag.objects.get(name="不会网上订货")  # an "ordering" tag: the 订货 topic addresses it
    other = ProblemTag.objects.filter(category="law").first()
    a1, a2, b1, b2 = station_a1_shops(world)
    before = NOW - dt.timedelta(days=10)
    tags = {shop: customertag_attach(customer=shop, tag=ordering, source="data", reason="测试", actor=None, now=before)
            for shop in (a1, a2, b1, b2)}  # fmt: skip
    customertag_attach(customer=a2, tag=other, source="data", reason="测试", actor=None, now=before)
    customertag_transition(ctag=tags[b1], action="remove", actor=world.station_head, note="已指导",
                           steps=[1], now=NOW)  # before the session  # fmt: skip
    session = held(world, [a1, a2])
    customertag_transition(ctag=tags[a1], action="remove", actor=world.station_head, note="已学会", steps=[1],
                           now=AFTER + dt.timedelta(days=2))  # fmt: skip
    effect = tag_effect(session.invitations.all(), now=AFTER + dt.timedelta(days=30))
    assert (effect.attended.shops, effect.attended.shops_tagged, effect.attended.tags, effect.attended.removed) == (
        2, 2, 2, 1)  # fmt: skip
    assert (effect.absent.shops, effect.absent.shops_tagged, effect.absent.tags, effect.absent.removed) == (
        2,
        1,
        1,
        0,
    )
    assert effect.attended.rate == 0.5 and effect.absent.rate == 0.0 and effect.difference == 0.5
    # Seen before the removal, nothing was removed yet.
    assert tag_effect(session.invitations.all(), now=AFTER).attended.removed == 0
