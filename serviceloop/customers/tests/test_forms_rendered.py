"""Customer forms (list filter, new shop, edit shop) filled and submitted as the page renders them (WebTest)."""

import re

import pytest

from serviceloop.core.testing import make_customer, text_of
from serviceloop.customers.models import Customer

pytestmark = pytest.mark.django_db

LATIN = re.compile(r"[A-Za-z]{3,}")


def licences(page) -> set[str]:
    return {
        a.get_text(strip=True)
        for a in page.html.select("[data-testid=customer-table] tbody td:first-child a")
    }


@pytest.mark.parametrize("field", ["e_settlement", "online_ordering", "care_flag", "quality_terminal"])
def test_each_yes_no_filter_offers_its_choices_and_narrows_the_list(world, app, field):
    shop = world.shops["张湾1号线"][0]
    Customer.objects.filter(pk=shop.pk).update(**{field: True})
    form = app.get("/customers/", user=world.city_admin).forms["customer-filter"]
    options = [(value, label) for value, _selected, label in form[field].options]
    assert [label for _value, label in options] == ["全部", "是", "否"]
    yes = next(value for value, label in options if label == "是")
    form[field] = yes
    assert licences(form.submit()) == {shop.licence_no}
    no = next(value for value, label in options if label == "否")
    form[field] = no
    assert len(licences(form.submit())) == 7


def test_the_sort_options_read_in_chinese_and_sort_the_list(world, app):
    Customer.objects.filter(pk=world.shops["城关1号线"][1].pk).update(grade=30)
    form = app.get("/customers/", user=world.city_admin).forms["customer-filter"]
    labels = [label for _value, _selected, label in form["ordering"].options]
    assert len(labels) == 13 and not [label for label in labels if LATIN.search(label)], labels
    assert "档位（降序）" in labels
    form["ordering"] = "-grade"
    first = form.submit().html.select("[data-testid=customer-table] tbody td:first-child a")[0]
    assert first.get_text(strip=True) == world.shops["城关1号线"][1].licence_no


def test_the_station_status_and_stars_filters_work_as_rendered(world, app):
    shop = world.shops["茅箭1号线"][0]
    Customer.objects.filter(pk=shop.pk).update(stars=5)
    form = app.get("/customers/", user=world.branch_manager).forms["customer-filter"]
    station_labels = [label for _v, _s, label in form["station"].options]
    assert "城关服务站" not in station_labels  # another branch is not offered
    form["station"] = str(world.station_a2.pk)
    form["stars"] = ["5"]
    form["status"] = "active"
    assert licences(form.submit()) == {shop.licence_no}


def test_the_station_head_adds_a_shop_through_the_page(world, app):
    page = app.get("/customers/", user=world.station_head)
    form = page.click(href="/customers/new/").forms["customer-edit"]
    route_labels = [label for _v, _s, label in form["route"].options]
    assert not [label for label in route_labels if "城关" in label]  # only routes of the station
    form["licence_no"] = "420302123456"
    form["name"] = "幸福便利店"
    form["owner_name"] = "李梅"
    form["phone"] = "13900000000"
    form["route"] = str(world.route_a1_2.pk)
    form["retail_format"] = "B"
    form["market_type"] = "C"
    form["grade"] = "12"
    form["stars"] = "4"
    form["joined_on"] = "2026-03-01"
    form["e_settlement"] = True
    form["care_flag"] = True
    form["care_note"] = "店主腿脚不便"
    page = form.submit().follow()
    shop = Customer.objects.get(licence_no="420302123456")
    assert text_of(page, "[data-testid=customer-name]") == "幸福便利店"
    assert shop.route == world.route_a1_2 and shop.station == world.station_a1 and shop.grade == 12
    assert shop.e_settlement and shop.care_flag and not shop.online_ordering
    assert str(shop.joined_on) == "2026-03-01"


def test_the_account_manager_edits_a_shop_and_unticks_a_box(world, app):
    shop = make_customer(world.route_a1_1, online_ordering=True)
    page = app.get(f"/customers/{shop.pk}/", user=world.account_manager)
    form = page.click(href=f"/customers/{shop.pk}/edit/").forms["customer-edit"]
    assert form["online_ordering"].checked and form["name"].value == shop.name
    form["online_ordering"] = False
    form["address"] = "张湾区车城路1号"
    page = form.submit().follow()
    shop.refresh_from_db()
    assert shop.online_ordering is False and shop.address == "张湾区车城路1号"
    assert "张湾区车城路1号" in text_of(page)


