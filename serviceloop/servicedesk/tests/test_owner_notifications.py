"""Dispatching, reassigning and reopening tell the new owner: in the bell and in the webhook digest."""

from datetime import timedelta

import pytest

from serviceloop.servicedesk import services as s
from serviceloop.servicedesk.escalation import send_digests
from serviceloop.servicedesk.models import Notification, Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


def titles(user):
    return [n.title for n in Notification.objects.filter(user=user).order_by("id")]


def test_the_new_owner_is_told_on_dispatch_reassign_and_reopen(world, file_request, now):
    sr = file_request()
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    s.servicerequest_dispatch(request=sr, owner=world.station_head, actor=world.agent, now=now)
    assert titles(world.station_head) == [f"新派给您的任务：{sr.reference}"]
    s.servicerequest_dispatch(
        request=sr, owner=world.account_manager, reason="上门处理", actor=world.agent, now=now
    )
    assert titles(world.account_manager) == [f"改派给您：{sr.reference}"]
    note = Notification.objects.get(user=world.account_manager)
    assert note.request == sr and "期限" in note.body and sr.shop.name in note.body
    am = world.account_manager
    s.servicerequest_start(request=sr, plan="上门", actor=am, now=now)
    s.servicerequest_report(request=sr, actions_taken="上门", outcome="好了", actor=am, now=now)
    s.servicerequest_resolve(request=sr, actor=am, now=now + timedelta(hours=1))
    s.servicerequest_follow_up(request=sr, reached=True, satisfaction=1, actor=world.agent, now=now)
    assert f"重新打开，交回您处理：{sr.reference}" in titles(am)


def test_nobody_is_told_about_what_they_did_themselves(world, file_request, now):
    sr = file_request(channel="qr", actor=None)
    s.servicerequest_acknowledge(request=sr, actor=world.account_manager, now=now)  # takes it on
    assert titles(world.account_manager) == []


def test_the_dispatch_goes_out_in_the_owners_webhook_digest(world, file_request, now):
    Webhook.objects.create(user=world.station_head, url="http://127.0.0.1:9/hook", format="wecom")
    sr = file_request()
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=now)
    s.servicerequest_dispatch(request=sr, owner=world.station_head, actor=world.agent, now=now)
    made, _sent, _failed = send_digests(now)
    assert made == 1
    content = WebhookDelivery.objects.get().payload["markdown"]["content"]
    assert f"新派给您的任务：{sr.reference}" in content
