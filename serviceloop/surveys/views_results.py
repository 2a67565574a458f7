"""Results of a wave: the analysis page (ECharts + tables), Excel exports and the printable report."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from serviceloop.core.audit import audit_record
from serviceloop.core.params import id_param
from serviceloop.core.xlsx import workbook_response

from . import selectors, services
from .actions import acted_shops_moved, may_act
from .analysis import SEGMENTS, previous_wave, wave_results
from .export import raw_answer_sheet, results_sheets
from .models import Wave


def _results_context(request, pk):
    if not services.may_view_results(request.user):
        raise PermissionDenied
    wave = selectors.wave_get(user=request.user, pk=pk)
    segment = request.GET.get("segment", "branch")
    compare_id = request.GET.get("compare", "")
    others = (
        Wave.objects.visible_to(request.user)
        .filter(questionnaire__code=wave.questionnaire.code)
        .exclude(pk=wave.pk)
        .order_by("-period_start")
    )
    if compare_id == "none":
        compare = None
    elif (value := id_param(compare_id)) is not None:
        compare = others.filter(pk=value).first()
    else:
        compare = previous_wave(wave)
    results = wave_results(wave, request.user, segment=segment, compare=compare)
    return wave, {
        "wave": wave,
        "r": results,
        "segments": SEGMENTS,
        "segment": results["segment"],
        "others": others,
        "compare": compare,
        "shop_level": selectors.shop_level_allowed(user=request.user, wave=wave),
    }


@login_required
@require_GET
def wave_results_page(request, pk):
    wave, context = _results_context(request, pk)
    context["may_act"] = may_act(request.user) and not wave.anonymous
    context["moved"] = acted_shops_moved(wave=wave, user=request.user)
    return render(request, "surveys/results.html", context)


@login_required
@require_GET
def wave_report(request, pk):
    _wave, context = _results_context(request, pk)
    context["progress"] = selectors.progress(user=request.user, wave=context["wave"])
    context["moved"] = acted_shops_moved(wave=context["wave"], user=request.user)
    return render(request, "surveys/report.html", context)


@login_required
@require_GET
def wave_results_export(request, pk):
    wave, context = _results_context(request, pk)
    audit_record(actor=request.user, action="survey.results_export", obj=wave)
    return workbook_response(f"{wave.name}-{_('results')}.xlsx", results_sheets(context["r"]))


@login_required
@require_GET
def wave_answers_export(request, pk):
    if not services.may_view_results(request.user):
        raise PermissionDenied
    wave = selectors.wave_get(user=request.user, pk=pk)
    shop_level = selectors.shop_level_allowed(user=request.user, wave=wave)
    headers, rows = raw_answer_sheet(wave=wave, user=request.user, shop_level=shop_level)
    audit_record(actor=request.user, action="survey.answers_export", obj=wave, data={"rows": len(rows)})
    return workbook_response(f"{wave.name}-{_('answers')}.xlsx", [(_("answers"), headers, rows)])
