"""Shared by the delivery and settlement imports: rows keyed by order number, kept as revisions.

These files have one row (deliveries) or a few (settlement attempts) per order — a city week is ~20,000
orders — so they are compared in Python against the current rows, fetched in chunks of order numbers.
"""

import datetime as dt

from django.db import connection
from django.utils import timezone

from .. import aggregates
from ..models import Order

CHUNK = 900


def chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def current_orders(order_nos: list[str]) -> dict[str, tuple]:
    """order_no → (customer id, route, station, branch, cartons supplied, licence) of current orders."""
    found = {}
    for part in chunks(order_nos):
        for row in Order.objects.filter(order_no__in=part, is_current=True).values_list(
            "order_no", "customer_id", "route_id", "station_id", "branch_id", "qty_supplied",
            "customer__licence_no", "status",
        ):  # fmt: skip
            found[row[0]] = row[1:]
    return found


def current_revisions(model, order_nos: list[str]) -> dict[str, tuple[int, int, int]]:
    """order_no → (id, content hash, revision) of the model's current rows."""
    found = {}
    for part in chunks(order_nos):
        for order_no, pk, h, rev in model.objects.filter(order_no__in=part, is_current=True).values_list(
            "order_no", "pk", "content_hash", "revision"
        ):
            found[order_no] = (pk, h, rev)
    return found


def supersede(model, ids: list[int], batch_id: int) -> None:
    for part in chunks(ids):
        model.objects.filter(pk__in=part).update(is_current=False, replaced_by_id=batch_id)


add_month_keys = aggregates.add_month_keys


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def bulk_size() -> int:
    return 500 if connection.vendor == "sqlite" else 2000
