"""API tokens made on a page by their user: the secret shown once, scopes (a read token gets 403 on writes),
expiry, revocation, last use; an account manager's token sees their routes only."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from serviceloop.core.testing import text_of
from serviceloop.integrations.models import ApiToken
from serviceloop.tags.models import ProblemTag

pytestmark = pytest.mark.django_db


def make(app, user, *, name="脚本", scope="read", expires_on=""):
    form = app.get("/integrations/tokens/", user=user).forms["token-create"]
    form["name"], form["scope"], form["expires_on"] = name, scope, expires_on
    page = form.submit()
    return page, page.html.select_one("[data-testid=token-secret] code").get_text(strip=True)


def call(secret, method, path, body=None):
    client = Client(REMOTE_ADDR="10.9.9.9")
    kwargs = {"HTTP_AUTHORIZATION": f"Token {secret}"}
    if method == "get":
        return client.get(path, **kwargs)
    return getattr(client, method)(path, body or {}, content_type="application/json", **kwargs)


def test_a_read_token_reads_its_users_scope_and_cannot_write(world, app):
    page, secret = make(app, world.account_manager, name="报表脚本", scope="read")
    assert secret.startswith("slk_") and "报表脚本" in text_of(page, "#token-table")
    stored = ApiToken.objects.get()
    assert stored.key_hash != secret and secret not in str(stored.__dict__)
    # The secret is not shown again.
    assert secret not in app.get("/integrations/tokens/", user=world.account_manager).text
    listed = call(secret, "get", "/api/v1/customers/").json()
    assert {c["route_name"] for c in listed["results"]} == {"张湾1号线"}
    assert call(secret, "get", f"/api/v1/customers/{world.shops['城关1号线'][0].pk}/").status_code == 404
    tag = ProblemTag.objects.filter(active=True).first()
    body = {"customer": world.shops["张湾1号线"][0].pk, "tag": tag.pk, "source": "data", "reason": "测试"}
    refused = call(secret, "post", "/api/v1/customer-tags/", body)
    assert refused.status_code == 403 and "只能读取" in refused.json()["detail"]
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_a_write_token_writes_and_a_revoked_or_expired_token_is_refused(world, app):
    page, secret = make(app, world.account_manager, scope="write")
    tag = ProblemTag.objects.filter(active=True).first()
    body = {"customer": world.shops["张湾1号线"][0].pk, "tag": tag.pk, "source": "data", "reason": "测试"}
    assert call(secret, "post", "/api/v1/customer-tags/", body).status_code == 201
    page = app.get("/integrations/tokens/", user=world.account_manager)
    page.forms[f"revoke-{ApiToken.objects.get().pk}"].submit().follow()
    assert ApiToken.objects.get().revoked_at is not None
    assert call(secret, "get", "/api/v1/customers/").status_code == 401
    _page, other = make(app, world.account_manager, name="临时")
    ApiToken.objects.filter(name="临时").update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert call(other, "get", "/api/v1/customers/").status_code == 401


def test_the_form_refuses_a_past_expiry_and_others_cannot_revoke(world, app):
    form = app.get("/integrations/tokens/", user=world.agent).forms["token-create"]
    form["name"], form["expires_on"] = "旧", "2020-01-01"
    result = form.submit(status=400)
    assert "到期日必须晚于今天" in result.text and not ApiToken.objects.exists()
    form = result.forms["token-create"]
    form["name"] = ""
    form["expires_on"] = ""
    assert form.submit(status=400).html.select(".invalid-feedback")
    make(app, world.agent, name="坐席")
    token = ApiToken.objects.get()
    client = Client()
    client.force_login(world.outsider)
    assert client.post(f"/integrations/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None
    no_role = Client()
    from serviceloop.core.testing import make_user

    no_role.force_login(make_user("nobody", "", company=world.company))
    assert no_role.get("/integrations/tokens/").status_code == 403