def test_a_stale_edit_is_refused_and_a_bad_grade_is_shown_next_to_its_field(world, app):
    shop = world.shops["张湾1号线"][0]
    form = app.get(f"/customers/{shop.pk}/edit/", user=world.station_head).forms["customer-edit"]
    form["grade"] = "31"
    result = form.submit()
    assert result.status_code == 200 and "档位" in text_of(result, "[data-field=grade]")
    assert "is-invalid" in result.html.select_one("[name=grade]")["class"]
    form = app.get(f"/customers/{shop.pk}/edit/", user=world.station_head).forms["customer-edit"]
    other = app.get(f"/customers/{shop.pk}/edit/", user=world.station_head).forms["customer-edit"]
    form["name"] = "先保存的名字"
    form.submit().follow()
    other["name"] = "后保存的名字"
    stale = other.submit()
    assert stale.status_code == 200 and stale.html.select("[data-testid=form-errors]")
    shop.refresh_from_db()
    assert shop.name == "先保存的名字"


def test_roles_that_may_not_edit_get_no_form(world, app):
    app.get("/customers/new/", user=world.agent, status=403)
    app.get(f"/customers/{world.shops['城关1号线'][0].pk}/edit/", user=world.account_manager, status=404)


def pager_link(page, which: str) -> str:
    """The href of the pagination link ``which`` (first, prev, next, last) as rendered."""
    links = page.html.select(f"[data-testid=page-{which}]")
    assert links, f"no {which!r} link"
    return links[0]["href"]


def test_walking_the_pages_as_rendered_shows_every_shop_once_in_order(world, app):
    """Issue 14: pages are fetched keys first (deferred join); next, previous, first and last links still agree."""
    for i in range(35):
        make_customer(world.route_a1_1, name=f"翻页测试店{i:02d}")
    every = list(
        Customer.objects.visible_to(world.city_admin)
        .order_by("licence_no")
        .values_list("licence_no", flat=True)
    )
    page = app.get("/customers/?size=10", user=world.city_admin)
    seen = []
    while True:
        rows = [
            a.get_text(strip=True)
            for a in page.html.select("[data-testid=customer-table] tbody td:first-child a")
        ]
        seen += rows
        if not page.html.select("[data-testid=page-next]"):
            break
        page = app.get("/customers/" + pager_link(page, "next"), user=world.city_admin)
    assert seen == every, (len(seen), len(every), set(seen) ^ set(every))  # each shop once, in licence order
    count = text_of(page, "[data-testid=result-count]")
    assert str(len(every)) in count.replace(",", ""), count
    first = app.get("/customers/" + pager_link(page, "first"), user=world.city_admin)
    last = app.get("/customers/" + pager_link(first, "last"), user=world.city_admin)
    assert sorted(licences(last)) == every[(len(every) - 1) // 10 * 10 :]


def test_a_search_and_a_filter_page_on_as_rendered(world, app):
    # the filter form carries no page size: pages of 30
    for i in range(65):
        make_customer(world.route_a1_1, name=f"深页搜索店{i:02d}", stars=3 if i % 2 else 1)
    form = app.get("/customers/", user=world.city_admin).forms["customer-filter"]
    form["q"] = "深页搜索"
    first = form.submit()
    second = app.get("/customers/" + pager_link(first, "next"), user=world.city_admin)
    third = app.get("/customers/" + pager_link(second, "next"), user=world.city_admin)
    names = set(Customer.objects.filter(name__contains="深页搜索").values_list("licence_no", flat=True))
    assert licences(first) | licences(second) | licences(third) == names
    assert len(licences(first)) == 30 and len(licences(third)) == 5
    form = first.forms["customer-filter"]
    form["stars"] = ["3"]
    page = form.submit()
    shown = licences(page) | licences(
        app.get("/customers/" + pager_link(page, "next"), user=world.city_admin)
    )
    assert shown == set(
        Customer.objects.filter(name__contains="深页搜索", stars=3).values_list("licence_no", flat=True)
    )


def test_a_search_past_the_count_cap_says_more_than_and_offers_no_last_page(world, app, monkeypatch):
    """Issue 14: a text search is counted up to a cap; the page says so instead of printing a wrong total."""
    from serviceloop.customers import views

    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 40)
    for i in range(65):
        make_customer(world.route_a1_1, name=f"封顶计数店{i:02d}")
    form = app.get("/customers/", user=world.city_admin).forms["customer-filter"]
    form["q"] = "封顶计数"
    first = form.submit()
    assert "超过 40 条记录" in text_of(first, "[data-testid=result-count]")
    assert not first.html.select("[data-testid=page-last]")
    second = app.get("/customers/" + pager_link(first, "next"), user=world.city_admin)
    assert len(licences(first) | licences(second)) == 40  # up to the cap, each once
    assert not second.html.select("[data-testid=page-next]")
    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 1000)
    exact = form.submit()
    assert "65" in text_of(exact, "[data-testid=result-count]") and exact.html.select(
        "[data-testid=page-last]"
    )


