"""Writes of supervision: plans and draws, inspection records, rectifications, the risk register. Views, the job
and tests all call these; each write appends its event row and an audit row."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.integrations.events import inspection_event, risk_event
from serviceloop.org.models import Role, Station, User

from . import sampling
from .models import (
    RECT_OPEN,
    RECT_TRANSITIONS,
    RISK_OPEN,
    RISK_TRANSITIONS,
    Finding,
    InspectionItem,
    InspectionPlan,
    InspectionRecord,
    PlanKind,
    RectAction,
    Rectification,
    RectificationEvent,
    RectStatus,
    Risk,
    RiskAction,
    RiskCause,
    RiskEvent,
    RiskLevel,
    RiskStatus,
    Severity,
    Source,
)
from .scope import in_unit, is_inspector, levels_for, may_plan, may_review_risk, may_work_risk

TEXT_MAX = 2000


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


# --- plans and draws -----------------------------------------------------------------------------------------
def _check_plan_unit(actor, branch):
    if actor is None or actor.is_superuser or actor.unit_level == "company":
        return
    if branch is None or branch.pk != actor.branch_id:
        raise ValidationError(_("You can plan inspections of your own branch only."))


@transaction.atomic
def plan_create(*, data: dict, actor, now) -> InspectionPlan:
    """Creates a plan. ``data``: name, kind, sources, per_station, branch, first_month, last_month, assignee, notes."""
    if actor is not None and not may_plan(actor):
        raise PermissionDenied
    sources = [s for s in data.get("sources") or [] if s in Source.values]
    if not sources:
        raise ValidationError(_("Choose at least one kind of record to sample."))
    branch = data.get("branch")
    _check_plan_unit(actor, branch)
    first = first_of_month(data["first_month"])
    last = data.get("last_month")
    if data["kind"] == PlanKind.RANDOM:
        last = first
    elif last is not None:
        last = first_of_month(last)
        if last < first:
            raise ValidationError(_("The last month comes before the first."))
    assignee = data.get("assignee")
    if assignee is not None and not is_inspector(assignee):
        raise ValidationError(_("Only inspectors and supervisors can be given inspection work."))
    plan = InspectionPlan.objects.create(
        name=data["name"], kind=data["kind"], sources=sources, per_station=data["per_station"], branch=branch,
        first_month=first, last_month=last, assignee=assignee, notes=data.get("notes", ""), created_by=actor,
        created_at=now,
    )  # fmt: skip
    audit_record(actor=actor, action="supervision.plan_create", obj=plan, summary=plan.name, now=now,
                 data={"sources": sources, "per_station": plan.per_station, "first": str(first), "last": str(last)})  # fmt: skip
    return plan


def plan_stations(plan: InspectionPlan):
    qs = Station.objects.all()
    if plan.branch_id:
        qs = qs.filter(branch_id=plan.branch_id)
    return qs.order_by("pk")


@transaction.atomic
def plan_draw(*, plan: InspectionPlan, month: dt.date, actor, now) -> int:
    """Draws the plan's sample for ``month`` at every station of its area. Idempotent: a station and record kind
    already drawn for that month keeps its items (returns the number of items added)."""
    if actor is not None and not may_plan(actor):
        raise PermissionDenied
    month = first_of_month(month)
    if not plan.covers(month):
        raise ValidationError(_("This plan does not cover %(month)s.") % {"month": f"{month:%Y-%m}"})
    if month > first_of_month(timezone.localdate(now)):
        raise ValidationError(_("A month can be drawn once it has begun."))
    drawn = set(
        InspectionItem.objects.filter(plan=plan, month=month).values_list("station_id", "source").distinct()
    )
    added = 0
    for station in plan_stations(plan):
        for source in plan.sources:
            if (station.pk, source) in drawn:
                continue
            ids = sampling.sample_ids(
                sampling.candidate_ids(source, station.pk, month),
                plan.per_station,
                sampling.seed_for(plan.pk, station.pk, month, source),
            )
            items = [InspectionItem(plan=plan, month=month, station=station, source=source, object_id=c.object_id,
                                    customer_id=c.customer_id, person_id=c.person_id, summary=c.summary[:300],
                                    drawn_at=now)
                     for c in sampling.describe(source, ids)]  # fmt: skip
            InspectionItem.objects.bulk_create(items)
            added += len(items)
    audit_record(actor=actor, action="supervision.plan_draw", obj=plan, summary=f"{plan.name} {month:%Y-%m}",
                 data={"month": f"{month:%Y-%m}", "added": added}, now=now)  # fmt: skip
    return added


def job_draw_scheduled(now) -> int:
    """The job's part: every scheduled plan covering the current month is drawn for it (once)."""
    month = first_of_month(timezone.localdate(now))
    added = 0
    for plan in InspectionPlan.objects.filter(kind=PlanKind.SCHEDULED, first_month__lte=month):
        if plan.covers(month):
            added += plan_draw(plan=plan, month=month, actor=None, now=now)
    return added


