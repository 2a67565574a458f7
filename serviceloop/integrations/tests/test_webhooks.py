"""Outbound events against a real receiver on 127.0.0.1 (a threaded http.server): the signature verifies, a 500
is retried after the back-off, a 2xx is not retried, every POST is in the delivery log; the services write the
events in their own transaction; the city admin manages subscriptions on a page."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from serviceloop.core.jobs import run_due_jobs
from serviceloop.core.models import AuditEvent
from serviceloop.integrations.events import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    backoff,
    deliver_due,
    verify,
)
from serviceloop.integrations.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    OutboxEvent,
    Subscription,
)
from serviceloop.integrations.services import subscription_save
from serviceloop.tags.models import ProblemTag
from serviceloop.tags.services import customertag_attach, customertag_transition

pytestmark = pytest.mark.django_db
SECRET = "s3cret-of-the-receiver"


class Receiver:
    """Answers each POST with the next code of ``codes`` (the last one repeated) and keeps what it got."""

    def __init__(self, codes):
        self.codes, self.got = list(codes), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got.append((self.headers, body))  # case-insensitive, as HTTP headers are
                code = receiver.codes.pop(0) if len(receiver.codes) > 1 else receiver.codes[0]
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def subscribe(world, url, kinds=("tag.attached", "tag.removed", "tag.verified")):
    return subscription_save(subscription=None, actor=world.city_admin, now=timezone.now(),
                             data={"name": "接收方", "url": url, "secret": SECRET, "kinds": list(kinds),
                                   "active": True})  # fmt: skip


def attach(world, now):
    tag = ProblemTag.objects.filter(active=True).order_by("pk").first()
    return customertag_attach(customer=world.shops["张湾1号线"][0], tag=tag, source="data", reason="测试",
                              actor=world.account_manager, now=now)  # fmt: skip


def test_a_signed_post_that_verifies_and_no_retry_after_2xx(world):
    now = timezone.now()
    with Receiver([204]) as receiver:
        subscribe(world, receiver.url)
        ctag = attach(world, now)
        assert OutboxEvent.objects.get().kind == "tag.attached"
        assert deliver_due(now) == {"delivered": 1, "retry": 0, "failed": 0}
        assert deliver_due(now + dt.timedelta(hours=1)) == {"delivered": 0, "retry": 0, "failed": 0}
    assert len(receiver.got) == 1
    headers, body = receiver.got[0]
    assert verify(SECRET, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER], now=now.timestamp())
    assert not verify("another secret", headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert not verify(SECRET, headers[TIMESTAMP_HEADER], body + b" ", headers[SIGNATURE_HEADER])
    data = json.loads(body)
    assert data["kind"] == "tag.attached" and data["data"]["id"] == ctag.pk
    assert data["data"]["licence_no"] == ctag.customer.licence_no
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.last_status_code == 204
    assert list(DeliveryAttempt.objects.values_list("status_code", flat=True)) == [204]


def test_a_500_is_retried_after_the_back_off_and_logged(world):
    now = timezone.now()
    with Receiver([500, 200]) as receiver:
        subscribe(world, receiver.url)
        attach(world, now)
        assert deliver_due(now)["retry"] == 1
        delivery = Delivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at == now + backoff(1)
        assert deliver_due(now + dt.timedelta(seconds=30))["retry"] == 0  # not due yet: nothing sent
        assert len(receiver.got) == 1
        # run_jobs runs the same delivery as a periodic job
        results = run_due_jobs(now + backoff(1), force=True)
        assert "delivered 1" in results["deliver_events"]
    assert len(receiver.got) == 2
    assert receiver.got[0][0]["X-ServiceLoop-Delivery"] == receiver.got[1][0]["X-ServiceLoop-Delivery"]
    log = list(DeliveryAttempt.objects.order_by("at", "id").values_list("status_code", "error"))
    assert log == [(500, "HTTP 500"), (200, "")]
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


def test_it_gives_up_after_the_last_attempt_and_an_unreachable_receiver_is_logged(world):
    from serviceloop.integrations.events import MAX_ATTEMPTS

    now = timezone.now()
    subscribe(world, "http://127.0.0.1:9/nothing-listens-here")
    attach(world, now)
    at = now
    for _ in range(MAX_ATTEMPTS):
        deliver_due(at)
        at += dt.timedelta(hours=7)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == MAX_ATTEMPTS
    assert DeliveryAttempt.objects.filter(status_code__isnull=True).count() == MAX_ATTEMPTS


def test_services_write_events_only_for_subscribed_kinds_and_roll_back_with_the_change(world):
    now = timezone.now()
    subscribe(world, "http://127.0.0.1:9/x", kinds=["tag.removed", "tag.verified"])
    ctag = attach(world, now)
    assert not OutboxEvent.objects.exists()  # nobody asked for tag.attached
    customertag_transition(
        ctag=ctag, action="remove", actor=world.account_manager, now=now, note="做了", steps=[1]
    )
    customertag_transition(ctag=ctag, action="verify", actor=world.station_head, now=now)
    assert list(OutboxEvent.objects.order_by("id").values_list("kind", flat=True)) == [
        "tag.removed",
        "tag.verified",
    ]
    with pytest.raises(Exception):  # noqa: B017 - a refused step writes no event
        customertag_transition(ctag=ctag, action="verify", actor=world.station_head, now=now)
    assert OutboxEvent.objects.count() == 2


def test_service_request_events(world):
    from serviceloop.servicedesk.models import Category
    from serviceloop.servicedesk.services import servicerequest_file

    now = timezone.now()
    subscribe(
        world, "http://127.0.0.1:9/x", kinds=["request.filed", "request.dispatched", "request.escalated"]
    )
    sr, _ = servicerequest_file(customer=world.shops["张湾1号线"][0], channel="phone", kind="complaint",
                                category=Category.objects.filter(active=True).first(), text="送货晚了",
                                actor=world.agent, now=now)  # fmt: skip
    event = OutboxEvent.objects.get(kind="request.filed")
    assert event.payload["reference"] == sr.reference and "callback_phone" not in event.payload
    from serviceloop.servicedesk.services import servicerequest_acknowledge, servicerequest_dispatch

    servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    servicerequest_dispatch(request=sr, owner=world.account_manager, actor=world.agent, now=now)
    # The same complaint again: filed, then escalated as a repeat complaint — in that order.
    servicerequest_file(customer=world.shops["张湾1号线"][0], channel="phone", kind="complaint",
                        category=sr.category, text="又晚了", actor=world.agent, now=now)  # fmt: skip
    kinds = list(OutboxEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["request.filed", "request.dispatched", "request.filed", "request.escalated"]
    assert OutboxEvent.objects.get(kind="request.dispatched").payload["owner"] == world.account_manager.pk


def test_the_city_admin_manages_subscriptions_on_the_page_and_reads_the_log(world, app):
    page = app.get("/integrations/subscriptions/new/", user=world.city_admin)
    form = page.forms["subscription-edit"]
    form["name"], form["url"] = "热线平台", "https://hotline.example.cn/hook"
    form["kinds"] = ["request.filed", "request.closed"]
    form.submit().follow()
    sub = Subscription.objects.get()
    assert sub.kinds == ["request.filed", "request.closed"] and len(sub.secret) >= 32
    bad = app.get(f"/integrations/subscriptions/{sub.pk}/", user=world.city_admin).forms["subscription-edit"]
    bad["url"] = "not a url"
    assert bad.submit().html.select(".invalid-feedback")
    assert app.get("/integrations/deliveries/", user=world.city_admin).status_code == 200
    app.get("/integrations/subscriptions/", user=world.station_head, status=403)
    app.get("/integrations/deliveries/", user=world.account_manager, status=403)


def test_the_verification_snippet_of_docs_api_md_accepts_a_real_delivery(world):
    """The Python snippet integrators copy from docs/api.md, run against what a receiver really got."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "api.md").read_text(encoding="utf-8")
    snippet = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    scope: dict = {}
    exec(snippet, scope)  # noqa: S102 - our own documentation
    now = timezone.now()
    with Receiver([200]) as receiver:
        subscribe(world, receiver.url)
        attach(world, now)
        deliver_due(now)
    headers, body = receiver.got[0]
    assert scope["verify"](SECRET, headers, body)
    assert not scope["verify"]("wrong", headers, body)


