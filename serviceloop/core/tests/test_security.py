"""Log-in lock-out, API throttles, passwords, sessions, the API docs and the deployment settings (issue 13)."""

import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from serviceloop.core.testing import PASSWORD

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)


def try_login(app, username, password, address="10.1.1.1"):
    page = app.get("/login/", extra_environ={"REMOTE_ADDR": address})
    form = page.forms["login-form"]
    form["username"], form["password"] = username, password
    return form.submit(extra_environ={"REMOTE_ADDR": address}, expect_errors=True)


def test_it_locks_a_user_name_after_repeated_wrong_passwords_and_says_when_to_try_again(app, world):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert try_login(app, "station_head", f"wrong-{n}", address=f"10.0.0.{n}").status_code == 200
    locked = try_login(app, "station_head", "wrong-last", address="10.0.0.99")
    assert locked.status_code == 429
    # Then the right password, from yet another address, is refused too, with the time to come back.
    again = try_login(app, "station_head", PASSWORD, address="10.0.0.100")
    assert again.status_code == 429
    text = again.text
    assert "登录失败次数过多" in text and re.search(r"请在 \d\d:\d\d 之后再试", text), text
    assert "_auth_user_id" not in app.session
    # Another user is not affected.
    assert try_login(app, "agent", PASSWORD, address="10.0.0.101").status_code == 302


def test_it_locks_an_address_that_tries_many_user_names(app, world):
    for n in range(settings.AXES_FAILURE_LIMIT):
        try_login(app, f"guess{n}", "wrong", address="10.9.9.9")
    assert try_login(app, "agent", PASSWORD, address="10.9.9.9").status_code == 429
    assert try_login(app, "agent", PASSWORD, address="10.9.9.10").status_code == 302


def test_it_refuses_api_tokens_from_an_address_that_sent_too_many_wrong_ones(world):
    good = Token.objects.create(user=world.agent).key
    client = APIClient(REMOTE_ADDR="10.2.2.2")
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["bad_token"].split("/")[0])
    codes = [
        client.get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Token bad{n:036d}").status_code
        for n in range(limit + 5)
    ]
    assert codes[:limit] == [401] * limit and set(codes[limit:]) == {429}
    refused = client.get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Token {good}")
    assert refused.status_code == 429 and "请在" in refused.json()["detail"]
    elsewhere = APIClient(REMOTE_ADDR="10.2.2.3")
    assert elsewhere.get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Token {good}").status_code == 200


def test_it_throttles_a_signed_in_api_user(world, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "user": "3/minute"}
    )
    client = APIClient()
    client.force_authenticate(world.agent)
    codes = [client.get("/api/v1/customers/").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_the_api_has_user_and_anonymous_throttles_configured():
    rest = settings.REST_FRAMEWORK
    assert "rest_framework.throttling.UserRateThrottle" in rest["DEFAULT_THROTTLE_CLASSES"]
    assert "rest_framework.throttling.AnonRateThrottle" in rest["DEFAULT_THROTTLE_CLASSES"]


# --- passwords -----------------------------------------------------------------------------------------
def test_staff_change_their_own_password_on_a_page_of_the_app(app, world):
    page = app.get(reverse("password-change"), user=world.station_head)
    form = page.forms["password-change"]
    form["old_password"] = PASSWORD
    form["new_password1"] = form["new_password2"] = "Qiu-lin 2026 spring"
    result = form.submit().follow()
    assert "密码已修改" in result.text
    world.station_head.refresh_from_db()
    assert world.station_head.check_password("Qiu-lin 2026 spring")


@pytest.mark.parametrize(
    "password,message",
    [
        ("a13812345678", "电话"),  # the user's phone
        ("x812345678y", "电话"),  # most of it
        ("张站长2026abcd", "姓名"),  # the user's name
        ("20261123", "只包含数字"),
        ("password123", "太常见"),
    ],
)
def test_it_refuses_a_password_like_the_users_phone_or_name(app, world, password, message):
    world.station_head.phone, world.station_head.full_name = "13812345678", "张站长"
    world.station_head.save()
    page = app.get(reverse("password-change"), user=world.station_head)
    form = page.forms["password-change"]
    form["old_password"] = PASSWORD
    form["new_password1"] = form["new_password2"] = password
    result = form.submit(expect_errors=True)
    assert result.status_code == 200 and message in result.text, result.text[-3000:]
    world.station_head.refresh_from_db()
    assert world.station_head.check_password(PASSWORD)


def test_the_password_page_needs_a_log_in(app):
    assert app.get(reverse("password-change")).status_code == 302


# --- sessions ------------------------------------------------------------------------------------------
def test_a_session_ends_after_a_working_day_without_activity_but_not_while_in_use(client, world):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    with time_machine.travel("2026-11-23 08:00 +0800", tick=False) as clock:
        client.force_login(world.agent)
        for _ in range(3):  # active all day: each visit moves the end of the session
            clock.shift(timedelta(hours=4))
            assert client.get("/").status_code == 200
        clock.shift(timedelta(hours=8, minutes=5))  # a night away
        assert client.get("/").status_code == 302


# --- API schema and docs -------------------------------------------------------------------------------
def test_the_schema_and_docs_need_a_log_in(client):
    assert client.get("/api/schema/").status_code == 401
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/login/")


def test_the_docs_load_swagger_ui_from_this_site_and_no_cdn(client, world):
    client.force_login(world.agent)
    page = client.get("/api/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert any("drf_spectacular_sidecar/swagger-ui-dist" in s for s in sources)
    assert "<script>" not in page  # the start-up script is a file too (CSP)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content
    assert client.get("/api/schema/").status_code == 200


# --- Content-Security-Policy ---------------------------------------------------------------------------
def test_pages_carry_a_content_security_policy_and_their_inline_scripts_its_nonce(client, world):
    client.force_login(world.city_admin)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "script-src 'self' 'nonce-" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy
    scripts = re.findall(r"<script([^>]*)>", response.content.decode())
    inline = [s for s in scripts if "src=" not in s and "application/json" not in s]
    assert inline and all(f'nonce="{nonce}"' in s for s in inline)


TEMPLATE_DIRS = [ROOT / "templates", *sorted((ROOT / "serviceloop").glob("*/templates"))]


def test_no_template_has_inline_event_handlers_or_unnonced_scripts():
    """Standing check: an inline handler (onclick=…) or a <script> without the nonce would be blocked by the
    policy in the browser — use data attributes handled by static/js/app.js, or {{ csp_nonce }}."""
    problems = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            text = path.read_text()
            for m in re.finditer(r"<[a-z][^>]*\son[a-z]+\s*=", text):
                problems.append(f"{path}: {m.group(0)[:60]}")
            for m in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", text):
                if "csp_nonce" not in m.group(1):
                    problems.append(f"{path}: <script{m.group(1)}>")
    assert not problems, "\n".join(problems)


# --- deployment ----------------------------------------------------------------------------------------
def _check_deploy(env_extra):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "DATABASE_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{ROOT / 'db.sqlite3'}",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="fw.example.cn",
        DEBUG="false",
        **env_extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_no_warning_under_production_settings():
    result = _check_deploy({"HTTPS": "true", "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_still_warns_when_https_is_off():
    result = _check_deploy({"HTTPS": "false"})
    assert result.returncode != 0 and "security.W004" in result.stderr