# --- inspection records and rectifications -------------------------------------------------------------------
def may_inspect(user, item: InspectionItem) -> bool:
    if not is_inspector(user):
        return False
    if not InspectionItem.objects.visible_to(user).filter(pk=item.pk).exists():
        return False
    assignee = item.plan.assignee_id
    return assignee is None or assignee == user.pk or user.is_superuser


def default_station_head(item: InspectionItem) -> User | None:
    return (
        User.objects.filter(role=Role.STATION_HEAD, station_id=item.station_id, is_active=True)
        .order_by("pk")
        .first()
    )


def default_owner(item: InspectionItem) -> User | None:
    """The person inspected when they still work, else the station head."""
    if item.person_id and item.person.is_active:
        return item.person
    return default_station_head(item)


@transaction.atomic
def record_create(*, item: InspectionItem, data: dict, actor, now, photo=None) -> InspectionRecord:
    """Records the finding of an item; a problem opens a rectification for ``data["owner"]`` by ``data["deadline"]``.

    ``data``: method, finding, severity, notes; for a problem also task, owner (default: the person inspected or the
    station head) and deadline."""
    if actor is not None and not may_inspect(actor, item):
        raise PermissionDenied
    item = InspectionItem.objects.select_for_update().get(pk=item.pk)
    if InspectionRecord.objects.filter(item=item).exists():
        raise ValidationError(_("This item has already been inspected."), code="duplicate")
    finding, severity = data["finding"], data.get("severity") or Severity.NONE
    if finding == Finding.OK:
        severity = Severity.NONE
    elif severity == Severity.NONE:
        raise ValidationError(_("Give the severity of the problem."))
    record = InspectionRecord(item=item, inspector=actor, method=data["method"], finding=finding,
                              severity=severity, notes=data.get("notes", "")[:TEXT_MAX], checked_at=now)  # fmt: skip
    if photo:
        record.photo = photo
    record.save()
    rect = None
    if finding == Finding.PROBLEM:
        owner = data.get("owner") or default_owner(item)
        if owner is None:
            raise ValidationError(_("Nobody can be made responsible for the rectification: choose an owner."))
        deadline = data.get("deadline")
        if deadline is None or deadline < timezone.localdate(now):
            raise ValidationError(_("The rectification deadline must be today or later."))
        task = (data.get("task") or "").strip() or record.notes or str(item)
        rect = Rectification.objects.create(record=record, station_id=item.station_id, owner=owner,
                                            task=task[:1000], deadline=deadline, created_at=now, updated_at=now)  # fmt: skip
        RectificationEvent.objects.create(rectification=rect, action=RectAction.CREATE, to_status=RectStatus.OPEN,
                                          actor=actor, at=now, note=task[:1000])  # fmt: skip
        if severity == Severity.SERIOUS:  # a serious finding also goes on the station's risk register
            risk_raise(
                data={"level": RiskLevel.STATION, "station": item.station, "owner": default_station_head(item),
                      "title": _("Serious inspection finding: %(item)s") % {"item": str(item)},
                      "description": record.notes, "deadline": deadline},
                actor=None, now=now, cause=RiskCause.INSPECTION, cause_key=f"inspection:record:{record.pk}",
                period=item.month, person=item.person,
            )  # fmt: skip
    inspection_event(record, rectification=rect, now=now)
    audit_record(actor=actor, action="supervision.record_create", obj=record, summary=str(item), now=now,
                 data={"finding": finding, "severity": severity})  # fmt: skip
    return record


