"""Who sees which request: the shop's place in the organisation, tip-offs, requests without a shop."""

import pytest
from django.core.exceptions import ValidationError

from serviceloop.core.testing import make_user
from serviceloop.org.models import Role
from serviceloop.servicedesk import services as s
from serviceloop.servicedesk.models import ServiceRequest
from serviceloop.servicedesk.selectors import servicerequest_public_timeline

pytestmark = pytest.mark.django_db


def seen(user):
    return set(ServiceRequest.objects.visible_to(user).values_list("pk", flat=True))


def test_it_scopes_requests_by_the_shops_route_station_and_branch(world, file_request):
    mine = file_request(world.shops["张湾1号线"][0])
    same_station = file_request(world.shops["张湾2号线"][0])
    other_branch = file_request(world.shops["城关1号线"][0])
    everything = {mine.pk, same_station.pk, other_branch.pk}
    assert seen(world.account_manager) == {mine.pk}
    assert seen(world.outsider) == {other_branch.pk}
    assert seen(world.station_head) == {mine.pk, same_station.pk}
    assert seen(world.branch_manager) == {mine.pk, same_station.pk}
    assert seen(world.agent) == everything and seen(world.city_admin) == everything


def test_it_shows_tipoffs_only_to_inspectors_and_city_supervisors(world, file_request):
    report = file_request(world.shops["张湾1号线"][0], kind="report", category="other")
    for user in (
        world.account_manager,
        world.station_head,
        world.branch_manager,
        world.agent,
        world.market_manager,
        world.outsider,
    ):
        assert report.pk not in seen(user), user
    for user in (world.inspector, world.supervisor, world.city_admin):
        assert report.pk in seen(user), user
    branch_supervisor = make_user("bsup", Role.SUPERVISOR, company=world.company, branch=world.branch_a)
    assert report.pk not in seen(branch_supervisor)
    far = file_request(world.shops["城关1号线"][0], kind="report", category="other")
    assert far.pk not in seen(world.inspector)  # a branch inspector sees their own branch only


def test_it_shows_requests_without_a_shop_to_city_staff_and_agents_only(world, file_request):
    sr = file_request(None, kind="inquiry", category="policy")
    assert sr.pk in seen(world.agent) and sr.pk in seen(world.city_admin) and sr.pk in seen(world.supervisor)
    for user in (world.account_manager, world.station_head, world.branch_manager, world.outsider):
        assert sr.pk not in seen(user)


def test_it_lets_the_owner_see_what_they_were_given(world, file_request, now):
    sr = file_request(world.shops["张湾2号线"][0])
    assert sr.pk not in seen(world.account_manager)
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    with pytest.raises(ValidationError):  # outside their area: may not be made owner
        s.servicerequest_dispatch(request=sr, owner=world.outsider, actor=world.agent, now=now)
    s.servicerequest_dispatch(request=sr, owner=world.station_head, actor=world.agent, now=now)
    assert sr.pk in seen(world.station_head)


def test_it_gives_the_public_a_plain_timeline_without_names(world, file_request, now):
    sr = file_request()
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    s.servicerequest_dispatch(request=sr, owner=world.account_manager, actor=world.agent, now=now)
    s.servicerequest_hold(request=sr, reason="内部原因：等专卖科", actor=world.agent, now=now)
    steps = servicerequest_public_timeline(request=sr)
    texts = [step["text"] for step in steps]
    assert texts[0] == "您的诉求已登记"
    assert "客户经理" in texts[2]
    joined = " ".join(texts)
    assert "account_manager" not in joined and "专卖科" not in joined and world.agent.username not in joined


def test_an_account_manager_sees_their_routes_requests_and_those_they_own(world, file_request, now):
    """The two halves of an account manager's scope under one OR, which PostgreSQL is given as an array of their
    routes (org.scope._InRoutes, issue 14): both halves count, and a route handed over moves its requests."""
    mine = file_request(world.shops["张湾1号线"][0])
    owned = file_request(world.shops["城关1号线"][0])
    s.servicerequest_acknowledge(request=owned, actor=world.agent, now=now)
    owned.owner = (
        world.account_manager
    )  # given to them by hand (e.g. before a route change), not through dispatch
    owned.save(update_fields=["owner"])
    assert seen(world.account_manager) == {mine.pk, owned.pk}
    world.route_a1_1.account_manager = world.outsider
    world.route_a1_1.save(update_fields=["account_manager"])
    assert seen(world.account_manager) == {owned.pk}
    assert mine.pk in seen(world.outsider)
