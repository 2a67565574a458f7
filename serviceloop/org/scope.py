"""Data scope: what part of the organisation a user may see.

A city user sees everything, a branch user their branch, a station head their station, a market
manager the routes they oversee, an account manager their routes. Each model's ``visible_to(user)``
turns this into a filter on its own fields, so no view filters by hand.
"""

from django.db.models import Q

from .models import Role

NOTHING = Q(pk__in=[])


def scope_q(user, *, branch: str, station: str, route: str) -> Q:
    """A filter for a model whose branch/station/route are reached by the given field paths."""
    if not user or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser or user.role == Role.CITY_ADMIN:
        return Q()
    if user.role == Role.ACCOUNT_MANAGER:
        return Q(**{_path(route, "account_manager"): user})
    if user.role == Role.MARKET_MANAGER:
        return Q(**{_path(route, "market_manager"): user})
    if user.role == Role.DEPARTMENT_STAFF:
        return NOTHING  # a department sees the requests it owns (servicedesk.models.visibility_q), no area
    if not user.role:
        return NOTHING
    level = user.unit_level
    if level == "station":
        return Q(**{station: user.station_id})
    if level == "branch":
        return Q(**{branch: user.branch_id})
    return Q()


def _path(prefix: str, field: str) -> str:
    return f"{prefix}__{field}" if prefix else field


def is_city_level(user) -> bool:
    if user.role == Role.DEPARTMENT_STAFF and not user.is_superuser:
        return False
    return bool(user.is_superuser or (user.role and user.unit_level == "company"))


def can_manage_org(user) -> bool:
    return bool(user.is_superuser or user.role == Role.CITY_ADMIN)
