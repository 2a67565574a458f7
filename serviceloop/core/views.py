import functools

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from serviceloop.customers.models import CustomerStatus, RetailFormat
from serviceloop.org.scope import can_manage_org

from . import selectors
from .htmx import render_page
from .paging import paginate


@login_required
@require_GET
def home(request):
    summary = selectors.home_summary(user=request.user, today=timezone.localdate())
    formats = dict(RetailFormat.choices)
    statuses = dict(CustomerStatus.choices)
    charts = {
        "stars": {
            "labels": [f"{row['stars']}★" if row["stars"] else "—" for row in summary["by_stars"]],
            "values": [row["n"] for row in summary["by_stars"]],
        },
        "format": [
            {"name": str(formats.get(r["retail_format"], "—")), "value": r["n"]} for r in summary["by_format"]
        ],
        "status": [
            {"name": str(statuses.get(r["status"], r["status"])), "value": r["n"]}
            for r in summary["by_status"]
        ],
    }
    from serviceloop.kpis.home import attention, kpi_summary

    context = {"summary": summary, "charts": charts, "kpis": kpi_summary(request.user),
               "attention": attention(request.user, timezone.now())}  # fmt: skip
    if can_manage_org(request.user) and apps.is_installed("serviceloop.servicedesk"):
        # Weeks ahead of the new year: the clocks need next year's holidays (see servicedesk.holidays).
        from serviceloop.servicedesk.holidays import missing_years

        context["missing"] = missing_years(timezone.localdate())
    return render(request, "core/home.html", context)


@login_required
@require_GET
def audit(request):
    if not can_manage_org(request.user):
        raise PermissionDenied
    qs = selectors.audit_list(q=request.GET.get("q", "").strip(), action=request.GET.get("action", ""))
    page, query = paginate(request, qs, size=50)
    return render_page(
        request,
        "core/audit.html",
        {"page": page, "query": query},
        partial="core/_audit_table.html",
    )


@functools.cache
def _favicon_bytes() -> bytes:
    with open(finders.find("favicon.ico"), "rb") as fh:
        return fh.read()


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on every page that names no icon (error pages, public pages, file views)."""
    response = HttpResponse(_favicon_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=604800"
    return response
