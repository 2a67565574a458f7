"""The organisation over the API: scoped reads, city-admin writes through the pages' forms, masking."""

import pytest
from rest_framework.test import APIClient

from serviceloop.customers.models import Customer
from serviceloop.org.models import Route, User

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_reads_follow_the_data_scope(world):
    mine = api(world.account_manager).get("/api/v1/org/routes/").json()
    assert [r["name"] for r in mine["results"]] == ["张湾1号线"]
    assert api(world.account_manager).get(f"/api/v1/org/routes/{world.route_b1_1.pk}/").status_code == 404
    assert api(world.outsider).get(f"/api/v1/org/stations/{world.station_a1.pk}/").status_code == 404
    names = {b["name"] for b in api(world.station_head).get("/api/v1/org/branches/").json()["results"]}
    assert names == {world.branch_a.name}
    assert (
        api(world.city_admin).get("/api/v1/org/routes/", {"station": world.station_b1.pk}).json()["count"]
        == 1
    )


def test_only_a_city_admin_writes_and_moving_a_route_moves_its_shops(world):
    body = {"station": world.station_a1.pk, "name": "张湾3号线", "code": "A13"}
    assert api(world.branch_manager).post("/api/v1/org/routes/", body, format="json").status_code == 403
    made = api(world.city_admin).post("/api/v1/org/routes/", body, format="json", HTTP_IDEMPOTENCY_KEY="r1")
    again = api(world.city_admin).post("/api/v1/org/routes/", body, format="json", HTTP_IDEMPOTENCY_KEY="r1")
    assert (
        made.status_code == again.status_code == 201 and Route.objects.filter(name="张湾3号线").count() == 1
    )
    moved = api(world.city_admin).patch(f"/api/v1/org/routes/{world.route_a1_1.pk}/",
                                        {"station": world.station_b1.pk}, format="json")  # fmt: skip
    assert moved.status_code == 200 and moved.json()["station"] == world.station_b1.pk
    assert set(Customer.objects.filter(route=world.route_a1_1).values_list("branch", flat=True)) == {
        world.branch_b.pk
    }
    bad = api(world.city_admin).post("/api/v1/org/routes/", {"name": ""}, format="json")
    assert bad.status_code == 400 and {"station", "name"} <= set(bad.json())


def test_staff_for_city_admins_with_password_rules(world):
    assert api(world.station_head).get("/api/v1/org/staff/").status_code == 403
    rows = api(world.city_admin).get("/api/v1/org/staff/", {"role": "agent"}).json()["results"]
    assert [r["username"] for r in rows] == ["agent"]
    body = {"username": "new_am", "full_name": "新经理", "role": "account_manager", "station": world.station_a1.pk,
            "is_active": True, "password": "123"}  # fmt: skip
    weak = api(world.city_admin).post("/api/v1/org/staff/", body, format="json")
    assert weak.status_code == 400 and "password" in weak.json()
    ok = api(world.city_admin).post(
        "/api/v1/org/staff/", {**body, "password": "Shiyan-2026-safe"}, format="json"
    )
    assert ok.status_code == 201 and ok.json()["branch"] == world.branch_a.pk
    user = User.objects.get(username="new_am")
    assert user.check_password("Shiyan-2026-safe")
    api(world.city_admin).patch(f"/api/v1/org/staff/{user.pk}/", {"full_name": "改名"}, format="json")
    user.refresh_from_db()
    assert user.full_name == "改名" and user.check_password("Shiyan-2026-safe")
