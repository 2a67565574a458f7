"""The tracking page speaks to the shop owner: plain status words, the handling result, the follow-up call."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from serviceloop.core.testing import text_of
from serviceloop.servicedesk import services as s
from serviceloop.servicedesk.models import ServiceRequest

from .helpers import form_data, shop_url, tracking_value

pytestmark = pytest.mark.django_db


def test_the_tracking_page_shows_the_result_and_the_follow_up_in_plain_words(app, client, world, shop_link):
    response = client.post(shop_url(shop_link), form_data())  # filing as rendered: test_browser.py
    track = reverse("portal:track", args=[tracking_value(response)])
    page = app.get(track)
    assert text_of(page, "[data-testid=status]") == "已收到"
    assert "新增" not in page.text

    sr = ServiceRequest.objects.get()
    now = timezone.now()
    am = world.account_manager
    s.servicerequest_acknowledge(request=sr, actor=am, now=now)
    s.servicerequest_start(request=sr, plan="下午上门", actor=am, now=now)
    s.servicerequest_report(
        request=sr, actions_taken="上门补送了两条烟", outcome="货已补齐", actor=am, now=now
    )
    s.servicerequest_resolve(request=sr, actor=am, now=now + timedelta(minutes=1))
    page = app.get(track)
    assert text_of(page, "[data-testid=status]") == "已解决，待回访"
    assert "上门补送了两条烟" in text_of(page, "[data-testid=done]")
    assert "货已补齐" in text_of(page, "[data-testid=outcome]")

    s.servicerequest_follow_up(request=sr, reached=True, satisfaction=1, actor=world.agent, now=now)
    page = app.get(track)
    assert (
        "不满意" in text_of(page, "[data-testid=call]")
        and text_of(page, "[data-testid=status]") == "重新处理中"
    )
    assert not page.html.select("[data-testid=done]")  # last round's report is not this round's result

    s.servicerequest_start(request=sr, plan="再上门", actor=am, now=now)
    s.servicerequest_report(request=sr, actions_taken="换了一条新烟", outcome="客户认可", actor=am, now=now)
    s.servicerequest_resolve(request=sr, actor=am, now=now + timedelta(minutes=2))
    s.servicerequest_follow_up(request=sr, reached=True, satisfaction=5, actor=world.agent, now=now)
    s.servicerequest_close(request=sr, actor=world.agent, now=now + timedelta(minutes=3))
    page = app.get(track)
    assert text_of(page, "[data-testid=status]") == "已办结"
    assert "5 分" in text_of(page, "[data-testid=call]") and "换了一条新烟" in text_of(
        page, "[data-testid=done]"
    )
    for word in ("新增", "派单", "受理人", world.account_manager.username, "注销"):
        assert word not in text_of(page), word


def test_an_answered_inquiry_shows_the_answer(app, client, world, shop_link):
    response = client.post(shop_url(shop_link), form_data(kind="inquiry", category="policy"))
    track = reverse("portal:track", args=[tracking_value(response)])
    sr = ServiceRequest.objects.get()
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=timezone.now())
    s.servicerequest_answer(request=sr, answer="按新规定每周二订货", actor=world.agent, now=timezone.now())
    page = app.get(track)
    assert "按新规定每周二订货" in text_of(page, "[data-testid=answer]")
    assert text_of(page, "[data-testid=status]") == "已答复"
