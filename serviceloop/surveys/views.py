"""Staff pages: questionnaire editor, waves, progress and reminders, answer entry by phone and on visits."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serviceloop.core.htmx import render_page
from serviceloop.core.paging import paginate
from serviceloop.core.phones import mask_phone, sees_phones
from serviceloop.core.xlsx import xlsx_response
from serviceloop.org.selectors import station_route_filters

from . import selectors, services
from .forms import ItemForm, QuestionnaireForm, SampleCalculatorForm, SectionForm, WaveForm
from .forms_answer import error_dict, form_sections
from .models import STRATA_FIELDS, Channel, Item, Questionnaire, Section, TargetMode, WaveStatus

PAGE_SIZE = 30


def _page(request, qs, size=PAGE_SIZE):
    return paginate(request, qs, size=size)


def _manager_only(request):
    if not services.may_manage_surveys(request.user):
        raise PermissionDenied


def _form_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


# --- questionnaires -------------------------------------------------------------------------------
@login_required
@require_GET
def questionnaire_list(request):
    _manager_only(request)
    qs = selectors.questionnaire_list(q=request.GET.get("q", "")[:100])
    if request.GET.get("export"):
        rows = ([q.title, q.code, q.version, q.n_items, q.n_waves] for q in qs)
        return xlsx_response(
            filename=f"{_('questionnaires')}.xlsx",
            sheet_title=_("questionnaires"),
            rows=rows,
            headers=[_("title"), _("code"), _("version"), _("items"), _("waves")],
        )
    page, query = _page(request, qs)
    return render_page(
        request,
        "surveys/questionnaires.html",
        {"page": page, "query": query},
        partial="surveys/_questionnaire_table.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_create(request):
    _manager_only(request)
    form = QuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            q = services.questionnaire_create(**form.cleaned_data, actor=request.user, now=timezone.now())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return redirect("surveys:questionnaire", pk=q.pk)
    return render(request, "surveys/edit.html", {"form": form, "title": _("New questionnaire")})


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_detail(request, pk):
    _manager_only(request)
    q = get_object_or_404(Questionnaire, pk=pk)
    form = QuestionnaireForm(request.POST or None, instance=q)
    form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.questionnaire_update(
                questionnaire=q,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                actor=request.user,
                now=timezone.now(),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
        return redirect("surveys:questionnaire", pk=q.pk)
    sections = q.sections.prefetch_related("items")
    versions = Questionnaire.objects.filter(code=q.code).order_by("-version")
    return render(
        request,
        "surveys/questionnaire.html",
        {
            "q": q,
            "form": form,
            "sections": sections,
            "frozen": q.is_frozen,
            "versions": versions,
        },
    )


@login_required
@require_POST
def questionnaire_new_version(request, pk):
    _manager_only(request)
    q = get_object_or_404(Questionnaire, pk=pk)
    copy = services.questionnaire_new_version(questionnaire=q, actor=request.user, now=timezone.now())
    messages.success(request, _("Version %(v)d created; edit it here.") % {"v": copy.version})
    return redirect("surveys:questionnaire", pk=copy.pk)


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request, qpk, pk=None):
    _manager_only(request)
    q = get_object_or_404(Questionnaire, pk=qpk)
    section = get_object_or_404(Section, pk=pk, questionnaire=q) if pk else None
    form = SectionForm(request.POST or None, instance=section)
    if request.method == "POST" and "delete" in request.POST and section:
        try:
            services.section_delete(section=section, actor=request.user, now=timezone.now())
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("surveys:questionnaire", pk=q.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.section_save(
                questionnaire=q,
                section=section,
                data=form.cleaned_data,
                actor=request.user,
                now=timezone.now(),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return redirect("surveys:questionnaire", pk=q.pk)
    return render(
        request, "surveys/edit.html", {"form": form, "title": _("Section"), "back": q, "obj": section}
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, spk, pk=None):
    _manager_only(request)
    section = get_object_or_404(Section.objects.select_related("questionnaire"), pk=spk)
    item = get_object_or_404(Item, pk=pk, section=section) if pk else None
    form = ItemForm(request.POST or None, instance=item)
    q = section.questionnaire
    if request.method == "POST" and "delete" in request.POST and item:
        try:
            services.item_delete(item=item, actor=request.user, now=timezone.now())
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("surveys:questionnaire", pk=q.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_save(
                section=section, item=item, data=form.cleaned_data, actor=request.user, now=timezone.now()
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return redirect("surveys:questionnaire", pk=q.pk)
    return render(
        request, "surveys/edit.html", {"form": form, "title": _("Question"), "back": q, "obj": item}
    )


# --- waves ----------------------------------------------------------------------------------------
@login_required
@require_GET
def wave_list(request):
    qs = selectors.wave_list(
        user=request.user, q=request.GET.get("q", "")[:100], status=request.GET.get("status", "")
    )
    if request.GET.get("export"):
        rows = (
            [
                w.name,
                w.questionnaire.title,
                w.questionnaire.version,
                w.period_start,
                w.period_end,
                w.get_status_display(),
                w.n_targets,
                w.n_answered,
            ]
            for w in qs
        )
        return xlsx_response(
            filename=f"{_('survey waves')}.xlsx",
            sheet_title=_("survey waves"),
            rows=rows,
            headers=[
                _("name"),
                _("questionnaire"),
                _("version"),
                _("period start"),
                _("period end"),
                _("status"),
                _("shops"),
                _("answered"),
            ],
        )
    page, query = _page(request, qs)
    return render_page(
        request,
        "surveys/waves.html",
        {
            "page": page,
            "query": query,
            "statuses": WaveStatus.choices,
            "may_manage": services.may_manage_surveys(request.user),
            "may_results": services.may_view_results(request.user),
            "may_enter": services.entry_channel(request.user) is not None,
        },
        partial="surveys/_wave_table.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def wave_create(request):
    _manager_only(request)
    form = WaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        questionnaire = data.pop("questionnaire")
        try:
            wave = services.wave_create(
                company=request.user.company or _first_company(),
                questionnaire=questionnaire,
                data=data,
                actor=request.user,
                now=timezone.now(),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return redirect("surveys:wave", pk=wave.pk)
    return render(request, "surveys/edit.html", {"form": form, "title": _("New survey wave")})


def _first_company():
    from serviceloop.org.models import Company

    return Company.objects.order_by("pk").first()


@login_required
@require_GET
def wave_detail(request, pk):
    wave = selectors.wave_get(user=request.user, pk=pk)
    calc = SampleCalculatorForm(request.GET or None)
    plan = services.sample_plan(wave)
    calculated = None
    if calc.is_bound and calc.is_valid():
        from serviceloop.analytics.sample_size import sample_size

        calculated = sample_size(
            confidence=float(calc.cleaned_data["confidence"]),
            margin=float(calc.cleaned_data["margin"]),
            population=plan["population"] or None,
        )
    return render(
        request,
        "surveys/wave.html",
        {
            "wave": wave,
            "events": wave.events.select_related("actor"),
            "plan": plan,
            "calc": calc,
            "calculated": calculated,
            "n_targets": wave.targets.count(),
            "may_manage": services.may_manage_surveys(request.user),
            "may_results": services.may_view_results(request.user),
            "may_enter": services.entry_channel(request.user) is not None,
            "statuses": WaveStatus,
            "sample_mode": wave.target_mode == TargetMode.SAMPLE,
            "strata_labels": [STRATA_FIELDS.get(s, s) for s in wave.strata],
            "opens_early": wave.status == WaveStatus.DRAFT and timezone.localdate() < wave.period_start,
        },
    )


@login_required
@require_POST
def wave_draw(request, pk):
    _manager_only(request)
    wave = selectors.wave_get(user=request.user, pk=pk)
    try:
        n = services.wave_draw_targets(wave=wave, actor=request.user, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(n)d shops drawn.") % {"n": n})
    return redirect("surveys:wave", pk=wave.pk)


@login_required
@require_POST
def wave_transition(request, pk):
    _manager_only(request)
    wave = selectors.wave_get(user=request.user, pk=pk)
    try:
        services.wave_transition(
            wave=wave,
            to=request.POST.get("to", ""),
            actor=request.user,
            now=timezone.now(),
            note=request.POST.get("note", "")[:300],
            before_period=request.POST.get("before_period") == "1",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("surveys:wave", pk=wave.pk)


# --- progress and reminders -----------------------------------------------------------------------
def _staff(request):
    if not (request.user.is_superuser or request.user.role):
        raise PermissionDenied


@login_required
@require_GET
def wave_progress(request, pk):
    _staff(request)
    wave = selectors.wave_get(user=request.user, pk=pk)
    params = {k: request.GET.get(k, "")[:100] for k in ("q", "state", "station", "route")}
    qs = selectors.targets_for(user=request.user, wave=wave, **params)
    show_phones = sees_phones(request.user)
    blind = not selectors.shop_level_allowed(user=request.user, wave=wave)
    if request.GET.get("export"):
        rows = (
            [
                t.customer.licence_no,
                t.customer.name,
                t.customer.owner_name,
                t.customer.phone if show_phones else mask_phone(t.customer.phone),
                t.station.name if t.station else "",
                t.route.name if t.route else "",
                *([] if blind else [_("yes") if t.done else _("no"), t.n_reminders]),
            ]
            for t in qs
        )
        return xlsx_response(
            filename=f"{wave.name}-{_('progress')}.xlsx",
            sheet_title=_("progress"),
            rows=rows,
            headers=[
                _("licence number"),
                _("shop name"),
                _("owner"),
                _("phone"),
                _("station"),
                _("route"),
                *([] if blind else [_("answered"), _("reminders")]),
            ],
        )
    page, query = _page(request, qs)
    return render_page(
        request,
        "surveys/progress.html",
        {
            "wave": wave,
            "page": page,
            "query": query,
            "progress": selectors.progress(user=request.user, wave=wave),
            "sees_phones": show_phones,
            **station_route_filters(request.user, request.GET),
            "params": params,
            "may_enter": services.entry_channel(request.user) is not None,
            "blind": blind,
        },
        partial="surveys/_target_table.html",
    )


class _SilentlyDone(Exception):
    pass


@login_required
@require_POST
def target_remind(request, pk, tpk):
    _staff(request)
    wave = selectors.wave_get(user=request.user, pk=pk)
    target = selectors.target_get(user=request.user, wave=wave, pk=tpk)
    blind = not selectors.shop_level_allowed(user=request.user, wave=wave)
    try:
        if blind and services.target_answered(target):
            # Anonymous wave below the city: answer exactly as for a shop that has not answered, so that the
            # reminder button cannot be used to find out who did. Nothing is stored.
            raise _SilentlyDone
        services.reminder_record(
            target=target, actor=request.user, now=timezone.now(), note=request.POST.get("note", "")[:200]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except _SilentlyDone:
        messages.success(request, _("Reminder recorded for %(shop)s.") % {"shop": target.customer})
    else:
        messages.success(request, _("Reminder recorded for %(shop)s.") % {"shop": target.customer})
    return redirect(
        request.POST.get("next")
        if str(request.POST.get("next", "")).startswith("/surveys/")
        else reverse("surveys:progress", args=[wave.pk])
    )


@login_required
@require_POST
def target_reissue(request, pk, tpk):
    if services.entry_channel(request.user) is None:
        raise PermissionDenied
    wave = selectors.wave_get(user=request.user, pk=pk)
    target = selectors.target_get(user=request.user, wave=wave, pk=tpk)
    services.target_reissue_link(target=target, actor=request.user, now=timezone.now())
    messages.success(request, _("A new link was issued; the old QR code no longer works."))
    return redirect("surveys:entry", pk=wave.pk, tpk=target.pk)


@login_required
@require_GET
def target_qr(request, pk, tpk):
    if services.entry_channel(request.user) is None:
        raise PermissionDenied
    wave = selectors.wave_get(user=request.user, pk=pk)
    target = selectors.target_get(user=request.user, wave=wave, pk=tpk)
    url = request.build_absolute_uri(reverse("surveys:public", args=[services.link_code(target)]))
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=6)
    return HttpResponse(svg, content_type="image/svg+xml")


# --- entry by phone (agents) and on visits (account managers) -------------------------------------
def _entry_channel(request):
    channel = services.entry_channel(request.user)
    if channel is None:
        raise PermissionDenied
    return channel


@login_required
@require_GET
def entry_list(request, pk):
    _entry_channel(request)
    wave = selectors.wave_get(user=request.user, pk=pk)
    params = {"q": request.GET.get("q", "")[:100], "state": request.GET.get("state", "pending")}
    page, query = _page(request, selectors.targets_for(user=request.user, wave=wave, **params))
    return render_page(
        request,
        "surveys/entry_list.html",
        {
            "wave": wave,
            "page": page,
            "query": query,
            "params": params,
            "sees_phones": sees_phones(request.user),
        },
        partial="surveys/_entry_table.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_form(request, pk, tpk):
    channel = _entry_channel(request)
    wave = selectors.wave_get(user=request.user, pk=pk)
    target = selectors.target_get(user=request.user, wave=wave, pk=tpk)
    items = services.questionnaire_items(wave.questionnaire)
    answer = getattr(target, "answer", None) if hasattr(target, "answer") else None
    done = answer is not None and answer.status == "submitted"
    # An anonymous wave shows nobody below the city what a shop answered — not even a half-finished sheet
    # the owner started on their phone or a colleague started by phone.
    hidden = bool(
        answer is not None
        and not selectors.shop_level_allowed(user=request.user, wave=wave)
        and answer.entered_by_id != request.user.pk
    )
    if hidden:
        return render(
            request,
            "surveys/entry_form.html",
            {
                "wave": wave,
                "target": target,
                "done": done,
                "hidden": True,
                "channel": channel,
                "channel_label": Channel(channel).label,
                "sees_phones": sees_phones(request.user),
                "is_open": wave.status == WaveStatus.OPEN,
            },
            status=403 if request.method == "POST" else 200,
        )
    current = {
        "values": answer.values if answer else {},
        "expectations": answer.expectations if answer else {},
        "importances": answer.importances if answer else {},
    }
    errors, general = {}, []
    if request.method == "POST":
        values, exp, imp, errors = services.parse_answer_post(items, request.POST)
        current = {"values": values, "expectations": exp, "importances": imp}
        if not errors:
            try:
                services.answer_save(
                    target=target,
                    channel=channel,
                    values=values,
                    expectations=exp,
                    importances=imp,
                    actor=request.user,
                    now=timezone.now(),
                    submit="submit" in request.POST,
                )
            except ValidationError as exc:
                errors, general = error_dict(exc)
            else:
                if "submit" in request.POST:
                    messages.success(request, _("Answer of %(shop)s submitted.") % {"shop": target.customer})
                    return redirect("surveys:entry-list", pk=wave.pk)
                messages.success(request, _("Saved; you can continue later."))
                return redirect("surveys:entry", pk=wave.pk, tpk=target.pk)
        if errors and not general:
            general = [_("Please correct the questions marked in red.")]
    return render(
        request,
        "surveys/entry_form.html",
        {
            "wave": wave,
            "target": target,
            "done": done,
            "channel": channel,
            "general": general,
            "sections": form_sections(
                items,
                values=current["values"],
                expectations=current["expectations"],
                importances=current["importances"],
                errors=errors,
            ),
            "sees_phones": sees_phones(request.user),
            "is_open": wave.status == WaveStatus.OPEN,
            "channel_label": Channel(channel).label,
            "link": request.build_absolute_uri(reverse("surveys:public", args=[services.link_code(target)])),
        },
        status=400 if request.method == "POST" else 200,
    )
