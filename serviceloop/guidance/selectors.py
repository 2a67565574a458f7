"""Reads of guidance books, each through the caller's scope (an account manager: their routes' shops)."""

import datetime as dt

from django.db.models import Q
from django.http import Http404

from serviceloop.core.params import id_param

from .models import GuidanceBook


def books_visible_to(user):
    if not (user and user.is_authenticated and user.is_active):
        return GuidanceBook.objects.none()
    return GuidanceBook.objects.visible_to(user)


def _month(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime((value or "").strip()[:7], "%Y-%m").date()
    except ValueError:
        return None


def book_list(*, user, params):
    """The list page's books (newest month first), filtered by its search box and filters."""
    qs = (
        books_visible_to(user)
        .select_related("customer__route__station", "generated_by", "remarks_by")
        .defer("snapshot")
    )
    q = (params.get("q") or "").strip()[:100]
    if q:
        match = Q(customer__name__icontains=q) | Q(customer__owner_name__icontains=q)
        if q.isdigit():
            match |= Q(customer__licence_no__startswith=q)
        qs = qs.filter(match)
    for key, field in (("route", "customer__route_id"), ("station", "customer__station_id"),
                       ("customer", "customer_id")):  # fmt: skip
        value = id_param(params.get(key))
        if value is not None:
            qs = qs.filter(**{field: value})
    month = _month(params.get("period"))
    if month:
        qs = qs.filter(period=month)
    if params.get("remarks") == "yes":
        qs = qs.exclude(remarks="")
    elif params.get("remarks") == "no":
        qs = qs.filter(remarks="")
    return qs.order_by("-period", "customer__licence_no", "-id")


def book_get(*, user, pk) -> GuidanceBook:
    """A book the user may see, or 404 (never 403: ids of other shops' books are not confirmed)."""
    book = (
        books_visible_to(user).select_related("customer", "generated_by", "remarks_by").filter(pk=pk).first()
    )
    if book is None:
        raise Http404
    return book


def books_of(customer, *, limit: int = 24):
    """A shop's books, newest first (callers have scoped the shop)."""
    return list(
        GuidanceBook.objects.filter(customer=customer).select_related("generated_by").defer("snapshot")
        .order_by("-period", "-id")[:limit]
    )  # fmt: skip


def latest_book(customer) -> GuidanceBook | None:
    return GuidanceBook.objects.filter(customer=customer).order_by("-period", "-generated_at", "-id").first()
