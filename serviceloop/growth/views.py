import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from serviceloop.core.background import start_export
from serviceloop.core.htmx import render_page
from serviceloop.core.params import id_param

from . import selectors
from .forms import (
    PointsAllocateForm,
    PointsEntryForm,
    PointsImportForm,
    PointsSchemeForm,
    RegionAliasForm,
    SheetUploadForm,
)
from .models import PointsEntry, RegionAlias
from .points_file import read_points
from .services import (
    customers_by_licence,
    may_run_allocation,
    points_allocate,
    points_formula,
    pointsentry_set,
    pointsscheme_current,
    pointsscheme_save,
    regionalias_create,
    regionalias_delete,
    sheet_check,
)

PAGE_SIZE = 50


def _need_role(user):
    if not selectors.may_see_runs(user):
        raise PermissionDenied


def _query(request, *keys):
    from urllib.parse import urlencode

    return urlencode({k: request.GET[k] for k in keys if request.GET.get(k)})


@login_required
@require_http_methods(["GET", "POST"])
def run_list(request):
    _need_role(request.user)
    may_run = may_run_allocation(request.user)
    form = SheetUploadForm()
    errors = []
    if request.method == "POST":
        if not may_run:
            raise PermissionDenied
        form = SheetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            try:
                sheet_check(
                    content
                )  # a refused sheet is told at once; the allocation itself runs in the background
            except ValidationError as e:
                errors = e.messages
            else:
                from .tasks import start_sheet

                return start_sheet(request, content=content, filename=upload.name,
                                   week_of=form.cleaned_data["week_of"])  # fmt: skip
    q = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.runs_visible_to(request.user, q=q), 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "form": form,
        "errors": errors,
        "may_run": may_run,
        "query": _query(request, "q"),
        "target": "#run-table",
    }
    status = 400 if errors or form.errors else 200
    if request.method == "POST":
        return render(request, "growth/runs.html", context, status=status)
    return render_page(request, "growth/runs.html", context, partial="growth/_runs_table.html")


@login_required
def run_list_export(request):
    """Queues the export of the list of runs as searched (``growth.export.run_list_sheets``)."""
    _need_role(request.user)
    return start_export(request, builder="serviceloop.growth.export.run_list_sheets", filename="货源投放记录.xlsx",
                        title=_("Export of the allocation runs"))  # fmt: skip


@login_required
def run_detail(request, pk):
    run = selectors.run_get(user=request.user, pk=pk)
    products = list(run.products.all())
    return render(
        request,
        "growth/run.html",
        {
            "run": run,
            "products": products,
            "may_run": may_run_allocation(request.user),
            "handled": [p for p in products if p.handled],
            "not_handled": [p for p in products if not p.handled],
        },
    )


@login_required
@require_POST
def run_rerun(request, pk):
    run = selectors.run_get(user=request.user, pk=pk)
    if not may_run_allocation(request.user):
        raise PermissionDenied
    from .tasks import start_rerun

    return start_rerun(request, run=run)


@login_required
def product_detail(request, run_pk, pk):
    product = selectors.product_get(user=request.user, run_pk=run_pk, pk=pk)
    q = request.GET.get("q", "").strip()[:100]
    shops = selectors.shop_allocations_visible_to(request.user, run=product.run, product=product, q=q)
    page = Paginator(shops, PAGE_SIZE).get_page(request.GET.get("page"))
    table = product.table or {}
    grades = []
    if product.handled and product.lowest_grade:
        grades = [f"D{g}" for g in range(product.highest_grade, product.lowest_grade - 1, -1)]
    rows = []
    for name, t in (table.get("tables") or {}).items():
        counts = (table.get("counts") or {}).get(name) or [0] * 30
        rows.append(
            {
                "name": name or _("Whole city"),
                "quantities": [t.get(g, 0) for g in grades],
                "counts": [counts[int(g[1:]) - 1] for g in grades],
            }
        )
    chart = {
        "grades": grades[::-1],
        "series": [{"name": r["name"], "data": r["quantities"][::-1]} for r in rows],
    }
    context = {
        "product": product,
        "run": product.run,
        "grades": grades,
        "rows": rows,
        "page": page,
        "chart": json.dumps(chart, ensure_ascii=False),
        "query": _query(request, "q"),
        "target": "#shop-table",
    }
    return render_page(request, "growth/product.html", context, partial="growth/_shop_table.html")


@login_required
def my_shops(request, pk):
    """Per shop: what it may order in this run and why — an account manager's own shops."""
    run = selectors.run_get(user=request.user, pk=pk)
    q = request.GET.get("q", "").strip()[:100]
    products = list(run.products.filter(handled=True).only("id", "code", "name"))
    chosen = next((p for p in products if str(p.pk) == request.GET.get("product")), None)
    shops = selectors.shop_allocations_visible_to(request.user, run=run, product=chosen, q=q)
    page = Paginator(shops, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "run": run,
        "page": page,
        "query": _query(request, "q", "product"),
        "target": "#shop-table",
        "show_product": True,
        "products": products,
        "chosen": chosen,
    }
    return render_page(request, "growth/shops.html", context, partial="growth/_shop_table.html")


