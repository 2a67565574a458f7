"""Scorecards: computed from the KPI values (kpis.KpiValue) with the weights and targets in force.

Per KPI line: achievement = value ÷ target (higher is better) or target ÷ value (lower is better),
capped to 0…1.2; points = weight × achievement. The score is Σ points ÷ Σ weights of the lines that have
a value × 100, so a KPI with no events that period (no complaints filed, no survey) neither helps nor
hurts. Adjustments by supervisors are added on top and kept with their reasons."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from serviceloop.core.audit import audit_record
from serviceloop.kpis.compute import month_start
from serviceloop.kpis.models import Kpi
from serviceloop.kpis.selectors import Period, current_targets, kpi_scope, sums
from serviceloop.org.models import Role, Station, User
from serviceloop.org.scope import can_manage_org

from .models import PeriodKind, Scorecard, ScorecardAdjustment, ScorecardWeight, Subject

CAP = 1.2
_PERSPECTIVES = ["customer", "sales", "process", "learning"]


def current_weights(subject: str) -> list[ScorecardWeight]:
    """The weight rows in force (newest per KPI, weight > 0)."""
    seen, out = set(), []
    for w in ScorecardWeight.objects.filter(subject=subject).select_related("kpi").order_by("-set_at", "-id"):
        if w.kpi_id in seen:
            continue
        seen.add(w.kpi_id)
        if w.weight > 0 and w.kpi.active:
            out.append(w)
    return sorted(out, key=lambda w: (_PERSPECTIVES.index(w.perspective), w.kpi.sort_order))


def achievement(kpi: Kpi, value: float | None, target: float | None) -> float | None:
    if value is None or target is None:
        return None
    num, den = (value, target) if kpi.higher_is_better else (target, value)
    ratio = num / den if den else CAP
    return round(max(0.0, min(CAP, ratio)), 4)


def subjects(subject: str) -> list[int]:
    if subject == Subject.STATION:
        return list(Station.objects.values_list("pk", flat=True))
    return list(User.objects.filter(role=Role.ACCOUNT_MANAGER, is_active=True).values_list("pk", flat=True))


@transaction.atomic
def scorecards_compute(*, subject: str, period: Period, now) -> int:
    """(Re)computes the scorecards of every account manager or station for a month or quarter; keeps the
    adjustments already made."""
    weights = current_weights(subject)
    targets = current_targets()
    values = sums(level=subject, unit_ids=None, months=period.months, kpi_ids=[w.kpi_id for w in weights])
    kind = PeriodKind.MONTH if period.kind == "month" else PeriodKind.QUARTER
    existing = {
        s.unit_id: s for s in Scorecard.objects.filter(subject=subject, period_kind=kind, period=period.start)
    }
    new, changed = [], []
    for unit_id in subjects(subject):
        lines, earned, weighed = [], 0.0, 0
        for w in weights:
            pair = values.get((w.kpi_id, unit_id))
            value = round(pair[0] / pair[1] * w.kpi.scale, 2) if pair and pair[1] else None
            t = targets.get((w.kpi_id, subject))
            target = float(t.target) if t else None
            ach = achievement(w.kpi, value, target)
            points = round(w.weight * ach, 2) if ach is not None else None
            if points is not None:
                earned += points
                weighed += w.weight
            lines.append({"kpi": w.kpi.code, "name": w.kpi.name, "unit": w.kpi.unit, "perspective": w.perspective,
                          "weight": w.weight, "value": value, "target": target, "achievement": ach,
                          "points": points})  # fmt: skip
        score = Decimal(str(round(earned / weighed * 100, 2))) if weighed else None
        card = existing.get(unit_id)
        if card is None:
            new.append(Scorecard(subject=subject, unit_id=unit_id, period_kind=kind, period=period.start,
                                 score=score, lines=lines, computed_at=now))  # fmt: skip
        else:
            card.score, card.lines, card.computed_at = score, lines, now
            changed.append(card)
    Scorecard.objects.bulk_create(new, batch_size=1000)
    Scorecard.objects.bulk_update(changed, ["score", "lines", "computed_at"], batch_size=1000)
    return len(new) + len(changed)


def job_scorecards(now) -> str:
    """Monthly process control for the current and the previous month, and the quarters they fall in."""
    today = timezone.localtime(now).date()
    this = month_start(today)
    prev = month_start(this - dt.timedelta(days=1))
    periods = {Period("month", this), Period("month", prev)}
    for m in (this, prev):
        periods.add(Period("quarter", m.replace(month=3 * ((m.month - 1) // 3) + 1)))
    n = 0
    for period in sorted(periods, key=lambda p: (p.kind, p.start)):
        for subject in Subject.values:
            n += scorecards_compute(subject=subject, period=period, now=now)
    from .recognition import job_recognition

    return f"{n} scorecard(s); {job_recognition(now)}"


def may_adjust(user, card: Scorecard) -> bool:
    """City administrators; supervisors and branch managers within their scope; a station head for the
    account managers of the station. Nobody adjusts their own card."""
    if not user.is_authenticated or (card.subject == Subject.MANAGER and card.unit_id == user.pk):
        return False
    if user.is_superuser or can_manage_org(user):
        return True
    if user.role not in (Role.SUPERVISOR, Role.BRANCH_MANAGER, Role.STATION_HEAD):
        return False
    if user.role == Role.STATION_HEAD and card.subject == Subject.STATION:
        return False  # a station head does not adjust their own station's card
    return kpi_scope(user).allows(card.subject, card.unit_id)


@transaction.atomic
def scorecard_adjust(*, card: Scorecard, points: Decimal, reason: str, actor, now) -> ScorecardAdjustment:
    if not may_adjust(actor, card):
        raise PermissionDenied
    same = card.adjustments.filter(
        points=points, reason=reason, by=actor, at__gte=now - dt.timedelta(minutes=1)
    ).first()
    if same is not None:
        return same  # a double submission
    row = ScorecardAdjustment.objects.create(scorecard=card, points=points, reason=reason, by=actor, at=now)
    audit_record(actor=actor, action="evaluation.adjust", obj=card, now=now,
                 summary=f"{points:+} {reason}"[:300], data={"points": str(points), "reason": reason})  # fmt: skip
    return row


@transaction.atomic
def scorecardweight_set(*, subject: str, kpi: Kpi, perspective: str, weight: int, reason: str, actor, now):
    if not can_manage_org(actor):
        raise PermissionDenied
    row = ScorecardWeight.objects.create(subject=subject, kpi=kpi, perspective=perspective, weight=weight,
                                         reason=reason, set_by=actor, set_at=now)  # fmt: skip
    audit_record(actor=actor, action="evaluation.weight", obj=row, now=now,
                 summary=f"{row.get_subject_display()} {kpi.name}: {weight}",
                 data={"subject": subject, "kpi": kpi.code, "perspective": perspective, "weight": weight,
                       "reason": reason})  # fmt: skip
    return row
