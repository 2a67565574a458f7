"""After a first import most routes have no account manager: a list of them and bulk assignment (issue 9)."""

import pytest
from django.urls import reverse

from serviceloop.core.models import AuditEvent
from serviceloop.core.testing import make_customer, text_of
from serviceloop.org.models import Route

pytestmark = pytest.mark.django_db

URL = reverse("org:routes-unassigned")


def test_the_routes_page_points_at_the_routes_without_a_manager(app, world):
    page = app.get(reverse("org:routes"), user=world.city_admin)
    link = page.html.select_one("[data-testid=unassigned-link]")
    assert "2 条线路没有客户经理" in link.get_text()
    listed = app.get(link["href"], user=world.city_admin)
    names = text_of(listed, "[data-testid=unassigned-routes] tbody")
    assert "张湾2号线" in names and "茅箭1号线" in names
    assert "张湾1号线" not in names and "城关1号线" not in names


def test_the_city_admin_ticks_routes_of_a_station_and_assigns_one_manager(app, world):
    page = app.get(URL, user=world.city_admin)
    filtered = page.forms["unassigned-filter"]
    filtered["station"] = str(world.station_a1.pk)
    page = filtered.submit()
    form = page.forms["assign-routes"]
    assert [o[0] for o in form["account_manager"].options if o[0]] == [str(world.account_manager.pk)]
    form.get("routes", index=0).checked = True
    form["account_manager"] = str(world.account_manager.pk)
    done = form.submit().follow()
    assert "已把 1 条线路分配给" in done.text
    assert Route.objects.get(pk=world.route_a1_2.pk).account_manager == world.account_manager
    assert done.html.select_one("[data-testid=none-unassigned]")
    audit = AuditEvent.objects.get(action="org.route.assign_account_manager")
    assert (audit.actor, audit.object_id) == (world.city_admin, str(world.route_a1_2.pk))
    # The manager now sees the route's shops.
    assert world.route_a1_2 in Route.objects.filter(account_manager=world.account_manager)


def test_a_manager_of_another_station_is_refused_and_nothing_changes(app, world):
    page = app.get(URL, user=world.city_admin)
    form = page.forms["assign-routes"]
    for i in range(2):
        form.get("routes", index=i).checked = True
    form["account_manager"] = str(world.account_manager.pk)  # works at 张湾服务站; 茅箭1号线 is elsewhere
    refused = form.submit(status=400)
    assert "不能负责其他服务站的线路" in refused.text and "茅箭1号线" in refused.text
    assert not Route.objects.filter(account_manager=world.account_manager).exclude(pk=world.route_a1_1.pk)
    assert not AuditEvent.objects.filter(action="org.route.assign_account_manager").exists()


def test_nothing_ticked_or_no_manager_is_refused(app, world):
    form = app.get(URL, user=world.city_admin).forms["assign-routes"]
    form["account_manager"] = str(world.account_manager.pk)
    refused = form.submit(status=400)
    assert "请至少勾选一条线路" in refused.text
    form = refused.forms["assign-routes"]
    form.get("routes", index=0).checked = True
    form["account_manager"] = ""
    assert form.submit(status=400).html.select(".is-invalid")


def test_a_route_that_has_a_manager_cannot_be_slipped_in(app, world):
    form = app.get(URL, user=world.city_admin).forms["assign-routes"]
    forged = [
        ("csrfmiddlewaretoken", form["csrfmiddlewaretoken"].value),
        ("routes", str(world.route_b1_1.pk)),  # belongs to the outsider; not on the list
        ("account_manager", str(world.outsider.pk)),
    ]
    app.post(URL, forged, user=world.city_admin, status=400)
    assert Route.objects.get(pk=world.route_b1_1.pk).account_manager == world.outsider


@pytest.mark.parametrize("who", ["station_head", "branch_manager", "account_manager", "agent"])
def test_only_the_city_admin_assigns(app, world, who):
    app.get(URL, user=getattr(world, who), status=403)


def test_the_list_costs_the_same_queries_for_many_routes(app, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(20) as few:
        app.get(URL, user=world.city_admin)
    for n in range(30):
        make_customer(Route.objects.create(station=world.station_a2, name=f"新线路{n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = app.get(URL, user=world.city_admin)
    assert "新线路29" in page.text