def route_labels(form) -> list[str]:
    return [label for _value, _selected, label in form["route"].options]


def test_the_route_filter_offers_the_chosen_stations_routes(world, app):
    """A city-wide user is offered routes once a station (or a branch) is chosen: a province's 2,000 routes were
    one list no one could scroll (issue 14)."""
    page = app.get("/customers/", user=world.city_admin)
    form = page.forms["customer-filter"]
    assert route_labels(form) == ["全部线路"]
    assert "先选择站点" in text_of(page, "#route-filter")
    form["station"] = str(world.station_a1.pk)
    page = form.submit()
    form = page.forms["customer-filter"]
    assert route_labels(form) == ["全部线路", "张湾1号线", "张湾2号线"]
    assert "先选择站点" not in text_of(page, "#route-filter")
    form["route"] = str(world.route_a1_2.pk)
    assert licences(form.submit()) == {s.licence_no for s in world.shops["张湾2号线"]}
    page = app.get("/customers/", {"branch": world.branch_a.pk}, user=world.city_admin)
    assert route_labels(page.forms["customer-filter"]) == ["全部线路", "张湾1号线", "张湾2号线", "茅箭1号线"]


def test_narrow_users_are_offered_their_routes_at_once(world, app):
    for user, routes in (
        (world.account_manager, ["张湾1号线"]),
        (world.station_head, ["张湾1号线", "张湾2号线"]),
        (world.branch_manager, ["张湾1号线", "张湾2号线", "茅箭1号线"]),
    ):
        form = app.get("/customers/", user=user).forms["customer-filter"]
        assert route_labels(form) == ["全部线路", *routes], user.username


def test_a_chosen_route_is_always_shown_and_anothers_route_is_refused(world, app):
    # a route outside the chosen station stays offered and selected: no filter is applied out of sight
    page = app.get(
        "/customers/", {"station": world.station_a2.pk, "route": world.route_a1_1.pk}, user=world.city_admin
    )
    form = page.forms["customer-filter"]
    assert route_labels(form) == ["全部线路", "张湾1号线", "茅箭1号线"]
    assert form["route"].value == str(world.route_a1_1.pk)
    assert licences(page) == set()  # both filters apply: that station has none of that route's shops
    # a link with a route and no station
    page = app.get("/customers/", {"route": world.route_a1_2.pk}, user=world.city_admin)
    assert route_labels(page.forms["customer-filter"]) == ["全部线路", "张湾2号线"]
    assert licences(page) == {s.licence_no for s in world.shops["张湾2号线"]}
    # another branch's route is neither offered nor accepted
    page = app.get("/customers/", {"route": world.route_b1_1.pk}, user=world.branch_manager)
    assert "城关1号线" not in route_labels(page.forms["customer-filter"])
    assert licences(page) == set() and "筛选条件" in text_of(page, "#customer-table")
    for bad in ("abc", "-1", "²", "9" * 30):  # malformed ids: no route offered, no error page
        page = app.get("/customers/", {"station": bad, "route": bad}, user=world.city_admin)
        assert page.status_code == 200 and route_labels(page.forms["customer-filter"]) == ["全部线路"]


def test_the_tables_fragment_sends_the_stations_routes_along(world, app):
    page = app.get(
        "/customers/", {"station": world.station_a1.pk}, user=world.city_admin, headers={"HX-Request": "true"}
    )
    # the options go inside the route select the page has (HTMX listens on it), the hint replaces the old one
    swapped = page.html.select_one("#id_route[hx-swap-oob=innerHTML]")
    assert [o.get_text() for o in swapped.select("option")] == ["全部线路", "张湾1号线", "张湾2号线"]
    assert page.html.select_one("#route-hint[hx-swap-oob]").get_text(strip=True) == ""
    assert page.html.select_one("[data-testid=customer-table]") is not None
    whole = app.get("/customers/", user=world.city_admin)
    assert len(whole.html.select("#id_route")) == 1 and not whole.html.select("[hx-swap-oob]")
    station = whole.html.select_one("#id_station")
    assert station["data-clears"] == "route"