def test_finished_events_are_purged_after_the_keeping_period(world):
    from serviceloop.integrations.events import KEEP_DAYS, purge_old_events

    now = timezone.now()
    with Receiver([200]) as receiver:
        subscribe(world, receiver.url)
        attach(world, now)
        deliver_due(now)
    assert purge_old_events(now + dt.timedelta(days=KEEP_DAYS - 1)) == 0
    assert purge_old_events(now + dt.timedelta(days=KEEP_DAYS + 1)) > 0
    assert not OutboxEvent.objects.exists() and not DeliveryAttempt.objects.exists()


def test_test_send_send_again_and_delete_from_the_pages_as_rendered(world, app):
    """The three buttons of the subscription and delivery-log pages, submitted as the pages render them."""
    with Receiver([200]) as receiver:
        sub = subscribe(world, receiver.url)
        page = app.get("/integrations/subscriptions/", user=world.city_admin)
        log = page.forms[f"subscription-test-{sub.pk}"].submit().follow()
        assert len(receiver.got) == 1 and "200" in log.text
        ping = Delivery.objects.get(subscription=sub)
        again = log.forms[f"delivery-resend-{ping.pk}"].submit().follow()
        assert Delivery.objects.filter(subscription=sub).count() == 2 and len(receiver.got) == 2
        assert (
            f"delivery-resend-{ping.pk}" in again.forms
        )  # the log lists both deliveries, each with its button
    page = app.get("/integrations/subscriptions/", user=world.city_admin)
    page.forms[f"subscription-delete-{sub.pk}"].submit().follow()
    assert not Subscription.objects.filter(pk=sub.pk).exists()
    assert AuditEvent.objects.filter(action="api.subscription.delete").exists()
