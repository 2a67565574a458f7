"""Two simultaneous dispatches that both carry a note (issue 13): the second must see the conflict instead of
silently reassigning the request the first one just gave away."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from serviceloop.core.testing import make_user
from serviceloop.org.models import Role
from serviceloop.servicedesk import services as s
from serviceloop.servicedesk.models import ServiceRequest, Status


@pytest.mark.django_db
def test_a_dispatch_based_on_a_stale_view_is_refused_as_a_conflict(world, file_request, now):
    sr = file_request()
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    stale = ServiceRequest.objects.get(pk=sr.pk)  # a second desk read it as "acknowledged, no owner"
    s.servicerequest_dispatch(
        request=sr, owner=world.account_manager, actor=world.agent, now=now, reason="片区"
    )
    with pytest.raises(ValidationError) as caught:
        s.servicerequest_dispatch(
            request=stale, owner=world.station_head, actor=world.agent, now=now, reason="站长"
        )
    assert (
        caught.value.code == "conflict"
        and "刷新" in caught.value.messages[0]
        or "重新" in caught.value.messages[0]
    )
    sr.refresh_from_db()
    assert sr.owner == world.account_manager


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_dispatches_with_notes_one_wins_the_other_sees_the_conflict(
    world, file_request, now
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises whole write transactions instead")
    sr = file_request()
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    agent2 = make_user("agent2", Role.AGENT, company=world.company)
    barrier = threading.Barrier(2)
    outcomes = {}

    def dispatch(name, actor, owner):
        try:
            request = ServiceRequest.objects.get(pk=sr.pk)
            barrier.wait()
            s.servicerequest_dispatch(
                request=request, owner=owner, actor=actor, now=now, reason=f"{name} 的说明"
            )
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
    assert sorted(outcomes.values()) == ["conflict", "ok"]
    sr.refresh_from_db()
    assert sr.status == Status.DISPATCHED
    assert sr.events.filter(kind="reassigned").count() == 0
