"""Restock advice over the API: the caller's shops only (an account manager: their routes'), another branch's shop
is 404, the filters of the page (search, likely to run short)."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from serviceloop.growth.models import RestockAdvice
from serviceloop.growth.restock import restockshop_refresh
from serviceloop.integrations.services import apitoken_create
from serviceloop.trade.models import Product

pytestmark = pytest.mark.django_db


def client_of(user):
    _t, secret = apitoken_create(
        user=user, name="t", scope="read", expires_at=None, actor=user, now=timezone.now()
    )
    return Client(HTTP_AUTHORIZATION=f"Token {secret}")


@pytest.fixture
def advice(world):
    now = timezone.now()
    product = Product.objects.create(
        code="6901028001", name="黄鹤楼(软蓝)", price_class=1, created_at=now, updated_at=now
    )
    day = timezone.localdate() + dt.timedelta(days=3)
    shops = [world.shops["张湾1号线"][0], world.shops["张湾1号线"][1], world.shops["城关1号线"][0]]
    for i, shop in enumerate(shops):
        RestockAdvice.objects.create(customer=shop, product=product, order_day=day, forecast=4.6 + i, recent=4,
                                     suggested=5 + i, cap=None, method="ets", short=i == 1, computed_at=now)  # fmt: skip
    restockshop_refresh(customer_ids=[s.pk for s in shops])  # the list reads the summaries the job keeps
    return shops


def test_an_account_manager_reads_their_shops_advice_only(world, advice, django_assert_max_num_queries):
    am = client_of(world.account_manager)
    with django_assert_max_num_queries(12):  # token, throttle cache, scope, count, page
        rows = am.get("/api/v1/restock/").json()["results"]
    assert {r["id"] for r in rows} == {advice[0].pk, advice[1].pk}
    assert rows[0]["id"] == advice[1].pk  # likely to run short first, as on the page
    assert [r["id"] for r in am.get("/api/v1/restock/?short=1").json()["results"]] == [advice[1].pk]
    assert am.get(f"/api/v1/restock/?q={advice[0].licence_no}").json()["count"] == 1
    detail = am.get(f"/api/v1/restock/{advice[0].pk}/").json()
    assert detail["advice"][0]["suggested"] == 5 and detail["advice"][0]["product_code"] == "6901028001"
    assert am.get(f"/api/v1/restock/{advice[2].pk}/").status_code == 404
    assert client_of(world.outsider).get(f"/api/v1/restock/{advice[0].pk}/").status_code == 404
    assert client_of(world.city_admin).get("/api/v1/restock/").json()["count"] == 3
