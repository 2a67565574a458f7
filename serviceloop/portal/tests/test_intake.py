"""Filing from the QR page: one request per tap, limits with clear Chinese messages, and the tracking page."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from serviceloop.core.audit import trail_purge
from serviceloop.customers.models import CustomerStatus
from serviceloop.portal.models import ShopToken, TokenPurpose
from serviceloop.servicedesk.models import Attachment, Channel, ServiceRequest

from .conftest import photo_file
from .helpers import form_data, shop_url, tracking_value

pytestmark = pytest.mark.django_db


def test_it_files_a_request_for_the_shop_and_answers_with_its_tracking_page(client, world, shop_link):
    response = client.post(shop_url(shop_link), form_data(callback_phone="138 1234 5678", kind="complaint"))
    assert response.status_code == 302
    request = ServiceRequest.objects.get()
    assert (request.shop, request.channel, request.kind, request.category.code) == (
        shop_link.customer,
        Channel.QR,
        "complaint",
        "delivery",
    )
    assert request.callback_phone == "13812345678"
    assert request.created_by is None
    tracking = ShopToken.objects.get(value=tracking_value(response))
    assert (tracking.purpose, tracking.service_request, tracking.customer) == (
        TokenPurpose.TRACK,
        request,
        shop_link.customer,
    )

    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert request.reference in body and "已收到" in body
    assert "周二的货送晚了两个小时" in body
    assert page.context["timeline"], "the plain-language timeline is shown"
    assert page.context["timeline"][0]["text"] in body
    assert shop_link.customer.licence_no not in body


def test_it_lists_the_shops_contacts_and_big_category_buttons(client, world, shop_link):
    world.station_head.phone = "13807191234"
    world.station_head.save()
    body = client.get(shop_url(shop_link)).content.decode()
    for name in ("订货", "送货", "货源投放", "结算", "服务态度", "政策咨询", "其他"):
        assert name in body
    assert "13807191234" in body and "12313" in body
    assert 'name="idempotency_key"' in body


def test_it_files_one_request_for_a_double_tap(client, world, shop_link):
    data = form_data()
    first = client.post(shop_url(shop_link), data)
    second = client.post(shop_url(shop_link), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert ServiceRequest.objects.count() == 1
    assert ShopToken.objects.filter(purpose=TokenPurpose.TRACK).count() == 1


def test_it_never_returns_another_shops_request_for_a_copied_key(client, world, shop_link):
    from django.utils import timezone

    from serviceloop.portal.services import shoptoken_ensure

    other = shoptoken_ensure(customer=world.shops["张湾2号线"][0], actor=None, now=timezone.now())
    data = form_data()
    mine = client.post(shop_url(shop_link), data)
    theirs = client.post(shop_url(other), data)
    assert mine["Location"] != theirs["Location"]
    assert ServiceRequest.objects.count() == 2


def test_it_limits_filings_per_shop_and_says_so_in_chinese(client, settings, world, shop_link):
    settings.PORTAL_RATE_SHOP_PER_HOUR = 3
    for _ in range(3):
        assert client.post(shop_url(shop_link), form_data()).status_code == 302
    refused = client.post(shop_url(shop_link), form_data(text="第四次"))
    assert refused.status_code == 429
    assert "本店一小时内已提交多次" in refused.content.decode()
    assert "第四次" in refused.content.decode(), "the owner's text is kept"
    assert ServiceRequest.objects.count() == 3
    # A double tap of an accepted filing is still answered, and counts nothing.
    data = form_data()
    with trail_purge():  # the requests' event rows are append-only otherwise
        ServiceRequest.objects.all().delete()
    from serviceloop.portal.models import RateCounter

    RateCounter.objects.all().delete()  # a new hour
    assert client.post(shop_url(shop_link), data).status_code == 302
    for _ in range(5):
        assert client.post(shop_url(shop_link), data).status_code == 302
    assert client.post(shop_url(shop_link), form_data()).status_code == 302
    assert ServiceRequest.objects.count() == 2


def test_it_limits_filings_per_client_address_across_shops(settings, world):
    from django.utils import timezone

    from serviceloop.portal.services import shoptokens_ensure

    settings.PORTAL_RATE_ADDRESS_PER_HOUR = 4
    shops = [s for shops in world.shops.values() for s in shops][:6]
    links = shoptokens_ensure(customers=shops, actor=None, now=timezone.now())
    same_network = Client(REMOTE_ADDR="10.1.2.3")
    codes = [same_network.post(shop_url(links[s.pk]), form_data()).status_code for s in shops]
    assert codes == [302, 302, 302, 302, 429, 429]
    refused = same_network.post(shop_url(links[shops[5].pk]), form_data())
    assert "您所在网络一小时内提交次数过多" in refused.content.decode()
    other_network = Client(REMOTE_ADDR="10.9.9.9")
    assert other_network.post(shop_url(links[shops[5].pk]), form_data()).status_code == 302
    assert ServiceRequest.objects.count() == 5


def test_it_takes_the_address_from_the_proxy_header_when_configured(settings, world, shop_link):
    settings.PORTAL_RATE_ADDRESS_PER_HOUR = 1
    settings.PORTAL_CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    assert (
        proxy.post(shop_url(shop_link), form_data(), HTTP_X_FORWARDED_FOR="1.1.1.1, 10.0.0.5").status_code
        == 302
    )
    # A client cannot escape its limit by forging the left part of the header.
    assert (
        proxy.post(shop_url(shop_link), form_data(), HTTP_X_FORWARDED_FOR="9.9.9.9, 10.0.0.5").status_code
        == 429
    )
    assert proxy.post(shop_url(shop_link), form_data(), HTTP_X_FORWARDED_FOR="10.0.0.6").status_code == 302


def test_it_refuses_oversize_text_with_the_count(client, world, shop_link):
    response = client.post(shop_url(shop_link), form_data(text="好" * 1001))
    assert response.status_code == 400
    assert "最多 1000 字，您写了 1001 字" in response.content.decode()
    assert ServiceRequest.objects.count() == 0
    assert client.post(shop_url(shop_link), form_data(text="好" * 1000)).status_code == 302


def test_it_refuses_empty_text_and_a_missing_category(client, world, shop_link):
    response = client.post(shop_url(shop_link), form_data(text="   ", category=None))
    body = response.content.decode()
    assert response.status_code == 400
    assert "请简单写几句具体情况" in body and "请先点选上面的一个大按钮" in body
    assert client.post(shop_url(shop_link), form_data(category="no-such")).status_code == 400
    assert ServiceRequest.objects.count() == 0


def test_it_refuses_an_inactive_category_and_a_tip_off(client, world, shop_link):
    from serviceloop.servicedesk.models import Category

    Category.objects.filter(code="supply").update(active=False)
    assert client.post(shop_url(shop_link), form_data(category="supply")).status_code == 400
    assert client.post(shop_url(shop_link), form_data(kind="report")).status_code == 400
    assert ServiceRequest.objects.count() == 0


def test_it_stores_a_photo_checked_by_content(client, world, shop_link):
    response = client.post(shop_url(shop_link), {**form_data(), "photo": photo_file("PNG", name="x.jpg")})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"


def test_it_refuses_an_oversize_photo(client, world, shop_link):
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), content_type="image/jpeg")
    response = client.post(shop_url(shop_link), {**form_data(), "photo": big})
    assert response.status_code == 400
    assert "照片太大" in response.content.decode()
    assert ServiceRequest.objects.count() == 0


@pytest.mark.parametrize(
    "name,content",
    [
        ("photo.jpg", b"MZ\x90\x00 this is a program, not a photo"),
        ("photo.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
        ("photo.jpg", b"\xff\xd8\xff\xe0 truncated jpeg"),
    ],
)
def test_it_refuses_a_non_image_photo(client, world, shop_link, name, content):
    fake = SimpleUploadedFile(name, content, content_type="image/jpeg")
    response = client.post(shop_url(shop_link), {**form_data(), "photo": fake})
    assert response.status_code == 400
    assert "这个文件不是照片" in response.content.decode()
    assert ServiceRequest.objects.count() == 0


def test_it_refuses_a_gif_even_though_it_is_a_picture(client, world, shop_link):
    response = client.post(shop_url(shop_link), {**form_data(), "photo": photo_file("GIF", name="a.gif")})
    assert response.status_code == 400
    assert "JPEG、PNG 或 WebP" in response.content.decode()


@pytest.mark.parametrize(
    "phone", ["12345", "1381234567", "23812345678", "138123456789", "abc", "0719-12", "10086"]
)
def test_it_refuses_a_wrong_callback_phone(client, world, shop_link, phone):
    response = client.post(shop_url(shop_link), form_data(callback_phone=phone))
    assert response.status_code == 400
    assert "请填写 11 位手机号" in response.content.decode()
    assert ServiceRequest.objects.count() == 0


@pytest.mark.parametrize(
    "phone,stored",
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0719-8123456", "07198123456"),
        ("(027) 87654321", "02787654321"),
    ],
)
def test_it_accepts_chinese_mobile_and_landline_numbers(client, world, shop_link, phone, stored):
    assert client.post(shop_url(shop_link), form_data(callback_phone=phone)).status_code == 302
    assert ServiceRequest.objects.get().callback_phone == stored


@pytest.mark.parametrize("key", [None, "", "not-a-key", "g" * 32, uuid.uuid4().hex + "0"])
def test_it_refuses_a_missing_or_forged_idempotency_key(client, world, shop_link, key):
    response = client.post(shop_url(shop_link), form_data(idempotency_key=key))
    assert response.status_code == 400
    assert "页面已过期" in response.content.decode()
    assert ServiceRequest.objects.count() == 0


def test_it_checks_csrf_on_the_public_form(world, shop_link):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(shop_url(shop_link), form_data()).status_code == 403
    page = browser.get(shop_url(shop_link))
    token = page.context["csrf_token"]
    assert (
        browser.post(shop_url(shop_link), {**form_data(), "csrfmiddlewaretoken": str(token)}).status_code
        == 302
    )
    assert ServiceRequest.objects.count() == 1


@pytest.mark.parametrize("status", [CustomerStatus.SUSPENDED, CustomerStatus.CLOSED])
def test_it_still_accepts_requests_from_a_suspended_or_closed_shop(client, world, shop_link, status):
    shop = shop_link.customer
    shop.status = status
    shop.save(update_fields=["status"])
    page = client.get(shop_url(shop_link))
    assert page.status_code == 200
    assert 'name="category"' in page.content.decode(), "the form is offered as for an active shop"
    assert client.post(shop_url(shop_link), form_data()).status_code == 302
    assert ServiceRequest.objects.get().shop == shop


def test_it_refuses_other_methods(client, world, shop_link):
    assert client.put(shop_url(shop_link)).status_code == 405
    response = client.post(shop_url(shop_link), form_data())
    assert client.post(response["Location"]).status_code == 405


def test_it_shows_progress_and_messages_to_the_shop_on_the_tracking_page(client, world, shop_link):
    from django.utils import timezone

    from serviceloop.servicedesk.services import servicerequest_acknowledge

    response = client.post(shop_url(shop_link), form_data())
    request = ServiceRequest.objects.get()
    servicerequest_acknowledge(request=request, actor=world.agent, now=timezone.now())
    page = client.get(response["Location"].split("?")[0])
    body = page.content.decode()
    assert len(page.context["timeline"]) >= 2
    for step in page.context["timeline"]:
        assert step["text"] in body
    for message in request.shop_messages.all():
        assert message.text in body
    assert "agent" not in body, "staff names and log-ins are not shown"


def test_it_answers_a_revoked_tracking_link_like_a_made_up_one(client, world, shop_link):
    from django.utils import timezone

    from serviceloop.portal.services import shoptoken_revoke

    response = client.post(shop_url(shop_link), form_data())
    link = ShopToken.objects.get(value=tracking_value(response))
    shoptoken_revoke(token=link, actor=world.station_head, now=timezone.now())
    page = client.get(reverse("portal:track", args=[link.value]))
    assert page.status_code == 404 and "此链接无法使用" in page.content.decode()
