"""Desk pages: intake, request detail with actions, task list, ledger, live board, notifications."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serviceloop.core.audit import audit_record
from serviceloop.core.background import start_export
from serviceloop.core.htmx import render_page
from serviceloop.core.paging import page_size, paginate
from serviceloop.core.phones import phone_q, sees_phones
from serviceloop.core.xlsx import xlsx_response
from serviceloop.customers.models import Customer
from serviceloop.org.scope import can_manage_org
from serviceloop.org.selectors import route_options

from . import board as board_mod
from . import filters, selectors
from . import services as s
from .forms import ACTION_FORMS, DispatchForm, IntakeForm
from .idempotency import scoped_key
from .models import OPEN, Attachment, Notification, ServiceRequest
from .perms import allowed_actions, may_file


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# ---- intake ----------------------------------------------------------------------------------------


@login_required
@require_GET
def shop_search(request):
    """HTMX: shops matching a name, licence, owner or phone, within the user's scope."""
    q = request.GET.get("q", "").strip()
    shops = []
    if len(q) >= 2:
        shops = list(
            Customer.objects.visible_to(request.user)
            .filter(
                Q(name__icontains=q)
                | Q(licence_no__startswith=q)
                | Q(owner_name__icontains=q)
                | phone_q(request.user, q, "phone", "alt_phone", lookup="startswith")
            )
            .select_related("route")
            .order_by("name")[:10]
        )
    return render(
        request,
        "servicedesk/_shop_results.html",
        {"shops": shops, "q": q, "sees_phones": sees_phones(request.user)},
    )


@login_required
@require_GET
def shop_context(request, pk):
    """HTMX: the chosen shop, its open requests and recent history — so a repeat is caught before filing."""
    shop = get_object_or_404(
        Customer.objects.visible_to(request.user).select_related("route", "station"), pk=pk
    )
    return render(request, "servicedesk/_shop_context.html", _shop_context(request.user, shop))


def _shop_context(user, shop):
    mine = selectors.servicerequest_list(user=user).filter(shop=shop)
    return {
        "shop": shop,
        "open_requests": list(mine.filter(status__in=OPEN)[:20]),
        "recent": list(mine.exclude(status__in=OPEN)[:10]),
        "sees_phones": sees_phones(user),
    }


