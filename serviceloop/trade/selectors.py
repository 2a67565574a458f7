"""Reads of trade data, each through the caller's data scope (the shop's route, station, branch)."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from serviceloop.core.params import date_param, id_param

from .models import BatchKind, ImportBatch, Order, OrderLine, Product, SettlementAttempt
from .services import may_import


def orders_visible_to(user):
    return Order.objects.current().visible_to(user)


def order_list(*, user, params):
    """Current orders the user may see, filtered by the list page's parameters."""
    qs = orders_visible_to(user).select_related("customer", "route")
    q = (params.get("q") or "").strip()
    if q:
        match = Q(order_no__startswith=q) | Q(customer__name__icontains=q)
        if q.isdigit():
            match |= Q(customer__licence_no__startswith=q)
        qs = qs.filter(match)
    for field in ("channel", "status"):
        if params.get(field):
            qs = qs.filter(**{field: params[field]})
    week = date_param(params.get("week"))
    if week:
        qs = qs.filter(week=week)
    if (value := id_param(params.get("customer"))) is not None:
        qs = qs.filter(customer_id=value)
    return qs.order_by("-order_date", "order_no")


def order_get(*, user, pk) -> Order:
    return get_object_or_404(
        Order.objects.visible_to(user).select_related("customer", "route", "batch"), pk=pk
    )


def order_lines(order: Order):
    return OrderLine.objects.filter(order=order).select_related("product").order_by("product__code")


def order_revisions(order: Order):
    return Order.objects.filter(order_no=order.order_no).select_related("batch").order_by("-revision")


def batch_list(*, user, params):
    if not may_import(user):
        return ImportBatch.objects.none()
    qs = ImportBatch.objects.select_related("actor").order_by("-started_at", "-id")
    if params.get("kind") in BatchKind.values:
        qs = qs.filter(kind=params["kind"])
    return qs


def batch_get(*, user, pk) -> ImportBatch:
    if not may_import(user):
        raise Http404
    return get_object_or_404(ImportBatch.objects.select_related("actor", "rolled_back_by"), pk=pk)


def product_list(*, params):
    qs = Product.objects.all()
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(code__startswith=q) | Q(name__icontains=q) | Q(brand__icontains=q))
    if params.get("price_class"):
        qs = qs.filter(price_class=params["price_class"])
    if params.get("flag") in ("is_scarce", "is_price_band", "is_new"):
        qs = qs.filter(**{params["flag"]: True})
    return qs.order_by("code")


def attempts_of(settlement):
    return SettlementAttempt.objects.filter(settlement=settlement).order_by("attempted_at")


def shoppoints_list(*, user, params):
    """Points rows of the shops the user may see, filtered by cycle (2026-W48 or a date), shop and station."""
    from .models import ShopPoints
    from .points import cycle_of

    qs = ShopPoints.objects.visible_to(user).select_related("customer", "customer__route", "formula")
    cycle = (params.get("cycle") or "").strip()[:20]
    if cycle:
        try:
            qs = qs.filter(cycle=cycle_of(cycle))
        except Exception:  # a malformed cycle in the address: nothing, not an error page
            return ShopPoints.objects.none()
    q = (params.get("q") or "").strip()[:60]
    if q:
        match = Q(customer__name__icontains=q)
        if q.isdigit():
            match |= Q(customer__licence_no__startswith=q)
        qs = qs.filter(match)
    if (value := id_param(params.get("station"))) is not None:
        qs = qs.filter(customer__station_id=value)
    if (value := id_param(params.get("customer"))) is not None:
        qs = qs.filter(customer_id=value)
    return qs.order_by("-cycle", "-points", "customer__licence_no")


def shoppoints_cycles(user) -> list:
    from .models import ShopPoints

    return list(
        ShopPoints.objects.visible_to(user).values_list("cycle", flat=True).distinct().order_by("-cycle")[:52]
    )
