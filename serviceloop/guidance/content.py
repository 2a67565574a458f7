"""What goes into a guidance book: one shop's figures gathered into a JSON snapshot (no rendering here).

Every figure comes from an existing read: the profile and its change history from ``customers``, sales and the
peer comparison from ``trade.panel.shop_panel_data`` (weekly aggregates and one shop's index range, never a scan
of the order lines), the ordering guidance from the restock advice (``growth``), the advice from the shop's
open problem tags and their strategies (``tags``). Labels are stored translated (the book is printed in
Chinese), so an old book reads the same after a label is renamed.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

HISTORY_FIELDS = ("grade", "stars", "credit_rating")
HISTORY_SHOWN = 12
TAGS_SHOWN = 10
RESTOCK_SHOWN = 30
SNAPSHOT_VERSION = 1


def masked_licence(licence_no: str) -> str:
    """The book travels (printed, on the QR page): the licence number is shown with its middle hidden."""
    if len(licence_no) <= 6:
        return licence_no
    return licence_no[:4] + "*" * (len(licence_no) - 6) + licence_no[-2:]


def book_snapshot(customer, *, now) -> dict:
    """The figures of one shop's book as of ``now`` (JSON-ready)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _snapshot(customer, now=now)


def _snapshot(customer, *, now) -> dict:
    from serviceloop.trade.panel import shop_panel_data

    panel = shop_panel_data(customer, now=now)
    chart = panel["chart"]
    volume = sum(chart["volume"])
    amount = round(sum(chart["amount"]), 2)
    weeks_with_sales = sum(1 for v in chart["volume"] if v)
    classes = panel["classes"]
    class_total = sum(classes)
    channels = panel["channels"]
    sales = {
        "has_sales": panel["has_sales"],
        "weeks": chart["weeks"],
        "volume": chart["volume"],
        "amount": chart["amount"],
        "total_volume": volume,
        "total_amount": amount,
        "weeks_with_sales": weeks_with_sales,
        "avg_volume": round(volume / weeks_with_sales, 1) if weeks_with_sales else 0,
        "avg_price": round(amount / volume, 2) if volume else 0,
        "classes": classes,
        "class_shares": [round(100 * c / class_total, 1) if class_total else 0 for c in classes],
        "brands": [[b, q] for b, q in panel["brands"]],
        "channels": {k: channels.get(k) or 0 for k in ("online", "phone", "visit", "other")},
    }
    peer = dict(panel["peer"])
    snapshot = {
        "version": SNAPSHOT_VERSION,
        "as_of": timezone.localdate(now).isoformat(),
        "shop": _profile(customer),
        "history": _history(customer),
        "sales": sales,
        "peer": peer,
        "restock": _restock(customer),
        "tags": _tags(customer),
    }
    snapshot["advice"] = _advice(snapshot)
    return snapshot


def _profile(c) -> dict:
    route = c.route
    manager = route.account_manager if route and route.account_manager_id else None
    return {
        "name": c.name or c.licence_no,
        "licence": masked_licence(c.licence_no),
        "owner": c.owner_name,
        "address": c.address,
        "route": route.name if route else "",
        "station": str(c.station) if c.station_id else "",
        "branch": str(c.branch) if c.branch_id else "",
        "manager": (manager.get_full_name() or manager.username) if manager else "",
        "retail_format": c.get_retail_format_display() if c.retail_format else "",
        "market_type": c.get_market_type_display() if c.market_type else "",
        "business_scale": c.get_business_scale_display() if c.business_scale else "",
        "grade": c.grade,
        "stars": c.stars,
        "credit_rating": c.get_credit_rating_display() if c.credit_rating else "",
        "order_cycle": c.get_order_cycle_display(),
        "order_weekday": c.get_order_weekday_display() if c.order_weekday else "",
        "e_settlement": c.e_settlement,
        "online_ordering": c.online_ordering,
        "joined_on": c.joined_on.isoformat() if c.joined_on else "",
    }


def _history(c) -> list[dict]:
    from serviceloop.customers.models import Customer, CustomerChange

    rows = (
        CustomerChange.objects.filter(customer=c, field__in=HISTORY_FIELDS)
        .order_by("-changed_at", "-id")
        .values_list("field", "old_value", "new_value", "changed_at")[:HISTORY_SHOWN]
    )
    out = []
    for field, old, new, at in rows:
        model_field = Customer._meta.get_field(field)
        choices = {str(k): str(v) for k, v in model_field.choices} if model_field.choices else {}
        out.append({
            "field": str(model_field.verbose_name), "old": choices.get(old, old) or "—",
            "new": choices.get(new, new) or "—", "at": timezone.localdate(at).isoformat(),
        })  # fmt: skip
    return out


def _restock(c) -> dict:
    from serviceloop.growth.selectors import restock_for

    lines = restock_for(c)
    days = [a.order_day for a in lines]
    return {
        "order_day": min(days).isoformat() if days else None,
        "total": sum(a.suggested for a in lines),
        "count": len(lines),
        "short": sum(1 for a in lines if a.short),
        "lines": [
            {"code": a.product.code, "name": a.product.name, "price_class": a.product.price_class,
             "forecast": round(a.forecast, 1), "recent": round(a.recent, 1), "suggested": a.suggested,
             "cap": a.cap, "short": a.short, "festival": a.festival}
            for a in lines[:RESTOCK_SHOWN]
        ],
    }  # fmt: skip


def _tags(c) -> list[dict]:
    from serviceloop.tags.models import OPEN_STATUSES, CustomerTag

    rows = (
        CustomerTag.objects.filter(customer=c, status__in=OPEN_STATUSES)
        .select_related("tag__strategy")
        .order_by("due_at", "pk")[:TAGS_SHOWN]
    )
    out = []
    for ct in rows:
        strategy = getattr(ct.tag, "strategy", None)
        out.append({
            "name": ct.tag.name, "category": ct.tag.get_category_display(), "reason": ct.reason,
            "attached_at": timezone.localdate(ct.attached_at).isoformat(),
            "due_at": timezone.localdate(ct.due_at).isoformat(),
            "steps": strategy.steps if strategy else [], "materials": strategy.materials if strategy else "",
        })  # fmt: skip
    return out


def _advice(s: dict) -> list[str]:
    """A few plain sentences drawn from the figures, before the tags' strategies and the manager's remarks."""
    sales, peer, shop = s["sales"], s["peer"], s["shop"]
    out = []
    if not sales["has_sales"]:
        out.append(
            _("No orders in the last year yet: order regularly each cycle so that the grade can be set.")
        )
    ratio = peer.get("ratio")
    if ratio is not None and peer.get("n", 0) > 1:
        if ratio < 80:
            out.append(_("Sales are %(r)s%% of the average of similar shops nearby: there is room to grow.")
                       % {"r": ratio})  # fmt: skip
        elif ratio > 120:
            out.append(_("Sales are %(r)s%% of the average of similar shops nearby: keep the good stock mix.")
                       % {"r": ratio})  # fmt: skip
    shares = sales["class_shares"]
    if sales["total_volume"] and shares[0] + shares[1] < 10:
        out.append(
            _("Few higher-priced cigarettes (price classes 1–2): consider a small, steady range of them.")
        )
    if sales["total_volume"] and not shop["e_settlement"]:
        out.append(_("E-settlement is not used: it saves time on every delivery."))
    if s["restock"]["short"]:
        out.append(_("%(n)s product(s) may run short before the next order day: see the ordering guidance.")
                   % {"n": s["restock"]["short"]})  # fmt: skip
    return out


def period_of(now) -> dt.date:
    return timezone.localdate(now).replace(day=1)
