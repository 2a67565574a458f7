"""One digest per person per sweep, in WeCom / DingTalk / plain JSON, to a real receiver on loopback."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from serviceloop.servicedesk import services as s
from serviceloop.servicedesk.escalation import sweep
from serviceloop.servicedesk.models import DeliveryState, Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


class Receiver:
    def __init__(self, status=200, answer=b'{"errcode":0,"errmsg":"ok"}'):
        self.bodies, self.status, self.answer = [], status, answer
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                outer.bodies.append((self.path, json.loads(self.rfile.read(length))))
                self.send_response(outer.status)
                self.end_headers()
                self.wfile.write(outer.answer)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def overdue_three(world, file_request, now):
    """Three requests owned by the account manager, all past their deadlines at now + 2 days."""
    out = []
    for i, category in enumerate(("attitude", "settlement", "ordering")):
        sr = file_request(world.shops["张湾1号线"][i % 2], category=category)
        s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
        s.servicerequest_dispatch(request=sr, owner=world.account_manager, actor=world.agent, now=now)
        out.append(sr)
    return out


def test_it_sends_one_wecom_digest_per_person_per_sweep(world, file_request, now, receiver):
    Webhook.objects.create(user=world.account_manager, url=receiver.url + "/wecom", format="wecom")
    Webhook.objects.create(user=world.station_head, url=receiver.url + "/ding", format="dingtalk")
    requests = overdue_three(world, file_request, now)
    result = sweep(now + timedelta(days=2))
    assert "2 digest(s), 2 sent, 0 failed" in result
    bodies = dict(receiver.bodies)
    wecom = bodies["/wecom"]
    assert wecom["msgtype"] == "markdown" and set(wecom["markdown"]) == {"content"}
    for sr in requests:
        assert sr.reference in wecom["markdown"]["content"]
    ding = bodies["/ding"]
    assert ding["msgtype"] == "markdown" and set(ding["markdown"]) == {"title", "text"}
    assert "服务诉求提醒" in ding["markdown"]["title"]
    # the same sweep again, and a later one with nothing new: nothing more is sent
    sweep(now + timedelta(days=2))
    sweep(now + timedelta(days=2, minutes=5))
    assert len(receiver.bodies) == 2


def test_it_sends_plain_json(world, file_request, now, receiver):
    Webhook.objects.create(user=world.account_manager, url=receiver.url + "/json", format="json")
    overdue_three(world, file_request, now)
    sweep(now + timedelta(days=2))
    ((path, body),) = receiver.bodies
    assert body["user"] == "account_manager" and len(body["items"]) >= 3


def test_it_records_a_failure_and_retries_next_sweep(world, file_request, now):
    down = Receiver(status=500)
    hook = Webhook.objects.create(user=world.account_manager, url=down.url, format="wecom")
    overdue_three(world, file_request, now)
    sweep(now + timedelta(days=2))
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == 1 and "500" in delivery.last_error
    down.status = 200
    sweep(now + timedelta(days=2, minutes=5))
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.attempts == 2
    assert len(down.bodies) == 2  # the failed one, then its retry — the same digest
    assert down.bodies[0][1] == down.bodies[1][1]
    down.close()


def test_it_treats_a_robot_errcode_as_failure_and_an_unreachable_url_too(world, file_request, now):
    angry = Receiver(answer=b'{"errcode":93000,"errmsg":"invalid webhook url"}')
    hook = Webhook.objects.create(user=world.account_manager, url=angry.url, format="wecom")
    dead = Webhook.objects.create(user=world.account_manager, url="http://127.0.0.1:9/none", format="json")
    overdue_three(world, file_request, now)
    sweep(now + timedelta(days=2))
    assert "93000" in WebhookDelivery.objects.get(webhook=hook).last_error
    assert WebhookDelivery.objects.get(webhook=dead).state == DeliveryState.FAILED
    angry.close()
