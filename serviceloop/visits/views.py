import datetime as dt
import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from serviceloop.core.background import start_export
from serviceloop.core.files import file_response
from serviceloop.core.htmx import render_page
from serviceloop.core.paging import KeysFirstPaginator, query_without
from serviceloop.core.params import id_param
from serviceloop.org.models import Role
from serviceloop.org.scope import can_manage_org
from serviceloop.tags.models import LIVE_STATUSES, OPEN_STATUSES, CustomerTag, TagStatus

from . import selectors, services
from .models import CycleNote, KeyList, KeyListSettings, VisitOutcome, VisitPolicy, VisitStatus


class RecordForm(forms.Form):
    outcome = forms.ChoiceField(choices=VisitOutcome.choices, label=pgettext_lazy("visit", "outcome"),
                                widget=forms.RadioSelect)  # fmt: skip
    covered = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple,
                                        label=gettext_lazy("what the visit covers"))  # fmt: skip
    notes = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                            label=gettext_lazy("notes"))  # fmt: skip
    photo = forms.ImageField(required=False, label=gettext_lazy("photo"))
    short_reason = forms.CharField(required=False, max_length=500, label=gettext_lazy("reason for the short visit"),
                                   widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def __init__(self, *args, visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        policy = visit.policy if visit else None
        self.fields["covered"].choices = [(i, i) for i in (policy.checklist_items if policy else [])]
        if not (policy and policy.min_minutes):
            del self.fields["short_reason"]
        elif visit.check_in_at:
            reached = timezone.localtime(visit.check_in_at) + dt.timedelta(minutes=policy.min_minutes)
            self.fields["short_reason"].help_text = _(
                "Only when checking out before %(time)s: the policy asks for at least %(n)d minutes."
            ) % {"time": reached.strftime("%H:%M"), "n": policy.min_minutes}


class CheckInForm(forms.Form):
    latitude = forms.DecimalField(required=False, min_value=-90, max_value=90, decimal_places=6)
    longitude = forms.DecimalField(required=False, min_value=-180, max_value=180, decimal_places=6)


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("kind"))
    category = forms.ModelChoiceField(queryset=None, label=gettext_lazy("category"))
    urgency = forms.ChoiceField(label=gettext_lazy("urgency"))
    text = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("text")
    )
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        from serviceloop.servicedesk.models import Category, Kind, Urgency

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Kind.choices
        self.fields["category"].queryset = Category.objects.filter(active=True)
        self.fields["urgency"].choices = Urgency.choices
        self.fields["urgency"].initial = Urgency.NORMAL


class DayForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("day"), widget=forms.DateInput(attrs={"type": "date"}))


class PolicyForm(forms.ModelForm):
    class Meta:
        model = VisitPolicy
        fields = ["name", "kind", "stars_min", "stars_max", "key_list", "visits_per_month", "min_minutes",
                  "max_gap_days", "checklist", "active"]  # fmt: skip


class KeyListSettingsForm(forms.ModelForm):
    class Meta:
        model = KeyListSettings
        fields = [
            "grade_drop_days",
            "closed_window_days",
            "closed_min_visits",
            "complaint_days",
            "new_shop_months",
        ]


class CycleForm(forms.ModelForm):
    class Meta:
        model = CycleNote
        fields = ["analysis", "plan", "evaluation", "improvement"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in fields}


def _msgs(exc):
    return exc.messages


