import datetime as dt

import pytest
from rest_framework.test import APIClient

from serviceloop.trade.models import ImportBatch, Order
from serviceloop.trade.testing import make_products

pytestmark = pytest.mark.django_db
URL = "/api/v1/trade/orders/bulk/"


def rows_for(shop, order_no="API1"):
    return [{"order_no": order_no, "licence_no": shop.licence_no, "order_date": "2025-09-15",
             "channel": "online", "product_code": "31020002", "qty_asked": 2, "qty_supplied": 2}]  # fmt: skip


@pytest.fixture
def api(world):
    make_products()
    client = APIClient()
    return world, client


def test_the_same_idempotency_key_returns_the_first_answer(api):
    world, client = api
    client.force_authenticate(world.city_admin)
    body = {"rows": rows_for(world.shops["张湾1号线"][0])}
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.data
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.data["id"] and ImportBatch.objects.count() == 1
    other = client.post(URL, {"rows": rows_for(world.shops["张湾1号线"][1])}, format="json",
                        HTTP_IDEMPOTENCY_KEY="k-1")  # fmt: skip
    assert other.status_code == 409
    assert Order.objects.count() == 1


def test_keys_are_scoped_to_the_caller(api):
    world, client = api
    from serviceloop.org.models import User

    world.city_admin.is_superuser = False
    second = User.objects.create(username="integration", role="city_admin", company=world.company)
    body = {"rows": rows_for(world.shops["张湾1号线"][0])}
    client.force_authenticate(world.city_admin)
    assert client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code == 201
    client.force_authenticate(second)
    answer = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert answer.status_code == 201 and "Idempotent-Replayed" not in answer
    assert answer.data["unchanged"] == 1 and ImportBatch.objects.count() == 2


def test_bad_rows_are_answered_with_their_position(api):
    world, client = api
    client.force_authenticate(world.city_admin)
    rows = rows_for(world.shops["张湾1号线"][0]) + [{"order_no": "X", "licence_no": "420301199999",
                                                     "order_date": "2025-09-15", "product_code": "31020002",
                                                     "qty_asked": -1}]  # fmt: skip
    answer = client.post(URL, {"rows": rows}, format="json")
    assert answer.status_code == 422
    assert {e["line"] for e in answer.data["errors"]} == {2}
    assert not Order.objects.exists()


def test_outsiders_cannot_import_and_read_only_their_orders(api):
    world, client = api
    client.force_authenticate(world.city_admin)
    client.post(URL, {"rows": rows_for(world.shops["张湾1号线"][0])}, format="json")
    client.force_authenticate(world.outsider)
    assert (
        client.post(URL, {"rows": rows_for(world.shops["城关1号线"][0], "Z")}, format="json").status_code
        == 403
    )
    assert client.get("/api/v1/trade/orders/").json()["count"] == 0
    client.force_authenticate(world.account_manager)
    assert client.get("/api/v1/trade/orders/").json()["count"] == 1
    assert client.get("/api/v1/trade/batches/").json()["count"] == 0
    client.force_authenticate(None)
    assert client.get("/api/v1/trade/orders/").status_code == 401


def test_bulk_deliveries_use_the_same_engine(api):
    world, client = api
    client.force_authenticate(world.city_admin)
    client.post(URL, {"rows": rows_for(world.shops["张湾1号线"][0])}, format="json")
    answer = client.post("/api/v1/trade/deliveries/bulk/", {"rows": [{"order_no": "API1", "planned_date":
                         "2025-09-16", "delivered_at": str(dt.datetime(2025, 9, 16, 9))}]}, format="json")  # fmt: skip
    assert answer.status_code == 201, answer.data


def test_the_order_list_pages_keys_first_with_the_same_contract(
    api, monkeypatch, django_assert_max_num_queries
):
    """Each page is the one plain page-number pagination gives (same order, count, links, 404 past the end), read
    keys first; a deep page costs the same queries as the first."""
    from rest_framework.pagination import PageNumberPagination

    from serviceloop.trade.api import OrderViewSet

    world, client = api
    client.force_authenticate(world.city_admin)
    shop = world.shops["张湾1号线"][0]
    rows = [dict(rows_for(shop, f"P{i:03d}")[0], order_date=f"2025-09-{1 + i % 28:02d}") for i in range(120)]
    assert client.post(URL, {"rows": rows}, format="json").status_code == 201
    pages = [client.get(f"/api/v1/trade/orders/?page={n}").json() for n in (1, 2, 3)]
    assert client.get("/api/v1/trade/orders/?page=4").status_code == 404
    assert pages[0]["count"] == 120 and len(pages[2]["results"]) == 20
    assert [o["order_no"] for o in pages[0]["results"][:2]] == [
        "P027",
        "P055",
    ]  # newest first, then by number
    with django_assert_max_num_queries(20) as first:
        client.get("/api/v1/trade/orders/?page=1")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/api/v1/trade/orders/?page=3")
    monkeypatch.setattr(OrderViewSet, "pagination_class", PageNumberPagination)
    assert [client.get(f"/api/v1/trade/orders/?page={n}").json() for n in (1, 2, 3)] == pages
