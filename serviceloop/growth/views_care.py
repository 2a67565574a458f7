"""E-settlement care pages (R29) and the shop's public restock advice page (R28)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from serviceloop.core.audit import audit_record
from serviceloop.core.background import start_export
from serviceloop.core.htmx import render_page
from serviceloop.core.paging import paginate
from serviceloop.core.xlsx import xlsx_response
from serviceloop.org.selectors import station_route_filters

from . import care, selectors
from .forms_care import CareFilterForm, RatesFilterForm


def _need_role(user):
    if not selectors.may_see_runs(user):
        raise PermissionDenied


@login_required
@require_GET
def settlement_care(request):
    """Shops likely to fail their next e-settlement, for their account manager (and the managers above): the
    kept scores (``care.settlementrisk_rebuild``), filtered, ordered and paged by the database."""
    _need_role(request.user)
    days, line = care.rule()
    f = CareFilterForm(request.GET or None, user=request.user).values()
    shops = care.care_shops_visible_to(request.user, q=f["q"], station=f["station"], route=f["route"],
                                       show_all=bool(f["all"]), line=line)  # fmt: skip
    page, query = paginate(request, shops)
    page.object_list = care.care_decorate(page.object_list, user=request.user, today=timezone.localdate())
    context = {
        "filters": f,
        **station_route_filters(request.user, request.GET),
        "page": page,
        "query": query,
        "target": "#care-table",
        "threshold": line,
        "days": days,
        "computed_at": care.scores_computed_at(),
        "pending": care.scores_pending(),
    }
    return render_page(request, "growth/care.html", context, partial="growth/_care_table.html")


@login_required
@require_GET
def settlement_care_export(request):
    """Queues the export of the list as filtered (``growth.export.care_sheets``) and goes to its work page."""
    _need_role(request.user)
    audit_record(actor=request.user, action="settlement_care.export", summary=_("Settlement care"),
                 data={"filter": request.GET.dict()})  # fmt: skip
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return start_export(request, builder="serviceloop.growth.export.care_sheets",
                        filename=f"结算风险客户-{stamp}.xlsx", title=_("Export of the settlement care list"))  # fmt: skip


def _rates(request):
    form = RatesFilterForm(request.GET or None, user=request.user)
    f = form.values(timezone.localdate())
    rates = care.settlement_rates(
        request.user, level=f["level"], start=f["start"], end=f["end"], station=f["station"]
    )
    return form, f, rates


@login_required
@require_GET
def settlement_rates(request):
    """E-settlement success rate against the target by station, route or account manager, and the failure
    reasons' Pareto."""
    _need_role(request.user)
    form, f, rates = _rates(request)
    pareto = rates["pareto"]
    chart = {
        "labels": [p["reason"] for p in pareto],
        "values": [p["count"] for p in pareto],
        "cumulative": [p["cumulative"] for p in pareto],
        "names": {"count": _("failed attempts"), "cumulative": _("Cumulative share") + " %"},
    }
    # A province's 2,000 routes are not drawn on one page: a page of them, worst first (the totals, the Pareto, the
    # export and the API keep every row).
    page, query = paginate(request, rates["rows"], size=50)
    context = {"form": form, "filters": f, "chart": chart, "page": page, "query": query, **rates}
    return render(request, "growth/care_rates.html", context)


@login_required
@require_GET
def settlement_rates_export(request):
    _need_role(request.user)
    _form, f, rates = _rates(request)
    sheet = [
        [r["name"], r["settlements"], r["paid"], r["unpaid"], r["attempts"], r["failed_attempts"], r["rate"],
         r["target"], _("yes") if r["met"] else _("no")]
        for r in rates["rows"]
    ]  # fmt: skip
    sheet += [[]] + [[_("failure reason"), _("failed attempts"), _("Cumulative share") + " %"]]
    sheet += [[p["reason"], p["count"], p["cumulative"]] for p in rates["pareto"]]
    return xlsx_response(
        filename="电子结算成功率.xlsx",
        sheet_title=_("E-settlement success"),
        headers=[
            care.LEVELS[f["level"]],
            _("E-settlements"),
            _("paid"),
            _("unpaid settlements"),
            _("attempts"),
            _("failed attempts"),
            _("success rate") + " %",
            _("Target value") + " %",
            _("target met"),
        ],  # fmt: skip
        rows=sheet,
    )


@require_GET
def public_advice(request, token):
    """``/s/<token>/advice/``: the shop's own restock advice, by its QR link (no login), after the owner's
    four-digit phone check. The same friendly 404 page as the QR page for any bad, revoked or foreign link."""
    from serviceloop.portal.models import TokenPurpose
    from serviceloop.portal.owner import owner_required
    from serviceloop.portal.selectors import shoptoken_resolve
    from serviceloop.portal.views import _public, invalid_link

    link = shoptoken_resolve(value=token, purpose=TokenPurpose.SHOP)
    if link is None or link.customer_id is None:
        return invalid_link(request)
    refused = owner_required(request, token, link.customer_id, "advice")
    if refused:
        return refused
    lines = selectors.restock_for(link.customer)
    context = {"customer": link.customer, "lines": lines, "token": token}
    return _public(render(request, "growth/public_advice.html", context))
