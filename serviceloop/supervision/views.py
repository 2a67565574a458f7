"""Pages of supervision: plans, the inspector's work list, the (phone) inspection form, rectifications, the risk
register. Thin: validate, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from serviceloop.core.background import start_export
from serviceloop.core.files import file_response
from serviceloop.core.htmx import render_page
from serviceloop.core.paging import paginate, query_without
from serviceloop.core.phones import phone_for
from serviceloop.core.xlsx import xlsx_response

from . import sampling, selectors, services
from .forms import DrawForm, NoteForm, PlanForm, RecordForm, RiskEditForm, RiskForm
from .models import RECT_OPEN, RISK_OPEN, RectAction, RectStatus, RiskAction, RiskLevel, RiskStatus, Source
from .scope import (
    is_inspector,
    may_plan,
    may_raise_risk,
    may_read_plans,
    may_review_risk,
    may_work_risk,
)


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


# --- plans ---------------------------------------------------------------------------------------------------
@login_required
@require_GET
def plans(request):
    if not may_read_plans(request.user):
        raise PermissionDenied
    page, query = paginate(request, selectors.plan_list(user=request.user))
    return render(request, "supervision/plans.html", {"page": page, "query": query,
                                                      "may_plan": may_plan(request.user)})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    if not may_plan(request.user):
        raise PermissionDenied
    form = PlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(data=form.cleaned_data, actor=request.user, now=timezone.now())
        except ValidationError as exc:
            for e in _errors(exc):
                form.add_error(None, e)
        else:
            messages.success(request, _("Inspection plan created. Draw its sample for a month."))
            return redirect("supervision:plan", pk=plan.pk)
    return render(request, "supervision/plan_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def plan_detail(request, pk):
    plan = selectors.plan_get(user=request.user, pk=pk)
    now = timezone.now()
    form = DrawForm(request.POST or None, initial={"month": timezone.localdate(now).replace(day=1)})
    if request.method == "POST":
        if not may_plan(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                added = services.plan_draw(
                    plan=plan, month=form.cleaned_data["month"], actor=request.user, now=now
                )
            except ValidationError as exc:
                for e in _errors(exc):
                    form.add_error("month", e)
            else:
                messages.success(request, _("%(n)d item(s) drawn.") % {"n": added})
                return redirect(f"{request.path}?month={form.cleaned_data['month']:%Y-%m}")
    month = None
    if request.GET.get("month"):
        month_form = DrawForm({"month": request.GET["month"]})
        month = month_form.cleaned_data["month"] if month_form.is_valid() else None
    page, query = paginate(request, selectors.plan_items(user=request.user, plan=plan, month=month))
    return render(request, "supervision/plan.html", {"plan": plan, "form": form, "page": page, "query": query,
                                                     "may_plan": may_plan(request.user), "month": month})  # fmt: skip


# --- work list and inspection --------------------------------------------------------------------------------
@login_required
@require_GET
def work(request):
    if not is_inspector(request.user):
        raise PermissionDenied
    qs = selectors.work_list(user=request.user, params=request.GET)
    page, query = paginate(request, qs)
    return render_page(request, "supervision/work.html", {"page": page, "query": query, "sources": Source.choices},
                       partial="supervision/_work_table.html")  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def item(request, pk):
    item = selectors.item_get(user=request.user, pk=pk)
    record = getattr(item, "record", None)  # the reverse one-to-one raises when absent
    allowed = record is None and services.may_inspect(request.user, item)
    form = RecordForm(request.POST or None, request.FILES or None, item=item) if allowed else None
    if request.method == "POST":
        if not allowed:
            if record is not None:
                messages.info(request, _("This item has already been inspected."))
                return redirect("supervision:item", pk=item.pk)
            raise PermissionDenied
        if form.is_valid():
            try:
                services.record_create(item=item, data=form.cleaned_data, actor=request.user, now=timezone.now(),
                                       photo=form.cleaned_data.get("photo"))  # fmt: skip
            except ValidationError as exc:
                if getattr(exc, "code", None) == "duplicate":
                    messages.info(request, _("This item has already been inspected."))
                    return redirect("supervision:item", pk=item.pk)
                for e in _errors(exc):
                    form.add_error(None, e)
            else:
                messages.success(request, _("Inspection recorded."))
                return redirect("supervision:work")
    phone = phone_for(request.user, item.customer.phone) if item.customer else ""
    context = {"item": item, "record": record, "form": form, "phone": phone,
               "record_url": sampling.record_url(item.source, item.object_id)}  # fmt: skip
    return render(request, "supervision/item.html", context)


@login_required
@require_GET
def record_photo(request, pk):
    return file_response(selectors.record_get(user=request.user, pk=pk).photo)


# --- rectifications ------------------------------------------------------------------------------------------
@login_required
@require_GET
def rectifications(request):
    qs = selectors.rectification_list(user=request.user, params=request.GET)
    if request.GET.get("export") == "1":
        return start_export(request, builder="serviceloop.supervision.export.rectification_sheets",
                            filename=f"{_('rectifications')}.xlsx",
                            title=_("Export of %(list)s") % {"list": _("rectifications")})  # fmt: skip
    page, query = paginate(request, qs)
    return render_page(request, "supervision/rectifications.html",
                       {"page": page, "query": query_without(request, "export"), "statuses": RectStatus.choices,
                        "today": timezone.localdate(), "open": RECT_OPEN},
                       partial="supervision/_rect_table.html")  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def rectification(request, pk):
    rect = selectors.rectification_get(user=request.user, pk=pk)
    buttons = []
    if services.may_rectify(request.user, rect) and rect.status in RECT_OPEN:
        buttons.append((RectAction.RECTIFY, _("Report as rectified")))
    if services.may_verify(request.user, rect) and rect.status == RectStatus.RECTIFIED:
        buttons += [(RectAction.VERIFY, _("Verify")), (RectAction.SEND_BACK, _("Send back"))]
    form = NoteForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in {a for a, _l in buttons}:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.rectification_transition(rect=rect, action=action, actor=request.user, now=timezone.now(),
                                                  note=form.cleaned_data["note"])  # fmt: skip
            except ValidationError as exc:
                for e in _errors(exc):
                    form.add_error("note", e)
            else:
                messages.success(request, _("Saved."))
                return redirect("supervision:rectification", pk=rect.pk)
    context = {"rect": rect, "form": form, "buttons": buttons, "events": rect.events.select_related("actor"),
               "today": timezone.localdate(), "overdue": rect.is_overdue(timezone.localdate())}  # fmt: skip
    return render(request, "supervision/rectification.html", context)


# --- risk register -------------------------------------------------------------------------------------------
@login_required
@require_GET
def risks(request):
    qs = selectors.risk_list(user=request.user, params=request.GET)
    if request.GET.get("export") == "1":
        return start_export(request, builder="serviceloop.supervision.export.risk_sheets",
                            filename=f"{_('risk register')}.xlsx",
                            title=_("Export of %(list)s") % {"list": _("risk register")})  # fmt: skip
    page, query = paginate(request, qs)
    branches, stations = selectors.unit_filter_choices(request.user)
    context = {"page": page, "query": query_without(request, "export"), "levels": RiskLevel.choices,
               "statuses": RiskStatus.choices, "branches": branches, "stations": stations,
               "may_raise": may_raise_risk(request.user), "today": timezone.localdate(), "open": RISK_OPEN}  # fmt: skip
    return render_page(request, "supervision/risks.html", context, partial="supervision/_risk_table.html")


@login_required
@require_http_methods(["GET", "POST"])
def risk_create(request):
    if not may_raise_risk(request.user):
        raise PermissionDenied
    form = RiskForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            risk = services.risk_raise(data=form.cleaned_data, actor=request.user, now=timezone.now())
        except ValidationError as exc:
            for e in _errors(exc):
                form.add_error(None, e)
        else:
            messages.success(request, _("Risk %(ref)s added to the register.") % {"ref": risk.reference})
            return redirect("supervision:risk", pk=risk.pk)
    return render(request, "supervision/risk_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def risk_detail(request, pk):
    risk = selectors.risk_get(user=request.user, pk=pk)
    user, now = request.user, timezone.now()
    may_work, may_review = may_work_risk(user, risk), may_review_risk(user, risk)
    buttons = []
    if may_work and risk.status == RiskStatus.OPEN:
        buttons.append((RiskAction.START, _("Start the measures")))
    if may_work and risk.status in RISK_OPEN:
        buttons.append((RiskAction.SUBMIT, _("Submit for review")))
    if may_review and risk.status == RiskStatus.IN_REVIEW:
        buttons += [(RiskAction.CLOSE, _("Close after review")), (RiskAction.REOPEN, _("Send back"))]
    step = request.POST.get("step")
    editable = may_work and risk.status != RiskStatus.CLOSED
    edit_form = RiskEditForm(request.POST if step == "edit" else None, user=user, risk=risk, prefix="edit")
    note_form = NoteForm(request.POST if step == "transition" else None)
    if request.method == "POST":
        try:
            if step == "edit":
                if not editable:
                    raise PermissionDenied
                if edit_form.is_valid():
                    services.risk_update(risk=risk, data=edit_form.cleaned_data, actor=user, now=now)
                    messages.success(request, _("Saved."))
                    return redirect("supervision:risk", pk=risk.pk)
            elif step == "transition":
                action = request.POST.get("action")
                if action not in {a for a, _l in buttons}:
                    raise PermissionDenied
                if note_form.is_valid():
                    services.risk_transition(risk=risk, action=action, actor=user, now=now,
                                             note=note_form.cleaned_data["note"])  # fmt: skip
                    messages.success(request, _("Saved."))
                    return redirect("supervision:risk", pk=risk.pk)
            else:
                raise PermissionDenied
        except ValidationError as exc:
            target = edit_form if step == "edit" else note_form
            for e in _errors(exc):
                target.add_error(None, e)
    context = {"risk": risk, "events": risk.events.select_related("actor"), "buttons": buttons,
               "edit_form": edit_form if editable else None, "note_form": note_form,
               "overdue": risk.is_overdue(timezone.localdate(now))}  # fmt: skip
    return render(request, "supervision/risk.html", context)


# --- risk-rule thresholds --------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def risk_rules(request):
    """The thresholds of the risk rules with their history: city administrators edit them, the register's readers
    see them (so they know why a risk was raised)."""
    from django.utils.dateparse import parse_datetime

    from serviceloop.org.scope import can_manage_org

    from .forms import RiskRulesForm
    from .models import RiskRuleChange, RiskRuleSettings
    from .scope import may_read_register

    if not (can_manage_org(request.user) or may_read_register(request.user)):
        raise PermissionDenied
    row = RiskRuleSettings.current()
    form = None
    if can_manage_org(request.user):
        form = RiskRulesForm(request.POST or None, settings_row=row)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            seen, reason = data.pop("seen"), data.pop("reason")
            try:
                services.riskrules_update(
                    values=data, reason=reason, seen_updated_at=parse_datetime(seen) if seen else None,
                    actor=request.user, now=timezone.now(),
                )  # fmt: skip
            except ValidationError as e:
                form.add_error(None, e)
            else:
                messages.success(request, _("Thresholds saved. The next run of the risk rules uses them."))
                return redirect("supervision:risk-rules")
    elif request.method == "POST":
        raise PermissionDenied
    history = RiskRuleChange.objects.select_related("by")
    labels = {f: RiskRuleSettings._meta.get_field(f).verbose_name for f in services.RULE_FIELDS}
    if request.GET.get("export") == "xlsx":
        rows = ([timezone.localtime(c.at).strftime("%Y-%m-%d %H:%M"), str(c.by), c.reason,
                 *[f"{c.before.get(f)} → {c.after.get(f)}" for f in services.RULE_FIELDS]] for c in history)  # fmt: skip
        return xlsx_response(filename=f"{_('Risk rule thresholds')}.xlsx", sheet_title=_("Risk rule thresholds"),
                             headers=[_("Changed at"), _("Changed by"), _("Reason for the change"),
                                      *[str(v) for v in labels.values()]], rows=rows)  # fmt: skip
    page, query = paginate(request, history, size=30)
    for change in page.object_list:
        change.diff = [(labels[f], change.before.get(f), change.after.get(f)) for f in services.RULE_FIELDS
                       if change.before.get(f) != change.after.get(f)]  # fmt: skip
    context = {
        "form": form, "row": row, "page": page, "query": query,
        "current": [(labels[f], getattr(row, f)) for f in services.RULE_FIELDS],
    }  # fmt: skip
    return render(
        request, "supervision/risk_rules.html", context, status=400 if form and form.errors else 200
    )
