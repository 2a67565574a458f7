"""Pre-aggregation: every KPI of the catalogue per unit (city, branch, station, route, account manager)
and month, into ``KpiValue``.

Each KPI is a numerator and a denominator counted in the database, one GROUP BY per level (no row passes
through Python), so a city-year costs a few hundred grouped queries whatever the number of shops. A
month's rows are replaced as a whole inside one transaction: recomputing keeps late corrections exact.

Where events are attributed: requests by the branch/station/route copied at filing; visits by their route
and manager; tags, survey targets and shop counts by the shop's current place; trade by the place copied
at import (``ShopMonth``). The account-manager level is the route's current account manager (visits: the
visit's own manager).
"""

import datetime as dt
import time
from collections import defaultdict

from django.db import transaction
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from .models import Kpi, KpiRun, KpiValue

LEVELS = ("branch", "station", "route", "manager")

REQUEST_PATHS = {"branch": "branch_id", "station": "station_id", "route": "route_id",
                 "manager": "route__account_manager_id"}  # fmt: skip
MILESTONE_PATHS = {k: f"request__{v}" for k, v in REQUEST_PATHS.items()}
VISIT_PATHS = {"branch": "route__station__branch_id", "station": "route__station_id", "route": "route_id",
               "manager": "manager_id"}  # fmt: skip
SHOP_PATHS = {"branch": "branch_id", "station": "station_id", "route": "route_id",
              "manager": "route__account_manager_id"}  # fmt: skip
CUSTOMER_PATHS = {k: f"customer__{v}" for k, v in SHOP_PATHS.items()}
TARGET_PATHS = {"branch": "branch_id", "station": "station_id", "route": "route_id",
                "manager": "account_manager_id"}  # fmt: skip