def may_rectify(user, rect: Rectification) -> bool:
    if not (user and user.is_authenticated):
        return False
    if user.is_superuser or rect.owner_id == user.pk:
        return True
    return user.role == Role.STATION_HEAD and user.station_id == rect.station_id


def may_verify(user, rect: Rectification) -> bool:
    """The inspector who found the problem; a supervisor or inspector over the station when that one has left.
    Never the owner."""
    if not (user and user.is_authenticated) or (rect.owner_id == user.pk and not user.is_superuser):
        return False
    if user.is_superuser or rect.record.inspector_id == user.pk:
        return True
    if not is_inspector(user) or rect.record.inspector.is_active:
        return False
    return in_unit(user, branch_id=rect.station.branch_id, station_id=rect.station_id)


RECT_PERMISSION = {
    RectAction.RECTIFY: may_rectify,
    RectAction.VERIFY: may_verify,
    RectAction.SEND_BACK: may_verify,
}


@transaction.atomic
def rectification_transition(
    *, rect: Rectification, action: str, actor, now, note: str = ""
) -> Rectification:
    rect = (
        Rectification.objects.select_for_update()
        .select_related("record__inspector", "station")
        .get(pk=rect.pk)
    )
    check = RECT_PERMISSION.get(action)
    if check is None:
        raise ValidationError(_("Unknown step."))
    if actor is not None and not check(actor, rect):
        raise PermissionDenied
    to = RECT_TRANSITIONS.get((action, rect.status))
    if to is None:
        raise ValidationError(_("This step is not possible now."), code="state")
    note = (note or "").strip()
    if action in (RectAction.RECTIFY, RectAction.SEND_BACK) and not note:
        raise ValidationError(_("Say what was done (or why it is sent back)."))
    before = rect.status
    rect.status, rect.updated_at = to, now
    rect.save(update_fields=["status", "updated_at"])
    RectificationEvent.objects.create(rectification=rect, action=action, from_status=before, to_status=to,
                                      actor=actor, at=now, note=note[:1000])  # fmt: skip
    audit_record(actor=actor, action=f"supervision.rectification_{action}", obj=rect, summary=note[:200], now=now,
                 data={"from": before, "to": to})  # fmt: skip
    return rect


def job_mark_overdue(now) -> tuple[int, int]:
    """Marks open rectifications and risks past their deadline (once each; the event says when)."""
    today = timezone.localdate(now)
    rects = risks = 0
    for rect in Rectification.objects.filter(
        status__in=RECT_OPEN, deadline__lt=today, overdue_at__isnull=True
    ):
        with transaction.atomic():
            if Rectification.objects.filter(pk=rect.pk, overdue_at__isnull=True).update(overdue_at=now):
                RectificationEvent.objects.create(rectification=rect, action=RectAction.OVERDUE,
                                                  from_status=rect.status, to_status=rect.status, at=now)  # fmt: skip
                rects += 1
    for risk in Risk.objects.filter(status__in=RISK_OPEN, deadline__lt=today, overdue_at__isnull=True):
        with transaction.atomic():
            if Risk.objects.filter(pk=risk.pk, overdue_at__isnull=True).update(overdue_at=now):
                RiskEvent.objects.create(risk=risk, action=RiskAction.OVERDUE, from_status=risk.status,
                                         to_status=risk.status, at=now)  # fmt: skip
                risks += 1
    return rects, risks


