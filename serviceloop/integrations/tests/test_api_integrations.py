"""Tokens, subscriptions and the delivery log over the API and on the pages: test send (a signed ping to a receiver
on 127.0.0.1, logged, never retried), send again (a new delivery of the same event), revoke and delete (audited)."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from serviceloop.core.models import AuditEvent
from serviceloop.integrations.events import SIGNATURE_HEADER, TIMESTAMP_HEADER, event_record, verify
from serviceloop.integrations.models import ApiToken, Delivery, DeliveryStatus, OutboxEvent, Subscription
from serviceloop.integrations.services import apitoken_create

from .test_webhooks import SECRET, Receiver, subscribe

pytestmark = pytest.mark.django_db


def client_of(user, scope="write"):
    token, secret = apitoken_create(user=user, name="t", scope=scope, expires_at=None, actor=user,
                                    now=timezone.now())  # fmt: skip
    client = Client(HTTP_AUTHORIZATION=f"Token {secret}")
    client.token = token
    return client


def post(client, path, body=None, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(path, body or {}, content_type="application/json", **headers)


def test_a_test_send_is_a_signed_ping_logged_once_and_never_retried(world):
    admin = client_of(world.city_admin)
    with Receiver([200]) as ok, Receiver([500]) as broken:
        good, bad = subscribe(world, ok.url), subscribe(world, broken.url)
        answer = post(admin, f"/api/v1/integrations/subscriptions/{good.pk}/test/")
        assert answer.status_code == 200, answer.content
        assert answer.json()["status"] == "delivered" and answer.json()["last_status_code"] == 200
        headers, body = ok.got[0]
        assert (
            headers["X-ServiceLoop-Event"] == "ping" and json.loads(body)["data"]["subscription"] == good.pk
        )
        assert verify(SECRET, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
        failed = post(admin, f"/api/v1/integrations/subscriptions/{bad.pk}/test/").json()
        assert failed["status"] == "failed" and failed["log"][0]["status_code"] == 500
        assert Delivery.objects.get(pk=failed["id"]).next_attempt_at is None  # not retried by the job
    log = admin.get(f"/api/v1/integrations/deliveries/?subscription={bad.pk}").json()["results"]
    assert [d["kind"] for d in log] == ["ping"]
    assert AuditEvent.objects.filter(action="api.subscription.test").count() == 2
    assert (
        post(client_of(world.station_head), f"/api/v1/integrations/subscriptions/{good.pk}/test/").status_code
        == 403
    )
    assert (
        post(
            client_of(world.city_admin, "read"), f"/api/v1/integrations/subscriptions/{good.pk}/test/"
        ).status_code
        == 403
    )


def test_a_past_delivery_is_sent_again_as_a_new_delivery(world):
    with Receiver([500, 200]) as receiver:
        sub = subscribe(world, receiver.url)
        event = event_record(kind="tag.attached", payload={"id": 7}, now=timezone.now())
        first = Delivery.objects.get(event=event)
        admin = client_of(world.city_admin)
        not_yet = post(admin, f"/api/v1/integrations/deliveries/{first.pk}/resend/")
        assert not_yet.status_code == 400  # never tried: the job sends it within a minute
        from serviceloop.integrations.events import deliver

        deliver(Delivery.objects.select_related("event", "subscription").get(pk=first.pk), now=timezone.now())
        again = post(admin, f"/api/v1/integrations/deliveries/{first.pk}/resend/", key="R-1")
        assert again.status_code == 201, again.content
        assert again.json()["id"] != first.pk and again.json()["status"] == "delivered"
        assert (
            post(admin, f"/api/v1/integrations/deliveries/{first.pk}/resend/", key="R-1").json()
            == again.json()
        )
        assert len(receiver.got) == 2 and receiver.got[0][1] == receiver.got[1][1]  # the same event body
        assert receiver.got[0][0]["X-ServiceLoop-Delivery"] != receiver.got[1][0]["X-ServiceLoop-Delivery"]
    assert (
        Delivery.objects.get(pk=first.pk).status == DeliveryStatus.PENDING
    )  # the original is left as it was
    sub.active = False
    sub.save()
    inactive = post(admin, f"/api/v1/integrations/deliveries/{first.pk}/resend/")
    assert inactive.status_code == 400 and "non_field_errors" in inactive.json()
    assert client_of(world.outsider).get(f"/api/v1/integrations/deliveries/{first.pk}/").status_code == 403


def test_the_pages_test_send_and_send_again_buttons(world, app):
    with Receiver([204]) as receiver:
        sub = subscribe(world, receiver.url)
        page = app.get("/integrations/subscriptions/", user=world.city_admin)
        form = next(f for f in page.forms.values() if f.action.endswith(f"/subscriptions/{sub.pk}/test/"))
        log = form.submit().follow()
        assert "204" in log.text and len(receiver.got) == 1
        resend = next(f for f in log.forms.values() if "/resend/" in (f.action or ""))
        resend.submit().follow()
        assert len(receiver.got) == 2
    app.post(f"/integrations/subscriptions/{sub.pk}/test/", user=world.station_head, status=403)


def test_tokens_listed_made_and_revoked_over_the_api(world):
    am = client_of(world.account_manager)
    listed = am.get("/api/v1/integrations/tokens/").json()
    assert [t["id"] for t in listed["results"]] == [am.token.pk] and "key_hash" not in listed["results"][0]
    made = post(am, "/api/v1/integrations/tokens/", {"name": "脚本", "scope": "read"}, key="TK-1")
    assert made.status_code == 201 and made.json()["secret"].startswith("slk_")
    assert (
        post(am, "/api/v1/integrations/tokens/", {"name": "脚本", "scope": "read"}, key="TK-1").json()
        == made.json()
    )
    assert ApiToken.objects.filter(user=world.account_manager, name="脚本").count() == 1
    assert post(am, "/api/v1/integrations/tokens/", {"name": "", "scope": "all"}).json().keys() >= {
        "name",
        "scope",
    }
    assert post(am, "/api/v1/integrations/tokens/", {"name": "长" * 101, "scope": "read"}).status_code == 400
    other = client_of(world.outsider)
    assert (
        other.delete(f"/api/v1/integrations/tokens/{made.json()['id']}/").status_code == 404
    )  # someone else's
    new = Client(HTTP_AUTHORIZATION=f"Token {made.json()['secret']}")
    assert new.delete(f"/api/v1/integrations/tokens/{made.json()['id']}/").status_code == 403  # a read token
    assert am.delete(f"/api/v1/integrations/tokens/{made.json()['id']}/").status_code == 204
    assert new.get("/api/v1/customers/").status_code == 401
    assert AuditEvent.objects.filter(action="api.token.revoke").count() == 1


def test_subscriptions_added_edited_and_deleted_over_the_api(world):
    admin = client_of(world.city_admin)
    body = {
        "name": "热线平台",
        "url": "https://hotline.example.cn/hook",
        "kinds": ["risk.raised"],
        "active": True,
    }
    made = post(admin, "/api/v1/integrations/subscriptions/", body, key="S-1")
    assert made.status_code == 201 and len(made.json()["secret"]) >= 32
    pk, secret = made.json()["id"], Subscription.objects.get().secret
    assert "secret" not in admin.get(f"/api/v1/integrations/subscriptions/{pk}/").json()
    assert post(admin, "/api/v1/integrations/subscriptions/", {**body, "kinds": ["ping"]}).json().keys() >= {
        "kinds"
    }
    assert post(admin, "/api/v1/integrations/subscriptions/", {**body, "url": "not a url"}).json().keys() >= {
        "url"
    }
    put = admin.put(f"/api/v1/integrations/subscriptions/{pk}/", {**body, "name": "热线", "secret": ""},
                    content_type="application/json")  # fmt: skip
    assert put.status_code == 200 and put.json()["name"] == "热线"
    assert Subscription.objects.get().secret == secret  # an empty secret keeps the current one
    assert client_of(world.station_head).get("/api/v1/integrations/subscriptions/").status_code == 403
    assert admin.delete(f"/api/v1/integrations/subscriptions/{pk}/").status_code == 204
    assert (
        not Subscription.objects.exists()
        and AuditEvent.objects.filter(action="api.subscription.delete").exists()
    )
    assert admin.delete(f"/api/v1/integrations/subscriptions/{pk}/").status_code == 404
    assert not OutboxEvent.objects.exists()
