"""Service cards: the right four contacts, a PDF with an embedded Chinese font, and printing within scope."""

import re
import shutil
import subprocess
import zlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from serviceloop.core.models import AuditEvent
from serviceloop.core.testing import make_customer, make_user, work_file
from serviceloop.org.models import Role
from serviceloop.portal.models import ShopToken, TokenPurpose
from serviceloop.portal.selectors import contacts_for_customer, contacts_for_routes

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> bytes:
    """The PDF with its compressed streams inflated (WeasyPrint packs objects into object streams)."""
    parts = [content]
    for match in re.finditer(rb"stream\r?\n", content):
        try:
            parts.append(zlib.decompressobj().decompress(content[match.end() :]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def pdf_fonts(content: bytes) -> dict[str, bool]:
    """Font name → embedded?, from poppler's pdffonts when installed, else from the inflated objects."""
    if shutil.which("pdffonts"):
        out = subprocess.run(
            ["pdffonts", "-"], input=content, capture_output=True, check=True
        ).stdout.decode()
        return {line.split()[0]: line.split()[-5] == "yes" for line in out.splitlines()[2:] if line.strip()}
    text = pdf_text(content)
    embedded = b"/FontFile2" in text or b"/FontFile3" in text
    return {m.decode(): embedded for m in re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-_]+)", text)}


def pdf_pages(content: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf_text(content)))


def test_it_prints_the_four_contacts_of_the_shops_route(world):
    world.station_head.phone = "13807191234"
    world.station_head.save()
    branch_inspector = world.inspector  # posted at branch A
    contacts = contacts_for_customer(world.shops["张湾1号线"][0])
    assert [c.role for c in contacts] == ["服务站站长", "专卖稽查中队长", "市场经理", "客户经理"]
    assert [c.name for c in contacts] == [
        str(world.station_head),
        str(branch_inspector),
        str(world.market_manager),
        str(world.account_manager),
    ]
    assert contacts[0].phone == "13807191234"


def test_it_prefers_the_inspector_posted_at_the_station(world):
    local = make_user(
        "inspector_a1", Role.INSPECTOR, company=world.company, branch=world.branch_a, station=world.station_a1
    )
    by_route = contacts_for_routes([world.route_a1_1, world.route_a2_1, world.route_b1_1])
    assert by_route[world.route_a1_1.pk][1].name == str(local)
    assert by_route[world.route_a2_1.pk][1].name == str(world.inspector), "other stations of the branch"
    assert by_route[world.route_b1_1.pk][1].name == "", "nobody in branch B: the line stays blank"


