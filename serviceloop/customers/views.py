from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from serviceloop.core.audit import audit_record
from serviceloop.core.background import start_export
from serviceloop.core.htmx import render_page
from serviceloop.core.paging import paginate
from serviceloop.core.phones import sees_phones
from serviceloop.org.selectors import route_options

from . import selectors
from .forms import CustomerForm
from .services import customer_create, customer_update, may_edit_customers

SEARCH_COUNT_CAP = 1000


@login_required
@require_GET
def customer_list(request):
    filterset, qs = selectors.customer_list(user=request.user, params=request.GET)
    # Keys first: a deep page skips thousands of shops on the ordering's index alone, then joins 30. A text search
    # is counted up to SEARCH_COUNT_CAP: "便利" matches a third of the shops, and a two-character term can use no
    # trigram index, so an exact count would read every shop of a province (issue 14). Filters keep exact counts.
    page, query = paginate(
        request,
        selectors.customer_page(qs),
        size=settings.CUSTOMER_PAGE_SIZE,
        keys_first=True,
        count_cap=SEARCH_COUNT_CAP if request.GET.get("q", "").strip() else None,
    )
    context = {
        "filter": filterset,
        "route_options": route_options(request.user, request.GET),
        "page": page,
        "query": query,
        "sees_phones": sees_phones(request.user),
        "may_edit": may_edit_customers(request.user),
    }
    return render_page(request, "customers/list.html", context, partial="customers/_table.html")


@login_required
@require_GET
def customer_export(request):
    _filterset, qs = selectors.customer_list(user=request.user, params=request.GET)
    total = qs.count()
    if total > settings.EXPORT_MAX_ROWS:
        messages.error(request, _("Too many rows to export (%(n)d). Narrow the filter first.") % {"n": total})
        return redirect(f"{reverse('customers:list')}?{request.GET.urlencode()}")
    audit_record(
        actor=request.user,
        action="customer.export",
        summary=_("%(n)d shops exported") % {"n": total},
        data={"filter": request.GET.dict(), "rows": total},
    )
    # 18,000 shops take most of a minute to write: in the background, with progress and a download link.
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return start_export(
        request,
        builder="serviceloop.customers.export.customer_sheets",
        filename=f"{_('customers')}-{stamp}.xlsx",
        title=_("Export of %(n)s shops") % {"n": f"{total:,}"},
    )


@login_required
@require_GET
def customer_detail(request, pk):
    customer = selectors.customer_get(user=request.user, pk=pk)
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "history": selectors.customer_history(customer=customer),
            "sees_phones": sees_phones(request.user),
            "may_edit": may_edit_customers(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk=None):
    if not may_edit_customers(request.user):
        raise PermissionDenied
    instance = selectors.customer_get(user=request.user, pk=pk) if pk else None
    form = CustomerForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            if instance:
                data.pop("licence_no", None)
                customer = customer_update(
                    customer=instance,
                    data=data,
                    actor=request.user,
                    now=timezone.now(),
                    expected_version=form.cleaned_data.get("version"),
                )
            else:
                customer = customer_create(data=data, actor=request.user, now=timezone.now())
        except ValidationError as e:
            _add_service_errors(form, e)
        else:
            messages.success(request, _("Saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/edit.html", {"form": form, "customer": instance})


def _add_service_errors(form, error: ValidationError) -> None:
    """Puts the service's validation errors next to their fields (or above the form when no field has them)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)
