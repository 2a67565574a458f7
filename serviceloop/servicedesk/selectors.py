"""Reads on service requests, always through the caller's scope."""

from django.db.models import Count, F, Max, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from serviceloop.org.models import Role, User

from .models import OPEN, EventKind, Kind, RequestEvent, ServiceRequest, Status

LIST_RELATED = ("shop", "category", "owner", "station", "route", "branch")


def servicerequest_list(*, user):
    return ServiceRequest.objects.visible_to(user).select_related(*LIST_RELATED)


def servicerequest_get(*, user, pk) -> ServiceRequest:
    """A request the user may see, or 404 (never 403, so other ids are not confirmed)."""
    return get_object_or_404(
        ServiceRequest.objects.visible_to(user).select_related(
            *LIST_RELATED, "merged_into", "handler", "created_by", "shop__route"
        ),
        pk=pk,
    )


def servicerequest_get_by_reference(*, user, reference: str) -> ServiceRequest | None:
    return ServiceRequest.objects.visible_to(user).filter(reference=reference).first()


# Plain-language steps for the public tracking page: what happened, never who (beyond a role word).
PUBLIC_STEPS = {
    Status.NEW: gettext_noop("Your request was registered"),
    Status.ACKNOWLEDGED: gettext_noop("Your request was accepted"),
    Status.ANSWERED: gettext_noop("Your inquiry was answered"),
    Status.DISPATCHED: gettext_noop("A %(role)s is handling your request"),
    Status.IN_PROGRESS: gettext_noop("Work on your request has started"),
    Status.ON_HOLD: gettext_noop("Handling is paused for now"),
    Status.RESOLVED: gettext_noop("Your request has been resolved"),
    Status.FOLLOWED_UP: gettext_noop("We called you back about the result"),
    Status.CLOSED: gettext_noop("Your request is closed"),
    Status.REOPENED: gettext_noop("Your request is being handled again"),
    Status.MERGED: gettext_noop("Your request was combined with an earlier one about the same matter"),
    Status.CANCELLED: gettext_noop("Your request was withdrawn"),
}
ROLE_WORDS = {
    Role.ACCOUNT_MANAGER: gettext_noop("account manager"),
    Role.MARKET_MANAGER: gettext_noop("market manager"),
    Role.AGENT: gettext_noop("customer service agent"),
    Role.STATION_HEAD: gettext_noop("station head"),
    Role.INSPECTOR: gettext_noop("market inspector"),
}


def servicerequest_public_timeline(*, request: ServiceRequest) -> list[dict]:
    """[{"at": datetime, "status": code, "text": Chinese sentence}], oldest first, for the tracking page."""
    events = RequestEvent.objects.filter(
        request=request, kind__in=[EventKind.FILED, EventKind.TRANSITION, EventKind.REASSIGNED]
    ).order_by("at", "id")
    owner_roles = dict(
        User.objects.filter(pk__in=[e.data.get("owner") for e in events if e.data.get("owner")]).values_list(
            "pk", "role"
        )
    )
    steps = []
    for e in events:
        status = e.to_status or Status.DISPATCHED
        text = _(PUBLIC_STEPS[status])
        if "%(role)s" in PUBLIC_STEPS[status]:
            role = owner_roles.get(e.data.get("owner"), "")
            text = text % {"role": _(ROLE_WORDS.get(role, "staff member"))}
        if steps and steps[-1]["text"] == text:
            continue
        steps.append({"at": e.at, "status": status, "text": text})
    return steps


def dispatch_suggestions(*, request: ServiceRequest, limit: int = 3) -> list[dict]:
    """Who should own it: the shop's account manager for field matters; otherwise the least-loaded agents
    (ties go to whoever was given work longest ago, which makes it round-robin among equals)."""
    out = []
    am = request.shop.route.account_manager if request.shop_id and request.shop.route_id else None
    if am is not None and am.is_active and request.category.field_matter:
        out.append({"user": am, "why": _("the shop's account manager"), "load": None})
    if request.kind == Kind.REPORT:
        team = User.objects.filter(role=Role.INSPECTOR, is_active=True)
    else:
        team = User.objects.filter(role=Role.AGENT, is_active=True)
    team = team.annotate(
        load=Count("owned_requests", filter=Q(owned_requests__status__in=OPEN)),
        last_given=Max("owned_requests__dispatched_at"),
    ).order_by("load", F("last_given").asc(nulls_first=True), "id")[:limit]
    for u in team:
        out.append({"user": u, "why": _("open requests: %(n)d") % {"n": u.load}, "load": u.load})
    if am is not None and not request.category.field_matter and am.is_active:
        out.append({"user": am, "why": _("the shop's account manager"), "load": None})
    return out


def owner_candidates(*, request: ServiceRequest):
    """Staff whose own scope covers the request (mirrors ``scope_q``), in one query."""
    # Supervisors check the loop and never own a request; inspectors own reports (举报) only (docs/roles.md).
    users = User.objects.filter(is_active=True).exclude(role__in=["", Role.SUPERVISOR])
    if request.kind == Kind.REPORT:
        users = users.filter(role__in=[Role.INSPECTOR, Role.CITY_ADMIN])
    else:
        users = users.exclude(role=Role.INSPECTOR)
    area = Q(branch__isnull=True, station__isnull=True) & ~Q(
        role__in=[Role.ACCOUNT_MANAGER, Role.MARKET_MANAGER]
    )
    if request.branch_id:
        area |= Q(branch_id=request.branch_id, station__isnull=True) & ~Q(
            role__in=[Role.ACCOUNT_MANAGER, Role.MARKET_MANAGER]
        )
    if request.station_id:
        area |= Q(station_id=request.station_id) & ~Q(role__in=[Role.ACCOUNT_MANAGER, Role.MARKET_MANAGER])
    if request.route_id:
        route = request.route
        area |= Q(pk__in=[pk for pk in (route.account_manager_id, route.market_manager_id) if pk])
    return list(users.filter(area).order_by("role", "full_name", "id"))


def servicerequest_filtered(*, user, params):
    """The ledger's filtered, scoped queryset (page, Excel export and API share it). Returns (filterset, qs)."""
    from .filters import ServiceRequestFilter

    base = servicerequest_list(user=user)
    filterset = ServiceRequestFilter(params, queryset=base, user=user)
    qs = filterset.qs if filterset.is_valid() else base.none()
    return filterset, qs.order_by("-created_at", "-id")
