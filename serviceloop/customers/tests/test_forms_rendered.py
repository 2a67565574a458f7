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
