"""Reads of the scorecard pages, scoped like the KPI pages: an account manager sees their own card only,
a station head their station's and its managers', a branch user their branch's, the city everything."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from serviceloop.core.params import id_param
from serviceloop.kpis.selectors import kpi_scope, unit_choices
from serviceloop.org.models import Role, Station, User

from .models import (
    Grade,
    GradeProposal,
    GradeRule,
    ManagerGrade,
    Perspective,
    ProposalState,
    Scorecard,
    ScorecardWeight,
    StarAward,
    StarRule,
    StarState,
    Subject,
)

# People's evaluations are for their line managers and the supervision staff (督察考评); agents and monopoly
# inspectors see unit KPIs, not scorecards.
EVALUATORS = {Role.CITY_ADMIN, Role.BRANCH_MANAGER, Role.STATION_HEAD, Role.MARKET_MANAGER, Role.ACCOUNT_MANAGER,
              Role.SUPERVISOR}  # fmt: skip


def may_see_scorecards(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in EVALUATORS))


def visible_subjects(user) -> list[str]:
    if not may_see_scorecards(user):
        return []
    scope = kpi_scope(user)
    return [s for s in Subject.values if s in scope.units and (scope.units[s] is None or scope.units[s])]


def scorecard_list(*, user, subject: str, kind: str, period):
    scope = kpi_scope(user)
    if subject not in scope.units:
        return Scorecard.objects.none()
    qs = Scorecard.objects.filter(subject=subject, period_kind=kind, period=period)
    ids = scope.units[subject]
    if ids is not None:
        qs = qs.filter(unit_id__in=ids)
    # The final score and the ranking are computed by the database, so a page reads its 50 cards, not the
    # city's 800 (the list took 1.7 s at 30,000 shops when it ranked every card in Python).
    qs = qs.annotate(adjusted=Sum("adjustments__points")).annotate(
        final=F("score") + Coalesce(F("adjusted"), Value(Decimal(0)), output_field=DecimalField())
    )
    return qs.order_by(F("final").desc(nulls_last=True), "unit_id")


def names(subject: str, unit_ids) -> dict:
    if subject == Subject.STATION:
        return {
            s.pk: f"{s.branch.name} · {s.name}"
            for s in Station.objects.filter(pk__in=unit_ids).select_related("branch")
        }
    return {u.pk: u.full_name or u.username for u in User.objects.filter(pk__in=unit_ids)}


def scorecard_visible(user, card: Scorecard) -> bool:
    return may_see_scorecards(user) and kpi_scope(user).allows(card.subject, card.unit_id)


def lines_by_perspective(card: Scorecard) -> list[dict]:
    groups = defaultdict(list)
    for line in card.lines:
        groups[line["perspective"]].append(line)
    out = []
    for value, label in Perspective.choices:
        lines = groups.get(value, [])
        if lines:
            out.append({"label": label, "lines": lines, "weight": sum(x["weight"] for x in lines),
                        "points": round(sum(x["points"] or 0 for x in lines), 2)})  # fmt: skip
    return out


def weight_history(subject=None):
    qs = ScorecardWeight.objects.select_related("kpi", "set_by").order_by("-set_at", "-id")
    return qs.filter(subject=subject) if subject else qs


# ------------------------------------------------------------------------------------ grades and stars


def managers_visible(user):
    """The account managers whose grades the user may see (their own only, for an account manager)."""
    if not may_see_scorecards(user):
        return User.objects.none()
    scope = kpi_scope(user)
    if Subject.MANAGER not in scope.units:
        return User.objects.none()
    qs = User.objects.filter(role=Role.ACCOUNT_MANAGER)
    ids = scope.units[Subject.MANAGER]
    return qs if ids is None else qs.filter(pk__in=ids)


def grade_list(*, user, q: str = "", grade: str = "", station: str = "", pending_year: int | None = None):
    """Managers with their grade in force and the proposal waiting for ``pending_year``: two subqueries, one
    query per page whatever the number of managers."""
    newest = ManagerGrade.objects.filter(manager=OuterRef("pk")).order_by("-decided_at", "-id")
    qs = (
        managers_visible(user)
        .select_related("station__branch")
        .annotate(
            current_grade=Subquery(newest.values("grade")[:1]),
            current_year=Subquery(newest.values("year")[:1]),
            decided_at=Subquery(newest.values("decided_at")[:1]),
        )
    )
    if pending_year:
        proposal = GradeProposal.objects.filter(manager=OuterRef("pk"), year=pending_year)
        qs = qs.annotate(proposed_grade=Subquery(proposal.values("grade")[:1]),
                         proposal_state=Subquery(proposal.values("state")[:1]),
                         proposal_average=Subquery(proposal.values("average")[:1]))  # fmt: skip
    if q:
        qs = qs.filter(Q(full_name__icontains=q) | Q(username__icontains=q))
    if grade == "none":
        qs = qs.filter(current_grade__isnull=True)
    elif grade in Grade.values:
        qs = qs.filter(current_grade=grade)
    if (value := id_param(station)) is not None:
        qs = qs.filter(station_id=value)
    if pending_year and grade == "pending":
        qs = qs.filter(proposal_state=ProposalState.PROPOSED)
    return qs.order_by("station__branch__name", "station__name", "full_name", "pk")


def grade_history(manager):
    return ManagerGrade.objects.filter(manager=manager).select_related("decided_by", "proposal")


def current_grade(manager) -> ManagerGrade | None:
    return grade_history(manager).first()


def star_list(*, user, subject: str = "", state: str = "", period_key: str = ""):
    """The stars the user may see: an account manager their own, a station head their station's and its
    managers', a branch their branch's, the city all."""
    subjects = visible_subjects(user)
    scope = kpi_scope(user)
    q = Q(pk__in=[])
    for sub in subjects if subject not in subjects else [subject]:
        ids = scope.units[sub]
        q |= Q(subject=sub) if ids is None else Q(subject=sub, unit_id__in=ids)
    qs = StarAward.objects.filter(q).select_related("decided_by")
    if state in StarState.values:
        qs = qs.filter(state=state)
    if period_key:
        from serviceloop.kpis.selectors import parse_period

        period = parse_period(period_key, None, dt.date.today())
        qs = qs.filter(period=period.start, period_kind=period.kind)
    return qs.order_by("-period", "subject", "rank", "pk")


def star_visible(user, award: StarAward) -> bool:
    return may_see_scorecards(user) and kpi_scope(user).allows(award.subject, award.unit_id)


def star_rule_history():
    return StarRule.objects.select_related("kpi", "set_by").order_by("-set_at", "-id")


def grade_rule_history():
    return GradeRule.objects.select_related("set_by").order_by("-set_at", "-id")


__all__ = ["unit_choices"]
