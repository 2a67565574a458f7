"""Reads on service requests, always through the caller's scope."""

from django.db.models import Case, Count, Exists, F, IntegerField, Max, OuterRef, Q, Subquery, Value, When
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext_lazy

from serviceloop.org.models import Role, User

from .conf import conf
from .models import (
    OPEN,
    EventKind,
    Kind,
    MilestoneState,
    RequestEvent,
    RequestMilestone,
    ServiceRequest,
    Status,
)

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


# What the shop owner reads as the status: plain words, never the desk's own terms (新增, 派单…).
PUBLIC_STATUS = {
    Status.NEW: pgettext_lazy("public status", "Received"),
    Status.ACKNOWLEDGED: pgettext_lazy("public status", "Accepted"),
    Status.ANSWERED: pgettext_lazy("public status", "Answered"),
    Status.DISPATCHED: pgettext_lazy("public status", "Being handled"),
    Status.IN_PROGRESS: pgettext_lazy("public status", "Being handled"),
    Status.ON_HOLD: pgettext_lazy("public status", "Paused for now"),
    Status.RESOLVED: pgettext_lazy("public status", "Solved, we will call you"),
    Status.FOLLOWED_UP: pgettext_lazy("public status", "Solved"),
    Status.CLOSED: pgettext_lazy("public status", "Finished"),
    Status.REOPENED: pgettext_lazy("public status", "Being handled again"),
    Status.MERGED: pgettext_lazy("public status", "Combined with an earlier request"),
    Status.CANCELLED: pgettext_lazy("public status", "Withdrawn"),
}


def servicerequest_public_result(*, request: ServiceRequest) -> dict:
    """For the tracking page: the answer or what was done and its outcome (this round: after the latest
    reopening), and the latest follow-up call in plain words."""
    # Events are append-only, so their ids give the order (as in the resolve guard).
    since = (
        request.events.filter(to_status=Status.REOPENED).order_by("-id").values_list("id", flat=True).first()
    )
    report_id = (
        request.events.filter(kind=EventKind.REPORT, id__gt=since or 0)
        .order_by("-id")
        .values_list("data__report", flat=True)
        .first()
    )
    report = request.reports.filter(pk=report_id).first() if report_id else None
    answer = (
        request.events.filter(to_status=Status.ANSWERED)
        .order_by("-id")
        .values_list("note", flat=True)
        .first()
    )
    follow_up = request.follow_ups.order_by("-at", "-id").first()
    call = None
    if follow_up is not None:
        if not follow_up.reached:
            text = _("We called you but could not reach you; we will try again.")
        elif follow_up.satisfaction is not None and follow_up.satisfaction <= conf("DISSATISFIED_AT"):
            text = _(
                "We called you back. You were not satisfied (%(n)d of 5), so your request is handled again."
            )
            text = text % {"n": follow_up.satisfaction}
        else:
            text = _("We called you back. You rated the result %(n)d of 5. Thank you!") % {
                "n": follow_up.satisfaction
            }
        call = {"at": follow_up.at, "text": text}
    return {
        "status": PUBLIC_STATUS.get(request.status, ""),
        "answer": answer or "",
        "report": report,
        "call": call,
    }


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
        role__in=[Role.ACCOUNT_MANAGER, Role.MARKET_MANAGER, Role.DEPARTMENT_STAFF]
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
    if request.kind != Kind.REPORT:
        area |= Q(role=Role.DEPARTMENT_STAFF, department__isnull=False)  # one-stop: any department
    return list(users.filter(area).select_related("department").order_by("role", "full_name", "id"))


# ---- overdue: one definition for task lists, the ledger filter and the board -------------------------


def _running(**extra):
    """Pending milestones whose clock runs (not paused), of the outer request."""
    return RequestMilestone.objects.filter(
        request=OuterRef("pk"), state=MilestoneState.PENDING, paused_at__isnull=True, **extra
    )


def overdue_q(now) -> Q:
    """超时 now: a running time limit is past its deadline."""
    return Q(Exists(_running(due_at__lte=now)))


def ever_late_q(now) -> Q:
    """曾超时: overdue now, or some time limit was met late (or breached) before."""
    late = RequestMilestone.objects.filter(request=OuterRef("pk"), breached=True)
    return overdue_q(now) | Q(Exists(late))


def with_deadlines(qs, *, now):
    """Adds ``deadline`` (the nearest running time limit), ``warn_from`` and ``urgency_rank`` (0 overdue,
    1 nearly due, 2 the rest) and sorts overdue first, then nearly due, then by deadline."""
    qs = qs.annotate(
        deadline=Subquery(_running().order_by("due_at").values("due_at")[:1]),
        warn_from=Subquery(_running().order_by("warn_at").values("warn_at")[:1]),
    ).annotate(
        urgency_rank=Case(
            When(deadline__lte=now, then=Value(0)),
            When(warn_from__lte=now, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )
    return qs.order_by("urgency_rank", F("deadline").asc(nulls_last=True), "created_at", "id")


DESK_TASK_ROLES = ("agent", "city_admin", "station_head", "branch_manager", "inspector", "supervisor")
DISPATCH_TASK_ROLES = ("agent", "city_admin", "station_head", "branch_manager", "inspector")


def task_sections(*, user, now) -> dict:
    """任务处理清单 sections, each a queryset sorted overdue first: what I own; what waits for
    acknowledgement; (desk) what waits for an owner; (desk) what waits for the follow-up call."""
    base = servicerequest_list(user=user)
    sections = {"mine": with_deadlines(base.filter(owner=user, status__in=OPEN), now=now)}
    if user.is_superuser or user.role in DESK_TASK_ROLES or user.role == Role.ACCOUNT_MANAGER:
        sections["new"] = with_deadlines(base.filter(status=Status.NEW), now=now)
    if user.is_superuser or user.role in DISPATCH_TASK_ROLES:
        # Acknowledged (or reopened) with nobody named: the desk must dispatch it — never nobody's task.
        sections["dispatch"] = with_deadlines(
            base.filter(status__in=[Status.ACKNOWLEDGED, Status.REOPENED], owner__isnull=True), now=now
        )
    if user.is_superuser or user.role in DESK_TASK_ROLES:
        sections["follow"] = (
            base.filter(status__in=[Status.RESOLVED, Status.ANSWERED])
            .exclude(Q(handler=user) | Q(owner=user))
            .order_by("resolved_at", "id")
        )
    return sections


def dispatch_departments(*, request: ServiceRequest):
    """Departments a request may be dispatched to as a whole (not tip-offs), with someone to take it."""
    from serviceloop.org.models import Department

    if request.kind == Kind.REPORT:
        return []
    return list(
        Department.objects.filter(staff__is_active=True, staff__role=Role.DEPARTMENT_STAFF)
        .distinct()
        .order_by("name")
    )


def department_member(*, department) -> User | None:
    """The department's active member with the fewest open requests (ties: given work longest ago)."""
    return (
        User.objects.filter(department=department, role=Role.DEPARTMENT_STAFF, is_active=True)
        .annotate(
            load=Count("owned_requests", filter=Q(owned_requests__status__in=OPEN)),
            last_given=Max("owned_requests__dispatched_at"),
        )
        .order_by("load", F("last_given").asc(nulls_first=True), "id")
        .first()
    )
