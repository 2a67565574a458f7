"""core.bulk.insert_instances stores what bulk_create stores, with the same database conversions."""

import datetime as dt
from decimal import Decimal

from django.forms.models import model_to_dict

from serviceloop.core.bulk import insert_instances
from serviceloop.customers.models import Customer


def shop(world, licence: str) -> Customer:
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
    Customer.objects.bulk_create([shop(world, "420301100901")])
    licences = [f"42030110{n:04d}" for n in range(902, 962)]
    shops = (shop(world, licence) for licence in licences)
    with django_assert_num_queries(3):  # one statement per batch, not per row
        assert insert_instances(Customer, shops, batch_size=25) == 60

    expected = model_to_dict(Customer.objects.get(licence_no="420301100901"), exclude=["id", "licence_no"])
    # By their numbers: the world's shops are numbered by a counter that other tests move on.
    stored = Customer.objects.filter(licence_no__in=licences).order_by("licence_no")
    assert stored.count() == 60
    for customer in stored:
        assert model_to_dict(customer, exclude=["id", "licence_no"]) == expected
        assert customer.created_at is not None and customer.updated_at is not None  # auto_now(_add) applied