@login_required
@require_http_methods(["GET", "POST"])
def intake(request):
    if not may_file(request.user):
        raise PermissionDenied
    shop = None
    shop_id = request.POST.get("shop") or request.GET.get("shop")
    if shop_id:
        try:
            shop = Customer.objects.visible_to(request.user).get(pk=int(shop_id))
        except (ValueError, Customer.DoesNotExist):
            raise Http404 from None
    form = IntakeForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "GET" and request.GET.get("channel"):
        form.initial["channel"] = request.GET["channel"]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if shop is None and not (
            request.user.is_superuser
            or request.user.role in ("agent", "city_admin", "supervisor", "inspector")
        ):
            form.add_error(None, _("Choose the shop."))
        else:
            try:
                sr, created = s.servicerequest_file(
                    customer=shop,
                    channel=d["channel"],
                    kind=d["kind"],
                    category=d["category"],
                    text=d["text"],
                    callback_phone=d["callback_phone"],
                    photos=d["photos"],
                    actor=request.user,
                    now=timezone.now(),
                    idempotency_key=scoped_key("desk", request.user, shop, d["idempotency_key"])
                    if d["idempotency_key"]
                    else None,
                    urgency=d["urgency"],
                    complexity=d["complexity"],
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                if created:
                    messages.success(request, _("Request %(ref)s filed.") % {"ref": sr.reference})
                else:
                    messages.info(request, _("This was already filed as %(ref)s.") % {"ref": sr.reference})
                if ServiceRequest.objects.visible_to(request.user).filter(pk=sr.pk).exists():
                    return redirect("servicedesk:detail", sr.pk)
                return redirect("servicedesk:new")
    context = {"form": form, "shop": shop, "visit": request.user.role == "account_manager"}
    if shop is not None:
        context.update(_shop_context(request.user, shop))
    return render(request, "servicedesk/intake.html", context, status=400 if form.errors else 200)


# ---- one request -----------------------------------------------------------------------------------


def _detail_context(request, sr, forms=None):
    now = timezone.now()
    actions = allowed_actions(request.user, sr)
    forms = forms or {}
    for action in actions:
        if action not in forms:
            if action == "dispatch":
                forms[action] = DispatchForm(
                    candidates=selectors.owner_candidates(request=sr),
                    departments=selectors.dispatch_departments(request=sr),
                    prefix=action,
                )
            else:
                forms[action] = ACTION_FORMS[action](prefix=action)
    milestones = list(sr.milestones.order_by("round", "due_at"))
    for m in milestones:
        if m.state == "pending":
            from .sla import milestone_left

            m.left = milestone_left(m, now)
    return {
        "sr": sr,
        "events": sr.events.select_related("actor").order_by("at", "id"),
        "milestones": milestones,
        "reports": sr.reports.select_related("author").prefetch_related("photos"),
        "follow_ups": sr.follow_ups.select_related("by"),
        "attachments": [a for a in sr.attachments.all() if a.report_id is None],
        "action_forms": [(a, forms[a]) for a in actions if a in forms],
        "suggestions": selectors.dispatch_suggestions(request=sr) if "dispatch" in actions else [],
        "sees_phones": sees_phones(request.user),
        # The shop's numbers on the request itself, so the follow-up call needs no second page.
        "shop_phones": [p for p in (sr.shop.phone, sr.shop.alt_phone) if p] if sr.shop_id else [],
        "shop_messages": sr.shop_messages.all(),
        # Read out or sent to the shop (a request taken by phone is tracked too); made once, on first need.
        "tracking_url": s.servicerequest_tracking_url(request=sr, now=now),
    }


@login_required
@require_GET
def detail(request, pk):
    sr = selectors.servicerequest_get(user=request.user, pk=pk)
    return render(request, "servicedesk/detail.html", _detail_context(request, sr))


@login_required
@require_POST
def act(request, pk, action):
    """One action on one request. Every rule is in the service; the view only translates the form."""
    sr = selectors.servicerequest_get(user=request.user, pk=pk)
    if action not in ACTION_FORMS:
        raise Http404
    if action not in allowed_actions(request.user, sr):
        raise PermissionDenied
    if action == "dispatch":
        form = DispatchForm(
            request.POST,
            candidates=selectors.owner_candidates(request=sr),
            departments=selectors.dispatch_departments(request=sr),
            prefix=action,
        )
    else:
        form = ACTION_FORMS[action](request.POST, request.FILES, prefix=action)
    if form.is_valid():
        try:
            _run(action, sr, form.cleaned_data, request.user)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("Done: %(ref)s") % {"ref": sr.reference})
            if ServiceRequest.objects.visible_to(request.user).filter(pk=sr.pk).exists():
                return redirect("servicedesk:detail", sr.pk)
            return redirect("servicedesk:tasks")
    sr = selectors.servicerequest_get(user=request.user, pk=pk)
    context = _detail_context(request, sr, forms={action: form})
    context["failed_action"] = action
    return render(request, "servicedesk/detail.html", context, status=400)


