"""Reads of the scorecard pages, scoped like the KPI pages: an account manager sees their own card only,
a station head their station's and its managers', a branch user their branch's, the city everything."""

from collections import defaultdict

from django.db.models import Sum

from serviceloop.kpis.selectors import kpi_scope, unit_choices
from serviceloop.org.models import Role, Station, User

from .models import Perspective, Scorecard, ScorecardWeight, Subject

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
    return qs.annotate(adjusted=Sum("adjustments__points")).order_by("-score", "unit_id")


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


__all__ = ["unit_choices"]
