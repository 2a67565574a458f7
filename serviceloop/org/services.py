"""Writes to the organisation. Moving a route or a station keeps its shops' branch/station copies true."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.core.refcache import reference_forget
from serviceloop.customers.models import Customer

from .models import Role, Route, Station, User


def contacts_changed() -> None:
    """The QR pages' contacts (a route's managers, station head, inspectors) are kept a minute per process
    (``core.refcache``): this process shows a change at once, the others within the minute."""
    transaction.on_commit(lambda: reference_forget("portal:contacts:"))


def _recount_shops() -> None:
    from serviceloop.customers.tally import shoptally_rebuild

    shoptally_rebuild()  # shops moved to another station or branch in bulk: the home page's counts follow


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
    contacts_changed()
    if isinstance(unit, Route) and not creating and before.get("station") != unit.station_id:
        Customer.objects.filter(route=unit).update(station=unit.station_id, branch=unit.station.branch_id)
        _recount_shops()
    if isinstance(unit, Station) and not creating and before.get("branch") != unit.branch_id:
        Customer.objects.filter(station=unit).update(branch=unit.branch_id)
        _recount_shops()
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
    contacts_changed()
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


@transaction.atomic
def routes_assign_account_manager(*, routes, manager: User, actor, now) -> int:
    """Gives ``routes`` to one account manager (bulk, from the "no account manager" list); one audit row each.

    The manager must be an active account manager of each route's station (an account manager works at one
    station); otherwise nothing is changed."""
    routes = list(
        Route.objects.select_for_update().filter(pk__in=[r.pk for r in routes]).select_related("station")
    )
    if not (manager.is_active and manager.role == Role.ACCOUNT_MANAGER):
        raise ValidationError(_("Choose an active account manager."), code="manager")
    foreign = [r for r in routes if r.station_id != manager.station_id]
    if foreign:
        raise ValidationError(
            _("%(name)s works at %(station)s and cannot take routes of another station: %(routes)s.")
            % {
                "name": manager,
                "station": manager.station or "—",
                "routes": "、".join(f"{r.station.name} {r.name}" for r in foreign[:10]),
            },
            code="scope",
        )
    contacts_changed()
    for route in routes:
        before = route.account_manager_id
        route.account_manager = manager
        route.save(update_fields=["account_manager"])
        audit_record(
            actor=actor,
            action="org.route.assign_account_manager",
            obj=route,
            summary=_("%(route)s: account manager %(name)s") % {"route": route, "name": manager},
            data={"account_manager": manager.pk, "before": before},
            now=now,
        )
    return len(routes)
