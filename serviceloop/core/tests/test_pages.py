"""Log-in, the home page for each role, navigation and the language switch."""

import pytest

pytestmark = pytest.mark.django_db


def test_it_shows_the_login_page_in_chinese(client):
    body = client.get("/login/").content.decode()
    assert "登录" in body


def test_it_switches_to_english(client, world):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"}, follow=True)
    assert "Log in" in response.content.decode()


def test_it_refuses_a_wrong_password_with_a_clear_message(client, world):
    response = client.post("/login/", {"username": "agent", "password": "wrong"})
    assert response.status_code == 200 and "用户名或密码错误" in response.content.decode()


@pytest.mark.parametrize(
    "who,total",
    [
        ("city_admin", 8),
        ("branch_manager", 6),
        ("station_head", 4),
        ("market_manager", 4),
        ("account_manager", 2),
        ("outsider", 2),
    ],
)
def test_it_shows_each_role_a_home_page_with_its_own_counts(world, login, who, total):
    response = login(getattr(world, who)).get("/")
    assert response.status_code == 200
    assert response.context["summary"]["totals"]["total"] == total
    assert "chart-stars" in response.content.decode()


def test_it_breaks_the_home_page_down_one_level_below_the_user(world, login):
    assert login(world.city_admin).get("/").context["summary"]["unit_level"] == "branch"
    assert login(world.branch_manager).get("/").context["summary"]["unit_level"] == "station"
    assert login(world.station_head).get("/").context["summary"]["unit_level"] == "route"


def test_it_shows_the_org_menu_only_to_the_city_admin(world, login):
    assert "/org/" in login(world.city_admin).get("/").content.decode()
    assert "/org/" not in login(world.account_manager).get("/").content.decode()


def test_it_stays_chinese_for_a_browser_that_asks_for_english(client):
    body = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录" in body and "Log in" not in body


def test_it_answers_errors_with_friendly_chinese_pages(world, login, settings):
    settings.DEBUG = False
    client = login(world.account_manager)
    missing = client.get("/customers/999999/")
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()
    refused = client.get("/org/")
    assert refused.status_code == 403 and "您无权打开此页面" in refused.content.decode()


def test_it_explains_an_expired_form_in_chinese(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "agent", "password": "x"})
    assert response.status_code == 403 and "页面已过期" in response.content.decode()
