"""Data scope: what part of the organisation a user may see.

A city user sees everything, a branch user their branch, a station head their station, a market
manager the routes they oversee, an account manager their routes. Each model's ``visible_to(user)``
turns this into a filter on its own fields, so no view filters by hand.
"""

from django.db.models import Q

from .models import Role

NOTHING = Q(pk__in=[])


def scope_level(user) -> str:
    """How much of the organisation the user's data scope covers: "company", "branch", "station", "route" (an
    account or market manager: their routes) or "none"."""
    if not user or not user.is_authenticated or not user.is_active:
        return "none"
    if user.is_superuser or user.role == Role.CITY_ADMIN:
        return "company"
    if user.role in (Role.ACCOUNT_MANAGER, Role.MARKET_MANAGER):
        return "route"
    if not user.role or user.role == Role.DEPARTMENT_STAFF:
        return "none"  # a department sees the requests it owns (servicedesk.models.visibility_q), no area
    return user.unit_level


def scope_q(user, *, branch: str, station: str, route: str) -> Q:
    """A filter for a model whose branch/station/route are reached by the given field paths."""
    level = scope_level(user)
    if level == "company":
        return Q()
    if level == "route":
        manager = "account_manager" if user.role == Role.ACCOUNT_MANAGER else "market_manager"
        return Q(**{_path(route, manager): user})
    if level == "station":
        return Q(**{station: user.station_id})
    if level == "branch":
        return Q(**{branch: user.branch_id})
    return NOTHING


def _path(prefix: str, field: str) -> str:
    return f"{prefix}__{field}" if prefix else field


def is_city_level(user) -> bool:
    if user.role == Role.DEPARTMENT_STAFF and not user.is_superuser:
        return False
    return bool(user.is_superuser or (user.role and user.unit_level == "company"))


def can_manage_org(user) -> bool:
    return bool(user.is_superuser or user.role == Role.CITY_ADMIN)
