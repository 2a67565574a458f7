"""The care lists over the API: the same scope, filters and figures as the pages, read only."""

import pytest
from rest_framework.test import APIClient

from .test_care import attempts  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_settlement_risks_are_scoped_explained_and_masked(attempts):  # noqa: F811
    world, a, b, c, d, e = attempts
    body = api(world.account_manager).get("/api/v1/growth/settlement-risks/").json()
    assert [r["licence_no"] for r in body["results"]] == [a.licence_no]
    row = body["results"][0]
    assert row["score"] == 60 and row["reasons"] == {"余额不足": 2} and row["phone"] == a.phone
    assert [p["points"] for p in row["parts"]] == [40, 20]
    body = api(world.supervisor).get("/api/v1/growth/settlement-risks/?all=on").json()
    assert body["count"] == 4 and all("****" in r["phone"] for r in body["results"])
    body = api(world.station_head).get(f"/api/v1/growth/settlement-risks/?route={world.route_a1_2.pk}").json()
    assert [r["licence_no"] for r in body["results"]] == [c.licence_no]
    # a route outside the scope or a bad value narrows nothing open; the outsider sees only their own shop
    body = api(world.station_head).get(f"/api/v1/growth/settlement-risks/?route={world.route_b1_1.pk}").json()
    assert e.licence_no not in str(body)
    assert (
        api(world.station_head).get("/api/v1/growth/settlement-risks/?route=abc&q=" + "x" * 500).status_code
        == 200
    )
    assert [
        r["licence_no"] for r in api(world.outsider).get("/api/v1/growth/settlement-risks/").json()["results"]
    ] == [e.licence_no]
    assert APIClient().get("/api/v1/growth/settlement-risks/").status_code == 401


def test_settlement_rates_match_the_page(attempts):  # noqa: F811
    world = attempts[0]
    body = api(world.city_admin).get("/api/v1/growth/settlement-rates/?level=station").json()
    assert body["settlements"] == 5 and body["target"] == 95.0
    assert sum(r["settlements"] for r in body["rows"]) == 5
    assert sum(p["count"] for p in body["pareto"]) == 8 and body["pareto"][0]["reason"] == "余额不足"
    mine = api(world.account_manager).get("/api/v1/growth/settlement-rates/?level=manager").json()
    assert mine["settlements"] == 3 and len(mine["rows"]) == 1
    odd = api(world.city_admin).get("/api/v1/growth/settlement-rates/?level=x&start=bad&station=zz")
    assert odd.status_code == 200 and odd.json()["level"] == "station"
