"""The forms every user meets (log in, language, log out) and the audit search, submitted as rendered (WebTest)."""

import pytest
from django.utils import timezone

from serviceloop.core.audit import audit_record
from serviceloop.core.testing import PASSWORD, text_of

pytestmark = pytest.mark.django_db


def test_a_user_logs_in_on_the_page_and_lands_where_they_were_going(world, app):
    page = app.get("/customers/").follow()  # not logged in: sent to the log-in page, keeping the way back
    form = page.forms["login-form"]
    form["username"] = "station_head"
    form["password"] = PASSWORD
    result = form.submit().follow()
    assert result.request.path == "/customers/"
    assert "station_head" in text_of(result, "[data-testid=current-user]")


def test_a_wrong_password_is_answered_in_chinese_and_keeps_the_username(world, app):
    form = app.get("/login/").forms["login-form"]
    form["username"] = "agent"
    form["password"] = "wrong"
    result = form.submit()
    assert result.status_code == 200 and "用户名或密码错误" in text_of(result)
    assert result.forms["login-form"]["username"].value == "agent"


def test_a_user_switches_to_english_and_back_with_the_language_button(world, app):
    page = app.get("/customers/", user=world.account_manager)
    page = page.forms["language-form"].submit("language", value="en").follow()
    assert page.request.path == "/customers/" and "Customer archive" in text_of(page)
    page = page.forms["language-form"].submit("language", value="zh-hans").follow()
    assert "客户档案" in text_of(page)


def test_a_user_logs_out_with_the_button_in_the_menu(world, app):
    page = app.get("/", user=world.agent)
    form = page.forms["logout-form"]
    app.extra_environ.pop("WEBTEST_USER", None)  # from here on, only the session cookie counts
    result = form.submit()
    assert result.status_code in (200, 302)
    assert app.get("/customers/").status_code == 302


def test_the_city_admin_searches_the_audit_trail_as_rendered(world, app):
    now = timezone.now()
    audit_record(actor=world.city_admin, action="customer.export", summary="导出 12 家", now=now)
    audit_record(actor=world.station_head, action="org.route.update", summary="改线路名", now=now)
    form = app.get("/audit/", user=world.city_admin).forms["audit-filter"]
    form["q"] = "线路"
    result = form.submit()
    rows = result.html.select("#audit-table tbody tr")
    assert len(rows) == 1 and "改线路名" in rows[0].get_text()
    app.get("/audit/", user=world.station_head, status=403)
