"""Scorecard pages: the list of a period (ranked), one card explaining every point, the weights with
their history. Excel export of each (``?export=xlsx``)."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from serviceloop.core.htmx import render_page
from serviceloop.core.paging import paginate, query_without
from serviceloop.core.xlsx import workbook_response, xlsx_response
from serviceloop.kpis.selectors import parse_period
from serviceloop.org.scope import can_manage_org

from . import selectors as s
from .forms import AdjustmentForm, WeightForm
from .models import PeriodKind, Scorecard, Subject
from .services import current_weights, may_adjust, scorecard_adjust, scorecardweight_set


def _final(score, adjusted):
    if score is None:
        return None
    return score + (adjusted or Decimal(0))


@login_required
@require_GET
def scorecards(request):
    subjects = s.visible_subjects(request.user)
    if not subjects:
        raise PermissionDenied
    subject = request.GET.get("subject") if request.GET.get("subject") in subjects else subjects[0]
    period = parse_period(request.GET.get("period"), request.GET.get("span"), timezone.localdate())
    kind = PeriodKind.MONTH if period.kind == "month" else PeriodKind.QUARTER
    cards = s.scorecard_list(user=request.user, subject=subject, kind=kind, period=period.start)
    if request.GET.get("export") == "xlsx":
        cards = list(cards)
        names = s.names(subject, [c.unit_id for c in cards])
        headers = [_("Rank"), _("Name"), _("Computed score"), _("Adjustments"), _("Final score")]
        data = [[i if c.final is not None else None, names.get(c.unit_id, c.unit_id), c.score, c.adjusted, c.final]
                for i, c in enumerate(cards, start=1)]  # fmt: skip
        return xlsx_response(filename=f"{_('Scorecards')}-{period.key}.xlsx", sheet_title=_("Scorecards"),
                             headers=headers, rows=data)  # fmt: skip
    page, page_query = paginate(request, cards, size=50)
    names = s.names(subject, [c.unit_id for c in page.object_list])
    page.object_list = [
        {"card": c, "name": names.get(c.unit_id, c.unit_id), "final": c.final,
         "rank": page.start_index() + i if c.final is not None else None}
        for i, c in enumerate(page.object_list)
    ]  # fmt: skip
    context = {
        "rows": page.object_list, "page": page, "page_query": page_query, "subject": subject, "subjects": [(v, Subject(v).label) for v in subjects], "period": period,
        "kind_label": PeriodKind(kind).label, "query": query_without(request, "export"),
        "may_set_weights": can_manage_org(request.user),
    }  # fmt: skip
    return render(request, "evaluation/scorecards.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_detail(request, pk):
    card = get_object_or_404(Scorecard, pk=pk)
    if not s.scorecard_visible(request.user, card):
        raise Http404
    adjustments = list(card.adjustments.select_related("by"))
    adjusted = sum((a.points for a in adjustments), Decimal(0))
    name = s.names(card.subject, [card.unit_id]).get(card.unit_id, card.unit_id)
    if request.GET.get("export") == "xlsx":
        lines = [[ln["perspective"], ln["name"], ln["unit"], ln["value"], ln["target"], ln["achievement"], ln["weight"],
                  ln["points"]] for ln in card.lines]  # fmt: skip
        adj = [
            [a.points, a.reason, str(a.by), timezone.localtime(a.at).strftime("%Y-%m-%d %H:%M")]
            for a in adjustments
        ]
        return workbook_response(f"{name}-{card.period:%Y-%m}.xlsx", [
            (_("Scorecard"), [_("Perspective"), _("KPI"), _("Unit"), _("Value"), _("Target"), _("Achievement"),
                              _("Weight"), _("Points")], lines),
            (_("Adjustments"), [_("Points"), _("Reason"), _("Adjusted by"), _("At")], adj),
        ])  # fmt: skip
    form = None
    if may_adjust(request.user, card):
        form = AdjustmentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            scorecard_adjust(card=card, actor=request.user, now=timezone.now(), **form.cleaned_data)
            return redirect("evaluation:scorecard", pk=card.pk)
    elif request.method == "POST":
        raise PermissionDenied
    context = {
        "card": card, "name": name, "groups": s.lines_by_perspective(card), "adjustments": adjustments,
        "adjusted": adjusted, "final": _final(card.score, adjusted), "form": form,
    }  # fmt: skip
    return render(request, "evaluation/scorecard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def weights(request):
    if not s.visible_subjects(request.user):
        raise PermissionDenied
    form = None
    if can_manage_org(request.user):
        form = WeightForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            scorecardweight_set(actor=request.user, now=timezone.now(), **form.cleaned_data)
            return redirect("evaluation:weights")
    elif request.method == "POST":
        raise PermissionDenied
    history = s.weight_history()
    if request.GET.get("export") == "xlsx":
        rows = ([w.get_subject_display(), w.kpi.name, w.get_perspective_display(), w.weight, w.reason,
                 w.set_by and str(w.set_by), timezone.localtime(w.set_at).strftime("%Y-%m-%d %H:%M")]
                for w in history)  # fmt: skip
        return xlsx_response(filename=f"{_('Scorecard weights')}.xlsx", sheet_title=_("Scorecard weights"),
                             headers=[_("Scorecard of"), _("KPI"), _("Perspective"), _("Weight"),
                                      _("Reason for the change"), _("Set by"), _("Set at")], rows=rows)  # fmt: skip
    current = {subject: current_weights(subject) for subject in Subject.values}
    page, query = paginate(request, history, size=50)
    context = {
        "form": form, "page": page, "query": query,
        "current": [(Subject(k).label, v, sum(w.weight for w in v)) for k, v in current.items()],
    }  # fmt: skip
    return render_page(request, "evaluation/weights.html", context, partial="evaluation/_weight_history.html")