@login_required
def run_export(request, pk):
    """Queues the export of one run (``growth.export.run_export_sheets``: the user's shops of it, and the grade
    tables) and goes to its work page."""
    run = selectors.run_get(user=request.user, pk=pk)
    return start_export(request, builder="serviceloop.growth.export.run_export_sheets",
                        filename=f"货源投放_{run.pk}.xlsx", title=_("Export of allocation run %(id)s") % {"id": run.pk},
                        params={"run": [str(run.pk)]})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def points(request):
    """Points scheme, points import and entry, allocation by points (city administrators)."""
    if not may_run_allocation(request.user):
        raise PermissionDenied
    scheme = pointsscheme_current()
    forms = {
        "imp": PointsImportForm(prefix="imp"),
        "entry": PointsEntryForm(prefix="entry"),
        "alloc": PointsAllocateForm(prefix="alloc", initial={"method": scheme.method}),
        "scheme": PointsSchemeForm(
            prefix="scheme",
            initial={
                "volume_weight": scheme.volume_weight,
                "class_weights": scheme.class_weights,
                "method": scheme.method,
            },
        ),
    }
    errors, now = [], timezone.now()
    which = (
        next((p for p in forms if f"{p}-submit" in request.POST), None) if request.method == "POST" else None
    )
    if request.method == "POST" and which is None:
        errors = [_("Unknown form.")]
    if which:
        form = forms[which] = type(forms[which])(request.POST, request.FILES, prefix=which)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if which == "imp":
                    rows, errors = read_points(
                        data["file"].read(), data["file"].name, customers_by_licence, points_formula(scheme)
                    )
                    if not errors:
                        n = pointsentry_set(
                            cycle=data["cycle"], rows=rows, source="import", actor=request.user, now=now
                        )
                        messages.success(request, _("%(n)s points entries imported.") % {"n": n})
                        return redirect("growth:points")
                elif which == "entry":
                    customer = customers_by_licence([data["licence_no"].strip()])
                    if not customer:
                        form.add_error("licence_no", _("No shop with this licence number in your scope."))
                    else:
                        rows = [(next(iter(customer.values())), data["points"])]
                        n = pointsentry_set(
                            cycle=data["cycle"], rows=rows, source="manual", actor=request.user, now=now
                        )
                        messages.success(request, _("%(n)s points saved.") % {"n": n})
                        return redirect("growth:points")
                elif which == "scheme":
                    pointsscheme_save(**data, actor=request.user, now=now)
                    messages.success(request, _("Scheme saved."))
                    return redirect("growth:points")
                else:
                    run = points_allocate(**data, actor=request.user, now=now)
                    return redirect("growth:run", pk=run.pk)
            except ValidationError as e:
                errors = e.messages
    cycles = PointsEntry.objects.values_list("cycle", flat=True).distinct().order_by("-cycle")[:20]
    status = 400 if errors or any(f.is_bound and f.errors for f in forms.values()) else 200
    return render(
        request,
        "growth/points.html",
        {
            "forms": forms,
            "errors": errors,
            "cycles": list(cycles),
            "scheme": scheme,
            "back": reverse("growth:runs"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def aliases(request):
    """The region alias table (区域映射表): sheet names → archive values, editable by city administrators."""
    if not may_run_allocation(request.user):
        raise PermissionDenied
    form, status = RegionAliasForm(), 200
    if request.method == "POST":
        if "delete" in request.POST:
            alias = RegionAlias.objects.filter(pk=id_param(request.POST.get("delete"))).first()
            if alias is None:
                raise Http404
            regionalias_delete(alias=alias, actor=request.user, now=timezone.now())
            return redirect("growth:aliases")
        form = RegionAliasForm(request.POST)
        if form.is_valid():
            try:
                regionalias_create(**form.cleaned_data, actor=request.user, now=timezone.now())
            except ValidationError as e:
                form.add_error(None, e)
            else:
                return redirect("growth:aliases")
        status = 400
    q = request.GET.get("q", "").strip()[:100]
    qs = RegionAlias.objects.all()
    if q:
        qs = qs.filter(Q(sheet_name__icontains=q) | Q(archive_value__icontains=q))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "growth/aliases.html",
        {"form": form, "page": page, "query": _query(request, "q"), "target": "body"},
        status=status,
    )


@login_required
def restock(request):
    """Restock advice (R28): the user's shops with a suggested order for their next order day, the ones
    likely to run short first."""
    from serviceloop.core.paging import paginate

    _need_role(request.user)
    q, short_only = selectors.restock_filters(request.GET)
    page, query = paginate(
        request, selectors.restock_shops_visible_to(request.user, q=q, short_only=short_only)
    )
    context = {"page": page, "query": query, "target": "#restock-table", "short_only": short_only}
    return render_page(request, "growth/restock.html", context, partial="growth/_restock_table.html")


@login_required
def restock_export(request):
    """Queues the export of every advice line of the shops the page lists, with its search and filter
    (``growth.export.restock_sheets``: a city's is ~400,000 lines), and goes to its work page."""
    _need_role(request.user)
    return start_export(request, builder="serviceloop.growth.export.restock_sheets", filename="订货建议.xlsx",
                        title=_("Export of the restock advice"))  # fmt: skip