def test_it_makes_a_pdf_with_an_embedded_chinese_font(login, world):
    shop = world.shops["张湾1号线"][0]
    response = login(world.account_manager).get(reverse("portal:customer-card", args=[shop.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF")
    fonts = pdf_fonts(content)
    cjk = {name: embedded for name, embedded in fonts.items() if "WenQuanYi" in name or "Noto" in name}
    assert cjk and all(cjk.values()), f"a CJK font, embedded: {fonts}"
    assert b"/FontFile2" in pdf_text(content) or b"/FontFile3" in pdf_text(content)
    assert pdf_pages(content) == 1
    assert (
        ShopToken.objects.filter(customer=shop, purpose=TokenPurpose.SHOP, revoked_at__isnull=True).count()
        == 1
    )
    assert AuditEvent.objects.filter(action="portal.card_print", object_id=str(shop.pk)).exists()


def test_it_prints_a_whole_route_four_cards_per_a4_sheet(login, world):
    for _ in range(3):
        make_customer(world.route_a1_1)
    make_customer(world.route_a1_1, status="closed")
    c = login(world.station_head)
    # Drawn in the background: the link leads to the work's page, which offers the PDF when done.
    four = work_file(c, c.get(reverse("portal:route-cards", args=[world.route_a1_1.pk])))
    assert pdf_pages(four) == 2  # 5 open shops → 2 sheets
    one = work_file(c, c.get(reverse("portal:route-cards", args=[world.route_a1_1.pk]) + "?per_page=1"))
    assert pdf_pages(one) == 5
    live = ShopToken.objects.filter(
        customer__route=world.route_a1_1, purpose=TokenPurpose.SHOP, revoked_at__isnull=True
    )
    assert live.count() == 5, "closed shops get no card"
    assert AuditEvent.objects.filter(action="portal.route_cards_print").count() == 2


def test_it_lets_an_account_manager_print_only_their_own_routes(login, world):
    c = login(world.account_manager)
    assert c.get(reverse("portal:route-cards", args=[world.route_a1_1.pk])).status_code == 302
    assert c.get(reverse("portal:route-cards", args=[world.route_a1_2.pk])).status_code == 404
    assert c.get(reverse("portal:route-cards", args=[world.route_b1_1.pk])).status_code == 404


def test_it_hides_other_routes_and_shops_from_an_outsider(login, world):
    c = login(world.outsider)
    shop = world.shops["张湾1号线"][0]
    assert c.get(reverse("portal:route-cards", args=[world.route_a1_1.pk])).status_code == 404
    for name in (
        "portal:customer-card",
        "portal:customer-qr",
        "portal:customer-qr-svg",
        "portal:customer-qr-png",
    ):
        assert c.get(reverse(name, args=[shop.pk])).status_code == 404, name
    assert not ShopToken.objects.filter(customer=shop).exists()


def test_it_refuses_route_printing_to_roles_without_routes(login, world):
    for user in (world.agent, world.supervisor, world.inspector):
        c = login(user)
        assert c.get(reverse("portal:route-cards", args=[world.route_a1_1.pk])).status_code == 403
        assert c.get(reverse("portal:routes")).status_code == 403
        assert c.get(reverse("portal:routes-export")).status_code == 403


def test_it_sends_anonymous_visitors_to_log_in(client, world):
    shop = world.shops["张湾1号线"][0]
    for url in (
        reverse("portal:routes"),
        reverse("portal:customer-card", args=[shop.pk]),
        reverse("portal:route-cards", args=[world.route_a1_1.pk]),
    ):
        assert client.get(url)["Location"].startswith(reverse("login"))


def test_it_answers_404_for_a_route_without_shops_to_print(login, world):
    from serviceloop.org.models import Route

    empty = Route.objects.create(station=world.station_a1, name="空线路")
    assert login(world.station_head).get(reverse("portal:route-cards", args=[empty.pk])).status_code == 404


def test_it_shows_the_qr_code_on_a_staff_phone(login, world):
    shop = world.shops["张湾1号线"][1]
    c = login(world.account_manager)
    page = c.get(reverse("portal:customer-qr", args=[shop.pk]))
    link = ShopToken.objects.get(customer=shop, purpose=TokenPurpose.SHOP)
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and f"/s/{link.value}/" in body
    svg = c.get(reverse("portal:customer-qr-svg", args=[shop.pk]))
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.lstrip().startswith(b"<svg")
    png = c.get(reverse("portal:customer-qr-png", args=[shop.pk]))
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert ShopToken.objects.filter(customer=shop).count() == 1, "showing the code again reuses the link"


def test_it_puts_the_panel_on_the_shop_page_with_replacing_only_for_those_who_may(login, world):
    shop = world.shops["张湾1号线"][0]
    body = login(world.account_manager).get(reverse("customers:detail", args=[shop.pk])).content.decode()
    assert "打印服务牌" in body and "查看二维码" in body and "重新生成二维码" in body
    body = login(world.agent).get(reverse("customers:detail", args=[shop.pk])).content.decode()
    assert "打印服务牌" in body and "重新生成二维码" not in body


def test_it_lists_routes_to_print_within_scope_with_search_and_export(login, world):
    c = login(world.station_head)
    page = c.get(reverse("portal:routes"))
    routes = [r.name for r in page.context["page"]]
    assert routes == ["张湾1号线", "张湾2号线"]
    assert "暖心服务牌" in page.content.decode()
    assert [r.name for r in c.get(reverse("portal:routes"), {"q": "2号"}).context["page"]] == ["张湾2号线"]
    assert [
        r.name for r in c.get(reverse("portal:routes"), {"station": world.station_a2.pk}).context["page"]
    ] == []
    assert c.get(reverse("portal:routes"), {"station": "abc", "page": "x"}).status_code == 200
    export = c.get(reverse("portal:routes-export"))
    assert export.status_code == 200 and "spreadsheetml" in export["Content-Type"]
    assert [r.name for r in login(world.city_admin).get(reverse("portal:routes")).context["page"]] == [
        "张湾1号线",
        "张湾2号线",
        "茅箭1号线",
        "城关1号线",
    ]


def test_it_lists_routes_with_a_constant_number_of_queries(login, world):
    from serviceloop.org.models import Route

    c = login(world.city_admin)
    url = reverse("portal:routes")
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for i in range(12):
        route = Route.objects.create(
            station=world.station_a2, name=f"新线路{i}", account_manager=world.outsider
        )
        make_customer(route)
    with CaptureQueriesContext(connection) as many:
        c.get(url)
    assert len(many) == len(few)


def test_it_prints_a_route_with_a_constant_number_of_queries(login, world):
    c = login(world.station_head)
    url = reverse("portal:route-cards", args=[world.route_a1_1.pk])
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for _ in range(6):
        make_customer(world.route_a1_1)
    c.get(url)  # creates the new shops' links
    with CaptureQueriesContext(connection) as many:
        c.get(url)
    assert len(many) == len(few)


def test_it_offers_the_cards_page_in_the_menu_to_route_holders_only(login, world):
    assert reverse("portal:routes") in login(world.station_head).get(reverse("home")).content.decode()
    assert reverse("portal:routes") not in login(world.agent).get(reverse("home")).content.decode()


def test_it_reuses_the_links_when_a_route_is_printed_again(world):
    from serviceloop.portal.services import shoptokens_ensure

    shops = world.shops["茅箭1号线"]
    now = timezone.now()
    a = shoptokens_ensure(customers=shops, actor=None, now=now)
    b = shoptokens_ensure(customers=shops, actor=None, now=now)
    assert {t.pk for t in a.values()} == {t.pk for t in b.values()}


def test_it_counts_each_routes_open_shops_and_live_links_apart(login, world):
    """The counts are correlated subqueries: a shop with two links (one revoked) and a closed shop are counted as
    the plain queries count them."""
    from serviceloop.customers.models import Customer
    from serviceloop.portal.services import shoptoken_regenerate, shoptokens_ensure

    shops = world.shops["张湾1号线"]
    now = timezone.now()
    shoptokens_ensure(customers=shops, actor=None, now=now)
    shoptoken_regenerate(customer=shops[0], actor=world.city_admin, now=now)  # one revoked link, one live
    closed = make_customer(world.route_a1_1, status="closed")
    shoptokens_ensure(customers=[closed], actor=None, now=now)
    page = login(world.city_admin).get(reverse("portal:routes")).context["page"]
    live = ShopToken.objects.filter(purpose=TokenPurpose.SHOP, revoked_at__isnull=True)
    for route in page:
        assert route.customer_count == Customer.objects.filter(route=route).exclude(status="closed").count()
        assert route.linked_count == live.filter(customer__route=route).count()
    first = next(r for r in page if r.name == "张湾1号线")
    # the closed shop is not counted, its live link is
    assert first.customer_count == len(shops) and first.linked_count == len(shops) + 1
