"""Writes to the customer archive. Pages, the API, the import and the demo all come through here."""

from django.db import transaction

from serviceloop.core.audit import audit_record

from .models import ChangeSource, Customer, CustomerChange


def _value(customer: Customer, field: str) -> str:
    if field == "route":
        return str(customer.route_id or "")
    value = getattr(customer, field)
    return "" if value is None else str(value)


def customer_changes(*, before: dict, customer: Customer, actor, source: str, now) -> list[CustomerChange]:
    """History rows for the tracked fields that differ between ``before`` and the customer's values."""
    rows = []
    for field in CustomerChange.TRACKED_FIELDS:
        new = _value(customer, field)
        if before.get(field, "") != new:
            rows.append(
                CustomerChange(
                    customer=customer, field=field, old_value=before.get(field, ""), new_value=new,
                    changed_at=now, actor=actor, source=source,
                )
            )
    return rows


def tracked_values(customer: Customer) -> dict:
    return {field: _value(customer, field) for field in CustomerChange.TRACKED_FIELDS}


def place_on_route(customer: Customer) -> None:
    """Copies the route's station and branch onto the shop (denormalised for scoping)."""
    customer.station_id = customer.route.station_id
    customer.branch_id = customer.route.station.branch_id


@transaction.atomic
def customer_create(*, data: dict, actor, now, source: str = ChangeSource.MANUAL) -> Customer:
    customer = Customer(**data)
    place_on_route(customer)
    customer.full_clean()
    customer.save()
    # A new shop's first values are history too: the grade it joined with is the baseline for "grade dropped".
    CustomerChange.objects.bulk_create(
        customer_changes(before={}, customer=customer, actor=actor, source=source, now=now)
    )
    audit_record(actor=actor, action="customer.create", obj=customer, summary=str(customer), now=now)
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, data: dict, actor, now, source: str = ChangeSource.MANUAL) -> Customer:
    """Updates the given fields under a row lock, so that two concurrent edits do not lose each other's history."""
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    before = tracked_values(locked)
    for field, value in data.items():
        setattr(locked, field, value)
    if "route" in data or "route_id" in data:
        place_on_route(locked)
    locked.full_clean()
    locked.save()
    changes = customer_changes(before=before, customer=locked, actor=actor, source=source, now=now)
    CustomerChange.objects.bulk_create(changes)
    if changes:
        audit_record(
            actor=actor, action="customer.update", obj=locked, now=now,
            summary=str(locked), data={c.field: [c.old_value, c.new_value] for c in changes},
        )
    return locked
