"""Messages to shops through an HTTP SMS gateway, tested against a real HTTP server on 127.0.0.1: sent, refused by
the gateway, HTTP error, timeout — a message that did not go out is kept and sent by the retry job later. Services
only write the message; the job ``shop_messages_send`` sends it, so no request waits on the gateway."""

import hashlib
import hmac
import http.server
import json
import threading
import time
import urllib.parse

import pytest

from serviceloop.servicedesk.models import DeliveryState, ShopMessage
from serviceloop.servicedesk.notifiers import (
    HttpSmsNotifier,
    LogNotifier,
    shop_notifier,
    shopmessages_retry,
    shopmessages_send,
)

from .conftest import NOW

pytestmark = pytest.mark.django_db


class Gateway:
    """A tiny SMS gateway: records every POST and answers as ``mode`` says."""

    def __init__(self):
        self.mode = "ok"
        self.received: list[dict] = []
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                gateway.received.append({"form": form, "content_type": self.headers["Content-Type"]})
                if gateway.mode == "slow":
                    time.sleep(1.0)
                status, answer = {
                    "ok": (200, {"code": "0", "msg": "提交成功"}),
                    "refused": (200, {"code": "103", "msg": "余额不足"}),
                    "down": (503, {"msg": "busy"}),
                    "slow": (200, {"code": "0"}),
                }[gateway.mode]
                body = json.dumps(answer, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up (timeout)
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    g = Gateway()
    settings.SMS_GATEWAY_URL = g.url
    settings.SMS_ACCOUNT = "sy-tobacco"
    settings.SMS_KEY = "secret-key"
    settings.SMS_SIGNATURE = "十堰烟草"
    settings.SMS_TIMEOUT = 0.3
    settings.SMS_MAX_ATTEMPTS = 3
    yield g
    g.close()


@pytest.fixture
def filed(file_request, django_capture_on_commit_callbacks):
    """Files a request by phone with a callback number, then runs the job that sends new messages."""

    def _file(**extra):
        with django_capture_on_commit_callbacks(execute=True):
            sr = file_request(callback_phone="13812345678", **extra)
        shopmessages_send(NOW)
        return sr, ShopMessage.objects.get(request=sr)

    return _file


def test_filing_only_writes_the_message_and_the_send_job_posts_it(
    gateway, file_request, django_capture_on_commit_callbacks
):
    """A slow or dead gateway must not hold the owner's form or the agent's click: nothing is posted on the
    request thread, not even after its transaction commits."""
    with django_capture_on_commit_callbacks(execute=True) as hooks:
        sr = file_request(callback_phone="13812345678")
    assert hooks == [] and gateway.received == []  # no hook left to post it once the transaction commits
    message = ShopMessage.objects.get(request=sr)
    assert (message.state, message.attempts) == (DeliveryState.PENDING, 0)

    assert shopmessages_send(NOW) == "1 shop message(s) sent, 0 not sent"
    message.refresh_from_db()
    assert (message.state, message.attempts) == (DeliveryState.SENT, 1)
    assert [p["form"]["msgid"] for p in gateway.received] == [str(message.pk)]


def test_the_send_job_leaves_failed_messages_to_the_retry_job(gateway, filed):
    gateway.mode = "down"
    _sr, message = filed()
    assert (message.state, message.attempts) == (DeliveryState.FAILED, 1)
    gateway.mode = "ok"
    assert shopmessages_send(NOW) == "0 shop message(s) sent, 0 not sent"  # every minute: no hammering
    assert shopmessages_retry(NOW) == "1 shop message(s) sent, 0 not sent"  # every five minutes


def test_the_log_notifier_stays_the_default(settings, filed):
    settings.SMS_GATEWAY_URL = ""
    assert isinstance(shop_notifier(), LogNotifier)
    _sr, message = filed()
    assert (message.state, message.attempts, message.notifier) == (DeliveryState.SENT, 1, "LogNotifier")


def test_a_message_goes_to_the_gateway_signed_with_the_shops_number(gateway, filed):
    assert isinstance(shop_notifier(), HttpSmsNotifier)
    sr, message = filed()
    assert (message.state, message.attempts, message.last_error) == (DeliveryState.SENT, 1, "")
    assert message.sent_at is not None and message.notifier == "HttpSmsNotifier"
    [post] = gateway.received
    form = post["form"]
    assert post["content_type"].startswith("application/x-www-form-urlencoded")
    assert form["mobile"] == "13812345678" and form["account"] == "sy-tobacco"
    assert form["content"].startswith("【十堰烟草】") and sr.reference in form["content"]
    assert "/t/" in form["content"], "the first message carries the tracking link"
    assert form["msgid"] == str(message.pk)
    signed = f"sy-tobacco13812345678{form['timestamp']}{message.pk}".encode()
    assert form["sign"] == hmac.new(b"secret-key", signed, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("mode", "error"), [("refused", "code 103: 余额不足"), ("down", "HTTP 503"), ("slow", "timed out")]
)
def test_a_message_the_gateway_did_not_take_is_kept_and_sent_by_the_retry_job(
    gateway, filed, mode, error, caplog
):
    gateway.mode = mode
    _sr, message = filed()
    assert message.state == DeliveryState.FAILED and message.attempts == 1
    assert error in message.last_error
    assert any("not sent" in r.getMessage() for r in caplog.records)

    gateway.mode = "ok"
    assert shopmessages_retry(NOW) == "1 shop message(s) sent, 0 not sent"
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (DeliveryState.SENT, 2, "")
    # Sent once, never again.
    assert shopmessages_retry(NOW) == "0 shop message(s) sent, 0 not sent"
    assert [p["form"]["msgid"] for p in gateway.received] == [str(message.pk)] * 2


def test_the_retry_job_gives_up_after_the_maximum_attempts_and_keeps_the_message(gateway, filed):
    gateway.mode = "down"
    _sr, message = filed()
    for _ in range(5):
        shopmessages_retry(NOW)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (DeliveryState.FAILED, 3)
    assert len(gateway.received) == 3
    assert ShopMessage.objects.filter(pk=message.pk).exists()


def test_a_message_without_a_phone_is_not_posted(gateway, file_request):
    shop = None  # a consumer's request with no shop and no callback number
    sr = file_request(shop, kind="inquiry")
    shopmessages_send(NOW)
    message = ShopMessage.objects.get(request=sr)
    assert message.state == DeliveryState.FAILED and message.last_error == "no phone number"
    assert gateway.received == []


def test_a_gateway_nobody_listens_on_is_a_failure_not_a_crash(settings, gateway, filed):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"  # discard port: connection refused
    _sr, message = filed()
    assert message.state == DeliveryState.FAILED and message.last_error


def test_a_stale_copy_of_a_message_sends_nothing(gateway, file_request):
    """The send job passes the rows it read (one read less per message); the claim on the stored row still
    decides, so a copy that missed a send posts nothing again."""
    from serviceloop.servicedesk.notifiers import shopmessage_deliver

    sr = file_request(callback_phone="13812345678")
    stale = ShopMessage.objects.get(request=sr)
    assert (stale.state, stale.attempts) == (DeliveryState.PENDING, 0)
    assert shopmessage_deliver(message_id=stale.pk, now=NOW, message=stale)
    assert not shopmessage_deliver(
        message_id=stale.pk, now=NOW, message=stale
    )  # stale: attempts 0, state pending
    stale.refresh_from_db()
    assert (stale.state, stale.attempts) == (DeliveryState.SENT, 1)
    assert len(gateway.received) == 1


def test_the_job_runner_sends_a_new_message_within_a_minute(file_request):
    """``shop_messages_send`` is one of the runner's jobs, due every minute: the message a filing wrote goes out at
    the runner's next tick without waiting for the five-minute retry."""
    from datetime import timedelta

    from serviceloop.core.jobs import run_due_jobs, schedule

    assert {j.name: j.every for j in schedule()}["shop_messages_send"] == timedelta(minutes=1)
    message = ShopMessage.objects.get(request=file_request(callback_phone="13812345678"))
    run_due_jobs(NOW)
    results = run_due_jobs(NOW + timedelta(minutes=1))
    assert "shop_messages_retry" not in results
    assert results["shop_messages_send"] == "0 shop message(s) sent, 0 not sent"  # sent by the first run
    message.refresh_from_db()
    assert (message.state, message.attempts) == (DeliveryState.SENT, 1)