@login_required
@require_GET
def today(request):
    """The phone page: my visits of the day (or ?day=YYYY-MM-DD)."""
    day = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("day", "")) if request.GET.get("day") else day
    except ValueError:
        messages.error(request, _("Not a valid date."))
    visits = list(selectors.visits_for_day(user=request.user, day=day))
    return render(request, "visits/today.html", {"visits": visits, "day": day,
                                                 "done": sum(v.status == VisitStatus.DONE for v in visits),
                                                 "prev": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1)})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def record(request, pk):
    visit = selectors.visit_get(user=request.user, pk=pk)
    step = request.POST.get("step")
    form = RecordForm(request.POST if step == "record" else None, request.FILES or None, visit=visit)
    move_form = DayForm(request.POST if step == "move" else None, prefix="move")
    request_form = RequestForm(request.POST if request.POST.get("step") == "request" else None, prefix="sr",
                               initial={"token": uuid.uuid4()})  # fmt: skip
    now = timezone.now()
    short_warning, errors = None, []
    if request.method == "POST":
        try:
            if step == "check_in":
                geo = CheckInForm(request.POST)
                if not geo.is_valid():
                    raise ValidationError(_("The location is not valid."))
                services.visit_check_in(visit=visit, actor=request.user, now=now,
                                        latitude=geo.cleaned_data["latitude"], longitude=geo.cleaned_data["longitude"])  # fmt: skip
                return redirect("visits:record", pk=visit.pk)
            if step == "record" and form.is_valid():
                d = form.cleaned_data
                services.visit_record(visit=visit, outcome=d["outcome"], covered=d["covered"], notes=d["notes"],
                                      photo=d["photo"], short_reason=d.get("short_reason", ""), actor=request.user,
                                      now=now)  # fmt: skip
                messages.success(request, _("Visit recorded."))
                return redirect("visits:today")
            if step == "move" and move_form.is_valid():
                services.visit_move(
                    visit=visit, day=move_form.cleaned_data["day"], actor=request.user, now=now
                )
                messages.success(request, _("Visit moved."))
                return redirect("visits:today")
            if step == "request" and request_form.is_valid():
                d = request_form.cleaned_data
                sr, created = services.visit_file_request(
                    visit=visit, kind=d["kind"], category=d["category"], text=d["text"], urgency=d["urgency"],
                    actor=request.user, now=now, idempotency_key=f"visit-{visit.pk}-{d['token']}",
                )  # fmt: skip
                if created:
                    messages.success(request, _("Service request %(ref)s filed.") % {"ref": sr.reference})
                else:
                    messages.info(
                        request, _("This request was already filed: %(ref)s.") % {"ref": sr.reference}
                    )
                return redirect("visits:record", pk=visit.pk)
            if step == "cancel":
                services.visit_cancel(visit=visit, reason=request.POST.get("reason", "")[:200], actor=request.user,
                                      now=now)  # fmt: skip
                messages.success(request, _("Visit cancelled."))
                return redirect("visits:today")
        except ValidationError as exc:
            if getattr(exc, "code", None) == "short_visit":
                short_warning = exc.messages[0]
                form.add_error("short_reason", _("Give the reason for the short visit."))
            else:
                errors += _msgs(exc)
        if step == "move" and not move_form.is_valid():
            errors += [e for errs in move_form.errors.values() for e in errs]
    shop_tags = CustomerTag.objects.filter(customer=visit.customer, status__in=LIVE_STATUSES).select_related(
        "tag"
    )
    filed = [e.data for e in visit.events.filter(action="request")]
    context = {"visit": visit, "form": form, "move_form": move_form, "tags": shop_tags, "now": now,
               "short_warning": short_warning, "photo_lost": bool(short_warning and request.FILES), "errors": errors,
               "request_form": request_form, "filed": filed,
               "may_record": services.may_record(request.user, visit),
               "may_manage": services.may_manage_plan(request.user, visit),
               "missed": services.missed_for(request.user, visit, timezone.localdate(now))}  # fmt: skip
    return render(request, "visits/record.html", context)


@login_required
@require_GET
def photo(request, pk):
    """A visit's photo, served only to those who may see the visit (uploads are never in a public folder)."""
    visit = selectors.visit_get(user=request.user, pk=pk)
    return file_response(visit.photo)


@login_required
@require_http_methods(["POST"])
def add(request, customer_pk):
    from serviceloop.customers.selectors import customer_get

    customer = customer_get(user=request.user, pk=customer_pk)
    form = DayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not a valid date."))
        return redirect("customers:detail", pk=customer.pk)
    try:
        visit = services.visit_add(customer=customer, day=form.cleaned_data["day"], actor=request.user,
                                   now=timezone.now())  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(_msgs(exc)))
        return redirect("customers:detail", pk=customer.pk)
    messages.success(request, _("Visit planned."))
    return redirect("visits:record", pk=visit.pk)


def _query(request):
    return query_without(request, "export")


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


@login_required
@require_GET
def visit_list(request):
    qs = selectors.visit_list(user=request.user, params=request.GET)
    if request.GET.get("export") == "1":
        return start_export(request, builder="serviceloop.visits.export.visit_sheets",
                            filename=f"{_('visits')}-{_stamp()}.xlsx", title=_("Export of the visit list"))  # fmt: skip
    # Keys first: the newest day alone holds a city's ~7,000 visits, sorted by shop name; sorting them as whole
    # joined rows cost twice the keys' sort (63 vs 33 ms at 30,000 shops).
    page = KeysFirstPaginator(qs, 30).get_page(request.GET.get("page"))
    return render_page(request, "visits/list.html", {"page": page, "query": _query(request),
                                                     "statuses": VisitStatus.choices,
                                                     "outcomes": VisitOutcome.choices}, partial="visits/_table.html")  # fmt: skip


