"""Choosing whom to invite (tag, key list, segment, licence numbers), the capacity cap, never twice, and the
invitation message put in the shop-message outbox and sent by its job through the service desk's notifier
(recorded, retried)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from serviceloop.core.testing import make_customer
from serviceloop.customers.models import OutboxMessage
from serviceloop.customers.outbox import job_shop_outbox_send
from serviceloop.tags.models import ProblemTag
from serviceloop.tags.services import customertag_attach
from serviceloop.trainings.models import Invitation
from serviceloop.trainings.selectors import invite_candidates
from serviceloop.trainings.services import session_invite
from serviceloop.visits.models import KeyCustomerEntry

from .helpers import NOW, make_session, station_a1_shops

pytestmark = pytest.mark.django_db


def invite(world, session, params, user=None):
    user = user or world.station_head
    filterset, qs = invite_candidates(session=session, user=user, params=params)
    room = session.capacity - session.invitations.count()
    return session_invite(session=session, customers=list(qs[: room + 1]), targeting=filterset.targeting(),
                          actor=user, now=NOW)  # fmt: skip


def test_it_invites_the_shops_carrying_a_tag(world, django_capture_on_commit_callbacks):
    session = make_session(world)
    tag = ProblemTag.objects.get(name="不会网上订货")
    shop = world.shops["张湾2号线"][1]
    customertag_attach(customer=shop, tag=tag, source="visit", reason="测试", actor=None, now=NOW)
    # A shop of another station with the tag is not offered: the session is station A1's.
    customertag_attach(
        customer=world.shops["茅箭1号线"][0], tag=tag, source="visit", reason="测试", actor=None, now=NOW
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert invite(world, session, {"tag": str(tag.pk)}) == (1, 0)
    inv = Invitation.objects.get(session=session)
    assert inv.customer == shop and inv.targeting == "tag" and inv.station == world.station_a1
    notice = OutboxMessage.objects.get(session=session)
    # enqueued with the invitation, sent by the outbox job (never on the request thread)
    assert notice.kind == "invitation" and notice.state == "pending" and notice.phone == shop.phone
    assert job_shop_outbox_send(NOW) == "1 shop message(s) sent, 0 not sent"
    notice.refresh_from_db()
    assert notice.state == "sent" and notice.attempts == 1
    assert session.topic.name in notice.text and session.place in notice.text
    session.refresh_from_db()
    assert session.status == "invited"


def test_it_invites_a_key_list_and_a_segment(world):
    from serviceloop.trade.models import Segment, SegmentMember

    session = make_session(world, capacity=10)
    shops = station_a1_shops(world)
    KeyCustomerEntry.objects.create(key_list="care", customer=shops[0], since=NOW.date(), computed_at=NOW)
    assert invite(world, session, {"key_list": "care"}) == (1, 0)
    segment = Segment.objects.create(
        kind="volume_price", number=1, name="高量高价", description="", computed_at=NOW
    )
    SegmentMember.objects.bulk_create([SegmentMember(segment=segment, customer=s) for s in shops[1:3]])
    assert invite(world, session, {"segment": str(segment.pk)}) == (2, 0)
    assert set(Invitation.objects.filter(session=session).values_list("targeting", flat=True)) == {
        "key_list",
        "segment",
    }


def test_the_capacity_caps_the_invitations_and_shops_with_the_topic_tag_come_first(world):
    session = make_session(world, capacity=2)
    shops = station_a1_shops(world)
    tagged = shops[3]
    customertag_attach(customer=tagged, tag=ProblemTag.objects.get(name="不会网上订货"), source="visit",
                       reason="测试", actor=None, now=NOW)  # fmt: skip
    licences = " ".join(s.licence_no for s in shops)
    assert invite(world, session, {"licences": licences}) == (2, 1)
    invited = set(Invitation.objects.filter(session=session).values_list("customer_id", flat=True))
    assert tagged.pk in invited and len(invited) == 2
    with pytest.raises(ValidationError):
        invite(world, session, {"licences": licences})  # full
    assert Invitation.objects.filter(session=session).count() == 2


def test_no_shop_is_invited_twice(world):
    session = make_session(world)
    shops = station_a1_shops(world)
    assert session_invite(session=session, customers=shops[:2], targeting="licences", actor=world.station_head,
                          now=NOW) == (2, 0)  # fmt: skip
    # The same shops again (a double click, another filter matching them): only the new one is invited.
    assert session_invite(session=session, customers=shops[:3], targeting="tag", actor=world.station_head,
                          now=NOW) == (1, 0)  # fmt: skip
    with pytest.raises(ValidationError):
        session_invite(
            session=session, customers=shops[:3], targeting="tag", actor=world.station_head, now=NOW
        )
    assert Invitation.objects.filter(session=session).count() == 3
    assert OutboxMessage.objects.filter(session=session, kind="invitation").count() == 3


def test_only_shops_the_organiser_may_see_and_of_the_sessions_unit_are_offered(world):
    session = make_session(world)
    outside = " ".join(s.licence_no for s in world.shops["城关1号线"] + world.shops["茅箭1号线"])
    _filterset, qs = invite_candidates(session=session, user=world.station_head, params={"licences": outside})
    assert not qs.exists()
    suspended = make_customer(world.route_a1_1, status="suspended")
    _filterset, qs = invite_candidates(session=session, user=world.station_head,
                                       params={"licences": suspended.licence_no})  # fmt: skip
    assert not qs.exists()


def test_nothing_chosen_means_no_targeting(world):
    session = make_session(world)
    filterset, _qs = invite_candidates(session=session, user=world.station_head, params={})
    assert filterset.targeting() is None


class FailingNotifier:
    def send(self, message):
        raise RuntimeError("gateway down")


def test_a_failed_invitation_message_is_kept_and_retried(world, django_capture_on_commit_callbacks):
    session = make_session(world)
    with override_settings(SERVICEDESK={"SHOP_NOTIFIER": f"{__name__}.FailingNotifier"}):
        with django_capture_on_commit_callbacks(execute=True):
            session_invite(session=session, customers=station_a1_shops(world)[:1], targeting="licences",
                           actor=world.station_head, now=NOW)  # fmt: skip
        assert job_shop_outbox_send(NOW) == "0 shop message(s) sent, 1 not sent"
        notice = OutboxMessage.objects.get(session=session)
        assert notice.state == "failed" and notice.attempts == 1 and "gateway down" in notice.last_error
    assert job_shop_outbox_send(timezone.now()).startswith("1 shop message(s) sent")
    notice.refresh_from_db()
    assert notice.state == "sent" and notice.attempts == 2
