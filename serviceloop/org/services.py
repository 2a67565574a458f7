"""Writes to the organisation. Moving a route or a station keeps its shops' branch/station copies true."""

from django.db import transaction

from serviceloop.core.audit import audit_record
from serviceloop.customers.models import Customer

from .models import Route, Station, User


@transaction.atomic
def org_unit_save(*, unit, data: dict, actor, now):
    """Creates or updates a company, branch, station or route from validated form data."""
    creating = unit.pk is None
    # Read from the database: a ModelForm's is_valid() has already copied the new values onto ``unit``.
    before = {} if creating else {f: getattr(type(unit).objects.get(pk=unit.pk), f"{f}_id", None)
                                  for f in ("branch", "station")}  # fmt: skip
    for field, value in data.items():
        setattr(unit, field, value)
    unit.full_clean()
    unit.save()
    if isinstance(unit, Route) and not creating and before.get("station") != unit.station_id:
        Customer.objects.filter(route=unit).update(station=unit.station_id, branch=unit.station.branch_id)
    if isinstance(unit, Station) and not creating and before.get("branch") != unit.branch_id:
        Customer.objects.filter(station=unit).update(branch=unit.branch_id)
    audit_record(
        actor=actor,
        action=f"org.{unit._meta.model_name}.{'create' if creating else 'update'}",
        obj=unit,
        summary=str(unit),
        data={k: str(v) for k, v in data.items()},
        now=now,
    )
    return unit


@transaction.atomic
def staff_save(*, staff: User, data: dict, password: str | None, actor, now) -> User:
    creating = staff.pk is None
    for field, value in data.items():
        setattr(staff, field, value)
    if password:
        staff.set_password(password)
    elif creating:
        staff.set_unusable_password()
    staff.full_clean(exclude=["password"])
    staff.save()
    safe = {k: str(v) for k, v in data.items()}
    audit_record(
        actor=actor,
        action=f"org.staff.{'create' if creating else 'update'}",
        obj=staff,
        summary=str(staff),
        data={**safe, "password_changed": bool(password)},
        now=now,
    )
    return staff
