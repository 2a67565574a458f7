"""What a role's home page opens with: its KPIs against target (from the pre-aggregated values) and what
needs its attention today. Counts only, each a few indexed queries, so the home page stays fast.

``ATTENTION_SOURCES`` is the hook for other apps: a function ``(user, now) -> list[dict]`` returning items
``{"label", "count", "url", "level"}`` (level "danger"/"warning"/"info"); ``_supervision`` brings the
supervision app's inspections, rectifications and risks."""

import datetime as dt

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors as s
from .models import Kpi, KpiValue


def kpi_summary(user) -> dict | None:
    """The newest computed month of the user's own unit: every KPI with a value, worst first."""
    unit = s.home_unit(user)
    if unit is None:
        return None
    level, unit_id = unit
    this_month = timezone.localdate().replace(day=1)
    latest = KpiValue.objects.filter(level=level, unit_id=unit_id, period__lte=this_month).aggregate(
        m=Max("period")
    )["m"]
    if latest is None:
        return {"level": level, "unit_id": unit_id, "unit_name": s.unit_name(level, unit_id), "rows": [],
                "period": None}  # fmt: skip
    targets = s.current_targets()
    kpis = {k.pk: k for k in Kpi.objects.filter(active=True)}
    rows = []
    for kpi_id, n, d in KpiValue.objects.filter(
        level=level, unit_id=unit_id, period=latest, part=""
    ).values_list("kpi_id", "numerator", "denominator"):
        kpi = kpis.get(kpi_id)
        if kpi is None or not d:
            continue
        value = round(n / d * kpi.scale, 2)
        target = targets.get((kpi_id, level))
        rows.append({"kpi": kpi, "value": value, "target": target, "status": s.status_of(kpi, value, target),
                     "gap": s.gap_of(kpi, value, target)})  # fmt: skip
    order = {"bad": 0, "warn": 1, "": 2, "good": 3}
    rows.sort(key=lambda r: (order[r["status"]], r["kpi"].sort_order))
    return {"level": level, "unit_id": unit_id, "unit_name": s.unit_name(level, unit_id), "rows": rows,
            "period": latest, "behind": sum(r["status"] in ("bad", "warn") for r in rows)}  # fmt: skip


def _overdue_requests(user, now):
    from serviceloop.servicedesk.models import ServiceRequest

    # ``next_due_at`` is the earliest running deadline of an open request, kept by every milestone change: one
    # range of a partial index that holds every scope column, instead of the open requests joined to their
    # milestones (that count grew 10× from 3,000 to 30,000 shops, issue 14).
    n = ServiceRequest.objects.visible_to(user).filter(next_due_at__lte=now).count()
    return [
        {"label": _("Overdue requests"), "count": n, "url": reverse("servicedesk:board"), "level": "danger"}
    ]


def _mine(user, now):
    from serviceloop.servicedesk.models import OPEN, ServiceRequest

    n = ServiceRequest.objects.filter(owner=user, status__in=OPEN).count()
    return [{"label": _("Requests I own"), "count": n, "url": reverse("servicedesk:tasks"), "level": "info"}]


def _tags_to_verify(user, now):
    from serviceloop.org.models import Role
    from serviceloop.tags.models import CustomerTag, TagStatus

    if not (user.is_superuser or user.role in (Role.STATION_HEAD, Role.SUPERVISOR)):
        return []
    n = CustomerTag.objects.visible_to(user).filter(status=TagStatus.REMOVED).exclude(removed_by=user).count()
    return [{"label": _("Tags to verify"), "count": n, "url": reverse("tags:list") + "?to_verify=1",
             "level": "warning"}]  # fmt: skip


def _overdue_tags(user, now):
    from serviceloop.tags.models import OPEN_STATUSES, CustomerTag

    n = CustomerTag.objects.visible_to(user).filter(status__in=OPEN_STATUSES, due_at__lt=now).count()
    return [
        {
            "label": _("Tags past their time limit"),
            "count": n,
            "url": reverse("tags:list"),
            "level": "warning",
        }
    ]


def _visits_due(user, now):
    from serviceloop.visits.models import Visit, VisitStatus

    today = timezone.localtime(now).date()
    qs = Visit.objects.planned_in(user).filter(status=VisitStatus.PLANNED)
    return [
        {"label": _("Visits planned today"), "count": qs.filter(planned_on=today).count(),
         "url": reverse("visits:today"), "level": "info"},
        {"label": _("Planned visits not made (last 7 days)"),
         "count": qs.filter(planned_on__lt=today, planned_on__gte=today - dt.timedelta(days=7)).count(),
         "url": reverse("visits:today"), "level": "warning"},
    ]  # fmt: skip


def _supervision(user, now):
    """Inspections, rectifications and risks waiting for this user (shown only when there are some)."""
    from serviceloop.supervision.selectors import open_work_counts

    counts = open_work_counts(user=user)
    items = [
        (_("Records to inspect"), counts["to_inspect"], "supervision:work", "info"),
        (_("Rectifications to do"), counts["to_rectify"], "supervision:rectifications", "warning"),
        (_("Rectifications to verify"), counts["to_verify"], "supervision:rectifications", "info"),
        (_("Overdue rectifications"), counts["overdue"], "supervision:rectifications", "danger"),
        (_("Open risks I own"), counts["risks"], "supervision:risks", "danger"),
    ]
    return [
        {"label": label, "count": n, "url": reverse(name), "level": level}
        for label, n, name, level in items
        if n
    ]


ATTENTION_SOURCES = [_overdue_requests, _mine, _tags_to_verify, _overdue_tags, _visits_due, _supervision]


def attention(user, now) -> list[dict]:
    items = []
    for source in ATTENTION_SOURCES:
        items.extend(source(user, now))
    return items
