"""API lists cost the same number of queries whatever the number of rows on the page."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from serviceloop.core.testing import make_customer
from serviceloop.tags.models import ProblemTag
from serviceloop.tags.services import customertag_attach
from serviceloop.visits.services import visit_add

pytestmark = pytest.mark.django_db


def queries(user, path) -> int:
    client = APIClient()
    client.force_authenticate(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def add_rows(world, n):
    now = timezone.now()
    tag = ProblemTag.objects.filter(active=True).order_by("pk").first()
    for _ in range(n):
        shop = make_customer(world.route_a1_1)
        customertag_attach(customer=shop, tag=tag, source="data", reason="测试", actor=None, now=now)
        visit_add(customer=shop, day=timezone.localdate(now) + dt.timedelta(days=1), actor=world.account_manager,
                  now=now)  # fmt: skip


@pytest.mark.parametrize("path", ["/api/v1/customer-tags/", "/api/v1/visits/", "/api/v1/customers/"])
def test_list_queries_are_flat_in_the_number_of_rows(world, path):
    add_rows(world, 2)
    few = queries(world.account_manager, path)
    add_rows(world, 12)
    assert queries(world.account_manager, path) == few
