"""The organisation forms of the city administrator, filled and submitted as rendered (WebTest)."""

import pytest

from serviceloop.core.models import AuditEvent
from serviceloop.core.testing import PASSWORD, text_of
from serviceloop.org.models import Branch, Role, Route, Station, User

pytestmark = pytest.mark.django_db


def test_the_city_admin_adds_a_branch_a_station_and_a_route_through_the_pages(world, app):
    page = app.get("/org/", user=world.city_admin)
    form = page.click(href="/org/branch/new/").forms["org-edit"]
    form["company"] = str(world.company.pk)
    form["name"] = "郧阳分公司"
    form["code"] = "YY"
    page = form.submit().follow()
    branch = Branch.objects.get(name="郧阳分公司")
    assert "郧阳分公司" in text_of(page) and branch.code == "YY"

    form = page.click(href="/org/station/new/").forms["org-edit"]
    form["branch"] = str(branch.pk)
    form["name"] = "城关服务站二"
    page = form.submit().follow()
    station = Station.objects.get(name="城关服务站二")
    assert station.branch == branch and "城关服务站二" in text_of(page)

    form = app.get("/org/route/new/", user=world.city_admin).forms["org-edit"]
    form["station"] = str(station.pk)
    form["name"] = "郧阳1号线"
    form["account_manager"] = str(world.account_manager.pk)
    page = form.submit().follow()
    route = Route.objects.get(name="郧阳1号线")
    assert route.account_manager == world.account_manager and "郧阳1号线" in text_of(page, "#routes-table")
    assert AuditEvent.objects.filter(action__startswith="org.").count() >= 3


def test_a_missing_name_is_shown_next_to_the_field_and_nothing_is_saved(world, app):
    form = app.get("/org/branch/new/", user=world.city_admin).forms["org-edit"]
    form["company"] = str(world.company.pk)
    result = form.submit()
    assert result.status_code == 200
    assert "该字段是必填项" in text_of(result, "[data-field=name]")
    assert Branch.objects.count() == 2


def test_the_city_admin_renames_a_route_and_hands_it_to_another_manager(world, app):
    page = app.get("/org/routes/", user=world.city_admin)
    form = page.click(href=f"/org/route/{world.route_a1_2.pk}/").forms["org-edit"]
    assert form["station"].value == str(world.station_a1.pk)  # the stored values are shown
    form["name"] = "张湾二号线"
    form["account_manager"] = str(world.account_manager.pk)
    form.submit().follow()
    world.route_a1_2.refresh_from_db()
    assert world.route_a1_2.name == "张湾二号线" and world.route_a1_2.account_manager == world.account_manager


def test_the_city_admin_adds_a_staff_member_who_can_then_log_in(world, app):
    page = app.get("/org/staff/", user=world.city_admin)
    form = page.click(href="/org/staff/new/").forms["org-edit"]
    assert form["is_active"].checked  # the single box shows its default
    form["username"] = "li_si"
    form["full_name"] = "李四"
    form["phone"] = "13800000001"
    form["role"] = Role.ACCOUNT_MANAGER
    form["station"] = str(world.station_a2.pk)
    form["password"] = "Lisi-2026-pass"
    page = form.submit().follow()
    user = User.objects.get(username="li_si")
    assert user.station == world.station_a2 and user.branch == world.branch_a and user.is_active
    assert "李四" in text_of(page, "#staff-table")
    app.reset()  # log out: a fresh browser
    login = app.get("/login/").forms["login-form"]
    login["username"], login["password"] = "li_si", "Lisi-2026-pass"
    assert login.submit().status_code == 302


def test_the_city_admin_deactivates_a_staff_member_by_unticking_active(world, app):
    form = app.get(f"/org/staff/{world.outsider.pk}/", user=world.city_admin).forms["org-edit"]
    form["is_active"] = False
    form.submit().follow()
    world.outsider.refresh_from_db()
    assert world.outsider.is_active is False
    assert world.outsider.check_password(PASSWORD)  # an empty password field keeps the password


def test_a_role_that_does_not_fit_the_unit_is_refused_on_the_page(world, app):
    form = app.get("/org/staff/new/", user=world.city_admin).forms["org-edit"]
    form["username"] = "wang"
    form["full_name"] = "王五"
    form["role"] = Role.STATION_HEAD
    form["company"] = str(world.company.pk)
    result = form.submit()
    assert result.status_code == 200 and result.html.select(".alert-danger, .invalid-feedback")
    assert not User.objects.filter(username="wang").exists()


def test_the_staff_and_route_filters_narrow_the_lists_as_rendered(world, app):
    form = app.get("/org/staff/", user=world.city_admin).forms["staff-filter"]
    form["role"] = Role.SUPERVISOR
    result = form.submit()
    assert text_of(result, "#staff-table tbody").split()[0] == "supervisor"
    assert len(result.html.select("#staff-table tbody tr")) == 1
    form = app.get("/org/routes/", user=world.city_admin).forms["routes-filter"]
    form["station"] = str(world.station_b1.pk)
    result = form.submit()
    assert len(result.html.select("#routes-table tbody tr")) == 1 and "城关1号线" in text_of(
        result, "#routes-table"
    )


@pytest.mark.parametrize("who", ["branch_manager", "station_head", "outsider"])
def test_the_org_forms_are_refused_to_other_roles(world, app, who):
    app.get("/org/branch/new/", user=getattr(world, who), status=403)
    app.get("/org/staff/new/", user=getattr(world, who), status=403)
