"""Pagination for every list page: one page, the page size from ``?size=``, and the links' query string."""

from django.core.paginator import Page, Paginator

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


def paginate(request, queryset, *, size: int = 30) -> tuple[Page, str]:
    page = Paginator(queryset, page_size(request, size)).get_page(request.GET.get("page"))
    return page, query_without(request)
