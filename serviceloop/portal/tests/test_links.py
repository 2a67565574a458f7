"""Public links: unguessable, revocable, and every bad link answers the same friendly page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from serviceloop.core.models import AuditEvent
from serviceloop.portal.models import ShopToken, TokenPurpose
from serviceloop.portal.selectors import public_url
from serviceloop.portal.services import shoptoken_ensure, shoptoken_regenerate, shoptokens_ensure

from .helpers import shop_url

pytestmark = pytest.mark.django_db


def test_it_shows_the_shop_page_for_a_live_link_without_the_licence_number(client, world, shop_link):
    response = client.get(shop_url(shop_link))
    assert response.status_code == 200
    body = response.content.decode()
    assert shop_link.customer.name in body
    assert shop_link.customer.licence_no not in body
    assert shop_link.customer.licence_no not in public_url(shop_link)
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"


def test_it_answers_a_tampered_link_with_the_friendly_404(client, shop_link):
    value = shop_link.value
    tampered = value[:-1] + ("A" if value[-1] != "A" else "B")
    response = client.get(reverse("portal:shop", args=[tampered]))
    assert response.status_code == 404
    assert "此链接无法使用" in response.content.decode()
    assert shop_link.customer.name not in response.content.decode()


@pytest.mark.parametrize(
    "value",
    [
        "x",
        "a" * 41,
        "../../admin",
        "%00",
        "abcdefghijklmnopqrst%00uv",
        "%E4%B8%AD" * 6,
        "a" * 24 + "%0A",
        "",
        "a/b",
    ],
)
def test_it_answers_made_up_links_the_same_way(client, db, value):
    response = client.get(f"/s/{value}/")
    assert response.status_code == 404
    assert "此链接无法使用" in response.content.decode()


def test_it_answers_a_revoked_link_exactly_like_a_made_up_one(client, world, shop_link):
    new = shoptoken_regenerate(customer=shop_link.customer, actor=world.account_manager, now=timezone.now())
    revoked = client.get(shop_url(shop_link))
    made_up = client.get("/s/NoSuchLinkNoSuchLinkNoSu/")
    assert revoked.status_code == made_up.status_code == 404
    assert revoked.content == made_up.content
    assert client.get(reverse("portal:shop", args=[new.value])).status_code == 200


def test_it_does_not_accept_a_tracking_link_on_the_shop_page_or_the_reverse(client, shop_link):
    assert client.get(reverse("portal:track", args=[shop_link.value])).status_code == 404


def test_it_keeps_one_live_link_per_shop_however_often_cards_are_printed(world, shop_link):
    shops = world.shops["张湾1号线"]
    first = shoptokens_ensure(customers=shops, actor=None, now=timezone.now())
    second = shoptokens_ensure(customers=shops, actor=None, now=timezone.now())
    assert first[shops[0].pk].value == shop_link.value
    assert {k: t.value for k, t in first.items()} == {k: t.value for k, t in second.items()}
    assert ShopToken.objects.filter(customer__in=shops, purpose=TokenPurpose.SHOP).count() == 2


def test_it_replaces_the_qr_code_from_the_shop_page_and_the_old_card_stops_working(
    client, login, world, shop_link
):
    shop = shop_link.customer
    c = login(world.account_manager)
    response = c.post(reverse("portal:customer-qr-regenerate", args=[shop.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("customers:detail", args=[shop.pk])
    shop_link.refresh_from_db()
    assert shop_link.revoked_at is not None and shop_link.revoked_by == world.account_manager
    live = ShopToken.objects.get(customer=shop, purpose=TokenPurpose.SHOP, revoked_at__isnull=True)
    assert live.value != shop_link.value
    assert AuditEvent.objects.filter(action="portal.qr_regenerate", object_id=str(shop.pk)).count() == 1
    c.logout()
    assert client.get(shop_url(shop_link)).status_code == 404


def test_it_refuses_replacing_a_qr_code_to_roles_that_may_not(login, world, shop_link):
    response = login(world.agent).post(reverse("portal:customer-qr-regenerate", args=[shop_link.customer.pk]))
    assert response.status_code == 403
    shop_link.refresh_from_db()
    assert shop_link.revoked_at is None


def test_it_hides_another_routes_shop_from_an_outsider_replacing_its_qr_code(login, world, shop_link):
    response = login(world.outsider).post(
        reverse("portal:customer-qr-regenerate", args=[shop_link.customer.pk])
    )
    assert response.status_code == 404
    shop_link.refresh_from_db()
    assert shop_link.revoked_at is None


def test_it_refuses_replacing_by_get(login, world, shop_link):
    response = login(world.account_manager).get(
        reverse("portal:customer-qr-regenerate", args=[shop_link.customer.pk])
    )
    assert response.status_code == 405


def test_it_uses_the_configured_public_address_in_links(settings, world):
    settings.PUBLIC_BASE_URL = "https://fw.example.cn"
    link = shoptoken_ensure(customer=world.shops["茅箭1号线"][0], actor=None, now=timezone.now())
    assert public_url(link) == f"https://fw.example.cn/s/{link.value}/"
    assert len(link.value) == 24


def test_the_qr_pages_own_read_gives_what_the_orm_gives(world, shop_link, django_assert_num_queries):
    """``qr_link_resolve`` is written in SQL (issue 14: a quarter of the ORM's CPU); it must load the same link and
    shop, answer None where ``shoptoken_resolve`` does, and read any other field of the shop when it is used."""
    from serviceloop.portal.selectors import QR_SHOP_FIELDS, qr_link_resolve, shoptoken_resolve

    with django_assert_num_queries(1):
        link = qr_link_resolve(shop_link.value)
        assert link.customer.name == world.shops["张湾1号线"][0].name  # with the shop: no second query
    orm = shoptoken_resolve(value=shop_link.value, purpose=TokenPurpose.SHOP)
    assert (link.pk, link.value, link.purpose, link.customer_id) == (
        orm.pk,
        orm.value,
        orm.purpose,
        orm.customer_id,
    )
    assert not link._state.adding and link.customer.pk == orm.customer.pk
    for field in QR_SHOP_FIELDS:  # the same values, of the same types: no converter was skipped
        ours, theirs = getattr(link.customer, field), getattr(orm.customer, field)
        assert (ours, type(ours)) == (theirs, type(theirs)), field
    with django_assert_num_queries(1):  # a field the page does not use: read when asked
        assert link.customer.address == orm.customer.address

    tracking = ShopToken.objects.get(service_request=_a_request(world, orm.customer))  # made by the filing
    assert qr_link_resolve(tracking.value) is None
    for value in ["", "x" * 15, "' OR 1=1 --xxxxxxxxxxxx", "a\x00" * 10, shop_link.value + "x"]:
        assert qr_link_resolve(value) is None
    shop_link.revoked_at = timezone.now()
    shop_link.save(update_fields=["revoked_at"])
    assert qr_link_resolve(shop_link.value) is None


def test_the_qr_pages_open_requests_read_gives_what_the_orm_gives(
    world, shop_link, django_assert_num_queries
):
    """``shop_open_requests`` is written in SQL too: the shop's open requests, newest first, with the same values
    and types as the ORM's (SQLite answers the time as text: Django's converters are applied), and each with its
    live tracking link's value, or None for a request that has none."""
    from serviceloop.portal.selectors import shop_open_requests
    from serviceloop.servicedesk.models import ServiceRequest, Status

    shop = shop_link.customer
    first, second, closed = (_a_request(world, shop) for _ in range(3))
    ServiceRequest.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    _a_request(world, next(s for s in world.shops["张湾1号线"] if s.pk != shop.pk))  # another shop's
    ShopToken.objects.filter(service_request=first).delete()  # taken by phone before links existed
    with django_assert_num_queries(1):
        pairs = shop_open_requests(shop)
        assert [r.pk for r, _value in pairs] == [second.pk, first.pk]
    live = ShopToken.objects.get(service_request=second, revoked_at__isnull=True)
    assert [value for _r, value in pairs] == [live.value, None]
    for ours, _value in pairs:
        orm = ServiceRequest.objects.get(pk=ours.pk)
        for field in ("reference", "status", "created_at", "shop_id"):
            assert (getattr(ours, field), type(getattr(ours, field))) == (
                getattr(orm, field),
                type(getattr(orm, field)),
            ), field
        assert ours.created_at.tzinfo is not None and not ours._state.adding
    with django_assert_num_queries(1):  # a field the page does not read: loaded when asked
        assert pairs[0][0].text == "送货晚了"


def _a_request(world, shop):
    from serviceloop.servicedesk.models import Category
    from serviceloop.servicedesk.services import servicerequest_file

    request, _created = servicerequest_file(
        customer=shop, channel="phone", kind="request", text="送货晚了",
        category=Category.objects.filter(active=True).first(), actor=world.agent, now=timezone.now(),
    )  # fmt: skip
    return request
