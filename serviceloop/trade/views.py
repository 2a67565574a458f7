"""Pages of the trade app: import (check, then import), batches with rollback, orders, products."""

import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serviceloop.core.background import pending_dir, start_work
from serviceloop.core.htmx import render_page
from serviceloop.core.paging import paginate

from . import selectors
from .forms import TradeImportForm
from .models import BatchKind, BatchStatus, Channel, OrderStatus, PriceClass
from .services import may_import


def _require_importer(user):
    if not may_import(user):
        raise PermissionDenied


ORDER_COUNT_CAP = 1_000


@login_required
@require_GET
def overview(request):
    if not may_import(request.user):
        return redirect("trade:orders")
    page, query = paginate(request, selectors.batch_list(user=request.user, params=request.GET), size=20)
    context = {"page": page, "query": query, "kinds": BatchKind.choices}
    return render_page(request, "trade/batches.html", context, partial="trade/_batch_table.html")


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Step 1: the file is stored and checked in the background (a dry run recorded as a batch)."""
    _require_importer(request.user)
    form = TradeImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        stored = pending_dir() / f"trade-{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
        with stored.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        from .tasks import start_check

        return start_check(request, path=stored, kind=form.cleaned_data["kind"], filename=upload.name)
    return render(request, "trade/import.html", {"form": form})


@login_required
@require_POST
def import_commit(request, pk):
    """Step 2: the checked file is imported for real (a new batch); the check's file is then removed."""
    _require_importer(request.user)
    checked = selectors.batch_get(user=request.user, pk=pk)
    name = checked.details.get("pending_file")
    stored = pending_dir() / Path(name).name if name else None
    if checked.status != BatchStatus.CHECKED or not stored or not stored.exists():
        messages.error(request, _("Nothing to import: upload and check the file again."))
        return redirect("trade:import")
    checked.details.pop("pending_file", None)
    checked.save(update_fields=["details"])
    from .tasks import start_import

    return start_import(request, path=stored, kind=checked.kind, filename=checked.filename)


@login_required
@require_GET
def batch_detail(request, pk):
    batch = selectors.batch_get(user=request.user, pk=pk)
    return render(request, "trade/batch.html", {"batch": batch})


@login_required
@require_POST
def batch_rollback_view(request, pk):
    from .tasks import rollback_batch

    _require_importer(request.user)
    batch = selectors.batch_get(user=request.user, pk=pk)
    # In the background, like the import it undoes; the service checks again whether it may be rolled back.
    work = start_work(rollback_batch, user=request.user, title=_("Roll back batch #%(id)s") % {"id": batch.pk},
                      batch_id=batch.pk, user_id=request.user.pk)  # fmt: skip
    return redirect(work)


@login_required
@require_GET
def order_list(request):
    qs = selectors.order_list(user=request.user, params=request.GET)
    # A city holds millions of orders: keys first, read in the list's index order, and counted up to
    # ORDER_COUNT_CAP (counting 1.9 M current orders took 158 ms of the page's database time).
    page, query = paginate(request, qs, size=30, keys_first=True, count_cap=ORDER_COUNT_CAP)
    context = {
        "page": page,
        "query": query,
        "may_import": may_import(request.user),
        "channels": Channel.choices,
        "statuses": OrderStatus.choices,
        "params": request.GET,
    }
    return render_page(request, "trade/orders.html", context, partial="trade/_order_table.html")


@login_required
@require_GET
def order_detail(request, pk):
    order = selectors.order_get(user=request.user, pk=pk)
    context = {
        "order": order,
        "lines": selectors.order_lines(order),
        "revisions": selectors.order_revisions(order),
    }
    return render(request, "trade/order.html", context)


@login_required
@require_GET
def product_list(request):
    page, query = paginate(request, selectors.product_list(params=request.GET), size=50)
    context = {
        "page": page,
        "query": query,
        "classes": PriceClass.choices,
        "params": request.GET,
        "may_import": may_import(request.user),
    }
    return render_page(request, "trade/products.html", context, partial="trade/_product_table.html")


# -------------------------------------------------------------------------------- grades, stars, segments
@login_required
@require_GET
def derived(request):
    from .models import DerivationRun, Segment

    _require_importer(request.user)
    context = {
        "runs": DerivationRun.objects.select_related("computed_by", "decided_by")[:20],
        "segments": Segment.objects.order_by("kind", "number"),
        "may_import": True,
    }
    return render(request, "trade/derived.html", context)


@login_required
@require_POST
def derived_compute(request, what):
    from .tasks import compute_derived

    _require_importer(request.user)
    titles = {
        "grades": _("Compute grades"),
        "stars": _("Compute star levels"),
        "segments": _("Recompute segments"),
    }
    if what not in titles:
        raise Http404
    return redirect(
        start_work(compute_derived, user=request.user, title=titles[what], what=what, user_id=request.user.pk)
    )


@login_required
@require_GET
def run_detail(request, pk):
    from .models import DerivationRun, Proposal

    _require_importer(request.user)
    run = get_object_or_404(DerivationRun, pk=pk)
    changes = (
        Proposal.objects.filter(run=run).exclude(new_value=F("old_value")).select_related("customer")
        .order_by("customer__licence_no")
    )  # fmt: skip
    page, query = paginate(request, changes, size=50)
    return render(request, "trade/run.html", {"run": run, "page": page, "query": query})


@login_required
@require_POST
def run_decide(request, pk, decision):
    from . import derive
    from .models import DerivationRun

    _require_importer(request.user)
    if decision not in ("apply", "discard"):
        raise Http404
    run = get_object_or_404(DerivationRun, pk=pk)
    if decision == "apply":
        from .tasks import apply_run

        title = _("Apply %(run)s") % {"run": run}
        return redirect(
            start_work(apply_run, user=request.user, title=title, run_id=run.pk, user_id=request.user.pk)
        )
    try:
        derive.run_discard(run=run, actor=request.user, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(run)


# ------------------------------------------------------------------------------------------- shop panel
@login_required
@require_GET
def shop_panel(request, customer_pk):
    from serviceloop.customers.selectors import customer_get

    from .panel import shop_panel_data

    customer = customer_get(user=request.user, pk=customer_pk)
    return render(request, "trade/_shop_panel.html", {"customer": customer, **shop_panel_data(customer)})
