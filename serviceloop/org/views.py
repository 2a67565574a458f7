"""Organisation management for the city administrator: branches, stations, routes and staff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from serviceloop.core.htmx import render_page
from serviceloop.core.paging import paginate
from serviceloop.core.params import id_param
from serviceloop.core.subqueries import counted

from . import selectors
from .forms import BranchForm, DepartmentForm, RouteAssignForm, RouteForm, StaffForm, StationForm
from .models import Branch, Department, Role, Route, Station, User
from .scope import can_manage_org
from .services import org_unit_save, routes_assign_account_manager, staff_save


def city_admin_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not can_manage_org(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


@city_admin_required
@require_GET
def branches(request):
    from serviceloop.customers.tally import shoptally_shops

    rows = Branch.objects.select_related("company").annotate(
        station_count=counted(Branch, "stations"), customer_count=shoptally_shops("branch")
    )
    stations = Station.objects.select_related("branch").annotate(
        route_count=counted(Station, "routes"), customer_count=shoptally_shops("station")
    )
    departments = Department.objects.annotate(staff_count=Count("staff", filter=Q(staff__is_active=True)))
    return render(
        request, "org/branches.html", {"branches": rows, "stations": stations, "departments": departments}
    )


@city_admin_required
@require_GET
def routes(request):
    qs = selectors.routes_with_counts(user=request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(station__name__icontains=q) | Q(account_manager__full_name__icontains=q)
        )
    if (value := id_param(request.GET.get("station"))) is not None:
        qs = qs.filter(station_id=value)
    page, query = paginate(request, qs, size=50)
    unassigned = selectors.routes_visible_to(request.user).filter(account_manager__isnull=True).count()
    return render_page(
        request,
        "org/routes.html",
        {"page": page, "query": query, "stations": Station.objects.all(), "unassigned": unassigned},
        partial="org/_routes_table.html",
    )


@city_admin_required
@require_http_methods(["GET", "POST"])
def routes_unassigned(request):
    """Routes nobody looks after yet (after a first import): tick several, pick one manager, assign."""
    qs = selectors.routes_with_counts(user=request.user).filter(account_manager__isnull=True)
    station = None
    if (value := id_param(request.GET.get("station"))) is not None:
        station = Station.objects.filter(pk=value).first()
        if station is not None:
            qs = qs.filter(station=station)
    form = RouteAssignForm(request.POST or None, routes=qs, station=station)
    if request.method == "POST" and form.is_valid():
        try:
            n = routes_assign_account_manager(
                routes=form.cleaned_data["routes"],
                manager=form.cleaned_data["account_manager"],
                actor=request.user,
                now=timezone.now(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("%(n)d routes given to %(name)s.") % {"n": n, "name": form.cleaned_data["account_manager"]},
            )
            return redirect(request.get_full_path())
    page, query = paginate(request, qs, size=100)
    stations = Station.objects.filter(routes__account_manager__isnull=True).distinct().order_by("name")
    ticked = {str(v) for v in (form["routes"].value() or [])}
    response = render_page(
        request,
        "org/routes_unassigned.html",
        {
            "page": page,
            "query": query,
            "form": form,
            "station": station,
            "stations": stations,
            "ticked": ticked,
            "total": page.paginator.count,
        },
        partial="org/_routes_unassigned.html",
    )
    if form.is_bound and form.errors:
        response.status_code = 400
    return response


@city_admin_required
@require_GET
def staff(request):
    qs = selectors.staff_list(
        user=request.user, q=request.GET.get("q", "").strip(), role=request.GET.get("role", "")
    )
    page, query = paginate(request, qs, size=50)
    return render_page(
        request,
        "org/staff.html",
        {"page": page, "query": query, "roles": Role.choices},
        partial="org/_staff_table.html",
    )


UNIT_FORMS = {
    "branch": (Branch, BranchForm),
    "station": (Station, StationForm),
    "route": (Route, RouteForm),
    "department": (Department, DepartmentForm),
}


@city_admin_required
@require_http_methods(["GET", "POST"])
def unit_edit(request, kind, pk=None):
    if kind not in UNIT_FORMS:
        raise PermissionDenied
    model, form_class = UNIT_FORMS[kind]
    instance = get_object_or_404(model, pk=pk) if pk else model()
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        org_unit_save(unit=instance, data=form.cleaned_data, actor=request.user, now=timezone.now())
        messages.success(request, _("Saved."))
        return redirect("org:routes" if kind == "route" else "org:branches")
    return render(
        request, "org/edit.html", {"form": form, "title": model._meta.verbose_name, "instance": instance}
    )


@city_admin_required
@require_http_methods(["GET", "POST"])
def staff_edit(request, pk=None):
    instance = get_object_or_404(User, pk=pk) if pk else User()
    form = StaffForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "password"}
        staff_save(
            staff=instance,
            data=data,
            password=form.cleaned_data.get("password"),
            actor=request.user,
            now=timezone.now(),
        )
        messages.success(request, _("Saved."))
        return redirect("org:staff")
    return render(request, "org/edit.html", {"form": form, "title": _("staff member"), "instance": instance})


@city_admin_required
@require_http_methods(["GET", "POST"])
def staff_import(request):
    """Check the staff list (dry run), then import it with the same file on confirmation (kept in the session)."""
    import base64

    from .forms import StaffImportForm
    from .staff_import import import_staff_file

    form = StaffImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and request.POST.get("confirm") and request.session.get("staff_import"):
        data = base64.b64decode(request.session.pop("staff_import"))
        report = import_staff_file(file=data, actor=request.user, now=timezone.now(), dry_run=False)
        form = StaffImportForm()
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        report = import_staff_file(file=data, actor=request.user, now=timezone.now(), dry_run=True)
        if not report.errors:
            request.session["staff_import"] = base64.b64encode(data).decode()
    return render(request, "org/staff_import.html", {"form": form, "report": report})


@city_admin_required
@require_GET
def setup(request):
    from .setup import setup_steps

    steps = setup_steps()
    next_step = next((s for s in steps if not s.done), None)
    return render(request, "org/setup.html", {"steps": steps, "next_step": next_step})
