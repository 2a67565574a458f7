"""The live board counts in the database (issue 14): its figures equal a count of the open requests drawn into
Python and checked against their running milestones (what the board did before), in each user's scope, and it
costs the same number of queries however many requests there are."""

from collections import Counter
from datetime import timedelta

import pytest
import time_machine

from serviceloop.core.testing import make_user
from serviceloop.org.models import Role
from serviceloop.servicedesk import services as s
from serviceloop.servicedesk.board import GROUPS_SHOWN, board_data
from serviceloop.servicedesk.models import OPEN, MilestoneState, RequestMilestone, ServiceRequest

pytestmark = pytest.mark.django_db

USERS = ("city_admin", "branch_manager", "station_head", "account_manager", "outsider", "agent")


def counted_in_python(user, now) -> dict:
    """The board's figures the slow way: every open request the user sees, and the running milestones past due."""
    visible = ServiceRequest.objects.visible_to(user).filter(status__in=OPEN)
    rows = list(visible.values_list("id", "status", "station__name", "route__name", "owner__full_name",
                                    "owner__username", "category__name"))  # fmt: skip
    late = set(
        RequestMilestone.objects.filter(
            state=MilestoneState.PENDING, paused_at__isnull=True, due_at__lte=now, request__in=visible
        ).values_list("request_id", flat=True)
    )

    def grouped(key):
        total, overdue = Counter(), Counter()
        for r in rows:
            total[key(r)] += 1
            overdue[key(r)] += r[0] in late
        return {name: {"open": n, "overdue": overdue[name]} for name, n in total.items()}

    return {
        "status": Counter(r[1] for r in rows),
        "open_total": len(rows),
        "overdue_total": len(late),
        "by_station": grouped(lambda r: r[2] or "—"),
        "by_route": grouped(lambda r: r[3] or "—"),
        "by_owner": grouped(lambda r: r[4] or r[5] or "—"),
        "by_category": grouped(lambda r: r[6] or "—"),
    }


def as_counted(board) -> dict:
    def groups(name):
        return {g["name"]: {"open": g["open"], "overdue": g["overdue"]} for g in board[name]}

    return {
        "status": Counter({c["status"]: c["n"] for c in board["status_counts"] if c["n"]}),
        "open_total": board["open_total"],
        "overdue_total": board["overdue_total"],
        **{name: groups(name) for name in ("by_station", "by_route", "by_owner", "by_category")},
    }


@pytest.fixture
def workload(world, file_request, now):
    """Requests in three stations and two branches: overdue, held (its clock paused), dispatched to an owner with a
    full name and to one without, cancelled, and new."""
    nameless = make_user("nameless", Role.STATION_HEAD, company=world.company, branch=world.branch_a,
                         station=world.station_a1, full_name="")  # fmt: skip
    old = now - timedelta(days=5)  # every deadline of these has passed
    late = [file_request(shop, at=old) for shop in (world.shops["张湾1号线"][0], world.shops["城关1号线"][0])]
    held = file_request(world.shops["张湾2号线"][0], at=old)
    s.servicerequest_hold(request=held, reason="等待客户回复", actor=world.agent, now=old)
    for request, owner in ((late[0], world.account_manager), (file_request(at=now), nameless)):
        s.servicerequest_acknowledge(request=request, actor=world.agent, now=now)
        s.servicerequest_dispatch(request=request, owner=owner, actor=world.agent, now=now)
    cancelled = file_request(world.shops["茅箭1号线"][0], at=old)
    s.servicerequest_cancel(request=cancelled, reason="重复来电", actor=world.agent, now=now)
    file_request(world.shops["茅箭1号线"][1], category="delivery", at=now)


def test_the_board_counts_what_the_open_requests_and_their_deadlines_say_in_each_scope(world, workload, now):
    for user in USERS:
        board = board_data(user=getattr(world, user), now=now)
        assert as_counted(board) == counted_in_python(getattr(world, user), now), user
    admin = board_data(user=world.city_admin, now=now)
    assert admin["open_total"] == 5 and admin["overdue_total"] == 2  # the held one's clock is paused
    owners = {g["name"] for g in admin["by_owner"]}
    assert owners == {"account_manager", "nameless", "—"}  # the full name, else the login, else nobody
    assert {m.request.shop.name for m in admin["overdue"]} == {
        world.shops["张湾1号线"][0].name,
        world.shops["城关1号线"][0].name,
    }
    outsider = board_data(user=world.outsider, now=now)
    assert outsider["open_total"] == 1 and not outsider["soon"]
    assert [g["name"] for g in outsider["by_station"]] == ["城关服务站"]


def test_the_board_shows_the_largest_groups_first_and_at_most_fifteen(world, file_request, now):
    from serviceloop.core.testing import make_customer
    from serviceloop.org.models import Route

    for i in range(GROUPS_SHOWN + 2):
        route = Route.objects.create(station=world.station_a1, name=f"线路{i:02d}")
        for _ in range(1 + (i == 3) * 2):  # 线路03 has three requests
            file_request(make_customer(route), at=now)
    routes = board_data(user=world.city_admin, now=now)["by_route"]
    assert len(routes) == GROUPS_SHOWN
    assert routes[0] == {"name": "线路03", "open": 3, "overdue": 0}
    assert [g["name"] for g in routes[1:3]] == ["线路00", "线路01"]  # ties by name


def test_the_board_costs_the_same_queries_however_many_requests(world, file_request, now, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = login(world.station_head)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("servicedesk:board"), HTTP_HX_REQUEST="true").status_code == 200
        return len(captured)

    file_request(at=now - timedelta(days=5))
    few = queries()
    for shop in world.shops["张湾1号线"] + world.shops["张湾2号线"]:
        for _ in range(3):
            file_request(shop, at=now - timedelta(days=5))
    assert queries() == few
    assert few <= 9, few


def test_the_board_as_drawn_names_each_late_deadline_in_chinese(world, workload, now, app):
    """The partial as a supervisor's browser gets it: each overdue line with its request, its milestone's label,
    "到期", the shop and the owner ("未派单" for none); another branch's request is not drawn for a station head."""
    from django.utils import translation

    from serviceloop.servicedesk.models import MilestoneKind

    with time_machine.travel(now, tick=False):
        page = app.get("/servicedesk/board/", user=world.city_admin, headers={"HX-Request": "true"})
        lines = [li.get_text(" ", strip=True) for li in page.html.select("[data-testid=overdue-list] li")]
        with translation.override("zh-hans"):
            labels = {str(label) for _value, label in MilestoneKind.choices}
        assert lines and all("到期" in line and any(label in line for label in labels) for line in lines)
        assert any("未派单" in line for line in lines) and any("account_manager" in line for line in lines)
        station = app.get("/servicedesk/board/", user=world.station_head, headers={"HX-Request": "true"})
    drawn = station.html.select_one("[data-testid=overdue-list]").get_text()
    assert world.shops["城关1号线"][0].name not in drawn and world.shops["张湾1号线"][0].name in drawn
