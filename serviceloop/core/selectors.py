from datetime import timedelta

from django.db.models import Count, Q

from serviceloop.customers.models import Customer, CustomerStatus
from serviceloop.org.models import Role

from .models import AuditEvent

NEW_SHOP_DAYS = 90


def home_summary(*, user, today) -> dict:
    """Counts for the home page of any role: everything is within the user's scope."""
    shops = Customer.objects.visible_to(user).order_by()
    totals = shops.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(status=CustomerStatus.ACTIVE)),
        new=Count("id", filter=Q(joined_on__gte=today - timedelta(days=NEW_SHOP_DAYS))),
        care=Count("id", filter=Q(care_flag=True)),
        no_online=Count("id", filter=Q(online_ordering=False, status=CustomerStatus.ACTIVE)),
    )
    level, field = breakdown_level(user)
    by_unit = list(shops.values(f"{field}__name", field).annotate(n=Count("id")).order_by(f"{field}__name"))
    return {
        "totals": totals,
        "by_stars": list(shops.values("stars").annotate(n=Count("id")).order_by("-stars")),
        "by_format": list(shops.values("retail_format").annotate(n=Count("id")).order_by("-n")),
        "by_status": list(shops.values("status").annotate(n=Count("id")).order_by("status")),
        "by_unit": [{"name": row[f"{field}__name"], "id": row[field], "n": row["n"]} for row in by_unit],
        "unit_level": level,
        "unit_field": field,
    }


def breakdown_level(user) -> tuple[str, str]:
    """The next level down from where the user sits: a city user sees branches, a branch user stations…"""
    if user.role in (Role.ACCOUNT_MANAGER, Role.MARKET_MANAGER) or user.unit_level == "station":
        return "route", "route"
    if user.unit_level == "branch":
        return "station", "station"
    return "branch", "branch"


def audit_list(*, q: str = "", action: str = ""):
    qs = AuditEvent.objects.select_related("actor")
    if q:
        qs = qs.filter(Q(summary__icontains=q) | Q(actor__username__icontains=q) | Q(object_id=q))
    if action:
        qs = qs.filter(action=action)
    return qs
