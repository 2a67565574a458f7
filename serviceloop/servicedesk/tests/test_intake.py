"""Filing through the one intake service: references, idempotency, milestones, bad input, repeats."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from serviceloop.servicedesk.models import (
    Escalation,
    EventKind,
    MilestoneKind,
    ServiceRequest,
    ShopMessage,
    Status,
)
from serviceloop.servicedesk.services import servicerequest_file

pytestmark = pytest.mark.django_db


def png(name="a.png", size=(20, 20)):
    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def test_it_files_a_request_with_a_daily_reference_and_copies_the_shops_place(world, file_request, now):
    sr = file_request()
    shop = world.shops["张湾1号线"][0]
    assert sr.reference == "SR20261123-0001"
    assert file_request().reference == "SR20261123-0002"
    assert (sr.branch_id, sr.station_id, sr.route_id) == (shop.branch_id, shop.station_id, shop.route_id)
    assert sr.status == Status.NEW
    assert sr.events.get().kind == EventKind.FILED
    assert ShopMessage.objects.filter(request=sr).count() == 1


def test_it_starts_the_simple_complaint_milestones(file_request, now):
    sr = file_request(kind="complaint", complexity="simple")
    ms = {m.milestone: m for m in sr.milestones.all()}
    assert set(ms) == {MilestoneKind.ACKNOWLEDGE, MilestoneKind.RESOLVE}
    assert ms["acknowledge"].due_at == now + timedelta(minutes=15)
    assert ms["resolve"].due_at == now + timedelta(hours=24)
    assert ms["resolve"].warn_at == now + timedelta(hours=18)


def test_it_starts_the_complex_complaint_and_inquiry_milestones(file_request, now):
    complex_ = file_request(kind="complaint", complexity="complex")
    assert {m.milestone: m.due_at - now for m in complex_.milestones.all()} == {
        "acknowledge": timedelta(minutes=15),
        "plan": timedelta(hours=48),
        "resolve": timedelta(hours=72),
    }
    inquiry = file_request(kind="inquiry", category="policy")
    assert {m.milestone: m.due_at - now for m in inquiry.milestones.all()} == {
        "acknowledge": timedelta(minutes=15),
        "answer": timedelta(hours=1),
    }


def test_it_files_one_request_for_a_double_submission(world, now):
    args = dict(
        customer=world.shops["张湾1号线"][0],
        channel="qr",
        kind="complaint",
        category="delivery",
        text="没送到",
        now=now,
        idempotency_key="tap-123",
    )
    first, created = servicerequest_file(**args)
    again, created_again = servicerequest_file(**args)
    assert created and not created_again and first.pk == again.pk
    assert ServiceRequest.objects.count() == 1


def test_it_files_a_shopless_anonymous_report(now):
    sr, created = servicerequest_file(
        customer=None, channel="hotline_12313", kind="report", category="other", text="某店卖假烟", now=now
    )
    assert created and sr.shop_id is None and sr.branch_id is None


def test_it_stores_photos(world, file_request, now, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sr = file_request(photos=[png("a.png"), png("b.png")])
    assert sr.attachments.count() == 2
    assert all(a.content_type == "image/png" for a in sr.attachments.all())


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("text", "", "describe"),
        ("text", "长" * 2001, "too long"),
        ("kind", "gossip", "Unknown"),
        ("channel", "pigeon", "Unknown"),
        ("category", "nonexistent", "Unknown category"),
        ("callback_phone", "abc", "7 to 20 digits"),
        ("urgency", "asap", "Unknown"),
    ],
)
def test_it_refuses_bad_input(world, now, field, value, message):
    args = dict(
        customer=world.shops["张湾1号线"][0],
        channel="phone",
        kind="complaint",
        category="delivery",
        text="没送到",
        now=now,
    )
    args[field] = value
    with pytest.raises(ValidationError) as exc:
        servicerequest_file(**args)
    assert message.lower() in str(exc.value).lower() or exc.value.code
    assert ServiceRequest.objects.count() == 0


def test_it_refuses_an_oversize_photo_and_a_fake_one(world, file_request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SERVICEDESK = {"MAX_PHOTO_BYTES": 1000}
    with pytest.raises(ValidationError) as exc:
        file_request(photos=[png(size=(400, 400))])
    assert exc.value.code == "photo_size"
    settings.SERVICEDESK = {}
    with pytest.raises(ValidationError) as exc:
        file_request(photos=[SimpleUploadedFile("x.png", b"not an image")])
    assert exc.value.code == "photo_type"
    assert ServiceRequest.objects.count() == 0


def test_it_refuses_the_chinese_message_for_empty_text(world, now):
    with pytest.raises(ValidationError) as exc:
        servicerequest_file(
            customer=None, channel="phone", kind="inquiry", category="policy", text=" ", now=now
        )
    assert "请描述" in exc.value.messages[0]


def test_it_escalates_a_repeat_complaint_from_the_same_shop_and_category(world, file_request, now):
    first = file_request(category="delivery")
    second = file_request(category="delivery", at=now + timedelta(days=3))
    assert second.repeat_of_id == first.pk
    esc = Escalation.objects.get(request=second)
    assert esc.reason == "repeat_complaint" and world.station_head.pk in esc.recipients
    assert world.station_head.notifications.filter(request=second).exists()
    third = file_request(category="attitude", at=now + timedelta(days=4))
    assert third.repeat_of_id is None
    late = file_request(category="delivery", at=now + timedelta(days=60))
    assert late.repeat_of_id is None