@login_required
@require_GET
def compliance(request):
    now = timezone.now()
    first, last = selectors.month_bounds(request.GET.get("month"), timezone.localdate(now))
    by = "route" if request.GET.get("by") == "route" else "manager"
    today = timezone.localdate(now)
    keys = selectors.compliance_keys(user=request.user, first=first, by=by)
    if request.GET.get("export") == "1":
        return start_export(request, builder="serviceloop.visits.export.compliance_sheets",
                            filename=f"{_('visit compliance')}-{first:%Y-%m}.xlsx",
                            title=_("Export of the visit compliance"))  # fmt: skip
    # 50 managers (or routes) a page: the city's 800 managers were counted on every request (issue 14).
    page = Paginator(keys, 50).get_page(request.GET.get("page"))
    rows = selectors.compliance(user=request.user, first=first, last=last, by=by, today=today,
                                keys=list(page.object_list))  # fmt: skip
    context = {"rows": rows, "page": page, "query": query_without(request), "first": first, "by": by,
               "month": f"{first:%Y-%m}", "today": today,
               "current": first <= today <= last,
               "short": list(selectors.short_visits(user=request.user, first=first, last=last)[:50]),
               "gaps": selectors.shops_not_visited(user=request.user, now=now, limit=50)}  # fmt: skip
    return render_page(request, "visits/compliance.html", context, partial="visits/_compliance_table.html")


@login_required
@require_http_methods(["GET", "POST"])
def keylists(request):
    key = request.GET.get("list")
    may_configure = can_manage_org(request.user)
    settings_form = KeyListSettingsForm(request.POST or None, instance=KeyListSettings.current())
    if request.method == "POST":
        if not may_configure:
            raise PermissionDenied
        if settings_form.is_valid():
            services.keylist_settings_save(
                data=settings_form.cleaned_data, actor=request.user, now=timezone.now()
            )
            messages.success(
                request, _("Saved. The lists are recomputed by the next run of the background job.")
            )
            return redirect("visits:keylists")
    summary = selectors.keylist_summary(user=request.user)
    context = {"summary": summary, "key": key, "settings_form": settings_form if may_configure else None}
    if key in KeyList.values:
        qs = selectors.keylist_entries(user=request.user, key_list=key, q=request.GET.get("q", ""))
        if request.GET.get("export") == "1":
            return start_export(request, builder="serviceloop.visits.export.keylist_sheets",
                                filename=f"{KeyList(key).label}-{_stamp()}.xlsx",
                                title=_("Export of %(list)s") % {"list": KeyList(key).label})  # fmt: skip
        context.update(page=Paginator(qs, 30).get_page(request.GET.get("page")), query=_query(request),
                       label=KeyList(key).label)  # fmt: skip
    return render(request, "visits/keylists.html", context)


@login_required
@require_GET
def policies(request):
    return render(request, "visits/policies.html", {"policies": VisitPolicy.objects.all(),
                                                    "may_edit": can_manage_org(request.user)})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request, pk=None):
    if not can_manage_org(request.user):
        raise PermissionDenied
    policy = get_object_or_404(VisitPolicy, pk=pk) if pk else None
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_save(
                policy=policy, data=form.cleaned_data, actor=request.user, now=timezone.now()
            )
        except ValidationError as exc:
            for e in _msgs(exc):
                form.add_error(None, e)
        else:
            messages.success(request, _("Saved."))
            return redirect("visits:policies")
    return render(request, "visits/policy_edit.html", {"form": form, "policy": policy})


