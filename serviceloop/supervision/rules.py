"""Risk rules run by the job: each looks at one finished month and raises a station-level risk per cause found.

Idempotent: each risk carries a cause key "<rule>:<subject>:<month>", and ``risk_raise`` returns the live risk of a
key instead of raising it twice; a closed risk is not raised again for the same month either.
"""

import datetime as dt

from django.db.models import Avg, Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.org.models import Role, Station, User

from .models import Risk, RiskCause, RiskLevel, RiskRuleSettings
from .sampling import month_range
from .services import first_of_month, risk_raise


def previous_month(day: dt.date, n: int = 1) -> dt.date:
    month = first_of_month(day)
    for _i in range(n):
        month = first_of_month(month - dt.timedelta(days=1))
    return month


def _station_head(station_id):
    return (
        User.objects.filter(role=Role.STATION_HEAD, station_id=station_id, is_active=True)
        .order_by("pk")
        .first()
    )


def _raise(*, key, station, title, description, cause, month, now, settings, person=None) -> bool:
    if Risk.objects.filter(cause_key=key).exists():
        return False  # raised before (live or already closed) for this cause and month
    risk_raise(
        data={"level": RiskLevel.STATION, "station": station, "title": title, "description": description,
              "owner": _station_head(station.pk), "deadline": timezone.localdate(now) + dt.timedelta(days=settings.days_to_act)},
        actor=None, now=now, cause=cause, cause_key=key, period=month, person=person,
    )  # fmt: skip
    return True


def satisfaction_by_station(month: dt.date) -> dict[int, float]:
    """Average follow-up satisfaction (1–5, calls that reached the shop) per station in ``month``."""
    from serviceloop.servicedesk.models import FollowUp

    start, end = month_range(month)
    rows = (
        FollowUp.objects.filter(at__gte=start, at__lt=end, reached=True, satisfaction__isnull=False,
                                request__station__isnull=False)
        .values("request__station_id").annotate(avg=Avg("satisfaction"))
    )  # fmt: skip
    return {r["request__station_id"]: float(r["avg"]) for r in rows}


def rule_satisfaction_falling(month: dt.date, now, settings) -> int:
    """A station whose follow-up satisfaction fell ``satisfaction_falls`` months in a row up to ``month`` (two
    falls by default: three months, each lower than the one before)."""
    falls = settings.satisfaction_falls
    months = [previous_month(month, n) for n in range(falls, 0, -1)] + [month]
    series = [satisfaction_by_station(m) for m in months]
    common = set.intersection(*(set(s) for s in series))
    raised = 0
    for station in Station.objects.filter(pk__in=common):
        values = [s[station.pk] for s in series]
        if all(a > b for a, b in zip(values, values[1:], strict=False)):
            trail = " → ".join(f"{v:.2f} ({m:%Y-%m})" for v, m in zip(values, months, strict=True))
            raised += _raise(
                key=f"satisfaction_falling:station:{station.pk}:{month:%Y-%m}", station=station,
                title=_("%(station)s: follow-up satisfaction fell %(n)d months in a row") % {"station": station.name, "n": falls},
                description=_("Average follow-up satisfaction %(trail)s.") % {"trail": trail},
                cause=RiskCause.SATISFACTION_FALLING, month=month, now=now, settings=settings,
            )  # fmt: skip
    return raised


def rule_short_visits(month: dt.date, now, settings) -> int:
    """An account manager with at least ``short_visits_min`` visits shorter than their policy's minimum."""
    from serviceloop.visits.models import Visit, VisitOutcome, VisitStatus

    start, end = month_range(month)
    rows = (
        Visit.objects.filter(status=VisitStatus.DONE, outcome=VisitOutcome.VISITED, check_in_at__gte=start,
                             check_in_at__lt=end, minutes_spent__lt=F("policy__min_minutes"))
        .values("manager_id", "route__station_id").annotate(n=Count("id")).order_by("manager_id", "-n")
    )  # fmt: skip
    by_manager: dict[int, tuple[int, int]] = {}
    for r in rows:  # a manager's total, placed at the station where most short visits were
        total, station = by_manager.get(r["manager_id"], (0, r["route__station_id"]))
        by_manager[r["manager_id"]] = (total + r["n"], station)
    raised = 0
    managers = User.objects.in_bulk(
        [m for m, (n, _s) in by_manager.items() if n >= settings.short_visits_min]
    )
    stations = Station.objects.in_bulk([s for _n, s in by_manager.values()])
    for manager_id, manager in managers.items():
        n, station_id = by_manager[manager_id]
        station = stations[station_id]
        raised += _raise(
            key=f"short_visits:user:{manager_id}:{month:%Y-%m}", station=station, person=manager,
            title=_("%(name)s: %(n)d short visits in %(month)s") % {"name": manager, "n": n, "month": f"{month:%Y-%m}"},
            description=_("%(n)d visits were shorter than the visit policy's minimum (threshold %(min)d a month).")
            % {"n": n, "min": settings.short_visits_min},
            cause=RiskCause.SHORT_VISITS, month=month, now=now, settings=settings,
        )  # fmt: skip
    return raised


def rule_route_complaints(month: dt.date, now, settings) -> int:
    """A route with at least ``route_complaints_min`` complaints filed in ``month``."""
    from serviceloop.org.models import Route
    from serviceloop.servicedesk.models import Kind, ServiceRequest

    start, end = month_range(month)
    counts = dict(
        ServiceRequest.objects.filter(kind=Kind.COMPLAINT, created_at__gte=start, created_at__lt=end,
                                      route__isnull=False)
        .values("route_id").annotate(n=Count("id")).filter(n__gte=settings.route_complaints_min)
        .values_list("route_id", "n")
    )  # fmt: skip
    raised = 0
    for route in Route.objects.filter(pk__in=counts).select_related("station", "account_manager"):
        n = counts[route.pk]
        raised += _raise(
            key=f"route_complaints:route:{route.pk}:{month:%Y-%m}", station=route.station, person=route.account_manager,
            title=_("%(route)s: %(n)d complaints in %(month)s") % {"route": route.name, "n": n, "month": f"{month:%Y-%m}"},
            description=_("Complaints about the shops of one route reached %(n)d (threshold %(min)d a month).")
            % {"n": n, "min": settings.route_complaints_min},
            cause=RiskCause.ROUTE_COMPLAINTS, month=month, now=now, settings=settings,
        )  # fmt: skip
    return raised


RULES = [rule_satisfaction_falling, rule_short_visits, rule_route_complaints]


def run_rules(now, month: dt.date | None = None) -> int:
    """Runs every rule on ``month`` (default: the last finished month). Returns the number of risks raised."""
    month = first_of_month(month) if month else previous_month(timezone.localdate(now))
    settings = RiskRuleSettings.current()
    return sum(rule(month, now, settings) for rule in RULES)


def job_supervision(now) -> str:
    """The daily job: overdue marks, the scheduled plans' draw of the month, and the risk rules."""
    from .services import job_draw_scheduled, job_mark_overdue

    rects, risks = job_mark_overdue(now)
    drawn = job_draw_scheduled(now)
    raised = run_rules(now)
    return f"overdue {rects} rectification(s), {risks} risk(s); drew {drawn} item(s); raised {raised} risk(s)"
