import pytest
from django.urls import reverse
from webtest import Upload

from serviceloop.org.models import Role, Route, User
from serviceloop.org.staff_import import import_staff_file
from serviceloop.trade.testing import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db
HEADER = ["姓名", "手机", "角色", "单位", "服务线路"]


def test_it_imports_staff_and_gives_them_their_routes(world):
    rows = [["李明", "13900000001", "客户经理", "张湾服务站", "张湾2号线"],
            ["王芳", "13900000002", "市场经理", "城区分公司", "张湾2号线、茅箭1号线"],
            ["赵强", "13900000003", "站长", "茅箭服务站", ""]]  # fmt: skip
    report = import_staff_file(file=xlsx_bytes(HEADER, rows), actor=world.city_admin, now=None)
    assert report.errors == [] and (report.created, report.routes_assigned) == (3, 3)
    li = User.objects.get(username="13900000001")
    assert (li.role, li.station, li.has_usable_password()) == (Role.ACCOUNT_MANAGER, world.station_a1, False)
    route = Route.objects.get(pk=world.route_a1_2.pk)
    assert route.account_manager == li and route.market_manager.full_name == "王芳"
    again = import_staff_file(file=xlsx_bytes(HEADER, rows), actor=world.city_admin, now=None)
    assert (again.created, again.updated, again.unchanged, again.routes_assigned) == (0, 0, 3, 0)


def test_every_bad_row_is_named_and_nothing_is_written(world):
    rows = [["李明", "13900000001", "经理", "张湾服务站", ""],
            ["王芳", "13900000002", "客户经理", "不存在站", ""],
            ["赵强", "13900000003", "客户经理", "茅箭服务站", "张湾2号线"],
            ["孙丽", "13900000004", "客服人员", "张湾服务站", ""]]  # fmt: skip
    report = import_staff_file(file=csv_bytes(HEADER, rows), actor=world.city_admin, now=None)
    assert [(e.line, e.column) for e in report.errors] == [
        (2, "角色"),
        (3, "单位"),
        (4, "服务线路"),
        (5, "单位"),
    ]
    assert not User.objects.filter(username__startswith="139").exists()


def test_the_page_checks_then_imports(app, world):
    page = app.get(reverse("org:staff-import"), user=world.city_admin)
    form = page.forms["staff-import"]
    form["file"] = Upload(
        "员工.csv", csv_bytes(HEADER, [["李明", "13900000001", "客户经理", "张湾服务站", "张湾2号线"]])
    )
    checked = form.submit()
    assert not User.objects.filter(username="13900000001").exists()
    checked.forms["staff-import-confirm"].submit()
    assert Route.objects.get(pk=world.route_a1_2.pk).account_manager.username == "13900000001"
    app.get(reverse("org:staff-import"), user=world.station_head, status=403)


def test_the_setup_page_lists_what_is_missing_in_order(app, world):
    page = app.get(reverse("org:setup"), user=world.city_admin)
    steps = page.html.select('[data-testid="setup-steps"] li')
    keys = [li["data-step"] for li in steps]
    assert keys == ["org", "staff", "customers", "route_owners", "products", "trade", "policies", "holidays"]
    done = {li["data-step"]: li["data-done"] for li in steps}
    assert done["org"] == "yes" and done["route_owners"] == "no" and done["products"] == "no"
    assert page.html.select('[data-step="products"] a')[0]["href"] == reverse("trade:import")
    app.get(reverse("org:setup"), user=world.outsider, status=403)
