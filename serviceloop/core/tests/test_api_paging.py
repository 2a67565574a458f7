"""The big API lists page keys first (``core.paging.KeysFirstPagination``) with the contract of plain page-number
pagination: the same rows in the same order, the same count and links, 404 past the end."""

import datetime as dt

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
