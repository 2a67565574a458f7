"""Reads of the customer archive. Every read starts from ``Customer.objects.visible_to(user)``."""

from django.db.models import Count
from django.shortcuts import get_object_or_404

from serviceloop.org.models import Route

from .filters import CustomerFilter
from .models import Customer, CustomerChange

LIST_RELATED = ("route__account_manager", "station", "branch")


def customer_list(*, user, params):
    """The filtered, scoped queryset behind the list page, the export and the API. Returns (filterset, qs)."""
    base = Customer.objects.visible_to(user).select_related(*LIST_RELATED)
    filterset = CustomerFilter(params, queryset=base, user=user)
    qs = filterset.qs if filterset.is_valid() else base.none()
    if not params.get("ordering"):
        qs = qs.order_by("licence_no")
    return filterset, qs


# The list page shows a dozen of the shop's 40 columns and the names of its route and station: loading only those
# (and not the route's account manager, a whole User row per shop) halves the cost of building a page's rows.
PAGE_COLUMNS = ("licence_no", "name", "owner_name", "phone", "retail_format", "grade", "stars", "status", "care_flag",
                "care_note", "route__name", "station__name")  # fmt: skip


def customer_page(qs):
    """The list page's narrow version of ``customer_list``'s queryset (same rows, same order)."""
    return qs.select_related(None).select_related("route", "station").only(*PAGE_COLUMNS)


def customer_get(*, user, pk) -> Customer:
    """A shop the user may see, or 404 — never 403, so ids of other shops are not confirmed."""
    return get_object_or_404(
        Customer.objects.visible_to(user).select_related(*LIST_RELATED, "route__station"), pk=pk
    )


def customer_history(*, customer: Customer, limit: int = 100) -> list[CustomerChange]:
    """The shop's change history with readable values (labels instead of codes, route names instead of ids)."""
    rows = list(
        CustomerChange.objects.filter(customer=customer)
        .select_related("actor")
        .order_by("-changed_at", "-id")[:limit]
    )
    route_ids = {v for r in rows if r.field == "route" for v in (r.old_value, r.new_value) if v.isdigit()}
    routes = {str(pk): name for pk, name in Route.objects.filter(pk__in=route_ids).values_list("pk", "name")}
    for row in rows:
        field = Customer._meta.get_field(row.field)
        choices = (
            {str(k): v for k, v in field.choices} if field.choices else routes if row.field == "route" else {}
        )
        row.field_label = field.verbose_name
        row.old_display = choices.get(row.old_value, row.old_value)
        row.new_display = choices.get(row.new_value, row.new_value)
    return rows


def customer_breakdown(*, user, field: str) -> list[dict]:
    """Counts of the user's shops by one field, e.g. stars or retail format (for the home page charts)."""
    return list(
        Customer.objects.visible_to(user).order_by().values(field).annotate(n=Count("id")).order_by(field)
    )
