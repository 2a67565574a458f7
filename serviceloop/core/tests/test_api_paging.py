"""The big API lists page keys first (``core.paging.KeysFirstPagination``) with the contract of plain page-number
pagination: the same rows in the same order, the same count and links, 404 past the end."""

import datetime as dt
import re

import pytest
from rest_framework.pagination import PageNumberPagination
from rest_framework.test import APIClient

from serviceloop.core.testing import make_customer
from serviceloop.customers.api import CustomerViewSet
from serviceloop.visits.api import VisitViewSet
from serviceloop.visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url, viewset", [("/api/v1/customers/", CustomerViewSet), ("/api/v1/visits/", VisitViewSet)]
)
def test_pages_are_those_of_plain_paging(world, monkeypatch, url, viewset):
    shops = [make_customer(world.route_a1_1) for _ in range(70)]
    day = dt.date(2026, 11, 2)
    Visit.objects.bulk_create(
        Visit(customer=shop, manager=world.account_manager, route=shop.route, source="manual",
              planned_on=day - dt.timedelta(days=i % 3))
        for i, shop in enumerate(shops)
    )  # fmt: skip
    client = APIClient()
    client.force_authenticate(world.city_admin)
    pages = [client.get(f"{url}?page={n}").json() for n in (1, 2)]
    assert pages[0]["count"] >= 70 and len(pages[0]["results"]) == 50 and pages[0]["next"].endswith("page=2")
    assert client.get(f"{url}?page=9").status_code == 404
    monkeypatch.setattr(viewset, "pagination_class", PageNumberPagination)
    assert [client.get(f"{url}?page={n}").json() for n in (1, 2)] == pages


@pytest.mark.parametrize("url", ["/api/v1/visits/?ordering=status", "/api/v1/customers/?ordering=-stars"])
def test_a_sort_with_ties_walks_every_row_once(world, url, django_assert_max_num_queries):
    """Sorting by a column most rows share (one status, one star level): the shop's or visit's id breaks the ties,
    in the sort's direction, so walking the pages gives every row once, in one order."""
    shops = [make_customer(world.route_a1_1, stars=3) for _ in range(70)]
    Visit.objects.bulk_create(
        Visit(customer=shop, manager=world.account_manager, route=shop.route, source="manual",
              planned_on=dt.date(2026, 11, 2))
        for shop in shops
    )  # fmt: skip
    client = APIClient()
    client.force_authenticate(world.city_admin)
    with django_assert_max_num_queries(20) as queries:
        first = client.get(url).json()
    # SQLite and a small PostgreSQL table return ties in insertion order anyway: the page's ORDER BY must say it
    paged = [q["sql"] for q in queries.captured_queries if " LIMIT " in q["sql"] and "ORDER BY" in q["sql"]]
    assert paged and all(
        re.search(r'ORDER BY .*"(status|stars)" (ASC|DESC), (1|"\w+"\."id") (ASC|DESC) LIMIT', sql)
        for sql in paged
    )
    walked = first["results"] + client.get(f"{url}&page=2").json()["results"]
    ids = [row["id"] for row in walked]
    assert len(ids) == len(set(ids)) == first["count"] >= 70
    key = "status" if "visits" in url else "stars"
    tied = [row["id"] for row in walked if row[key] == walked[0][key]]
    assert tied == sorted(tied, reverse="=-" in url)  # in the sort's direction
