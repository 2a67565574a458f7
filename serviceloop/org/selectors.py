"""Reads of the organisation, each scoped to what the user may see."""

from django.db.models import Q

from serviceloop.core.subqueries import counted

from .models import Branch, Role, Route, Station, User
from .scope import scope_q


def routes_visible_to(user):
    return Route.objects.filter(scope_q(user, branch="station__branch", station="station", route=""))


def stations_visible_to(user):
    if user.role in (Role.ACCOUNT_MANAGER, Role.MARKET_MANAGER):
        return Station.objects.filter(pk__in=routes_visible_to(user).values("station_id"))
    return Station.objects.filter(scope_q(user, branch="branch", station="pk", route="routes"))


def branches_visible_to(user):
    if user.role in (Role.ACCOUNT_MANAGER, Role.MARKET_MANAGER) or user.unit_level == "station":
        return Branch.objects.filter(pk__in=stations_visible_to(user).values("branch_id"))
    return Branch.objects.filter(scope_q(user, branch="pk", station="stations", route="stations__routes"))


def staff_list(*, user, q: str = "", role: str = ""):
    """Staff for the city admin's management page (only city admins reach it)."""
    qs = User.objects.select_related("company", "branch", "station").order_by("role", "username")
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q) | Q(phone__icontains=q))
    if role:
        qs = qs.filter(role=role)
    return qs


def routes_with_counts(*, user):
    return (
        routes_visible_to(user)
        .select_related("station__branch", "account_manager", "market_manager")
        .annotate(customer_count=counted(Route, "customers"))  # a join + GROUP BY read every shop of the city
        .order_by("station__branch__name", "station__name", "name")
    )
