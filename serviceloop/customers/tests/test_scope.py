"""Each role sees exactly its shops — through the selectors, the list page, the export and the API."""

import io

import pytest
from django.test import RequestFactory
from openpyxl import load_workbook

from serviceloop.core.testing import work_file
from serviceloop.customers.models import Customer

pytestmark = pytest.mark.django_db


def expected_routes(w, who):
    everything = ["张湾1号线", "张湾2号线", "茅箭1号线", "城关1号线"]
    return {
        "city_admin": everything,
        "agent": everything,
        "supervisor": everything,
        "branch_manager": ["张湾1号线", "张湾2号线", "茅箭1号线"],
        "inspector": ["张湾1号线", "张湾2号线", "茅箭1号线"],
        "station_head": ["张湾1号线", "张湾2号线"],
        "market_manager": ["张湾1号线", "茅箭1号线"],
        "account_manager": ["张湾1号线"],
        "outsider": ["城关1号线"],
    }[who]


ROLES = [
    "city_admin",
    "agent",
    "supervisor",
    "branch_manager",
    "inspector",
    "station_head",
    "market_manager",
    "account_manager",
    "outsider",
]


def licences(w, who):
    return sorted(c.licence_no for route in expected_routes(w, who) for c in w.shops[route])


@pytest.mark.parametrize("who", ROLES)
def test_it_scopes_the_selector(world, who):
    seen = sorted(Customer.objects.visible_to(getattr(world, who)).values_list("licence_no", flat=True))
    assert seen == licences(world, who)


@pytest.mark.parametrize("who", ROLES)
def test_it_scopes_the_list_page(world, login, who):
    response = login(getattr(world, who)).get("/customers/?size=200")
    assert response.status_code == 200
    shown = sorted(c.licence_no for c in response.context["page"].object_list)
    assert shown == licences(world, who)


@pytest.mark.parametrize("who", ROLES)
def test_it_scopes_the_export(world, login, who):
    client = login(getattr(world, who))
    sheet = load_workbook(io.BytesIO(work_file(client, client.get("/customers/export/")))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sorted(r[0] for r in rows[1:]) == licences(world, who)


@pytest.mark.parametrize("who", ROLES)
def test_it_scopes_the_api(world, login, who):
    response = login(getattr(world, who)).get("/api/v1/customers/?page_size=200")
    assert response.status_code == 200
    assert sorted(r["licence_no"] for r in response.json()["results"]) == licences(world, who)


def test_it_returns_404_for_someone_elses_shop(world, login):
    other = world.shops["城关1号线"][0]
    client = login(world.account_manager)
    assert client.get(f"/customers/{other.pk}/").status_code == 404
    assert client.get(f"/customers/{other.pk}/edit/").status_code == 404
    assert client.get(f"/api/v1/customers/{other.pk}/").status_code == 404
    assert (
        client.patch(
            f"/api/v1/customers/{other.pk}/", {"name": "x"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_it_refuses_filtering_by_a_unit_outside_scope(world, login):
    response = login(world.account_manager).get(f"/customers/?station={world.station_b1.pk}")
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    assert "station" in response.context["filter"].errors


def test_it_requires_login(client, world):
    assert client.get("/customers/").status_code == 302
    assert client.get("/customers/export/").status_code == 302
    assert client.get("/api/v1/customers/").status_code in (401, 403)


def test_it_shows_nothing_to_a_user_without_role(world, client):
    from serviceloop.core.testing import PASSWORD, make_user

    make_user("norole", "", company=world.company)
    client.login(request=RequestFactory().post("/login/"), username="norole", password=PASSWORD)
    assert client.get("/customers/").context["page"].paginator.count == 0
