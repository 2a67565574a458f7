from collections import Counter
from datetime import timedelta

from django.db.models import Count, Q, Sum

from serviceloop.customers.models import Customer, CustomerStatus, ShopTally
from serviceloop.org.models import Role
from serviceloop.org.scope import scope_q

from .models import AuditEvent

NEW_SHOP_DAYS = 90
_KIND = ("stars", "retail_format", "status")


def home_summary(*, user, today) -> dict:
    """Counts for the home page of any role: everything is within the user's scope.

    Station, branch and city users read the per-station ``ShopTally`` (a few hundred rows for a city, kept by
    the customer services; issue 14: grouping the city's 30,000 shops on every request grew 4× with the city);
    users scoped by route (account and market managers) count their few shops directly. Only the new shops
    (joined within 90 days: a moving window no tally keeps) are counted from the shops, through the join-date
    index.
    """
    shops = Customer.objects.visible_to(user).order_by()
    by_route = user.role in (Role.ACCOUNT_MANAGER, Role.MARKET_MANAGER) and not user.is_superuser
    if by_route:
        groups = shops.values(*_KIND).annotate(
            shops=Count("id"),
            care=Count("id", filter=Q(care_flag=True)),
            no_online=Count("id", filter=Q(online_ordering=False, status=CustomerStatus.ACTIVE)),
        )
    else:
        groups = (
            ShopTally.objects.filter(scope_q(user, branch="branch", station="station", route="route"))
            .values(*_KIND)
            .annotate(
                shops=Sum("n"),
                care=Sum("n", filter=Q(care_flag=True), default=0),
                no_online=Sum("n", filter=Q(online_ordering=False, status=CustomerStatus.ACTIVE), default=0),
            )
        )
    totals = dict.fromkeys(("total", "active", "new", "care", "no_online"), 0)
    stars, formats, statuses = Counter(), Counter(), Counter()
    for g in groups:
        n = g["shops"]
        if not n:
            continue
        totals["total"] += n
        totals["active"] += n if g["status"] == CustomerStatus.ACTIVE else 0
        for key in ("care", "no_online"):
            totals[key] += g[key]
        stars[g["stars"]] += n
        formats[g["retail_format"]] += n
        statuses[g["status"]] += n
    totals["new"] = shops.filter(joined_on__gte=today - timedelta(days=NEW_SHOP_DAYS)).count()
    level, field = breakdown_level(user)
    if field == "route":
        # The routes of one station (or one manager): that unit's shops, through the (station, route) index.
        by_unit = [(r["route__name"], r["route"], r["n"])
                   for r in shops.values("route__name", "route").annotate(n=Count("id")).order_by("route__name")]  # fmt: skip
    else:
        tally = ShopTally.objects.filter(scope_q(user, branch="branch", station="station", route="route"))
        by_unit = [(r[f"{field}__name"], r[field], r["shops"])
                   for r in tally.values(f"{field}__name", field).annotate(shops=Sum("n")).order_by(f"{field}__name")
                   if r["shops"]]  # fmt: skip
    return {
        "totals": totals,
        "by_stars": [{"stars": k, "n": n} for k, n in sorted(stars.items(), key=lambda kv: -kv[0])],
        "by_format": [
            {"retail_format": k, "n": n}
            for k, n in sorted(formats.items(), key=lambda kv: (-kv[1], str(kv[0])))
        ],
        "by_status": [{"status": k, "n": n} for k, n in sorted(statuses.items())],
        "by_unit": [{"name": name, "id": pk, "n": n} for name, pk, n in by_unit],
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
