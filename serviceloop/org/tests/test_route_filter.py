"""The route filter of the list pages (customers, guidance books, survey progress): a city-wide user is offered the
routes of the station (or branch) they chose, narrower users their own at once; the route chosen is always shown;
the tables' fragments send the station's routes along (issue 14: a province has 2,000 routes)."""

import pytest

from serviceloop.org.selectors import route_options

pytestmark = pytest.mark.django_db


def names(options) -> list[str]:
    return [name for _pk, name in options]


def test_each_role_is_offered_the_routes_it_sees_narrowed_to_the_chosen_unit(world):
    a1, a2 = world.station_a1.pk, world.station_a2.pk
    assert route_options(world.city_admin, {}) == []
    assert names(route_options(world.city_admin, {"station": a1})) == ["张湾1号线", "张湾2号线"]
    assert names(route_options(world.city_admin, {"branch": world.branch_a.pk})) == [
        "张湾1号线", "张湾2号线", "茅箭1号线",
    ]  # fmt: skip
    assert names(route_options(world.city_admin, {"station": a2, "branch": world.branch_a.pk})) == [
        "茅箭1号线"
    ]
    assert names(route_options(world.branch_manager, {})) == ["张湾1号线", "张湾2号线", "茅箭1号线"]
    assert names(route_options(world.station_head, {})) == ["张湾1号线", "张湾2号线"]
    assert names(route_options(world.account_manager, {})) == ["张湾1号线"]
    assert names(route_options(world.market_manager, {})) == ["张湾1号线", "茅箭1号线"]


def test_the_chosen_route_is_kept_and_anothers_is_never_offered(world):
    chosen = {"station": world.station_a2.pk, "route": world.route_a1_1.pk}
    assert names(route_options(world.city_admin, chosen)) == ["张湾1号线", "茅箭1号线"]
    assert names(route_options(world.city_admin, {"route": world.route_a1_2.pk})) == ["张湾2号线"]
    outsider = {"route": world.route_b1_1.pk, "station": world.station_b1.pk}
    assert names(route_options(world.branch_manager, outsider)) == []  # another branch's: not even by its id
    assert names(route_options(world.outsider, {"station": world.station_a1.pk})) == []
    for bad in ("abc", "-1", "1.5", "²", "１２", "9" * 30, "", None):
        assert route_options(world.city_admin, {"station": bad, "branch": bad, "route": bad}) == []


def route_labels(page, form) -> list[str]:
    return [label for _value, _selected, label in page.forms[form]["route"].options]


def test_the_guidance_books_filter_follows_the_chosen_station(world, app):
    page = app.get("/guidance/", user=world.city_admin)
    assert route_labels(page, "books-filter") == ["全部线路"] and "先选择站点" in page.text
    form = page.forms["books-filter"]
    form["station"] = str(world.station_a1.pk)
    assert route_labels(form.submit(), "books-filter") == ["全部线路", "张湾1号线", "张湾2号线"]
    fragment = app.get("/guidance/", {"station": world.station_a2.pk}, user=world.city_admin,
                       headers={"HX-Request": "true"})  # fmt: skip
    swapped = fragment.html.select_one("#id_route[hx-swap-oob=innerHTML]")
    assert [o.get_text() for o in swapped.select("option")] == ["全部线路", "茅箭1号线"]
    assert fragment.html.select_one("[data-testid=books-table]") is not None
    assert page.html.select_one("select[name=station]")["data-clears"] == "route"
