"""The session state machine (illegal moves refused, every move an event row and an audit row) and who may see
and organise sessions."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from serviceloop.core.models import AuditEvent
from serviceloop.trainings.models import SessionEvent, SessionStatus, TrainingSession
from serviceloop.trainings.services import session_transition

from .helpers import NOW, START, invited_session, make_session

pytestmark = pytest.mark.django_db
AFTER = START + dt.timedelta(hours=1)


def test_it_moves_planned_invited_held_closed_with_event_rows(world):
    s = invited_session(world)
    assert s.status == SessionStatus.INVITED
    session_transition(session=s, action="hold", actor=world.station_head, now=AFTER)
    session_transition(session=s, action="close", actor=world.station_head, now=AFTER, note="顺利")
    s.refresh_from_db()
    assert s.status == SessionStatus.CLOSED
    steps = list(SessionEvent.objects.filter(session=s).values_list("action", "from_status", "to_status"))
    assert steps == [("create", "", "planned"), ("invite", "planned", "invited"), ("hold", "invited", "held"),
                     ("close", "held", "closed")]  # fmt: skip
    assert AuditEvent.objects.filter(action="training.session_close", object_id=str(s.pk)).exists()


@pytest.mark.parametrize(
    ("state", "action"),
    [("planned", "hold"), ("planned", "close"), ("planned", "invite"), ("invited", "close"), ("held", "cancel"),
     ("held", "invite"), ("closed", "cancel"), ("closed", "hold"), ("cancelled", "invite"), ("planned", "bogus")],
)  # fmt: skip
def test_it_refuses_illegal_moves(world, state, action):
    s = make_session(world)
    TrainingSession.objects.filter(pk=s.pk).update(status=state)
    with pytest.raises(ValidationError):
        session_transition(session=s, action=action, actor=world.station_head, now=AFTER)
    s.refresh_from_db()
    assert s.status == state
    assert SessionEvent.objects.filter(session=s).count() == 1


def test_it_refuses_to_mark_a_session_held_before_it_starts(world):
    s = invited_session(world)
    with pytest.raises(ValidationError):
        session_transition(session=s, action="hold", actor=world.station_head, now=NOW)


def test_cancel_tells_the_invited_shops(world):
    s = invited_session(world)
    session_transition(session=s, action="cancel", actor=world.station_head, now=NOW)
    assert s.notices.filter(kind="cancelled").count() == s.invitations.count() == 4


def test_only_organisers_of_the_unit_move_a_session(world):
    s = invited_session(world)
    for user in (world.outsider, world.account_manager, world.supervisor, world.market_manager):
        with pytest.raises(PermissionDenied):
            session_transition(session=s, action="cancel", actor=user, now=NOW)
    session_transition(session=s, action="cancel", actor=world.branch_manager, now=NOW)


def test_a_station_head_plans_for_the_own_station_only(world):
    with pytest.raises(ValidationError):
        make_session(world, station=world.station_a2)
    with pytest.raises(PermissionDenied):
        make_session(world, actor=world.account_manager)


def test_scope_station_head_sees_own_station_only(world):
    mine = make_session(world)
    other_station = make_session(world, actor=world.branch_manager, station=world.station_a2)
    other_branch = make_session(world, actor=world.city_admin, station=world.station_b1)
    branch_wide = make_session(world, actor=world.branch_manager, station=None, branch=world.branch_a)

    def seen(user):
        return set(TrainingSession.objects.visible_to(user).values_list("pk", flat=True))

    assert seen(world.station_head) == {mine.pk}
    assert seen(world.branch_manager) == {mine.pk, other_station.pk, branch_wide.pk}
    assert seen(world.city_admin) == {mine.pk, other_station.pk, other_branch.pk, branch_wide.pk}
    assert seen(world.outsider) == {other_branch.pk}
    # The trainer sees the sessions they train wherever they are.
    assert mine.pk in seen(world.account_manager)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_event_rows_are_append_only_in_postgresql(world):
    from django.db import DatabaseError, transaction

    s = make_session(world)
    with pytest.raises(DatabaseError), transaction.atomic():
        SessionEvent.objects.filter(session=s).update(note="changed")
