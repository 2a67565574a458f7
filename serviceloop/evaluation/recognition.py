"""Writes of account-manager grades (客户经理等级) and service stars (服务之星 / 明星团队).

Both follow one pattern: a configurable rule (append-only rows, the newest in force) proposes from the scorecards;
a person decides, with a reason; every step leaves history rows and an audit row.

Grades: the monthly final scores (computed + adjustments) of a calendar year. Fewer than ``min_months`` scored
months → junior (not enough evidence for more); average ≥ ``senior_min`` and no month below ``senior_floor`` →
senior; average ≥ ``intermediate_min`` → intermediate; otherwise junior.

Stars: the final scores of one month or quarter; units at or above ``min_score`` (and, if the rule names a KPI,
meeting that KPI's target at their level), best first, at most ``top_n``."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.kpis.selectors import Period, current_targets, kpi_scope, status_of, sums
from serviceloop.org.models import Role, User
from serviceloop.org.scope import can_manage_org

from .models import (
    Grade,
    GradeProposal,
    GradeRule,
    ManagerGrade,
    PeriodKind,
    ProposalState,
    Scorecard,
    StarAward,
    StarRule,
    StarState,
    Subject,
)

# ---------------------------------------------------------------------------------------------- who decides


def may_decide(user, subject: str, unit_id: int, *, stars: bool = False) -> bool:
    """City administrators; branch managers for the people and stations of their branch; for stars also the
    supervision staff (督察考评). Nobody decides about themselves."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if subject == Subject.MANAGER and unit_id == user.pk:
        return False
    if user.is_superuser or can_manage_org(user):
        return True
    roles = {Role.BRANCH_MANAGER} | ({Role.SUPERVISOR} if stars else set())
    return user.role in roles and kpi_scope(user).allows(subject, unit_id)


def may_propose(user) -> bool:
    return bool(user and user.is_authenticated and can_manage_org(user))


# ------------------------------------------------------------------------------------------------- rules


def grade_rule_in_force() -> GradeRule:
    """The newest rule; before anybody set one, the defaults (unsaved)."""
    rule = GradeRule.objects.order_by("-set_at", "-id").first()
    return rule or GradeRule(reason=_("Default rule"))


def _saved(rule, now):
    """The default rule becomes a row the first time it proposes, so every proposal names the rule it used."""
    if rule.pk is None:
        rule.set_at = now
        rule.save()
    return rule


@transaction.atomic
def graderule_set(*, values: dict, reason: str, actor, now) -> GradeRule:
    if not can_manage_org(actor):
        raise PermissionDenied
    if values["intermediate_min"] > values["senior_min"]:
        raise ValidationError(_("The average for intermediate cannot be above the average for senior."))
    rule = GradeRule(**values, reason=reason, set_by=actor, set_at=now)
    rule.full_clean()
    rule.save()
    audit_record(actor=actor, action="evaluation.graderule", obj=rule, now=now, summary=str(rule),
                 data={k: str(v) for k, v in values.items()} | {"reason": reason})  # fmt: skip
    return rule


def star_rule_in_force(subject: str) -> StarRule:
    rule = StarRule.objects.filter(subject=subject).select_related("kpi").order_by("-set_at", "-id").first()
    return rule or StarRule(subject=subject, reason=_("Default rule"))


@transaction.atomic
def starrule_set(*, subject: str, values: dict, reason: str, actor, now) -> StarRule:
    if not can_manage_org(actor):
        raise PermissionDenied
    rule = StarRule(subject=subject, **values, reason=reason, set_by=actor, set_at=now)
    rule.full_clean()
    rule.save()
    audit_record(actor=actor, action="evaluation.starrule", obj=rule, now=now, summary=str(rule),
                 data={k: str(getattr(v, "code", v)) for k, v in values.items()} | {"subject": subject,
                                                                                      "reason": reason})  # fmt: skip
    return rule


# ------------------------------------------------------------------------------------------------ grades


def propose_grade(rule: GradeRule, finals: list[Decimal]) -> str:
    if len(finals) < rule.min_months:
        return Grade.JUNIOR
    average = sum(finals) / len(finals)
    if average >= rule.senior_min and min(finals) >= rule.senior_floor:
        return Grade.SENIOR
    if average >= rule.intermediate_min:
        return Grade.INTERMEDIATE
    return Grade.JUNIOR


