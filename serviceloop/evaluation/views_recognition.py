"""Pages of account-manager grades and service stars: lists (filters, pagination, Excel), the manager's
evaluation profile with the grade decision, a star's confirmation, and the two rules with their history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from serviceloop.core.paging import paginate, query_without
from serviceloop.core.params import id_param
from serviceloop.core.xlsx import xlsx_response
from serviceloop.kpis.selectors import kpi_scope, parse_period
from serviceloop.org.models import Role, Station, User

from . import recognition as r
from . import selectors as s
from .forms import (
    GradeDecisionForm,
    GradeProposeForm,
    GradeRuleForm,
    StarDecisionForm,
    StarProposeForm,
    StarRuleForm,
)
from .models import Grade, GradeProposal, PeriodKind, ProposalState, Scorecard, StarAward, StarState, Subject


def _when(at):
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""


def _year(request, default):
    text = request.GET.get("year", "")
    year = id_param(text)
    return year if year is not None and 2000 <= year <= 2100 else default


# --------------------------------------------------------------------------------------------------- grades
@login_required
@require_http_methods(["GET", "POST"])
def grades(request):
    if not s.may_see_scorecards(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    year = _year(request, today.year - 1)
    form = None
    if r.may_propose(request.user):
        form = GradeProposeForm(request.POST or None, initial={"year": year})
        if request.method == "POST" and form.is_valid():
            y = form.cleaned_data["year"]
            n = r.grades_propose(year=y, actor=request.user, now=timezone.now())
            messages.success(request, _("%(n)d grade proposal(s) for %(year)d.") % {"n": n, "year": y})
            return redirect(f"{request.path}?year={y}&grade=pending")
    elif request.method == "POST":
        raise PermissionDenied
    g = request.GET
    qs = s.grade_list(user=request.user, q=g.get("q", "").strip()[:50], grade=g.get("grade", ""),
                      station=g.get("station", ""), pending_year=year)  # fmt: skip
    if g.get("export") == "xlsx":
        rows = ([m.station.branch.name if m.station else "", m.station.name if m.station else "", m.full_name or m.username,
                 Grade(m.current_grade).label if m.current_grade else "", m.current_year or "",
                 Grade(m.proposed_grade).label if m.proposed_grade else "", m.proposal_average,
                 ProposalState(m.proposal_state).label if m.proposal_state else ""] for m in qs.iterator())  # fmt: skip
        return xlsx_response(filename=f"{_('Account-manager grades')}-{year}.xlsx",
                             sheet_title=_("Account-manager grades"),
                             headers=[_("Branch"), _("Station"), _("Account manager"), _("Grade in force"),
                                      _("Year evaluated"), _("Proposed grade"), _("Average score"), _("State")],
                             rows=rows)  # fmt: skip
    page, page_query = paginate(request, qs, size=50)
    # the filter offers the stations of the managers the user may see (all of them for the city)
    stations = Station.objects.select_related("branch").order_by("branch__name", "name")
    if kpi_scope(request.user).units.get(Subject.MANAGER) is not None:
        stations = stations.filter(pk__in=s.managers_visible(request.user).values("station_id"))
    context = {
        "page": page, "page_query": page_query, "year": year, "form": form, "grades": Grade.choices,
        "stations": stations, "query": query_without(request, "export"),
        "may_set_rule": r.may_propose(request.user),
    }  # fmt: skip
    return render(request, "evaluation/grades.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def manager(request, pk):
    """A manager's evaluation profile: grade in force and its history, this year's proposal, stars, the
    last twelve monthly scores; the decision form for an authorised superior."""
    person = get_object_or_404(User, pk=pk, role=Role.ACCOUNT_MANAGER)
    if not s.managers_visible(request.user).filter(pk=person.pk).exists():
        raise Http404
    now = timezone.now()
    proposals = list(GradeProposal.objects.filter(manager=person).select_related("rule").order_by("-year"))
    pending = next((p for p in proposals if p.state == ProposalState.PROPOSED), None)
    form = None
    if r.may_decide(request.user, Subject.MANAGER, person.pk):
        initial = {"grade": pending.grade if pending else None,
                   "year": pending.year if pending else timezone.localdate().year - 1}  # fmt: skip
        form = GradeDecisionForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                r.grade_decide(manager=person, actor=request.user, now=now, **form.cleaned_data)
            except ValidationError as e:
                form.add_error(None, e)
            else:
                messages.success(request, _("Grade decided."))
                return redirect("evaluation:manager", pk=person.pk)
    elif request.method == "POST":
        raise PermissionDenied
    history = list(s.grade_history(person))
    stars = StarAward.objects.filter(subject=Subject.MANAGER, unit_id=person.pk).order_by("-period")[:20]
    cards = (Scorecard.objects.filter(subject=Subject.MANAGER, unit_id=person.pk, period_kind=PeriodKind.MONTH)
             .order_by("-period")[:12])  # fmt: skip
    context = {
        "person": person, "current": history[0] if history else None, "history": history,
        "proposals": proposals, "pending": pending, "form": form, "stars": stars, "cards": cards,
    }  # fmt: skip
    return render(request, "evaluation/manager.html", context, status=400 if form and form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def grade_rules(request):
    if not s.may_see_scorecards(request.user):
        raise PermissionDenied
    rule = r.grade_rule_in_force()
    form = None
    if r.may_propose(request.user):
        fields = ("senior_min", "senior_floor", "intermediate_min", "min_months")
        form = GradeRuleForm(request.POST or None, initial={f: getattr(rule, f) for f in fields})
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("reason")
            try:
                r.graderule_set(values=data, reason=reason, actor=request.user, now=timezone.now())
            except ValidationError as e:
                form.add_error(None, e)
            else:
                messages.success(request, _("Rule saved. The next proposals use it."))
                return redirect("evaluation:grade-rules")
    elif request.method == "POST":
        raise PermissionDenied
    history = s.grade_rule_history()
    if request.GET.get("export") == "xlsx":
        rows = ([_when(x.set_at), x.senior_min, x.senior_floor, x.intermediate_min, x.min_months, x.reason,
                 x.set_by and str(x.set_by)] for x in history)  # fmt: skip
        return xlsx_response(filename=f"{_('Grade rule')}.xlsx", sheet_title=_("Grade rule"),
                             headers=[_("Set at"), _("average score for senior"), _("no month below (senior)"),
                                      _("average score for intermediate"), _("months with a score needed"),
                                      _("Reason for the change"), _("Set by")], rows=rows)  # fmt: skip
    page, query = paginate(request, history, size=30)
    return render(request, "evaluation/grade_rules.html", {"rule": rule, "form": form, "page": page, "query": query},
                  status=400 if form and form.errors else 200)  # fmt: skip


# ---------------------------------------------------------------------------------------------------- stars
def _star_rows(awards):
    by_subject = {}
    for a in awards:
        by_subject.setdefault(a.subject, []).append(a.unit_id)
    names = {sub: s.names(sub, ids) for sub, ids in by_subject.items()}
    for a in awards:
        a.name = names[a.subject].get(a.unit_id, a.unit_id)
        a.period_key = parse_period(a.period.strftime("%Y-%m"), a.period_kind, a.period).key
    return awards


@login_required
@require_http_methods(["GET", "POST"])
def stars(request):
    subjects = s.visible_subjects(request.user)
    if not subjects:
        raise PermissionDenied
    form = None
    if r.may_propose(request.user):
        form = StarProposeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            rule = r.star_rule_in_force(form.cleaned_data["subject"])
            period = parse_period(form.cleaned_data["period"], rule.period_kind, timezone.localdate())
            n = r.stars_propose(subject=form.cleaned_data["subject"], period=period, actor=request.user,
                                now=timezone.now())  # fmt: skip
            messages.success(request, _("%(n)d proposal(s) for %(period)s.") % {"n": n, "period": period.key})
            return redirect(f"{request.path}?period={period.key}")
    elif request.method == "POST":
        raise PermissionDenied
    g = request.GET
    period_key = g.get("period", "").strip()[:7]
    qs = s.star_list(user=request.user, subject=g.get("subject", ""), state=g.get("state", ""),
                     period_key=period_key)  # fmt: skip
    if g.get("export") == "xlsx":
        awards = _star_rows(list(qs))
        rows = ([a.period_key, a.get_subject_display(), a.name, a.rank, a.score, a.get_state_display(),
                 a.decided_by and str(a.decided_by), _when(a.decided_at), a.reason] for a in awards)  # fmt: skip
        return xlsx_response(filename=f"{_('Service stars')}.xlsx", sheet_title=_("Service stars"),
                             headers=[_("Period"), _("Recognition of"), _("Name"), _("Rank"), _("Final score"),
                                      _("State"), _("Decided by"), _("Decided at"), _("Reason")], rows=rows)  # fmt: skip
    page, page_query = paginate(request, qs, size=50)
    _star_rows(page.object_list)
    context = {
        "page": page, "page_query": page_query, "form": form, "subjects": [(v, Subject(v).label) for v in subjects],
        "states": StarState.choices, "period_key": period_key, "query": query_without(request, "export"),
        "rules": [r.star_rule_in_force(sub) for sub in Subject.values],
    }  # fmt: skip
    return render(request, "evaluation/stars.html", context, status=400 if form and form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def star(request, pk):
    award = get_object_or_404(StarAward.objects.select_related("rule__kpi", "decided_by"), pk=pk)
    if not s.star_visible(request.user, award):
        raise Http404
    form = None
    if award.state == StarState.PROPOSED and r.may_decide(
        request.user, award.subject, award.unit_id, stars=True
    ):
        form = StarDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                r.star_decide(award=award, confirm=form.cleaned_data["decision"] == "confirm",
                              reason=form.cleaned_data["reason"], actor=request.user, now=timezone.now())  # fmt: skip
            except ValidationError as e:
                form.add_error(None, e)
            else:
                return redirect("evaluation:star", pk=award.pk)
    elif request.method == "POST":
        if award.state != StarState.PROPOSED and r.may_decide(
            request.user, award.subject, award.unit_id, stars=True
        ):
            messages.warning(request, _("This proposal has been decided already."))
            return redirect("evaluation:star", pk=award.pk)
        raise PermissionDenied
    _star_rows([award])
    history = _star_rows(list(StarAward.objects.filter(subject=award.subject, unit_id=award.unit_id)
                              .exclude(pk=award.pk).order_by("-period")[:20]))  # fmt: skip
    return render(request, "evaluation/star.html", {"award": award, "form": form, "history": history},
                  status=400 if form and form.errors else 200)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def star_rules(request):
    if not s.visible_subjects(request.user):
        raise PermissionDenied
    form = None
    if r.may_propose(request.user):
        form = StarRuleForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            subject, reason = data.pop("subject"), data.pop("reason")
            r.starrule_set(
                subject=subject, values=data, reason=reason, actor=request.user, now=timezone.now()
            )
            messages.success(request, _("Rule saved. The next proposals use it."))
            return redirect("evaluation:star-rules")
    elif request.method == "POST":
        raise PermissionDenied
    history = s.star_rule_history()
    if request.GET.get("export") == "xlsx":
        rows = ([_when(x.set_at), x.get_subject_display(), x.get_period_kind_display(), x.top_n, x.min_score,
                 x.kpi.name if x.kpi else "", _("yes") if x.active else _("no"), x.reason,
                 x.set_by and str(x.set_by)] for x in history)  # fmt: skip
        return xlsx_response(filename=f"{_('Star rules')}.xlsx", sheet_title=_("Star rules"),
                             headers=[_("Set at"), _("Recognition of"), _("Every"), _("At most"),
                                      _("Final score at least"), _("KPI whose target must be met"), _("In use"),
                                      _("Reason for the change"), _("Set by")], rows=rows)  # fmt: skip
    page, query = paginate(request, history, size=30)
    current = [r.star_rule_in_force(sub) for sub in Subject.values]
    return render(request, "evaluation/star_rules.html", {"current": current, "form": form, "page": page,
                  "query": query}, status=400 if form and form.errors else 200)  # fmt: skip
