"""Writes to the customer archive. Pages, the API, the import and the demo all come through here."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.org.models import Role
from serviceloop.org.selectors import routes_visible_to

from .models import ChangeSource, Customer, CustomerChange
from .tally import shop_key, shoptally_move

# Who keeps the archive: managers for their units, account managers for their own routes' shops.
EDIT_ROLES = {Role.CITY_ADMIN, Role.BRANCH_MANAGER, Role.STATION_HEAD, Role.ACCOUNT_MANAGER}


def may_edit_customers(user) -> bool:
    return bool(user.is_superuser or user.role in EDIT_ROLES)


def _check_actor(actor, customer: Customer) -> None:
    """A person may write only shops on routes they can see, and place shops only on such routes.

    ``actor=None`` is the system itself (file import from the command line, demo data).
    """
    if actor is None:
        return
    if not may_edit_customers(actor):
        raise PermissionDenied(_("Your role may not change the customer archive."))
    if not routes_visible_to(actor).filter(pk=customer.route_id).exists():
        raise PermissionDenied(_("This route is outside your area."))


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
                    customer=customer,
                    field=field,
                    old_value=before.get(field, ""),
                    new_value=new,
                    changed_at=now,
                    actor=actor,
                    source=source,
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
    _check_actor(actor, customer)
    place_on_route(customer)
    customer.full_clean()
    customer.save()
    shoptally_move(before=None, after=shop_key(customer))
    # No history rows yet: a shop's values at any past moment are the first change's old value after that
    # moment, or its current value when nothing has changed since.
    audit_record(actor=actor, action="customer.create", obj=customer, summary=str(customer), now=now)
    return customer


@transaction.atomic
def customer_update(
    *, customer: Customer, data: dict, actor, now, source: str = ChangeSource.MANUAL, expected_version=None
) -> Customer:
    """Updates the given fields under a row lock.

    ``expected_version`` is the ``updated_at`` the editor loaded; if someone saved in between, the edit is
    refused rather than silently overwriting theirs.
    """
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    _check_actor(actor, locked)
    if expected_version is not None and locked.updated_at != expected_version:
        raise ValidationError(
            _("Someone else changed this shop while you were editing. Reload and try again.")
        )
    before = tracked_values(locked)
    kind_before = shop_key(locked)
    for field, value in data.items():
        setattr(locked, field, value)
    if "route" in data or "route_id" in data:
        _check_actor(actor, locked)
        place_on_route(locked)
    locked.full_clean()
    locked.save()
    shoptally_move(before=kind_before, after=shop_key(locked))
    changes = customer_changes(before=before, customer=locked, actor=actor, source=source, now=now)
    CustomerChange.objects.bulk_create(changes)
    if changes:
        audit_record(
            actor=actor,
            action="customer.update",
            obj=locked,
            now=now,
            summary=str(locked),
            data={c.field: [c.old_value, c.new_value] for c in changes},
        )
    return locked
