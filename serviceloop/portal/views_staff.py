"""Staff pages of the portal: a shop's QR code and service card, a route's cards, replacing a QR code."""

import io
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from serviceloop.core.audit import audit_record
from serviceloop.core.background import WorkFailed, background, start_work
from serviceloop.core.htmx import render_page
from serviceloop.core.paging import paginate
from serviceloop.core.params import id_param
from serviceloop.core.subqueries import counted_rows
from serviceloop.core.xlsx import xlsx_response
from serviceloop.customers.models import Customer
from serviceloop.customers.selectors import customer_get
from serviceloop.org.selectors import routes_visible_to, stations_visible_to

from .cards import build_cards, cards_pdf, qr_png, qr_svg
from .models import ShopToken, TokenPurpose
from .roles import may_print_routes
from .selectors import public_base_problem, public_url, route_customers
from .services import may_regenerate_shop_link, shoptoken_ensure, shoptoken_regenerate


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response


def _per_page(request, default: int) -> int:
    return 1 if request.GET.get("per_page") == "1" else 4 if request.GET.get("per_page") == "4" else default


@login_required
@require_GET
def customer_qr(request, pk):
    """The shop's QR code on the account manager's phone, for the owner to scan during a visit."""
    customer = customer_get(user=request.user, pk=pk)
    token = shoptoken_ensure(customer=customer, actor=request.user, now=timezone.now())
    url = public_url(token)
    return render(
        request,
        "portal/qr.html",
        {
            "customer": customer,
            "url": url,
            "qr_svg": mark_safe(qr_svg(url, scale=8).decode()),
            "may_regenerate": may_regenerate_shop_link(request.user),
        },
    )


@login_required
@require_GET
def customer_qr_image(request, pk, fmt):
    customer = customer_get(user=request.user, pk=pk)
    url = public_url(shoptoken_ensure(customer=customer, actor=request.user, now=timezone.now()))
    if fmt == "svg":
        response = HttpResponse(qr_svg(url), content_type="image/svg+xml")
    else:
        response = HttpResponse(qr_png(url), content_type="image/png")
    response["Content-Disposition"] = (
        f"inline; filename*=UTF-8''{quote(f'{customer.name or customer.pk}.{fmt}')}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def customer_card(request, pk):
    customer = customer_get(user=request.user, pk=pk)
    now = timezone.now()
    cards = build_cards(customers=[customer], actor=request.user, now=now)
    audit_record(
        actor=request.user,
        action="portal.card_print",
        obj=customer,
        now=now,
        summary=_("Service card printed"),
    )
    return _pdf(cards_pdf(cards, per_page=_per_page(request, 1)), f"{_('Service card')}-{customer.name}.pdf")


@login_required
@require_POST
def customer_qr_regenerate(request, pk):
    customer = customer_get(user=request.user, pk=pk)
    if not may_regenerate_shop_link(request.user):
        raise PermissionDenied
    shoptoken_regenerate(customer=customer, actor=request.user, now=timezone.now())
    messages.success(request, _("A new QR code was made. The old card no longer works: print the new one."))
    target = "portal:customer-qr" if request.POST.get("next") == "qr" else "customers:detail"
    return redirect(target, pk=customer.pk)


def _route_list(request):
    qs = (
        routes_visible_to(request.user)
        .select_related("station__branch", "account_manager", "market_manager")
        # Correlated counts: joining shops and their links multiplied them before DISTINCT (383 ms at 40,000 shops).
        .annotate(
            customer_count=counted_rows(Customer.objects.exclude(status="closed"), "route"),
            linked_count=counted_rows(
                ShopToken.objects.filter(purpose=TokenPurpose.SHOP, revoked_at__isnull=True),
                "customer__route",
            ),
        )
        .order_by("station__branch__name", "station__name", "name")
    )
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(station__name__icontains=q) | Q(account_manager__full_name__icontains=q)
        )
    if (station := id_param(request.GET.get("station"))) is not None:
        qs = qs.filter(station_id=station)
    return qs


@login_required
@require_GET
def route_cards(request):
    if not may_print_routes(request.user):
        raise PermissionDenied
    page, query = paginate(request, _route_list(request))
    return render_page(
        request,
        "portal/routes.html",
        {
            "page": page,
            "query": query,
            "stations": stations_visible_to(request.user).order_by("name"),
            "public_base": settings.PUBLIC_BASE_URL,
            "public_base_problem": public_base_problem(),
        },
        partial="portal/_routes_table.html",
    )


@login_required
@require_GET
def route_cards_export(request):
    if not may_print_routes(request.user):
        raise PermissionDenied
    rows = (
        [
            r.name,
            r.station.name,
            r.station.branch.name,
            str(r.account_manager or ""),
            str(r.market_manager or ""),
            r.customer_count,
            r.linked_count,
        ]
        for r in _route_list(request)
    )
    headers = [
        _("route"),
        _("station"),
        _("branch"),
        _("account manager"),
        _("market manager"),
        _("shops to print"),
        _("shops with a QR code"),
    ]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(
        filename=f"{_('Service cards')}-{stamp}.xlsx",
        sheet_title=_("Service cards"),
        headers=headers,
        rows=rows,
    )


@login_required
@require_GET
def route_cards_pdf(request, pk):
    if not may_print_routes(request.user):
        raise PermissionDenied
    route = get_object_or_404(
        routes_visible_to(request.user).select_related("station__branch__company"), pk=pk
    )
    if not route_customers(route).exists():
        raise Http404(_("This route has no shops to print."))
    # A route of a few hundred shops takes a while to draw: in the background, with a download link.
    work = start_work(
        print_route_cards,
        user=request.user,
        title=_("Service cards of %(route)s") % {"route": route.name},
        route_id=route.pk,
        user_id=request.user.pk,
        per_page=_per_page(request, 4),
    )
    return redirect(work)


@background
def print_route_cards(progress, *, route_id: int, user_id: int, per_page: int) -> None:
    """The PDF of a route's cards (four per A4 sheet, or one per A6 page); the scope is checked again here."""
    from serviceloop.org.models import User

    user = User.objects.get(pk=user_id)
    route = routes_visible_to(user).select_related("station__branch__company").filter(pk=route_id).first()
    if route is None or not may_print_routes(user):
        raise WorkFailed(_("This route is not yours to print."))
    customers = list(route_customers(route))
    if not customers:
        raise WorkFailed(_("This route has no shops to print."))
    progress.set_total(len(customers))
    now = timezone.now()
    cards = build_cards(customers=customers, actor=user, now=now)
    progress.note(_("Drawing %(n)d cards…") % {"n": len(cards)})
    pdf = cards_pdf(cards, per_page=per_page)
    audit_record(
        actor=user,
        action="portal.route_cards_print",
        obj=route,
        now=now,
        summary=_("%(n)d service cards printed") % {"n": len(cards)},
    )
    progress.attach(io.BytesIO(pdf), filename=f"{_('Service cards')}-{route.name}.pdf")
    progress.note(_("%(n)d service cards printed") % {"n": len(cards)})
