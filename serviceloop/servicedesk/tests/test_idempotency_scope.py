"""Idempotency keys belong to the caller and the shop (issue 13): the same key from another caller is a new
filing, never the other caller's request; the same key with a different body is a 409 that says so."""

import pytest
from rest_framework.test import APIClient

from serviceloop.servicedesk.models import Category, ServiceRequest

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(shop, text="送货晚了两天", **extra):
    return {
        "shop": shop.pk,
        "channel": "phone",
        "kind": "complaint",
        "category": Category.objects.filter(active=True).order_by("pk").first().code,
        "text": text,
        **extra,
    }


def test_the_same_key_from_two_callers_files_two_requests_and_leaks_nothing(world):
    mine = world.shops["张湾1号线"][0]
    theirs = world.shops["城关1号线"][0]
    first = api(world.account_manager).post(
        "/api/v1/service-requests/",
        body(mine, "我的诉求", callback_phone="13900001111"),
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    second = api(world.outsider).post(
        "/api/v1/service-requests/", body(theirs, "别人的诉求"), HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == 201 and second.status_code == 201
    assert second.json()["reference"] != first.json()["reference"]
    assert "我的诉求" not in str(second.json()) and mine.licence_no not in str(second.json())
    assert ServiceRequest.objects.count() == 2


def test_a_retry_with_the_same_key_and_body_answers_the_first_request(world):
    shop = world.shops["张湾1号线"][0]
    client = api(world.agent)
    first = client.post("/api/v1/service-requests/", body(shop), HTTP_IDEMPOTENCY_KEY="retry-1")
    again = client.post("/api/v1/service-requests/", body(shop), HTTP_IDEMPOTENCY_KEY="retry-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["reference"] == first.json()["reference"]
    assert ServiceRequest.objects.count() == 1


def test_the_same_key_with_a_different_body_is_a_409_that_says_so(world):
    shop = world.shops["张湾1号线"][0]
    client = api(world.agent)
    client.post("/api/v1/service-requests/", body(shop), HTTP_IDEMPOTENCY_KEY="k-2")
    other = client.post("/api/v1/service-requests/", body(shop, "另一件事"), HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 409 and "幂等键" in other.json()["detail"]
    assert ServiceRequest.objects.count() == 1


def test_the_desk_form_key_is_scoped_to_the_caller_too(world, login):
    from django.urls import reverse

    shop = world.shops["张湾1号线"][0]
    data = {k: v for k, v in body(shop).items() if k != "category"}
    data.update(category=Category.objects.filter(active=True).order_by("pk").first().pk, urgency="normal",
                complexity="simple", idempotency_key="same-form-key")  # fmt: skip
    login(world.agent).post(reverse("servicedesk:new"), data)
    login(world.station_head).post(reverse("servicedesk:new"), data)
    assert ServiceRequest.objects.count() == 2
