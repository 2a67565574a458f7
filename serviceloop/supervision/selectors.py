"""Reads of supervision; each starts from the model's ``visible_to(user)``.

``finding_counts`` is the contract the scorecards (app ``evaluation``) read: inspection findings counted per
person, station and month, by severity.
"""

import datetime as dt

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from serviceloop.core.params import id_param

from .models import (
    RECT_OPEN,
    RISK_LIVE,
    Finding,
    InspectionItem,
    InspectionPlan,
    InspectionRecord,
    Rectification,
    Risk,
    RiskLevel,
    RiskStatus,
    Severity,
)
from .scope import is_inspector, unit_q


def plan_list(*, user):
    return (
        InspectionPlan.objects.visible_to(user)
        .select_related("branch", "assignee", "created_by")
        .annotate(n_items=Count("items", filter=Q(items__in=InspectionItem.objects.visible_to(user))))
        .order_by("-first_month", "-id")
    )


def plan_get(*, user, pk) -> InspectionPlan:
    return get_object_or_404(
        InspectionPlan.objects.visible_to(user).select_related("branch", "assignee"), pk=pk
    )


def plan_items(*, user, plan, month: dt.date | None = None):
    qs = (
        InspectionItem.objects.visible_to(user)
        .filter(plan=plan)
        .select_related("station", "customer", "person", "record")
        .order_by("-month", "station__name", "source", "id")
    )
    if month:
        qs = qs.filter(month=month)
    return qs


def work_list(*, user, params=None):
    """The drawn items the user has to check: those of plans assigned to them, or unassigned plans of their area."""
    if not is_inspector(user):
        return InspectionItem.objects.none()
    params = params or {}
    qs = (
        InspectionItem.objects.visible_to(user)
        .filter(plan__in=InspectionPlan.objects.visible_to(user))
        .filter(Q(plan__assignee=user) | Q(plan__assignee__isnull=True))
        .select_related("plan", "station", "customer", "person")
    )
    if params.get("done") == "1":
        qs = qs.filter(record__isnull=False).select_related("record")
    else:
        qs = qs.filter(record__isnull=True)
    if params.get("source"):
        qs = qs.filter(source=params["source"])
    return qs.order_by("month", "station__name", "source", "id")


def item_get(*, user, pk) -> InspectionItem:
    qs = InspectionItem.objects.visible_to(user).filter(plan__in=InspectionPlan.objects.visible_to(user))
    return get_object_or_404(qs.select_related("plan", "station", "customer", "person"), pk=pk)


def record_get(*, user, pk) -> InspectionRecord:
    item_qs = InspectionItem.objects.visible_to(user)
    return get_object_or_404(InspectionRecord.objects.filter(item__in=item_qs), pk=pk)


def rectification_list(*, user, params):
    qs = Rectification.objects.visible_to(user).select_related(
        "station", "owner", "record__inspector", "record__item"
    )
    if params.get("status") in {s for s, _l in Rectification._meta.get_field("status").choices}:
        qs = qs.filter(status=params["status"])
    if params.get("mine") == "1":
        qs = qs.filter(owner=user)
    if params.get("overdue") == "1":
        qs = qs.filter(status__in=RECT_OPEN, deadline__lt=timezone.localdate())
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(task__icontains=q) | Q(owner__full_name__icontains=q) | Q(station__name__icontains=q)
        )
    return qs.order_by("deadline", "id")


def rectification_get(*, user, pk) -> Rectification:
    return get_object_or_404(
        Rectification.objects.visible_to(user).select_related(
            "station__branch", "owner", "record__inspector", "record__item__customer", "record__item__plan"
        ),
        pk=pk,
    )


