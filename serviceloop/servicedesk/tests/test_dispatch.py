"""Dispatch: suggestions, reassignment with a reason, two agents at once (one wins)."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from serviceloop.core.testing import make_user
from serviceloop.org.models import Role
from serviceloop.servicedesk import services as s
from serviceloop.servicedesk.models import EventKind, ServiceRequest, Status
from serviceloop.servicedesk.selectors import dispatch_suggestions


@pytest.mark.django_db
def test_it_suggests_the_account_manager_for_field_matters_and_the_least_loaded_agent(
    world, file_request, now
):
    second_agent = make_user("agent2", Role.AGENT, company=world.company)
    busy = file_request(category="attitude")
    s.servicerequest_acknowledge(request=busy, actor=world.agent, now=now)
    s.servicerequest_dispatch(request=busy, owner=world.agent, actor=world.agent, now=now)
    field = file_request(category="delivery")
    first = dispatch_suggestions(request=field)
    assert first[0]["user"] == world.account_manager
    desk = dispatch_suggestions(request=file_request(category="settlement"))
    assert desk[0]["user"] == second_agent  # world.agent already has an open request


@pytest.mark.django_db
def test_it_needs_a_reason_to_reassign_and_records_it(world, file_request, now):
    sr = file_request()
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    s.servicerequest_dispatch(
        request=sr, owner=world.account_manager, actor=world.agent, now=now, due_at=now + timedelta(hours=8)
    )
    assert sr.owner_due_at == now + timedelta(hours=8)
    with pytest.raises(ValidationError) as exc:
        s.servicerequest_dispatch(request=sr, owner=world.station_head, actor=world.agent, now=now)
    assert exc.value.code == "reason"
    s.servicerequest_dispatch(
        request=sr, owner=world.station_head, reason="客户经理休假", actor=world.agent, now=now
    )
    sr.refresh_from_db()
    assert sr.owner == world.station_head
    event = sr.events.get(kind=EventKind.REASSIGNED)
    assert event.note == "客户经理休假" and event.data["previous_owner"] == world.account_manager.pk


@pytest.mark.django_db
def test_it_refuses_a_deadline_in_the_past(world, file_request, now):
    sr = file_request()
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    with pytest.raises(ValidationError):
        s.servicerequest_dispatch(
            request=sr,
            owner=world.account_manager,
            actor=world.agent,
            now=now,
            due_at=now - timedelta(hours=1),
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the seeded categories
def test_it_lets_one_of_two_simultaneous_dispatches_win(world, file_request, now):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises whole write transactions instead")
    sr = file_request()
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    agent2 = make_user("agent2", Role.AGENT, company=world.company)
    barrier = threading.Barrier(2)
    outcomes = {}

    def dispatch(name, actor, owner):
        try:
            request = ServiceRequest.objects.get(pk=sr.pk)  # each thread read it as "acknowledged"
            barrier.wait()
            s.servicerequest_dispatch(request=request, owner=owner, actor=actor, now=now)
            outcomes[name] = "ok"
        except ValidationError as exc:
            outcomes[name] = exc.code
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=dispatch, args=("a", world.agent, world.account_manager)),
        threading.Thread(target=dispatch, args=("b", agent2, world.station_head)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["conflict", "ok"]  # the loser is told it changed meanwhile
    sr.refresh_from_db()
    assert sr.status == Status.DISPATCHED
    winner = world.account_manager if outcomes["a"] == "ok" else world.station_head
    assert sr.owner == winner
    assert sr.events.filter(to_status=Status.DISPATCHED).count() == 1


@pytest.mark.django_db
def test_it_rotates_among_equally_loaded_agents(world, file_request, now):
    """Round-robin among equals: whoever was given work longest ago comes first."""
    second = make_user("agent2", Role.AGENT, company=world.company)
    for agent, minutes in ((world.agent, 10), (second, 20)):  # both finish their one request: load 0 again
        sr = file_request(category="settlement")
        s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
        s.servicerequest_dispatch(
            request=sr, owner=agent, actor=world.agent, now=now + timedelta(minutes=minutes)
        )
        s.servicerequest_cancel(request=sr, reason="重复", actor=world.agent, now=now + timedelta(minutes=30))
    fresh = make_user("agent3", Role.AGENT, company=world.company)
    order = [row["user"] for row in dispatch_suggestions(request=file_request(category="settlement"))]
    assert order[:3] == [fresh, world.agent, second]