def yearly_finals(year: int, manager_ids=None) -> dict[int, list[Decimal]]:
    """{manager id: the monthly final scores (computed + adjustments) of ``year``}; one query."""
    months = [dt.date(year, m, 1) for m in range(1, 13)]
    qs = Scorecard.objects.filter(subject=Subject.MANAGER, period_kind=PeriodKind.MONTH, period__in=months,
                                  score__isnull=False)  # fmt: skip
    if manager_ids is not None:
        qs = qs.filter(unit_id__in=list(manager_ids))
    out = defaultdict(list)
    for unit_id, score, adjusted in qs.annotate(adj=Sum("adjustments__points")).values_list(
        "unit_id", "score", "adj"
    ):
        out[unit_id].append(score + (adjusted or Decimal(0)))
    return out


@transaction.atomic
def grades_propose(*, year: int, actor, now) -> int:
    """Proposes a grade for every active account manager from the year's scorecards. Re-running updates the
    proposals still waiting; decided ones stay as they are. ``actor`` None: the job."""
    if actor is not None and not may_propose(actor):
        raise PermissionDenied
    rule = _saved(grade_rule_in_force(), now)
    finals = yearly_finals(year)
    existing = {p.manager_id: p for p in GradeProposal.objects.filter(year=year)}
    new, changed = [], []
    two = Decimal("0.01")
    for manager_id in User.objects.filter(role=Role.ACCOUNT_MANAGER, is_active=True).values_list(
        "pk", flat=True
    ):
        scores = finals.get(manager_id, [])
        fields = {
            "grade": propose_grade(rule, scores), "months": len(scores), "rule": rule,
            "average": (sum(scores) / len(scores)).quantize(two) if scores else None,
            "lowest": min(scores) if scores else None,
        }  # fmt: skip
        proposal = existing.get(manager_id)
        if proposal is None:
            new.append(GradeProposal(manager_id=manager_id, year=year, proposed_at=now, **fields))
        elif proposal.state == ProposalState.PROPOSED:
            for k, v in fields.items():
                setattr(proposal, k, v)
            proposal.proposed_at = now
            changed.append(proposal)
    GradeProposal.objects.bulk_create(new, batch_size=500)
    GradeProposal.objects.bulk_update(changed, ["grade", "months", "rule", "average", "lowest", "proposed_at"],
                                      batch_size=500)  # fmt: skip
    audit_record(actor=actor, action="evaluation.grades.propose", obj=rule, now=now,
                 summary=_("Grades proposed for %(year)d: %(n)d") % {"year": year, "n": len(new) + len(changed)},
                 data={"year": year, "new": len(new), "updated": len(changed)})  # fmt: skip
    return len(new) + len(changed)