def risk_list(*, user, params):
    qs = Risk.objects.visible_to(user).select_related("branch", "station", "owner", "person")
    if params.get("level") in RiskLevel.values:
        qs = qs.filter(level=params["level"])
    status = params.get("status")
    if status in RiskStatus.values:
        qs = qs.filter(status=status)
    elif status == "live":
        qs = qs.filter(status__in=RISK_LIVE)
    for key, field in (("branch", "branch_id"), ("station", "station_id"), ("owner", "owner_id")):
        value = id_param(params.get(key))
        if value is not None:
            qs = qs.filter(**{field: value})
    if params.get("overdue") == "1":
        qs = qs.filter(status__in=RISK_LIVE[:2], deadline__lt=timezone.localdate())
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(reference__startswith=q.upper()) | Q(measures__icontains=q)
                       | Q(description__icontains=q))  # fmt: skip
    return qs.order_by("-raised_at", "-id")


def risk_get(*, user, pk) -> Risk:
    try:
        return (
            Risk.objects.visible_to(user)
            .select_related("branch", "station", "owner", "person", "raised_by")
            .get(pk=pk)
        )
    except (Risk.DoesNotExist, ValueError):
        raise Http404 from None


# --- for the scorecards --------------------------------------------------------------------------------------
GROUPS = {"person": "item__person_id", "station": "item__station_id", "month": "item__month"}


def finding_counts(
    *, first_month: dt.date, last_month: dt.date, by=("person", "station", "month"), user=None
):
    """Inspection findings counted per group, by severity — what the scorecards read.

    Rows are dicts with the group keys (``person_id``, ``station_id``, ``month`` — whichever of ``by``) and
    ``inspected`` (items checked), ``ok``, ``problems``, ``minor``, ``major``, ``serious``. Items are counted in the
    month they were drawn for (the month of the record inspected), from ``first_month`` to ``last_month``
    inclusive (first days of months). ``user``: limit to what that user may see; None: everything (jobs).
    ``person_id`` is the person whose work the record shows (None when nobody could be named, e.g. a delivery).
    """
    items = InspectionItem.objects.all() if user is None else InspectionItem.objects.visible_to(user)
    fields = [GROUPS[g] for g in by]
    rows = (
        InspectionRecord.objects.filter(
            item__in=items, item__month__gte=first_month, item__month__lte=last_month
        )
        .values(*fields)
        .annotate(
            inspected=Count("id"),
            ok=Count("id", filter=Q(finding=Finding.OK)),
            problems=Count("id", filter=Q(finding=Finding.PROBLEM)),
            minor=Count("id", filter=Q(severity=Severity.MINOR)),
            major=Count("id", filter=Q(severity=Severity.MAJOR)),
            serious=Count("id", filter=Q(severity=Severity.SERIOUS)),
        )
        .order_by(*fields)
    )
    rename = {v: (k if k == "month" else f"{k}_id") for k, v in GROUPS.items()}
    return [{rename.get(k, k): v for k, v in row.items()} for row in rows]


def open_work_counts(*, user) -> dict:
    """For the home page: items to inspect, my rectifications to do, rectifications to verify, live risks I own."""
    today = timezone.localdate()
    rects = Rectification.objects.visible_to(user)
    return {
        "to_inspect": work_list(user=user).count() if is_inspector(user) else 0,
        "to_rectify": rects.filter(owner=user, status__in=RECT_OPEN).count(),
        "to_verify": rects.filter(record__inspector=user, status="rectified").count(),
        "overdue": rects.filter(status__in=RECT_OPEN, deadline__lt=today).count(),
        "risks": Risk.objects.visible_to(user).filter(owner=user, status__in=RISK_LIVE).count(),
    }


def unit_filter_choices(user):
    """Branches and stations the user's risk filters offer."""
    from serviceloop.org.models import Branch, Station

    return (
        Branch.objects.filter(unit_q(user, branch="pk", station="stations")).distinct().order_by("name"),
        Station.objects.filter(unit_q(user, branch="branch_id", station="pk")).select_related("branch")
        .order_by("branch__name", "name"),
    )  # fmt: skip
