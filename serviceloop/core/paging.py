"""Pagination for every list page: one page, the page size from ``?size=``, and the links' query string."""

from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination

MIN_SIZE, MAX_SIZE = 10, 200


def page_size(request, default: int = 30) -> int:
    try:
        size = int(request.GET.get("size", default))
    except ValueError:
        size = default
    return max(MIN_SIZE, min(size, MAX_SIZE))


def query_without(request, *keys: str) -> str:
    """The request's query string without ``page`` (and ``keys``), for pagination and export links."""
    query = request.GET.copy()
    for key in ("page", *keys):
        query.pop(key, None)
    return query.urlencode()


class KeysFirstPaginator(Paginator):
    """Fetches a page in two steps: the page's primary keys, then those rows with their joins.

    A deep page (page 400 of 30,000 shops) skips 12,000 rows. Done on the whole query, the database joins,
    reads and throws away every skipped row; done on ``values_list("pk")`` it walks the ordering's index only
    (an index-only scan on PostgreSQL) and joins just the page's 30 rows ("deferred join"). Page numbers,
    the last-page link and the count stay exact, unlike keyset paging, which cannot jump to page N.
    The second query keeps the queryset's filters, so a row is shown only if the user may still see it.
    """

    count_exact = True

    def __init__(self, *args, count_cap: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_cap = count_cap

    @cached_property
    def count(self) -> int:
        """The exact count, or with ``count_cap`` at most the cap (``count_exact`` False when there are more).

        Counting stops at the cap: a search matching a third of a province's shops is not read to the end
        to print "41,873 records" (the page then says "more than 1,000" and offers no last-page link).
        """
        if self.count_cap is None:
            return super().count
        found = len(self._capped_keys)
        self.count_exact = found <= self.count_cap
        return min(found, self.count_cap)

    @cached_property
    def _capped_keys(self) -> list:
        """With a cap, the keys of the first ``count_cap + 1`` rows in order: one read gives the count and every
        reachable page's keys (a rare search term is read once, not once to count and again to page)."""
        return list(self.object_list.values_list("pk", flat=True)[: self.count_cap + 1])

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self.count_cap is None:
            keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        else:
            keys = self._capped_keys[bottom:top]
        rows = {row.pk: row for row in self.object_list.filter(pk__in=keys).order_by()} if keys else {}
        return self._get_page([rows[k] for k in keys if k in rows], number, self)


def paginate(
    request, queryset, *, size: int = 30, keys_first: bool = False, count_cap: int | None = None
) -> tuple[Page, str]:
    """One page of ``queryset``; ``keys_first`` (and ``count_cap``) for big lists, see ``KeysFirstPaginator``."""
    if keys_first or count_cap:
        paginator = KeysFirstPaginator(queryset, page_size(request, size), count_cap=count_cap)
    else:
        paginator = Paginator(queryset, page_size(request, size))
    return paginator.get_page(request.GET.get("page")), query_without(request)


class KeysFirstPagination(PageNumberPagination):
    """The API's page-number pagination, unchanged for callers (an exact ``count``, ``next``, ``previous``, 404 past
    the end), fetching each page keys first (``KeysFirstPaginator``): for big lists, whose deep pages would otherwise
    read and throw away every skipped row with its joins (the orders of a province)."""

    django_paginator_class = KeysFirstPaginator


class StableOrderingFilter(OrderingFilter):
    """``?ordering=`` with the primary key as the last key (``tie_break``): rows equal in the chosen fields (one
    status, one day) keep one order from page to page, so a caller walking the pages sees each row once (a database
    may return ties in any order, from one query to the next)."""

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        return queryset.order_by(*ordering, tie_break(ordering[-1])) if ordering else queryset


def tie_break(last: str) -> str:
    """The primary key in the direction of the sort's last field, so that one index (field, id) serves the sort
    both ways."""
    return "-pk" if str(last).startswith("-") else "pk"
