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


def test_a_refused_or_missing_page_keeps_the_menu_for_a_logged_in_user(world, app, settings):
    settings.DEBUG = False
    refused = app.get("/org/", user=world.station_head, status=403)
    assert "您无权打开此页面" in refused.text
    menu = refused.html.select("#mainnav a.nav-link, #mainnav a.dropdown-item")
    assert {a["href"] for a in menu} >= {"/", "/customers/", "/tags/"}
    assert "station_head" in refused.html.select_one("[data-testid=current-user]").get_text()
    assert refused.html.select_one("#logout-form") is not None
    missing = app.get("/customers/999999/", user=world.station_head, status=404)
    assert missing.html.select("#mainnav a.nav-link") and "页面不存在" in missing.text


def test_an_anonymous_visitor_gets_the_plain_error_page(world, app, settings):
    settings.DEBUG = False
    page = app.get("/no-such-page/", status=404)
    assert "页面不存在" in page.text and not page.html.select("#mainnav")


def test_every_page_has_an_icon_and_favicon_ico_answers(world, app):
    icon = app.get("/favicon.ico")
    assert icon.status_code == 200 and icon.content_type in ("image/x-icon", "image/vnd.microsoft.icon")
    assert icon.body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "max-age" in icon.headers["Cache-Control"]
    page = app.get("/login/")
    links = page.html.select("link[rel~=icon]")
    assert links and all(app.get(link["href"]).status_code == 200 for link in links)