ANSWER_PATHS = {k: f"target__{v}" for k, v in TARGET_PATHS.items()}
TRADE_PATHS = SHOP_PATHS


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _bounds(month: dt.date):
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(month, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(next_month(month), dt.time.min, tzinfo=tz)
    return start, end


def _dur(end: str, start: str):
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _num(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def grouped(qs, paths: dict, *, part: str | None = None, **aggregates) -> dict:
    """{(level, unit_id, part): {name: number}} for the city (unit 0) and each level, one query each.
    Durations come back in seconds."""
    qs = qs.order_by()
    out = {}
    keys = [part] if part else []
    for level, path in [("city", None), *paths.items()]:
        if path:
            rows = qs.filter(**{f"{path}__isnull": False}).values(*keys, u=F(path))
        else:
            rows = qs.values(*keys) if keys else None
        if rows is None:
            result = qs.aggregate(**aggregates)
            out[("city", 0, "")] = {k: _num(v) for k, v in result.items()}
            continue
        for row in rows.annotate(**aggregates):
            unit = row.get("u", 0) if path else 0
            out[(level, unit, row[part] if part else "")] = {k: _num(row[k]) for k in aggregates}
    return out


def _ratio(groups: dict, num: str = "n", den: str = "d", *, num_factor: float = 1.0) -> list:
    return [(level, unit, part, v[num] * num_factor, v[den]) for (level, unit, part), v in groups.items()]


# ------------------------------------------------------------------------------------------ the KPIs
# Each takes (month, as_of) and returns [(level, unit_id, part, numerator, denominator)].


def _requests():
    from serviceloop.servicedesk.models import Kind, ServiceRequest

    return ServiceRequest.objects.exclude(status__in=["merged", "cancelled"]).exclude(kind=Kind.REPORT)


def _resolved(month):
    start, end = _bounds(month)
    return _requests().filter(resolved_at__gte=start, resolved_at__lt=end)


def _filed(month):
    start, end = _bounds(month)
    return _requests().filter(created_at__gte=start, created_at__lt=end)


def k_followup_satisfaction(month, as_of):
    qs = _resolved(month).filter(satisfaction__isnull=False)
    return _ratio(grouped(qs, REQUEST_PATHS, n=Count("id", filter=Q(satisfaction__gte=4)), d=Count("id")))


def k_ack_minutes(month, as_of):
    qs = _filed(month).filter(acknowledged_at__isnull=False)
    g = grouped(qs, REQUEST_PATHS, n=Sum(_dur("acknowledged_at", "created_at")), d=Count("id"))
    return _ratio(g, num_factor=1 / 60)


def k_resolve_hours(month, as_of):
    g = grouped(_resolved(month), REQUEST_PATHS, n=Sum(_dur("resolved_at", "created_at")), d=Count("id"))
    return _ratio(g, num_factor=1 / 3600)


def _on_time(milestone):
    def compute(month, as_of):
        from serviceloop.servicedesk.models import RequestMilestone

        start, end = _bounds(month)
        qs = RequestMilestone.objects.filter(
            milestone=milestone, due_at__gte=start, due_at__lt=end,
            request__in=_requests().values("pk"),
        ).filter(Q(state="met") | Q(breached=True))  # fmt: skip
        return _ratio(grouped(qs, MILESTONE_PATHS, n=Count("id", filter=Q(breached=False)), d=Count("id")))

    return compute


def k_follow_up_rate(month, as_of):
    followed = Q(follow_up_attempts__gt=0) | Q(satisfaction__isnull=False)
    return _ratio(grouped(_resolved(month), REQUEST_PATHS, n=Count("id", filter=followed), d=Count("id")))


def k_reopen_rate(month, as_of):
    return _ratio(grouped(_resolved(month), REQUEST_PATHS, n=Count("id", filter=Q(reopen_count__gt=0)),
                          d=Count("id")))  # fmt: skip


def k_repeat_complaint_rate(month, as_of):
    qs = _filed(month).filter(kind="complaint")
    return _ratio(grouped(qs, REQUEST_PATHS, n=Count("id", filter=Q(repeat_of__isnull=False)), d=Count("id")))


def k_complaint_share(month, as_of):
    return _ratio(
        grouped(_filed(month), REQUEST_PATHS, n=Count("id", filter=Q(kind="complaint")), d=Count("id"))
    )


def _shop_counts():
    from serviceloop.customers.models import Customer

    return grouped(Customer.objects.filter(status="active"), SHOP_PATHS, d=Count("id"))


def k_complaints_per_100(month, as_of):
    qs = _filed(month).filter(kind="complaint", shop__isnull=False)
    shops = _shop_counts()
    whole = grouped(qs, REQUEST_PATHS, n=Count("id"))
    by_cause = grouped(qs, REQUEST_PATHS, part="category__code", n=Count("id"))
    rows = []
    for (level, unit, _p), v in shops.items():
        rows.append((level, unit, "", whole.get((level, unit, ""), {}).get("n", 0.0), v["d"]))
    for (level, unit, part), v in by_cause.items():
        den = shops.get((level, unit, ""), {}).get("d", 0.0)
        rows.append((level, unit, part, v["n"], den))
    return rows


def k_settled_locally(month, as_of):
    from serviceloop.servicedesk.models import Escalation

    up = Escalation.objects.filter(request=OuterRef("pk"), reason__in=["breach_branch", "breach_city"])
    qs = _resolved(month).filter(shop__isnull=False).annotate(up=Exists(up))
    local = Q(owner__station__isnull=False, up=False)
    return _ratio(grouped(qs, REQUEST_PATHS, n=Count("id", filter=local), d=Count("id")))


def _visits(month, as_of):
    from serviceloop.visits.models import Visit

    end = next_month(month)
    if as_of < end:
        end = as_of  # the current month: only the days that have passed
    return Visit.objects.filter(planned_on__gte=month, planned_on__lt=end)


def _planned_visits(month, as_of):
    """The month's plan to date without cancelled visits, as the compliance page counts it (a missed visit can
    be cancelled only by a station head or a market manager: ``visits.services.missed_for``)."""
    return _visits(month, as_of).exclude(status="cancelled")


def k_visit_compliance(month, as_of):
    g = grouped(
        _planned_visits(month, as_of), VISIT_PATHS, n=Count("id", filter=Q(status="done")), d=Count("id")
    )
    return _ratio(g)


def k_visit_minutes(month, as_of):
    qs = _visits(month, next_month(month)).filter(status="done", minutes_spent__isnull=False)
    return _ratio(grouped(qs, VISIT_PATHS, n=Sum("minutes_spent"), d=Count("id")))


def _tag_days(field, start_field, end_field):
    def compute(month, as_of):
        from serviceloop.tags.models import CustomerTag

        start, end = _bounds(month)
        qs = CustomerTag.objects.filter(**{f"{field}__gte": start, f"{field}__lt": end,
                                           f"{start_field}__isnull": False})  # fmt: skip
        g = grouped(qs, CUSTOMER_PATHS, n=Sum(_dur(end_field, start_field)), d=Count("id"))
        return _ratio(g, num_factor=1 / 86400)

    return compute


def k_survey_index(month, as_of):
    from serviceloop.surveys.models import Answer, Item

    start, end = _bounds(month)
    totals = defaultdict(lambda: [0.0, 0.0])
    overall = Item.objects.filter(is_overall=True).values_list(
        "section__questionnaire_id", "code", "scale_max"
    )
    for questionnaire_id, code, scale_max in overall:
        score = Cast(KeyTextTransform(code, "values"), FloatField())
        qs = (
            Answer.objects.filter(status="submitted", submitted_at__gte=start, submitted_at__lt=end,
                                  wave__questionnaire_id=questionnaire_id)
            .annotate(score=score)
            .filter(score__isnull=False)
        )  # fmt: skip
        g = grouped(qs, ANSWER_PATHS, n=Sum(F("score") * Value(100.0 / scale_max)), d=Count("id"))
        for key, v in g.items():
            totals[key][0] += v["n"]
            totals[key][1] += v["d"]
    return [(level, unit, part, n, d) for (level, unit, part), (n, d) in totals.items() if d]


def k_survey_coverage(month, as_of):
    from serviceloop.surveys.models import WaveTarget

    qs = WaveTarget.objects.filter(wave__period_end__gte=month, wave__period_end__lt=next_month(month))
    answered = Q(answer__status="submitted")
    return _ratio(grouped(qs, TARGET_PATHS, n=Count("id", filter=answered), d=Count("id")))


def _trade(num, den):
    def compute(month, as_of):
        from serviceloop.trade.models import ShopMonth

        qs = ShopMonth.objects.filter(month=month)
        return _ratio(grouped(qs, TRADE_PATHS, n=num, d=den))

    return compute


def k_active_shop_rate(month, as_of):
    from serviceloop.trade.models import ShopMonth

    ordered = grouped(ShopMonth.objects.filter(month=month, orders__gt=0), SHOP_PATHS, n=Count("id"))
    return [(level, unit, "", ordered.get((level, unit, ""), {}).get("n", 0.0), v["d"])
            for (level, unit, _p), v in _shop_counts().items()]  # fmt: skip


def k_churn_rate(month, as_of):
    from serviceloop.trade.models import ShopMonth

    prev = month_start(month - dt.timedelta(days=1))
    still = ShopMonth.objects.filter(customer=OuterRef("customer"), month=month, orders__gt=0)
    qs = ShopMonth.objects.filter(month=prev, orders__gt=0).annotate(still=Exists(still))
    return _ratio(grouped(qs, TRADE_PATHS, n=Count("id", filter=Q(still=False)), d=Count("id")))


COMPUTE = {
    "followup_satisfaction": k_followup_satisfaction,
    "survey_index": k_survey_index,
    "ack_minutes": k_ack_minutes,
    "resolve_hours": k_resolve_hours,
    "on_time_acknowledge": _on_time("acknowledge"),
    "on_time_answer": _on_time("answer"),
    "on_time_plan": _on_time("plan"),
    "on_time_resolve": _on_time("resolve"),
    "follow_up_rate": k_follow_up_rate,
    "reopen_rate": k_reopen_rate,
    "repeat_complaint_rate": k_repeat_complaint_rate,
    "complaint_share": k_complaint_share,
    "complaints_per_100": k_complaints_per_100,
    "settled_locally": k_settled_locally,
    "visit_compliance": k_visit_compliance,
    "visit_minutes": k_visit_minutes,
    "tag_remove_days": _tag_days("removed_at", "attached_at", "removed_at"),
    "tag_verify_days": _tag_days("verified_at", "removed_at", "verified_at"),
    "tag_loop_days": _tag_days("verified_at", "attached_at", "verified_at"),
    "survey_coverage": k_survey_coverage,
    "order_capture_accuracy": _trade(Sum(F("orders") - F("corrected_orders")), Sum("orders")),
    "delivery_on_time": _trade(Sum("deliveries_on_time"), Sum("deliveries")),
    "delivery_accuracy": _trade(Sum("deliveries_accurate"), Sum("deliveries")),
    "damage_rate": _trade(Sum("cartons_damaged"), Sum("cartons_delivered")),
    "e_settlement_success": _trade(Sum("e_settlements_paid"), Sum("e_settlements")),
    "online_share": _trade(Sum("online_orders"), Sum("orders")),
    "active_shop_rate": k_active_shop_rate,
    "churn_rate": k_churn_rate,
}


def value_of(numerator: float, denominator: float, scale: int) -> float | None:
    return round(numerator / denominator * scale, 4) if denominator else None


@transaction.atomic
def kpivalues_compute(*, months: list[dt.date], now: dt.datetime, codes: list[str] | None = None) -> int:
    """Recomputes the given months (first days) of every active KPI (or of ``codes``); returns the rows."""
    started = time.perf_counter()
    as_of = timezone.localtime(now).date()
    kpis = Kpi.objects.filter(active=True, code__in=list(COMPUTE))
    if codes:
        kpis = kpis.filter(code__in=codes)
    written = 0
    for month in months:
        month = month_start(month)
        for kpi in kpis:
            rows = COMPUTE[kpi.code](month, as_of)
            KpiValue.objects.filter(kpi=kpi, period=month).delete()
            objs = [
                KpiValue(kpi=kpi, level=level, unit_id=unit, part=part or "", period=month, numerator=num,
                         denominator=den, value=value_of(num, den, kpi.scale), computed_at=now)
                for level, unit, part, num, den in rows
                if num or den
            ]  # fmt: skip
            KpiValue.objects.bulk_create(objs, batch_size=2000)
            written += len(objs)
    KpiRun.objects.create(months=[m.isoformat() for m in months], rows=written,
                          seconds=round(time.perf_counter() - started, 3), started_at=now)  # fmt: skip
    return written


def months_due(now: dt.datetime) -> list[dt.date]:
    """The daily run recomputes the current month; in the first five days of a month it also closes the
    month before (late follow-ups, corrected orders and month-end imports land then)."""
    today = timezone.localtime(now).date()
    months = [month_start(today)]
    if today.day <= 5:
        months.insert(0, month_start(today - dt.timedelta(days=today.day)))
    return months


def job_kpis(now: dt.datetime) -> str:
    months = months_due(now)
    rows = kpivalues_compute(months=months, now=now)
    return f"{rows} KPI value(s) for {', '.join(m.strftime('%Y-%m') for m in months)}"