def _run(action, sr, d, user):
    now = timezone.now()
    note = d.get("note", "") or ""
    if action == "acknowledge":
        return s.servicerequest_acknowledge(request=sr, actor=user, now=now, note=note)
    if action == "answer":
        return s.servicerequest_answer(request=sr, answer=note, actor=user, now=now)
    if action == "dispatch":
        due = d.get("due_at")
        return s.servicerequest_dispatch(
            request=sr, owner=d["owner"], due_at=due, reason=note, actor=user, now=now
        )
    if action == "start":
        return s.servicerequest_start(request=sr, plan=note, actor=user, now=now)
    if action == "report":
        return s.servicerequest_report(
            request=sr,
            actions_taken=d["actions_taken"],
            outcome=d["outcome"],
            photos=d["photos"],
            actor=user,
            now=now,
        )
    if action == "resolve":
        return s.servicerequest_resolve(request=sr, actor=user, now=now, note=note)
    if action == "hold":
        return s.servicerequest_hold(request=sr, reason=note, actor=user, now=now)
    if action == "resume":
        return s.servicerequest_resume(request=sr, actor=user, now=now, note=note)
    if action == "merge":
        into = selectors.servicerequest_get_by_reference(user=user, reference=d["into"].strip().upper())
        if into is None:
            raise ValidationError(_("No request %(ref)s that you can see.") % {"ref": d["into"]})
        return s.servicerequest_merge(request=sr, into=into, actor=user, now=now)
    if action == "cancel":
        return s.servicerequest_cancel(request=sr, reason=note, actor=user, now=now)
    if action == "follow_up":
        return s.servicerequest_follow_up(
            request=sr,
            reached=d["reached"],
            satisfaction=d.get("satisfaction"),
            comment=d.get("comment", ""),
            actor=user,
            now=now,
        )
    if action == "close":
        return s.servicerequest_close(request=sr, actor=user, now=now, note=note)
    if action == "reopen":
        return s.servicerequest_reopen(request=sr, reason=note, actor=user, now=now)
    if action == "hand_back":
        return s.servicerequest_hand_back(request=sr, reason=note, actor=user, now=now)
    if action == "note":
        return s.servicerequest_note(request=sr, note=note, actor=user, now=now)
    raise Http404


@login_required
@require_GET
def attachment(request, pk):
    """Photos are served only to those who may see the request."""
    att = get_object_or_404(Attachment, pk=pk)
    selectors.servicerequest_get(user=request.user, pk=att.request_id)
    return FileResponse(att.file.open("rb"), content_type=att.content_type)


# ---- lists -----------------------------------------------------------------------------------------


@login_required
@require_GET
def tasks(request):
    """任务处理清单: what I own, and — for desk staff — what waits for acknowledgement, an owner or the
    follow-up call; overdue and nearly-due items first in each."""
    now = timezone.now()
    titles = {
        "mine": _("My requests"),
        "new": _("Waiting for acknowledgement"),
        "dispatch": _("Waiting for an owner"),
        "follow": _("Waiting for follow-up"),
    }
    sections = []
    for key, qs in selectors.task_sections(user=request.user, now=now).items():
        page = Paginator(qs, page_size(request)).get_page(request.GET.get(f"{key}_page"))
        sections.append({"key": key, "title": titles[key], "page": page})
    return render(request, "servicedesk/tasks.html", {"sections": sections, "now": now})


def _ledger(request):
    return filters.servicerequest_filtered(user=request.user, params=request.GET)


@login_required
@require_GET
def ledger(request):
    """工作台账: every request in scope, filtered; exported to Excel with the same filter."""
    filterset, qs = _ledger(request)
    page, query = paginate(request, qs)
    return render_page(
        request,
        "servicedesk/ledger.html",
        {
            "filter": filterset,
            "page": page,
            "query": query,
            "route_options": route_options(request.user, request.GET),
        },
        partial="servicedesk/_ledger_table.html",
    )


@login_required
@require_GET
def ledger_export(request):
    _filterset, qs = _ledger(request)
    total = qs.count()
    if total > settings.EXPORT_MAX_ROWS:
        messages.error(request, _("Too many rows to export (%(n)d). Narrow the filter first.") % {"n": total})
        return redirect(f"{reverse('servicedesk:ledger')}?{request.GET.urlencode()}")
    audit_record(
        actor=request.user,
        action="servicedesk.export",
        summary=_("%(n)d requests exported") % {"n": total},
        data={"filter": request.GET.dict(), "rows": total},
    )
    # A city's year (~40,000 requests) takes most of a minute to write: in the background, with progress and a link.
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return start_export(
        request,
        builder="serviceloop.servicedesk.export.ledger_sheets",
        filename=f"{_('work ledger')}-{stamp}.xlsx",
        title=_("Export of %(list)s") % {"list": _("work ledger")},
    )


@login_required
@require_GET
def board(request):
    """Live board: refreshes itself every 30 s through HTMX."""
    context = board_mod.board_data(user=request.user, now=timezone.now())
    return render_page(request, "servicedesk/board.html", context, partial="servicedesk/_board.html")


