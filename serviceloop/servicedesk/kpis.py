"""Desk KPIs by branch, station, account manager, complaint category and month; Pareto of complaint
categories; monthly trend.

Reads the pre-aggregated monthly values of the KPI app (``kpis.KpiValue``, computed by the daily job)
instead of loading a year of requests into pandas on every hit: a handful of grouped queries whatever
the number of requests. Periods are whole months (``from``/``to`` as YYYY-MM or any date in the month).
The full KPI dashboard (targets, ranks, drill-down) is at /kpis/."""

import datetime as dt
import json

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.kpis.compute import month_start, next_month
from serviceloop.kpis.models import Kpi, KpiValue, Level
from serviceloop.kpis.selectors import kpi_scope, unit_choices

from .models import Category, MilestoneKind

GROUPS = {
    "branch": Level.BRANCH,
    "station": Level.STATION,
    "owner": Level.MANAGER,
    "category": None,
    "month": None,
}
MILESTONE_CODES = [f"on_time_{k}" for k in MilestoneKind.values]
CODES = ["complaint_share", "ack_minutes", *MILESTONE_CODES, "resolve_hours", "follow_up_rate",
         "followup_satisfaction", "reopen_rate", "repeat_complaint_rate", "complaints_per_100"]  # fmt: skip


def _month(value, default):
    try:
        return (
            month_start(dt.date.fromisoformat(value if len(value) > 7 else f"{value}-01"))
            if value
            else default
        )
    except ValueError:
        return default


def _months(start, end):
    out = [start]
    while out[-1] < end:
        out.append(next_month(out[-1]))
    return out


def kpi_data(*, user, params, now) -> dict:
    today = timezone.localtime(now).date()
    end = _month(params.get("to"), month_start(today))
    start = _month(params.get("from"), month_start(end - dt.timedelta(days=330)))
    if start > end:
        start, end = end, start
    months = _months(start, end)[-36:]
    group = params.get("group") if params.get("group") in GROUPS else "station"
    scope = kpi_scope(user)
    own = _own_unit(scope)
    kpis = {k.code: k for k in Kpi.objects.filter(code__in=CODES)}
    context = {
        "group": group,
        "groups": [(k, _(k)) for k in GROUPS],
        "from": months[0],
        "to": next_month(months[-1]) - dt.timedelta(days=1),
        "rows": [],
        "total": 0,
        "pareto_json": "null",
        "trend_json": "null",
        "milestone_labels": [MilestoneKind(k).label for k in MilestoneKind.values],
    }
    if own is None or len(kpis) < len(CODES):
        return context
    qs = KpiValue.objects.filter(kpi__in=kpis.values(), period__in=months)
    level = GROUPS[group]
    if level is not None:
        names = dict(unit_choices(scope, level))
        keyed = qs.filter(level=level, part="", unit_id__in=list(names)).values(
            "kpi__code", key=_f("unit_id")
        )
    else:
        names = None
        keyed = qs.filter(level=own[0], unit_id=own[1])
        if group == "month":
            keyed = keyed.filter(part="").values("kpi__code", key=_f("period"))
        else:
            keyed = (
                keyed.filter(kpi__code="complaints_per_100")
                .exclude(part="")
                .values("kpi__code", key=_f("part"))
            )
    sums = {}
    for r in keyed.annotate(n=Sum("numerator"), d=Sum("denominator")).order_by():
        sums.setdefault(r["key"], {})[r["kpi__code"]] = (r["n"], r["d"])
    if group == "category":
        labels = dict(Category.objects.values_list("code", "name"))
        names = {code: labels.get(code, code) for code in sums}
    elif group == "month":
        names = {m: m.strftime("%Y-%m") for m in sums}
    rows = []
    for key in sorted(sums, key=lambda k: str(names.get(k, k))):
        got = sums[key]

        def v(code, digits=1, got=got):
            n, d = got.get(code, (0, 0))
            return round(n / d * kpis[code].scale, digits) if d else None

        requests = (
            got.get("complaint_share", (0, 0))[1] if group != "category" else got["complaints_per_100"][0]
        )
        rows.append({
            "name": names.get(key, str(key)), "n": int(requests or 0), "ack_min": v("ack_minutes"),
            "on_time": [v(c) for c in MILESTONE_CODES], "resolve_h": v("resolve_hours"),
            "follow_rate": v("follow_up_rate"), "satisfaction": v("followup_satisfaction"),
            "reopen_rate": v("reopen_rate"), "repeat_rate": v("repeat_complaint_rate"),
        })  # fmt: skip
    context["rows"] = rows
    context["total"] = sum(r["n"] for r in rows)
    context["pareto_json"] = _pareto(qs.filter(level=own[0], unit_id=own[1]))
    context["trend_json"] = _trend(qs.filter(level=own[0], unit_id=own[1], part=""), months)
    return context


def _f(name):
    from django.db.models import F

    return F(name)


def _own_unit(scope):
    """The widest unit the user's scope covers: the city, else their branch or station; an account manager
    or market manager the first account manager they may see."""
    for level in (Level.CITY, Level.BRANCH, Level.STATION, Level.MANAGER, Level.ROUTE):
        if level in scope.units:
            ids = scope.units[level]
            if ids is None:
                return (level, 0) if level == Level.CITY else None
            if ids:
                return level, sorted(ids)[0]
    return None


def _pareto(qs):
    rows = (
        qs.filter(kpi__code="complaints_per_100").exclude(part="").values("part")
        .annotate(n=Sum("numerator")).order_by("-n")
    )  # fmt: skip
    counts = [(r["part"], int(r["n"])) for r in rows if r["n"]]
    if not counts:
        return "null"
    labels = dict(Category.objects.values_list("code", "name"))
    total = sum(n for _c, n in counts)
    cum, acc = [], 0
    for _c, n in counts:
        acc += n
        cum.append(round(100 * acc / total, 1))
    return json.dumps(
        {
            "labels": [labels.get(c, c) for c, _n in counts],
            "values": [n for _c, n in counts],
            "cumulative": cum,
        },
        ensure_ascii=False,
    )


def _trend(qs, months):
    rows = qs.filter(kpi__code__in=["complaint_share", "on_time_resolve"]).values_list(
        "kpi__code", "period", "numerator", "denominator"
    )
    by = {(code, period): (n, d) for code, period, n, d in rows}
    if not by:
        return "null"
    return json.dumps({
        "labels": [m.strftime("%Y-%m") for m in months],
        "requests": [int(by.get(("complaint_share", m), (0, 0))[1]) for m in months],
        "complaints": [int(by.get(("complaint_share", m), (0, 0))[0]) for m in months],
        "on_time": [round(100 * by[("on_time_resolve", m)][0] / by[("on_time_resolve", m)][1], 1)
                    if by.get(("on_time_resolve", m), (0, 0))[1] else None for m in months],
    })  # fmt: skip
