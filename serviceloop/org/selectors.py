"""Reads of the organisation, each scoped to what the user may see."""

from django.db.models import Q

from serviceloop.core.params import id_param
from serviceloop.core.subqueries import counted

from .models import Branch, Role, Route, Station, User
from .scope import scope_level, scope_q


def routes_visible_to(user):
    return Route.objects.filter(scope_q(user, branch="station__branch", station="station", route=""))


def route_options(user, params) -> list[tuple[int, str]]:
    """(pk, name) of the routes a list page's route filter offers (``templates/_route_filter.html``): those of the
    station chosen in ``params``, else of the branch chosen; a city-wide user who chose neither is offered none until
    they do. A province's 2,000 routes were a list no one scrolls, and drawing them cost 23 ms of every customer
    list page (issue 14). The route already chosen is always offered, so no filter is applied out of sight; the
    pages still accept any route the user sees."""
    routes = routes_visible_to(user).order_by("name", "pk")
    station, branch, chosen = (id_param(params.get(name)) for name in ("station", "branch", "route"))
    if station:
        offered = routes.filter(station_id=station)
    elif branch:
        offered = routes.filter(station__branch_id=branch)
    elif scope_level(user) == "company":
        offered = routes.none()
    else:
        offered = routes
    if chosen:
        offered = offered | routes.filter(pk=chosen)
    return list(offered.values_list("pk", "name"))


def station_options(user) -> list[tuple[int, str]]:
    """The stations a station select offers the user (``templates/_station_filter.html``), as (pk, name)."""
    return list(stations_visible_to(user).order_by("name").values_list("pk", "name"))


def station_route_filters(user, params) -> dict:
    """A list page's station and route selects (``templates/_station_filter.html``, ``_route_filter.html``): the
    stations the user sees and the routes ``route_options`` offers, as (pk, name)."""
    return {"stations": station_options(user), "route_options": route_options(user, params)}


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