@transaction.atomic
def grade_decide(
    *, manager: User, grade: str, reason: str, actor, now, year: int | None = None
) -> ManagerGrade:
    """A person's decision on a manager's grade (the pending proposal of the year, if any, is closed by it)."""
    if manager.role != Role.ACCOUNT_MANAGER:
        raise ValidationError(_("Only account managers have a grade."))
    if not may_decide(actor, Subject.MANAGER, manager.pk):
        raise PermissionDenied
    if grade not in Grade.values:
        raise ValidationError(_("Unknown grade."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for the decision."))
    year = year or now.year
    same = ManagerGrade.objects.filter(manager=manager, grade=grade, reason=reason, decided_by=actor, year=year,
                                       decided_at__gte=now - dt.timedelta(minutes=1)).first()  # fmt: skip
    if same is not None:
        return same  # a double submission
    proposal = GradeProposal.objects.select_for_update().filter(manager=manager, year=year).first()
    row = ManagerGrade.objects.create(manager=manager, grade=grade, year=year, proposal=proposal, reason=reason,
                                      decided_by=actor, decided_at=now)  # fmt: skip
    if proposal is not None and proposal.state == ProposalState.PROPOSED:
        proposal.state = ProposalState.DECIDED
        proposal.save(update_fields=["state"])
    audit_record(actor=actor, action="evaluation.grade", obj=row, now=now,
                 summary=f"{manager}: {Grade(grade).label} ({year}) {reason}"[:300],
                 data={"manager": manager.pk, "grade": grade, "year": year, "reason": reason,
                       "proposed": proposal.grade if proposal else None})  # fmt: skip
    return row


# ------------------------------------------------------------------------------------------------- stars


def _kind(kind: str) -> str:
    return PeriodKind.MONTH if kind == "month" else PeriodKind.QUARTER


@transaction.atomic
def stars_propose(*, subject: str, period: Period, actor, now) -> int:
    """Proposes the stars of one period by the subject's rule in force. Proposals the rule no longer supports are
    withdrawn; confirmed and rejected ones stay. Returns the number of proposals standing."""
    if actor is not None and not may_propose(actor):
        raise PermissionDenied
    rule = _saved(star_rule_in_force(subject), now)
    if not rule.active or _kind(period.kind) != rule.period_kind:
        return 0
    kind = rule.period_kind
    cards = (Scorecard.objects.filter(subject=subject, period_kind=kind, period=period.start, score__isnull=False)
             .annotate(adj=Sum("adjustments__points")).values_list("unit_id", "score", "adj"))  # fmt: skip
    finals = {u: s + (a or Decimal(0)) for u, s, a in cards}
    kpi_basis = {}
    if rule.kpi_id:
        target = current_targets().get((rule.kpi_id, subject))
        values = sums(level=subject, unit_ids=list(finals), months=period.months, kpi_ids=[rule.kpi_id])
        for unit_id in finals:
            pair = values.get((rule.kpi_id, unit_id))
            value = round(pair[0] / pair[1] * rule.kpi.scale, 2) if pair and pair[1] else None
            kpi_basis[unit_id] = {"kpi": rule.kpi.name, "value": value,
                                  "target": float(target.target) if target else None,
                                  "met": status_of(rule.kpi, value, target) == "good"}  # fmt: skip
    eligible = [
        u for u, f in finals.items() if f >= rule.min_score and (not rule.kpi_id or kpi_basis[u]["met"])
    ]
    chosen = sorted(eligible, key=lambda u: (-finals[u], u))[: rule.top_n]
    existing = {
        a.unit_id: a for a in StarAward.objects.filter(subject=subject, period_kind=kind, period=period.start)
    }
    withdrawn = [a.pk for u, a in existing.items() if a.state == StarState.PROPOSED and u not in chosen]
    StarAward.objects.filter(pk__in=withdrawn).delete()
    for rank, unit_id in enumerate(chosen, start=1):
        basis = {"score": str(finals[unit_id]), "min_score": str(rule.min_score), "top_n": rule.top_n,
                 **({"kpi": kpi_basis[unit_id]} if rule.kpi_id else {})}  # fmt: skip
        award = existing.get(unit_id)
        if award is None:
            StarAward.objects.create(subject=subject, unit_id=unit_id, period_kind=kind, period=period.start,
                                     rank=rank, score=finals[unit_id], basis=basis, rule=rule, proposed_at=now)  # fmt: skip
        elif award.state == StarState.PROPOSED:
            award.rank, award.score, award.basis, award.rule, award.proposed_at = (
                rank,
                finals[unit_id],
                basis,
                rule,
                now,
            )
            award.save(update_fields=["rank", "score", "basis", "rule", "proposed_at"])
    audit_record(actor=actor, action="evaluation.stars.propose", obj=rule, now=now,
                 summary=_("Stars proposed for %(period)s: %(n)d") % {"period": period.key, "n": len(chosen)},
                 data={"subject": subject, "period": period.key, "chosen": chosen, "withdrawn": len(withdrawn)})  # fmt: skip
    return len(chosen)


@transaction.atomic
def star_decide(*, award: StarAward, confirm: bool, reason: str, actor, now) -> StarAward:
    if not may_decide(actor, award.subject, award.unit_id, stars=True):
        raise PermissionDenied
    award = StarAward.objects.select_for_update().get(pk=award.pk)
    state = StarState.CONFIRMED if confirm else StarState.REJECTED
    if award.state != StarState.PROPOSED:
        if award.state == state and award.decided_by_id == actor.pk:
            return award  # a double submission
        raise ValidationError(_("This proposal has been decided already."))
    reason = reason.strip()
    if not confirm and not reason:
        raise ValidationError(_("Give the reason for not confirming."))
    award.state, award.reason, award.decided_by, award.decided_at = state, reason, actor, now
    award.save(update_fields=["state", "reason", "decided_by", "decided_at"])
    audit_record(actor=actor, action="evaluation.star", obj=award, now=now,
                 summary=f"{award.get_subject_display()} {award.unit_id} {award.period:%Y-%m}: {award.get_state_display()}",
                 data={"state": state, "reason": reason})  # fmt: skip
    return award


def job_recognition(now) -> str:
    """With the monthly scorecards: the stars of the month just closed (and of the quarter, once it closed),
    and the grades of the year before. Idempotent: proposals still waiting are refreshed, decided ones kept."""
    from django.utils import timezone

    from serviceloop.kpis.compute import month_start

    today = timezone.localdate(now)
    prev = month_start(month_start(today) - dt.timedelta(days=1))
    quarter = Period("quarter", prev.replace(month=3 * ((prev.month - 1) // 3) + 1))
    n = 0
    for subject in Subject.values:
        n += stars_propose(subject=subject, period=Period("month", prev), actor=None, now=now)
        if prev.month % 3 == 0:
            n += stars_propose(subject=subject, period=quarter, actor=None, now=now)
    g = grades_propose(year=today.year - 1, actor=None, now=now) if today.month == 1 else 0
    return f"{n} star proposal(s), {g} grade proposal(s)"