@login_required
@require_http_methods(["GET", "POST"])
def cycle(request):
    """The 135 cycle page of an account manager for one week (Monday..Sunday).

    The manager writes the notes; a station head, branch manager or city admin opens any account manager's page in
    their scope (``?manager=<id>``), read-only.
    """
    user, now = request.user, timezone.now()
    wanted = request.GET.get("manager", "")
    filters = {"managers": None, "stations": None}
    if user.role == Role.ACCOUNT_MANAGER:
        if wanted and wanted != str(user.pk):
            raise PermissionDenied
        manager = user
    elif user.is_superuser or user.role in CYCLE_VIEWERS:
        if request.method == "POST":
            raise PermissionDenied
        visible = selectors.account_managers_visible_to(user)
        manager = get_object_or_404(visible, pk=pk) if (pk := id_param(wanted)) is not None else None
        filters = selectors.account_manager_filters(
            user, visible, station=id_param(request.GET.get("station")), chosen=manager
        )
    else:
        raise PermissionDenied
    try:
        anchor = (
            dt.date.fromisoformat(request.GET.get("week", ""))
            if request.GET.get("week")
            else timezone.localdate(now)
        )
    except ValueError:
        anchor = timezone.localdate(now)
    start = anchor - dt.timedelta(days=anchor.weekday())
    end = start + dt.timedelta(days=6)
    context = {"start": start, "end": end, "prev": start - dt.timedelta(days=7), "next": start + dt.timedelta(days=7),
               "manager": manager, **filters, "read_only": manager is not None and manager != user}  # fmt: skip
    if manager is None:
        return render(request, "visits/cycle.html", context)
    note = CycleNote.objects.filter(manager=manager, week_start=start).first()
    form = CycleForm(request.POST or None, instance=note) if manager == user else None
    if form is not None and request.method == "POST" and form.is_valid():
        services.cyclenote_save(manager=user, week_start=start, data=form.cleaned_data, actor=user, now=now)
        messages.success(request, _("Saved."))
        return redirect(f"{request.path}?week={start.isoformat()}")
    context.update(_cycle_data(manager, start, end, now), form=form, note=note)
    return render(request, "visits/cycle.html", context)


CYCLE_VIEWERS = {Role.STATION_HEAD, Role.BRANCH_MANAGER, Role.CITY_ADMIN}


def _cycle_data(manager, start, end, now) -> dict:
    """What the manager's week looks like, read in the manager's own scope (also when a superior opens it)."""
    today = timezone.localdate(now)
    tags = CustomerTag.objects.visible_to(manager)
    open_tags = tags.filter(status__in=OPEN_STATUSES)
    week_visits = selectors.Visit.objects.filter(manager=manager, planned_on__range=(start, end)).exclude(
        status=VisitStatus.CANCELLED
    )
    counts = week_visits.aggregate(planned=Count("id"), due=Count("id", filter=Q(planned_on__lte=today)),
                                   done=Count("id", filter=Q(status=VisitStatus.DONE)))  # fmt: skip
    return {
        "open_tags": open_tags.count(),
        "overdue_tags": open_tags.filter(due_at__lt=now).select_related("customer", "tag").order_by("due_at")[:20],
        "tag_counts": open_tags.values("tag__name").annotate(n=Count("id")).order_by("-n")[:10],
        "plan_by_day": week_visits.values("planned_on").annotate(n=Count("id"),
                                                                 done=Count("id", filter=Q(status=VisitStatus.DONE))).order_by("planned_on"),
        "visits": counts, "removed": tags.filter(removed_at__date__range=(start, end)).count(),
        "verified": tags.filter(status=TagStatus.VERIFIED, verified_at__date__range=(start, end)).count(),
        "gaps": selectors.shops_not_visited(user=manager, now=now, limit=10),
        "low_scores": tags.filter(status__in=OPEN_STATUSES, tag__name="对服务不满意").select_related("customer")[:10],
        "requests": _open_requests(manager),
        "survey_lows": _survey_low_scores(manager),
    }  # fmt: skip


def _survey_low_scores(user):
    """Low survey scores found on the manager's shops (the surveys app's acted-on low scores), newest first."""
    from django.apps import apps

    if not apps.is_installed("serviceloop.surveys"):
        return None
    LowScoreAction = apps.get_model("surveys", "LowScoreAction")
    return (LowScoreAction.objects.filter(customer__route__account_manager=user)
            .select_related("customer").order_by("-at")[:10])  # fmt: skip


def _open_requests(user):
    """Open service requests of the manager's shops that the manager may see (service desk installed)."""
    from django.apps import apps

    if not apps.is_installed("serviceloop.servicedesk"):
        return None
    ServiceRequest = apps.get_model("servicedesk", "ServiceRequest")
    # visible_to keeps the service desk's own rules (tip-offs stay hidden from account managers).
    return (ServiceRequest.objects.visible_to(user).open().filter(shop__route__account_manager=user)
            .select_related("shop").order_by("-created_at")[:10])  # fmt: skip
