"""Data scope: what part of the organisation a user may see.

A city user sees everything, a branch user their branch, a station head their station, a market
manager the routes they oversee, an account manager their routes. Each model's ``visible_to(user)``
turns this into a filter on its own fields, so no view filters by hand.
"""

from django.db.models import BooleanField, Expression, F, Q, Subquery

from .models import Role, Route

NOTHING = Q(pk__in=[])


class _InRoutes(Expression):
    """``<route column> IN (the user's routes)``, written ``= ANY(ARRAY(…))`` on PostgreSQL.

    For an account manager's area OR-ed with something else (the requests they own). Joined to
    ``org_route`` under that OR, or as an ``IN (subquery)`` (which PostgreSQL cannot pull up under an OR), the
    filter was checked row by row over every request of a province: 44.8 and 33.9 ms for an account manager's
    ledger count at 140,000 shops. The array is computed once and both sides of the OR become index scans
    (0.66 ms; issue 14). SQLite plans the plain ``IN`` well."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, routes):
        super().__init__()
        self.column, self.routes = F(column), Subquery(routes.values("pk"))

    def get_source_expressions(self):
        return [self.column, self.routes]

    def set_source_expressions(self, exprs):
        self.column, self.routes = exprs

    def as_sql(self, compiler, connection, template="%s IN %s"):
        column, column_params = compiler.compile(self.column)
        routes, routes_params = compiler.compile(self.routes)
        return template % (column, routes), (*column_params, *routes_params)

    def as_postgresql(self, compiler, connection):
        return self.as_sql(compiler, connection, template="%s = ANY(ARRAY%s)")


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


def scope_q(user, *, branch: str, station: str, route: str, under_or: bool = False) -> Q:
    """A filter for a model whose branch/station/route are reached by the given field paths.

    ``under_or``: the caller ORs it with another filter (a request the user owns), so a manager's routes are
    written as ``_InRoutes``. Not otherwise: with the routes as an array PostgreSQL cannot estimate how few rows
    match, and an account manager's visit list went from 5 to 344 ms of database time at 140,000 shops (it walked
    the province's visits by date instead of starting from the manager's shops)."""
    level = scope_level(user)
    if level == "company":
        return Q()
    if level == "route":
        manager = "account_manager" if user.role == Role.ACCOUNT_MANAGER else "market_manager"
        if under_or and route:
            return Q(_InRoutes(route, Route.objects.filter(**{manager: user})))
        return Q(**{f"{route}__{manager}" if route else manager: user})
    if level == "station":
        return Q(**{station: user.station_id})
    if level == "branch":
        return Q(**{branch: user.branch_id})
    return NOTHING


def is_city_level(user) -> bool:
    if user.role == Role.DEPARTMENT_STAFF and not user.is_superuser:
        return False
    return bool(user.is_superuser or (user.role and user.unit_level == "company"))


def can_manage_org(user) -> bool:
    return bool(user.is_superuser or user.role == Role.CITY_ADMIN)
