"""core.bulk.insert_instances stores what bulk_create stores, with the same database conversions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from serviceloop.core.bulk import insert_instance, insert_instances
from serviceloop.customers.models import Customer


def shop(world, licence: str) -> Customer:
    # Numbered 42030190…: the world's shops (core.testing.make_customer) are 4203011… and counted across tests.
    route = world.route_a1_1
    customer = Customer(
        licence_no=licence, name="老王便利店", phone="13800138000", latitude=Decimal("32.6271"),
        longitude=Decimal("-110.7981"), grade=9, stars=3, joined_on=dt.date(2024, 2, 29), care_flag=True,
        retail_format="", order_weekday=None,
    )  # fmt: skip
    customer.route = route
    customer.station_id = route.station_id
    customer.branch_id = route.station.branch_id
    return customer


def test_it_stores_what_bulk_create_stores(world, django_assert_num_queries):
    Customer.objects.bulk_create([shop(world, "420301900901")])
    licences = [f"42030190{n:04d}" for n in range(902, 962)]
    shops = (shop(world, licence) for licence in licences)
    with django_assert_num_queries(3):  # one statement per batch, not per row
        assert insert_instances(Customer, shops, batch_size=25) == 60

    expected = model_to_dict(Customer.objects.get(licence_no="420301900901"), exclude=["id", "licence_no"])
    # By their numbers: the world's shops are numbered by a counter that other tests move on.
    stored = Customer.objects.filter(licence_no__in=licences).order_by("licence_no")
    assert stored.count() == 60
    for customer in stored:
        assert model_to_dict(customer, exclude=["id", "licence_no"]) == expected
        assert customer.created_at is not None and customer.updated_at is not None  # auto_now(_add) applied


def test_one_instance_is_stored_as_save_stores_it_with_its_key(world, django_assert_num_queries):
    saved, inserted = shop(world, "420301900971"), shop(world, "420301900972")
    saved.save()
    with django_assert_num_queries(1):
        insert_instance(inserted)
    assert inserted.pk is not None and inserted.pk != saved.pk and not inserted._state.adding
    stored = Customer.objects.get(pk=inserted.pk)
    assert model_to_dict(stored, exclude=["id", "licence_no"]) == model_to_dict(
        Customer.objects.get(pk=saved.pk), exclude=["id", "licence_no"]
    )
    with pytest.raises(IntegrityError), transaction.atomic():  # the same licence again: the database refuses
        insert_instance(shop(world, "420301900972"))


def test_a_foreign_key_to_an_object_saved_since_takes_its_key(world):
    """A request's deadlines are planned before the request is inserted (it has no key yet): as with
    bulk_create, they are stored with the key it has by then; an object never saved is refused."""
    from serviceloop.servicedesk.models import Category, RequestEvent, ServiceRequest

    now = timezone.now()
    request = ServiceRequest(
        reference="SR20261204-9999", shop=world.shops["张湾1号线"][0], channel="phone", kind="request",
        category=Category.objects.filter(active=True).first(), text="送货晚了", created_at=now, updated_at=now,
    )  # fmt: skip
    event = RequestEvent(request=request, kind="filed", to_status="new", at=now, data={"channel": "phone"})
    with pytest.raises(ValueError, match="unsaved related object"):
        insert_instances(RequestEvent, [event])
    insert_instance(request)
    insert_instances(RequestEvent, [event])
    assert RequestEvent.objects.get(request=request).data == {"channel": "phone"}