@login_required
@require_GET
def kpis(request):
    from .kpis import kpi_data

    context = kpi_data(user=request.user, params=request.GET, now=timezone.now())
    return render(request, "servicedesk/kpis.html", context)


@login_required
@require_GET
def shop_panel(request, pk):
    """HTMX panel on the shop's page: its requests."""
    shop = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
    qs = selectors.servicerequest_list(user=request.user).filter(shop=shop)
    return render(
        request,
        "servicedesk/_shop_panel.html",
        {"shop": shop, "requests": list(qs[:20]), "total": qs.count(), "may_file": may_file(request.user)},
    )


# ---- notifications ---------------------------------------------------------------------------------


@login_required
@require_GET
def bell(request):
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
    return render(request, "servicedesk/_bell.html", {"unread": unread})


@login_required
@require_GET
def notifications(request):
    qs = Notification.objects.filter(user=request.user).select_related("request")
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    page, query = paginate(request, qs)
    return render(request, "servicedesk/notifications.html", {"page": page, "query": query})


@login_required
@require_POST
def notifications_read(request):
    qs = Notification.objects.filter(user=request.user, read_at__isnull=True)
    if request.POST.get("id"):
        try:
            qs = qs.filter(pk=int(request.POST["id"]))
        except ValueError:
            return HttpResponse(_("Bad notification id."), status=400)
    qs.update(read_at=timezone.now())
    return redirect("servicedesk:notifications")


# ---- the company's holiday calendar ----------------------------------------------------------------


def _holiday_admin(request):
    if not can_manage_org(request.user):
        raise PermissionDenied


def _holiday_year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    today = timezone.localdate()
    return year if 2000 <= year <= 2100 else today.year + (1 if today.month >= 11 else 0)


@login_required
@require_http_methods(["GET", "POST"])
def holidays(request):
    """The city admin keeps the days off and make-up working days the clocks count by (per year)."""
    from . import holidays as h
    from .forms import HolidayForm
    from .models import Holiday

    _holiday_admin(request)
    year = _holiday_year(request)
    form = HolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            rows = h.holiday_add(
                first=d["first"],
                last=d["last"],
                is_workday=d["is_workday"],
                name=d["name"],
                actor=request.user,
                now=timezone.now(),
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("%(n)d day(s) saved.") % {"n": len(rows)})
            return redirect(f"{reverse('servicedesk:holidays')}?year={rows[0].date.year}")
    page, query = paginate(request, Holiday.objects.filter(date__year=year).order_by("date"), size=50)
    context = {
        "form": form,
        "page": page,
        "query": query,
        "year": year,
        "years": [year - 1, year, year + 1],
        "missing": h.missing_years(timezone.localdate()),
        "package_knows": h.package_knows(year),
    }
    return render(request, "servicedesk/holidays.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def holiday_delete(request, pk):
    from . import holidays as h
    from .models import Holiday

    _holiday_admin(request)
    row = get_object_or_404(Holiday, pk=pk)
    h.holiday_delete(holiday=row, actor=request.user, now=timezone.now())
    messages.success(request, _("Deleted: %(day)s") % {"day": f"{row.date:%Y-%m-%d}"})
    return redirect(f"{reverse('servicedesk:holidays')}?year={row.date.year}")


@login_required
@require_GET
def holidays_export(request):
    from .models import Holiday

    _holiday_admin(request)
    year = _holiday_year(request)
    rows = [
        (f"{r.date:%Y-%m-%d}", _("Make-up working day") if r.is_workday else _("Day off (holiday)"), r.name)
        for r in Holiday.objects.filter(date__year=year).order_by("date")
    ]
    audit_record(
        actor=request.user,
        action="servicedesk.holiday_export",
        summary=_("%(n)d days exported") % {"n": len(rows)},
        data={"year": year, "rows": len(rows)},
    )
    return xlsx_response(
        filename=f"{_('holiday calendar')}-{year}.xlsx",
        sheet_title=str(year),
        headers=[_("date"), _("kind of day"), _("name")],
        rows=rows,
    )
