"""REST API /api/v1/customers/: same filters, scope and rules as the pages; token authentication."""

import pytest
from rest_framework.authtoken.models import Token

from serviceloop.core.models import AuditEvent
from serviceloop.customers.models import Customer, CustomerChange

pytestmark = pytest.mark.django_db


def new_shop(world, **extra):
    return {
        "licence_no": "420301100777",
        "name": "新开便利店",
        "route": world.route_a1_1.pk,
        "grade": 5,
        "stars": 0,
        "order_cycle": "weekly",
        "status": "active",
        **extra,
    }


def test_it_lists_with_the_same_filters_as_the_page(world, login):
    client = login(world.city_admin)
    body = client.get("/api/v1/customers/", {"station": world.station_a2.pk}).json()
    assert body["count"] == 2
    assert {r["station_name"] for r in body["results"]} == {"茅箭服务站"}


def test_it_rejects_bad_filter_values(world, login):
    response = login(world.city_admin).get("/api/v1/customers/", {"grade_min": "abc"})
    assert response.status_code == 400


def test_it_authenticates_with_a_token(world, client):
    token = Token.objects.create(user=world.account_manager)
    response = client.get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200 and response.json()["count"] == 2
    assert client.get("/api/v1/customers/", HTTP_AUTHORIZATION="Token wrong").status_code == 401


def test_it_creates_through_the_service(world, login):
    response = login(world.station_head).post(
        "/api/v1/customers/", new_shop(world), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    shop = Customer.objects.get(licence_no="420301100777")
    assert shop.station == world.station_a1 and shop.branch == world.branch_a
    assert AuditEvent.objects.filter(
        action="customer.create", object_id=str(shop.pk), actor=world.station_head
    ).exists()


def test_it_updates_and_records_history(world, login):
    shop = world.shops["张湾1号线"][0]
    response = login(world.account_manager).patch(
        f"/api/v1/customers/{shop.pk}/", {"grade": 12}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert CustomerChange.objects.filter(
        customer=shop, field="grade", old_value="10", new_value="12"
    ).exists()


def test_it_refuses_bad_input(world, login):
    client = login(world.station_head)
    for bad in [
        {"grade": 31},
        {"stars": 6},
        {"grade": "high"},
        {"licence_no": "42030110077"},
        {"name": "店" * 101},
        {"route": 999999},
        {"route": None},
    ]:
        response = client.post("/api/v1/customers/", new_shop(world, **bad), content_type="application/json")
        assert response.status_code == 400, bad
    assert not Customer.objects.filter(licence_no="420301100777").exists()


def test_it_refuses_a_duplicate_licence(world, login):
    client = login(world.station_head)
    assert (
        client.post("/api/v1/customers/", new_shop(world), content_type="application/json").status_code == 201
    )
    again = client.post("/api/v1/customers/", new_shop(world), content_type="application/json")
    assert again.status_code == 400 and "licence_no" in again.json()


def test_it_refuses_a_route_outside_scope(world, login):
    response = login(world.station_head).post(
        "/api/v1/customers/", new_shop(world, route=world.route_b1_1.pk), content_type="application/json"
    )
    assert response.status_code == 400 and "route" in response.json()


def test_it_refuses_writes_to_roles_that_may_not(world, login):
    shop = world.shops["张湾1号线"][0]
    client = login(world.supervisor)
    assert (
        client.post("/api/v1/customers/", new_shop(world), content_type="application/json").status_code == 403
    )
    assert (
        client.patch(
            f"/api/v1/customers/{shop.pk}/", {"grade": 3}, content_type="application/json"
        ).status_code
        == 403
    )


def test_it_has_no_delete(world, login):
    shop = world.shops["张湾1号线"][0]
    assert login(world.city_admin).delete(f"/api/v1/customers/{shop.pk}/").status_code == 405


def test_it_publishes_the_schema_and_docs(world, login):
    client = login(world.city_admin)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/customers/" in schema.content
    assert client.get("/api/docs/").status_code == 200
