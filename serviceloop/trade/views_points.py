"""Points from sales (R26): the list per cycle (everyone, within their scope), the formula with its history and
the computation of a cycle (the city administrator)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serviceloop.core.background import start_export, start_work
from serviceloop.core.htmx import render_page
from serviceloop.core.paging import paginate

from . import selectors
from .forms import PointsComputeForm, PointsFormulaForm
from .models import PointsFormula
from .services import may_import
from .views import _require_importer


@login_required
@require_GET
def points_list(request):
    from serviceloop.org.models import Station

    if request.GET.get("export") == "xlsx":
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return start_export(request, builder="serviceloop.trade.points.points_sheets",
                            filename=f"{_('points')}-{stamp}.xlsx")  # fmt: skip
    qs = selectors.shoppoints_list(user=request.user, params=request.GET)
    page, query = paginate(request, qs, size=50)
    context = {
        "page": page, "query": query, "params": request.GET, "cycles": selectors.shoppoints_cycles(request.user),
        "stations": Station.objects.filter(pk__in=qs.values("customer__station_id")).order_by("name")[:200],
        "may_import": may_import(request.user), "compute_form": PointsComputeForm(),
        "formula": PointsFormula.current(),
    }  # fmt: skip
    return render_page(request, "trade/points.html", context, partial="trade/_points_table.html")


@login_required
@require_POST
def points_compute(request):
    from .points import cycle_label, cycle_of
    from .tasks import compute_points

    _require_importer(request.user)
    form = PointsComputeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give the cycle, for example 2025-W38."))
        cycle = cycle_of(form.cleaned_data["cycle"])
    except ValidationError as e:
        for text in e.messages:
            messages.error(request, text)
        return redirect("trade:points")
    title = _("Compute points of %(cycle)s") % {"cycle": cycle_label(cycle)}
    work = start_work(
        compute_points, user=request.user, title=title, cycle=cycle.isoformat(), user_id=request.user.pk
    )
    return redirect(work)


@login_required
@require_http_methods(["GET", "POST"])
def points_formula(request):
    from .points import pointsformula_save

    _require_importer(request.user)
    current = PointsFormula.current()
    form = PointsFormulaForm.for_formula(current, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pointsformula_save(**form.values(), actor=request.user, now=timezone.now())
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Formula saved. The next computation of points uses it."))
            return redirect("trade:points-formula")
    history = PointsFormula.objects.select_related("saved_by")[:50]
    return render(request, "trade/points_formula.html", {"form": form, "current": current, "history": history},
                  status=400 if form.errors else 200)  # fmt: skip
