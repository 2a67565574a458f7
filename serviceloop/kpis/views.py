"""KPI pages: dashboard of one unit, one KPI across units, drill-down to events, targets (R22).

Every page reads ``KpiValue`` (pre-aggregated) except the drill-down; every page has an Excel export
(``?export=xlsx``) through core.xlsx; every unit is checked against the user's scope (404 outside it)."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from serviceloop.core.htmx import render_page
from serviceloop.core.paging import paginate, query_without
from serviceloop.core.xlsx import xlsx_response
from serviceloop.org.scope import can_manage_org

from . import drill as drill_mod
from . import selectors as s
from .forms import TargetForm
from .models import Kpi, Level
from .services import kpitarget_set


def _scope_or_403(user) -> s.Scope:
    scope = s.kpi_scope(user)
    if not scope.units:
        raise PermissionDenied
    return scope


def _level_unit(request, scope):
    """The level and unit asked for (default: the user's own), refused with 404 outside the scope."""
    default = s.home_unit(request.user)
    level = request.GET.get("level") or default[0]
    if level not in Level.values:
        raise Http404
    try:
        unit_id = int(request.GET.get("unit", "")) if request.GET.get("unit") else None
    except ValueError as exc:
        raise Http404 from exc
    if unit_id is None:
        if level == default[0]:
            unit_id = default[1]
        else:
            choices = s.unit_choices(scope, level)
            if not choices:
                raise Http404
            unit_id = choices[0][0]
    if not scope.allows(level, unit_id):
        raise Http404
    return level, unit_id


def _fmt(v):
    return "—" if v is None else v


@login_required
@require_GET
def dashboard(request):
    scope = _scope_or_403(request.user)
    level, unit_id = _level_unit(request, scope)
    period = s.parse_period(request.GET.get("period"), request.GET.get("span"), timezone.localdate())
    data = s.dashboard(level=level, unit_id=unit_id, period=period)
    name = s.unit_name(level, unit_id)
    if request.GET.get("export") == "xlsx":
        headers = [_("KPI"), _("Unit"), _("Value"), _("Target"), _("Warning line"), _("Gap"), _("Rank"),
                   _("Numerator"), _("Denominator")] + data["trend_labels"]  # fmt: skip
        rows = [[r["kpi"].name, r["kpi"].unit, r["value"], r["target"] and r["target"].target,
                 r["target"] and r["target"].warning, r["gap"], r["rank"], r["numerator"], r["denominator"],
                 *r["trend"]] for r in data["rows"]]  # fmt: skip
        return xlsx_response(filename=f"{_('KPIs')}-{name}-{period.key}.xlsx", sheet_title=_("KPIs"),
                             headers=headers, rows=rows)  # fmt: skip
    chart = {
        "labels": data["trend_labels"],
        "series": [{"code": r["kpi"].code, "name": r["kpi"].name, "unit": r["kpi"].unit, "values": r["trend"],
                    "target": float(r["target"].target) if r["target"] else None} for r in data["rows"]],
        "text": {"value": _("Value"), "target": _("Target")},
    }  # fmt: skip
    context = {
        "data": data, "level": level, "unit_id": unit_id, "unit_name": name, "period": period,
        "levels": [(lv, Level(lv).label) for lv in scope.levels()], "units": s.unit_choices(scope, level),
        "chart": chart, "query": query_without(request, "export"), "drill_period": period.months[-1].strftime("%Y-%m"),
    }  # fmt: skip
    return render(request, "kpis/dashboard.html", context)


@login_required
@require_GET
def compare(request, code):
    scope = _scope_or_403(request.user)
    kpi = get_object_or_404(Kpi, code=code, active=True)
    level = request.GET.get("level") or s.home_unit(request.user)[0]
    if level not in scope.levels():
        raise Http404
    period = s.parse_period(request.GET.get("period"), request.GET.get("span"), timezone.localdate())
    parts = s.parts_of(kpi, period)
    part = request.GET.get("part", "")
    if part and part not in dict(parts):
        part = ""
    rows = s.compare(kpi=kpi, level=level, scope=scope, period=period, part=part)
    if request.GET.get("export") == "xlsx":
        headers = [_("Unit"), _("Value"), _("Target"), _("Gap"), _("Rank"), _("Numerator"), _("Denominator")]
        data = [[r["name"], r["value"], r["target"] and r["target"].target, r["gap"], r["rank"], r["numerator"],
                 r["denominator"]] for r in rows]  # fmt: skip
        return xlsx_response(filename=f"{kpi.name}-{period.key}.xlsx", sheet_title=kpi.name, headers=headers,
                             rows=data)  # fmt: skip
    # a page of units (a city has ~800 routes and managers): ranks are over all of them, the chart shows the page
    page, query = paginate(request, rows, size=50)
    rows = page.object_list
    chart = {
        "labels": [r["name"] for r in rows], "values": [r["value"] for r in rows],
        "target": float(rows[0]["target"].target) if rows and rows[0]["target"] else None,
        "text": {"value": _("Value"), "target": _("Target")},
    }  # fmt: skip
    context = {
        "kpi": kpi, "rows": rows, "level": level, "period": period, "parts": parts, "part": part,
        "levels": [(lv, Level(lv).label) for lv in scope.levels()], "chart": chart,
        "query": query_without(request, "export"), "drill_period": period.months[-1].strftime("%Y-%m"),
        "page": page, "page_query": query,
    }  # fmt: skip
    return render(request, "kpis/compare.html", context)


DRILL_COLUMNS = {
    drill_mod.REQUESTS: lambda r: [r.reference, r.shop and r.shop.name, r.get_kind_display(), r.category.name,
                                   r.get_status_display(), r.owner and str(r.owner), _dt(r.created_at),
                                   _dt(r.acknowledged_at), _dt(r.resolved_at), r.satisfaction, r.reopen_count],
    drill_mod.VISITS: lambda v: [v.customer.name, str(v.manager), v.planned_on, v.get_status_display(),
                                 _dt(v.check_in_at), v.minutes_spent],
    drill_mod.TAGS: lambda t: [t.customer.name, t.tag.name, t.get_status_display(), _dt(t.attached_at),
                               _dt(t.removed_at), _dt(t.verified_at)],
    drill_mod.TARGETS: lambda t: [t.customer.name, t.wave.name, _answer_status(t)],
    drill_mod.SHOP_MONTHS: lambda m: [m.customer.name, m.month.strftime("%Y-%m"), m.orders, m.corrected_orders,
                                      m.online_orders, m.deliveries, m.deliveries_on_time, m.deliveries_accurate,
                                      m.cartons_delivered, m.cartons_damaged, m.e_settlements, m.e_settlements_paid],
}  # fmt: skip


def _drill_headers(kind):
    return {
        drill_mod.REQUESTS: [_("Reference"), _("Customer"), _("Kind"), _("Category"), _("Status"), _("Owner"),
                             _("Filed at"), _("Acknowledged at"), _("Resolved at"), _("Satisfaction"),
                             _("Times reopened")],
        drill_mod.VISITS: [_("Customer"), _("Account manager"), _("Planned for"), _("Status"), _("Checked in"),
                           _("Minutes")],
        drill_mod.TAGS: [_("Customer"), _("Tag"), _("Status"), _("Attached at"), _("Removed at"), _("Verified at")],
        drill_mod.TARGETS: [_("Customer"), _("Survey wave"), _("Answer")],
        drill_mod.SHOP_MONTHS: [_("Customer"), _("Month"), _("Orders"), _("Corrected orders"), _("Online orders"),
                                _("Deliveries"), _("On time"), _("Accurate"), _("Cartons delivered"),
                                _("Cartons damaged"), _("E-settlements"), _("E-settlements paid")],
    }[kind]  # fmt: skip


def _dt(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else None


def _answer_status(target):
    answer = getattr(target, "answer", None)
    return answer.get_status_display() if answer else _("Not answered")


@login_required
@require_GET
def drill(request, code, level, unit_id, period):
    scope = _scope_or_403(request.user)
    kpi = get_object_or_404(Kpi, code=code, active=True)
    if level not in Level.values or not scope.allows(level, unit_id):
        raise Http404
    try:
        month = dt.date.fromisoformat(f"{period}-01")
    except ValueError as exc:
        raise Http404 from exc
    part = request.GET.get("part", "")[:30]
    kind, qs = drill_mod.events(code=code, level=level, unit_id=unit_id, month=month,
                                as_of=timezone.localdate(), part=part)  # fmt: skip
    headers = _drill_headers(kind)
    has_hit = "hit" in qs.query.annotations
    if request.GET.get("export") == "xlsx":
        rows = (
            [*DRILL_COLUMNS[kind](obj), *([obj.hit] if has_hit else [])]
            for obj in qs.iterator(chunk_size=2000)
        )
        return xlsx_response(filename=f"{kpi.name}-{period}.xlsx", sheet_title=kpi.name,
                             headers=headers + ([_("Counted in the numerator")] if has_hit else []), rows=rows)  # fmt: skip
    page, query = paginate(request, qs, size=50)
    rows = [(DRILL_COLUMNS[kind](obj), getattr(obj, "hit", None), obj) for obj in page.object_list]
    context = {
        "kpi": kpi, "level": level, "level_label": Level(level).label, "unit_name": s.unit_name(level, unit_id),
        "period": period, "kind": kind, "kind_label": drill_mod.KIND_LABELS[kind], "headers": headers,
        "rows": rows, "page": page, "query": query, "has_hit": has_hit, "total": page.paginator.count,
        "value": s.sums(level=level, unit_ids=[unit_id], months=[month], kpi_ids=[kpi.pk], part=part).get(
            (kpi.pk, unit_id)),
    }  # fmt: skip
    return render_page(request, "kpis/drill.html", context, partial="kpis/_drill_table.html")


@login_required
@require_GET
def targets(request):
    _scope_or_403(request.user)
    current = s.current_targets()
    kpis = list(Kpi.objects.filter(active=True))
    levels = [(lv, Level(lv).label) for lv in s.LEVEL_ORDER]
    table = [(k, [current.get((k.pk, lv)) for lv, _l in levels]) for k in kpis]
    if request.GET.get("export") == "xlsx":
        headers = [_("Code"), _("KPI"), _("Definition"), _("Formula"), _("Source events"), _("Unit"),
                   _("Direction")] + [f"{label} {_('Target')}/{_('Warning line')}" for _lv, label in levels]  # fmt: skip
        rows = [[k.code, k.name, k.definition, k.formula, k.sources, k.unit, k.get_direction_display(),
                 *[f"{t.target}/{t.warning}" if t else None for t in ts]] for k, ts in table]  # fmt: skip
        return xlsx_response(filename=f"{_('KPI catalogue')}.xlsx", sheet_title=_("KPI catalogue"), headers=headers,
                             rows=rows)  # fmt: skip
    return render(request, "kpis/targets.html", {"table": table, "levels": levels,
                                                 "may_edit": can_manage_org(request.user)})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request, code):
    _scope_or_403(request.user)
    kpi = get_object_or_404(Kpi, code=code)
    may_edit = can_manage_org(request.user)
    history = s.target_history(kpi)
    if request.GET.get("export") == "xlsx":
        rows = ([t.get_level_display(), t.target, t.warning, t.reason, t.set_by and str(t.set_by), _dt(t.set_at)]
                for t in history)  # fmt: skip
        return xlsx_response(filename=f"{kpi.name}-{_('target history')}.xlsx", sheet_title=_("target history"),
                             headers=[_("Level"), _("Target"), _("Warning line"), _("Reason for the change"),
                                      _("Set by"), _("Set at")], rows=rows)  # fmt: skip
    form = None
    if may_edit:
        form = TargetForm(request.POST or None, kpi=kpi)
        if request.method == "POST" and form.is_valid():
            kpitarget_set(kpi=kpi, actor=request.user, now=timezone.now(), **form.cleaned_data)
            return redirect("kpis:target-edit", code=kpi.code)
    elif request.method == "POST":
        raise PermissionDenied
    page, query = paginate(request, history, size=50)
    return render_page(
        request,
        "kpis/target_edit.html",
        {"kpi": kpi, "form": form, "page": page, "query": query},
        partial="kpis/_target_history.html",
    )
