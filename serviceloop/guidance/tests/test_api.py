"""API: a shop's books, one book with its snapshot, the file, and the POST that makes a book (scope, bad input)."""

import pytest
from rest_framework.test import APIClient

from serviceloop.guidance.models import GuidanceBook

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_manager_makes_reads_and_downloads_a_book(year):
    world, shop, _new, _tag = year
    client = api(world.account_manager)
    made = client.post("/api/v1/guidance-books/", {"customer": shop.pk}, format="json")
    assert made.status_code == 201 and made.json()["customer"] == shop.pk
    listed = client.get(f"/api/v1/guidance-books/?customer={shop.pk}").json()
    assert [b["id"] for b in listed["results"]] == [made.json()["id"]]
    detail = client.get(f"/api/v1/guidance-books/{made.json()['id']}/").json()
    assert detail["snapshot"]["sales"]["has_sales"]
    pdf = client.get(f"/api/v1/guidance-books/{made.json()['id']}/file/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/api/v1/guidance-books/{made.json()['id']}/file/?fmt=exe").status_code == 404


def test_bad_input_other_shops_and_readers_are_refused(year):
    world, shop, _new, _tag = year
    client = api(world.account_manager)
    assert client.post("/api/v1/guidance-books/", {}, format="json").status_code == 400
    assert client.post("/api/v1/guidance-books/", {"customer": "abc"}, format="json").status_code == 400
    other = world.shops[world.route_b1_1.name][0]
    assert client.post("/api/v1/guidance-books/", {"customer": other.pk}, format="json").status_code == 404
    assert (
        api(world.agent).post("/api/v1/guidance-books/", {"customer": shop.pk}, format="json").status_code
        == 403
    )
    assert not GuidanceBook.objects.exists()
    made = client.post("/api/v1/guidance-books/", {"customer": shop.pk}, format="json").json()
    outsider = api(world.outsider)
    assert outsider.get(f"/api/v1/guidance-books/{made['id']}/").status_code == 404
    assert outsider.get(f"/api/v1/guidance-books/{made['id']}/file/").status_code == 404
    assert outsider.get("/api/v1/guidance-books/").json()["count"] == 0
    assert APIClient().get("/api/v1/guidance-books/").status_code == 401


def test_list_filters_with_ids_past_64_bits_match_nothing(client, year):
    world = year[0]
    client.force_login(world.city_admin)
    for key in ("station", "route", "customer"):
        response = client.get("/api/v1/guidance-books/", {key: "317106406891756320072925184"})
        assert response.status_code == 200 and response.json()["count"] == 0
