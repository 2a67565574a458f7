"""Who may use which staff page of the portal (kept import-light: the navigation menu reads it)."""

from serviceloop.org.models import Role

# Who prints whole routes' service cards: line managers, and account managers for their own routes (by scope).
ROUTE_CARD_ROLES = frozenset(
    {Role.CITY_ADMIN, Role.BRANCH_MANAGER, Role.STATION_HEAD, Role.MARKET_MANAGER, Role.ACCOUNT_MANAGER}
)


def may_print_routes(user) -> bool:
    return bool(user.is_superuser or user.role in ROUTE_CARD_ROLES)
