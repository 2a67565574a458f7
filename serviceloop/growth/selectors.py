"""Reads of the growth app, scoped. Runs and per-product tables are city-wide figures any staff member with a
role may see; per-shop quantities follow the shops' data scope (an account manager sees their routes' shops)."""

from django.db.models import Q, Subquery
from django.http import Http404

from serviceloop.org.scope import scope_q

from .models import AllocationRun, ProductAllocation, ShopAllocation


def may_see_runs(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_superuser or user.role))


def runs_visible_to(user, *, q: str = ""):
    if not may_see_runs(user):
        return AllocationRun.objects.none()
    qs = AllocationRun.objects.select_related("created_by").defer("sheet")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(filename__icontains=q) | Q(products__code=q)).distinct()
    return qs


def run_get(*, user, pk) -> AllocationRun:
    run = runs_visible_to(user).filter(pk=pk).first()
    if run is None:
        raise Http404
    return run


def product_get(*, user, run_pk, pk) -> ProductAllocation:
    product = (
        ProductAllocation.objects.select_related("run")
        .filter(run__in=runs_visible_to(user), run_id=run_pk, pk=pk)
        .first()
    )
    if product is None:
        raise Http404
    return product


def shop_allocations_visible_to(user, *, run, product=None, q: str = ""):
    qs = ShopAllocation.objects.filter(run=run).filter(
        scope_q(user, branch="customer__branch", station="customer__station", route="customer__route")
    )
    if product is not None:
        qs = qs.filter(product=product)
    if q:
        qs = qs.filter(
            Q(customer__name__icontains=q)
            | Q(customer__licence_no__startswith=q)
            | Q(product__name__icontains=q)
            | Q(product__code=q)
        )
    return qs.select_related("customer", "product").order_by("customer__licence_no", "product__position")


def latest_run(kind=None):
    qs = AllocationRun.objects.defer("sheet").filter(status="done")
    return (qs.filter(kind=kind) if kind else qs).order_by("-created_at", "-id").first()


def latest_runs(*, kept: bool = False) -> list[AllocationRun]:
    """The latest done weekly-sheet run, then the latest points run, in one query.

    ``kept``: this process's copy of the last minute (``core.refcache``), for the public QR page, which shows
    them on every view — compiling this query's two subqueries cost as much as the page's other queries. A
    run is made once a week; the process that made it forgets its copy at once (services), the others show
    the new run within the minute (the page dates the run it shows). Staff pages read them afresh."""
    from serviceloop.core.refcache import reference

    def load():
        def latest(kind):
            runs = AllocationRun.objects.filter(status="done", kind=kind)
            return Subquery(runs.order_by("-created_at", "-id").values("pk")[:1])

        found = AllocationRun.objects.defer("sheet").filter(Q(pk=latest("sheet")) | Q(pk=latest("points")))
        return sorted(found, key=lambda r: r.kind != "sheet")

    return reference("growth:latest_runs", load) if kept else load()


def shop_allocation_for(customer, *, run=None, public: bool = False) -> dict:
    """What this shop may order and why: its rows in ``run``, or by default in the latest weekly-sheet run
    and the latest points run (an older run's quantities are never shown as this week's).

    Not scoped by user: callers are the shop's own pages (customer detail, already scoped; the public
    QR page, by its token; ``public``: with the latest runs of the last minute, see ``latest_runs``)."""
    runs = [run] if run is not None else latest_runs(kept=public)
    items = (
        list(
            ShopAllocation.objects.filter(customer=customer, run__in=runs)
            .select_related("product", "run")
            .order_by("run__kind", "product__position")
        )
        if runs
        else []
    )
    reason = ""
    if not items:
        if customer.status != "active":
            reason = "客户当前为暂停或注销状态，不参与货源投放"
        elif customer.order_cycle == "none":
            reason = "客户为不访销客户，不参与货源投放"
        elif customer.grade is None:
            reason = "客户没有档位，不参与按档位投放"
        elif customer.order_cycle in ("odd", "even"):
            reason = "隔周访销客户：本周不是订货周，下一订货周按两周的量投放"
    return {
        "run": runs[0] if runs else None,
        "runs": runs,
        "items": items,
        "total": sum(i.quantity for i in items),
        "reason": reason,
    }


def restock_filters(params) -> tuple[str, bool]:
    """The restock list's filters from a query (the page's, or its export's): the search, "likely short only"."""
    return params.get("q", "").strip()[:100], params.get("short") == "1"


def restock_shops_visible_to(user, *, q: str = "", short_only: bool = False):
    """Shops with restock advice that the user may see (an account manager: their routes' shops), the ones
    likely to run short first, with their line count, total suggestion and next order day.

    Read from the per-shop summaries the restock job keeps (``RestockShop``, one join) instead of grouping
    every advice line of the user's shops on each view: at 40,000 shops (421,000 lines) that GROUP BY was
    the page's 879 ms. The figures keep the names the page and the API read (``advice_lines`` …)."""
    from django.db.models import F

    from serviceloop.customers.models import Customer

    if not may_see_runs(user):
        return Customer.objects.none()
    qs = (
        Customer.objects.visible_to(user)
        .filter(restock_shop__isnull=False)
        .annotate(
            advice_lines=F("restock_shop__lines"),
            advice_total=F("restock_shop__suggested"),
            advice_short=F("restock_shop__short"),
            advice_day=F("restock_shop__order_day"),
        )
        .select_related("route")
        .only("pk", "licence_no", "name", "owner_name", "order_cycle", "route__name")
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(licence_no__icontains=q) | Q(owner_name__icontains=q))
    if short_only:
        qs = qs.filter(restock_shop__short__gt=0)
    # Ties broken by the shop's id, which the kept rows' index holds: there are only a handful of (short, order
    # day) pairs, and breaking their ties by the licence number on the customer sorted every shop of the area
    # (139 ms at 140,000 shops, against 0.3 ms walking the index; issue 14).
    return qs.order_by("-restock_shop__short", "restock_shop__order_day", "pk")


def restock_lines_visible_to(user, *, q: str = "", short_only: bool = False):
    """Every advice line of the shops above (the Excel export), in the order of the shops' licence numbers."""
    from .models import RestockAdvice

    shops = restock_shops_visible_to(user, q=q, short_only=short_only).values("pk")
    qs = (
        RestockAdvice.objects.filter(customer__in=shops)
        .select_related("customer", "product")
        .only("order_day", "forecast", "suggested", "cap", "short", "method", "customer__licence_no",
              "customer__name", "product__code", "product__name", "product__price_class")
    )  # fmt: skip
    if short_only:
        qs = qs.filter(short=True)
    return qs.order_by("customer__licence_no", "product__price_class", "product__code")


def restock_for(customer) -> list:
    """A shop's advice lines (not scoped by user: callers are the shop's own, already scoped, pages)."""
    from .models import RestockAdvice

    return list(
        RestockAdvice.objects.filter(customer=customer)
        .select_related("product")
        .order_by("-short", "product__price_class", "product__code")
    )