# --- risk register -------------------------------------------------------------------------------------------
def _next_reference(now) -> str:
    prefix = f"FX{timezone.localtime(now):%Y%m}"
    last = (
        Risk.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
    )
    n = int(last[0][len(prefix) :]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def _unit_for(level: str, branch, station):
    if level == RiskLevel.CITY:
        return None, None
    if level == RiskLevel.BRANCH:
        if branch is None:
            raise ValidationError(_("A county-level risk needs its branch."))
        return branch, None
    if station is None:
        raise ValidationError(_("A station-level risk needs its station."))
    return station.branch, station


@transaction.atomic
def risk_raise(*, data: dict, actor, now, cause: str = RiskCause.MANUAL, cause_key: str = "",
               period: dt.date | None = None, person=None) -> Risk:  # fmt: skip
    """Adds a risk to the register. ``data``: level, branch, station, title, description, owner, measures, deadline.
    Rules pass ``cause_key``; a live risk with the same key is returned unchanged instead of a second one."""
    level = data["level"]
    branch, station = _unit_for(level, data.get("branch"), data.get("station"))
    if actor is not None:
        if level not in levels_for(actor):
            raise PermissionDenied
        station_id = station.pk if station else None
        if level != RiskLevel.CITY and not in_unit(actor, branch_id=branch.pk, station_id=station_id):
            raise ValidationError(_("You can raise risks of your own unit only."))
    if cause_key:
        live = Risk.objects.filter(cause_key=cause_key).exclude(status=RiskStatus.CLOSED).first()
        if live is not None:
            return live
    deadline = data.get("deadline")
    if deadline is not None and deadline < timezone.localdate(now):
        raise ValidationError(_("The deadline must be today or later."))
    try:
        with transaction.atomic():
            risk = Risk.objects.create(
                reference=_next_reference(now), level=level, branch=branch, station=station,
                title=data["title"][:200], description=(data.get("description") or "")[:TEXT_MAX], cause=cause,
                cause_key=cause_key, period=period, person=person, owner=data.get("owner"),
                measures=(data.get("measures") or "")[:TEXT_MAX], deadline=deadline, raised_by=actor, raised_at=now,
                updated_at=now,
            )  # fmt: skip
    except IntegrityError:
        if cause_key:  # another runner raised it at the same moment
            return Risk.objects.get(
                cause_key=cause_key, status__in=[s for s in RiskStatus.values if s != "closed"]
            )
        raise
    RiskEvent.objects.create(risk=risk, action=RiskAction.RAISE, to_status=risk.status, actor=actor, at=now,
                             note=risk.description[:TEXT_MAX])  # fmt: skip
    risk_event(risk, "raised", now=now)
    audit_record(actor=actor, action="supervision.risk_raise", obj=risk, summary=risk.title, now=now,
                 data={"level": level, "cause": cause, "key": cause_key})  # fmt: skip
    return risk


EDITABLE = ("owner", "measures", "deadline", "description")


@transaction.atomic
def risk_update(*, risk: Risk, data: dict, actor, now) -> Risk:
    """Changes the owner, measures, deadline or description of a live risk; the event keeps what changed."""
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    if actor is not None and not may_work_risk(actor, risk):
        raise PermissionDenied
    if risk.status == RiskStatus.CLOSED:
        raise ValidationError(_("A closed risk cannot be changed."), code="state")
    changed = {}
    for field in EDITABLE:
        if field in data and data[field] != getattr(risk, field):
            old = getattr(risk, field)
            changed[field] = [
                str(old) if old is not None else "",
                str(data[field]) if data[field] is not None else "",
            ]
            setattr(risk, field, data[field])
    if "deadline" in changed and risk.deadline is not None and risk.deadline < timezone.localdate(now):
        raise ValidationError(_("The deadline must be today or later."))
    if not changed:
        return risk
    if "deadline" in changed:
        risk.overdue_at = None  # a new deadline starts a new clock
    risk.updated_at = now
    risk.save(update_fields=[*changed, "overdue_at", "updated_at"])
    RiskEvent.objects.create(risk=risk, action=RiskAction.EDIT, from_status=risk.status, to_status=risk.status,
                             actor=actor, at=now, note="; ".join(f"{k}: {a} → {b}" for k, (a, b) in changed.items())[:TEXT_MAX])  # fmt: skip
    audit_record(
        actor=actor, action="supervision.risk_update", obj=risk, summary=risk.title, now=now, data=changed
    )
    return risk


RISK_PERMISSION = {RiskAction.START: may_work_risk, RiskAction.SUBMIT: may_work_risk,
                   RiskAction.CLOSE: may_review_risk, RiskAction.REOPEN: may_review_risk}  # fmt: skip


@transaction.atomic
def risk_transition(*, risk: Risk, action: str, actor, now, note: str = "") -> Risk:
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    check = RISK_PERMISSION.get(action)
    if check is None:
        raise ValidationError(_("Unknown step."))
    if actor is not None and not check(actor, risk):
        raise PermissionDenied
    to = RISK_TRANSITIONS.get((action, risk.status))
    if to is None:
        raise ValidationError(_("This step is not possible now."), code="state")
    note = (note or "").strip()[:TEXT_MAX]
    if action in (RiskAction.SUBMIT, RiskAction.CLOSE, RiskAction.REOPEN) and not note:
        raise ValidationError(_("Write what was done (or the review)."))
    fields = ["status", "updated_at"]
    if action in (RiskAction.CLOSE, RiskAction.REOPEN):
        risk.review = note
        fields.append("review")
    before = risk.status
    risk.status, risk.updated_at = to, now
    risk.save(update_fields=fields)
    RiskEvent.objects.create(risk=risk, action=action, from_status=before, to_status=to, actor=actor, at=now,
                             note=note)  # fmt: skip
    if to == RiskStatus.CLOSED:
        risk_event(risk, "closed", now=now)
    audit_record(actor=actor, action=f"supervision.risk_{action}", obj=risk, summary=note[:200], now=now,
                 data={"from": before, "to": to})  # fmt: skip
    return risk


# --- risk-rule thresholds -------------------------------------------------------------------------------------
RULE_FIELDS = ("satisfaction_falls", "short_visits_min", "route_complaints_min", "days_to_act")


@transaction.atomic
def riskrules_update(*, values: dict, reason: str, seen_updated_at, actor, now):
    """Change the thresholds of the risk rules (city administrators). The values before and after go to a
    ``RiskRuleChange`` row (the page's history) and to the audit trail. ``seen_updated_at`` is the version the
    editor loaded: a change made meanwhile is not overwritten."""
    from serviceloop.org.scope import can_manage_org

    from .models import RiskRuleChange, RiskRuleSettings

    if not can_manage_org(actor):
        raise PermissionDenied
    RiskRuleSettings.current()
    row = RiskRuleSettings.objects.select_for_update().get(pk=1)
    if row.updated_at != seen_updated_at:
        raise ValidationError(_("Someone changed these thresholds while you were editing. Reload the page and "
                                "make your change again."))  # fmt: skip
    before = {f: getattr(row, f) for f in RULE_FIELDS}
    after = {f: values.get(f, before[f]) for f in RULE_FIELDS}
    if after == before:
        raise ValidationError(_("Nothing was changed."))
    for f, v in after.items():
        setattr(row, f, v)
    row.updated_at = now
    row.full_clean()
    row.save()
    change = RiskRuleChange.objects.create(before=before, after=after, reason=reason, by=actor, at=now)
    changed = {f: [before[f], after[f]] for f in RULE_FIELDS if before[f] != after[f]}
    audit_record(actor=actor, action="supervision.riskrules", obj=change, now=now,
                 summary=_("Risk rule thresholds changed: %(fields)s") % {"fields": ", ".join(changed)},
                 data={"changed": changed, "reason": reason})  # fmt: skip
    return row
