from collections import Counter
from datetime import timedelta

from django.db.models import Count, Q

from serviceloop.customers.models import Customer, CustomerStatus
from serviceloop.org.models import Role

from .models import AuditEvent

NEW_SHOP_DAYS = 90


def home_summary(*, user, today) -> dict:
    """Counts for the home page of any role: everything is within the user's scope."""
    shops = Customer.objects.visible_to(user).order_by()
    # One pass over the shops for the totals and the three small breakdowns (≤ 6 stars × formats × statuses
    # groups, folded here), one for the units: the city admin's home read 30,000 shops five times (issue 14).
    groups = shops.values("stars", "retail_format", "status").annotate(
        n=Count("id"),
        new=Count("id", filter=Q(joined_on__gte=today - timedelta(days=NEW_SHOP_DAYS))),
        care=Count("id", filter=Q(care_flag=True)),
        no_online=Count("id", filter=Q(online_ordering=False, status=CustomerStatus.ACTIVE)),
    )
    totals = dict.fromkeys(("total", "active", "new", "care", "no_online"), 0)
    stars, formats, statuses = Counter(), Counter(), Counter()
    for g in groups:
        totals["total"] += g["n"]
        totals["active"] += g["n"] if g["status"] == CustomerStatus.ACTIVE else 0
        for key in ("new", "care", "no_online"):
            totals[key] += g[key]
        stars[g["stars"]] += g["n"]
        formats[g["retail_format"]] += g["n"]
        statuses[g["status"]] += g["n"]
    level, field = breakdown_level(user)
    by_unit = list(shops.values(f"{field}__name", field).annotate(n=Count("id")).order_by(f"{field}__name"))
    return {
        "totals": totals,
        "by_stars": [{"stars": k, "n": n} for k, n in sorted(stars.items(), key=lambda kv: -kv[0])],
        "by_format": [
            {"retail_format": k, "n": n}
            for k, n in sorted(formats.items(), key=lambda kv: (-kv[1], str(kv[0])))
        ],
        "by_status": [{"status": k, "n": n} for k, n in sorted(statuses.items())],
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
