"""Reads of visits, compliance, key lists and the 135 page; each starts from the user's scope: lists of visits
from ``planned_in(user)`` (the work planned on their routes), a single visit from ``visible_to(user)``."""

import contextlib
import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from serviceloop.customers.models import CustomerStatus
from serviceloop.org.scope import scope_level, scope_q

from .models import (
    KeyCustomerEntry,
    KeyList,
    Visit,
    VisitMonthKey,
    VisitOutcome,
    VisitPolicy,
    VisitStatus,
    VisitTally,
)
from .tally import SHORT


def account_managers_visible_to(user):
    """Account managers whose 135 page ``user`` may read: stationed in the user's unit, or running a route in it."""
    from serviceloop.org.models import Role, User
    from serviceloop.org.selectors import routes_visible_to

    if user.is_superuser or user.role == Role.CITY_ADMIN:
        unit = Q()
    elif user.unit_level == "station":
        unit = Q(station_id=user.station_id)
    elif user.unit_level == "branch":
        unit = Q(branch_id=user.branch_id)
    else:
        return User.objects.none()
    routes = routes_visible_to(user).filter(account_manager__isnull=False).values("account_manager_id")
    return (
        User.objects.filter(role=Role.ACCOUNT_MANAGER, is_active=True)
        .filter(unit | Q(pk__in=routes))
        .order_by("full_name", "username")
    )


def account_manager_filters(user, managers, *, station: int | None, chosen=None) -> dict:
    """The 135 page's selects: ``managers`` (of ``account_managers_visible_to``) offered and, for a city-wide user,
    ``stations`` to choose first — such a user is offered the managers of the chosen station only (stationed there
    or running one of its routes), since a province's 2,000 managers were one select no one scrolls and 10 ms of
    every request (issue 14). The chosen manager is always offered."""
    from serviceloop.org.models import Route
    from serviceloop.org.selectors import station_options

    offered, stations = managers, None
    if scope_level(user) == "company":
        stations = station_options(user)
        if station is None:
            offered = managers.none()
        else:
            runs = Route.objects.filter(station_id=station).values("account_manager_id")
            offered = managers.filter(Q(station_id=station) | Q(pk__in=runs))
    if chosen is not None:
        offered = offered | managers.filter(pk=chosen.pk)
    return {"managers": list(offered.only("pk", "full_name", "username")), "stations": stations}


def visit_get(*, user, pk) -> Visit:
    return get_object_or_404(
        Visit.objects.visible_to(user).select_related("customer", "policy", "manager"), pk=pk
    )


def visits_for_day(*, user, day: dt.date):
    """The user's own visits of a day (the phone page "today's visits")."""
    return (
        Visit.objects.filter(manager=user, planned_on=day)
        .exclude(status=VisitStatus.CANCELLED)
        .select_related("customer", "policy")
        .order_by("status", "customer__name")
    )


def visit_list(*, user, params):
    qs = Visit.objects.planned_in(user).select_related("customer", "manager", "route", "policy")
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(customer__name__icontains=q) | Q(customer__licence_no__startswith=q)
                       | Q(manager__full_name__icontains=q))  # fmt: skip
    if params.get("status") in VisitStatus.values:
        qs = qs.filter(status=params["status"])
    if params.get("outcome") in VisitOutcome.values:
        qs = qs.filter(outcome=params["outcome"])
    for key, lookup in (("date_from", "planned_on__gte"), ("date_to", "planned_on__lte")):
        with contextlib.suppress(ValueError):
            qs = qs.filter(**{lookup: dt.date.fromisoformat(params.get(key, ""))})
    return qs.order_by("-planned_on", "customer__name")


def month_bounds(month: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    try:
        first = dt.date.fromisoformat(f"{month}-01") if month else today.replace(day=1)
    except ValueError:
        first = today.replace(day=1)
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


@dataclass
class ComplianceRow:
    key: int
    name: str
    planned: int  # the whole period's plan
    due: int  # the plan up to today (all of it for a past period): what could have been done by now
    done: int
    visited: int
    short: int

    @property
    def rate(self) -> float | None:
        """Completion to date: done ÷ due. Visits still ahead do not lower the rate of the current month."""
        return round(100 * self.done / self.due, 1) if self.due else None


def compliance_keys(*, user, first: dt.date, by: str = "manager"):
    """What the compliance table lists for the month starting ``first``, by name, as (pk, name) to paginate.

    By route: the routes in the user's scope. By manager: the account managers running those routes now, and
    whoever had visits on them that month (``VisitMonthKey``), so a manager who has moved on keeps their months.
    """
    from serviceloop.org.models import User
    from serviceloop.org.selectors import routes_visible_to

    routes = routes_visible_to(user)
    if by == "route":
        return routes.order_by("name", "pk").values_list("pk", "name")
    month = VisitMonthKey.objects.filter(month=first.replace(day=1), route__in=routes.values("pk"))
    return (
        User.objects.filter(
            Q(pk__in=routes.values("account_manager_id")) | Q(pk__in=month.values("manager_id"))
        )
        .order_by("full_name", "username", "pk")
        .values_list("pk", "full_name")
    )


def compliance(
    *, user, first: dt.date, last: dt.date, by: str = "manager", today: dt.date | None = None, keys=None
) -> list[ComplianceRow]:
    """Planned vs done per manager or route over [first, last] (cancelled visits are not planned work).

    due = planned on or before ``today`` (default: the local date); done = checked out (any outcome, a closed shop
    counts as an attempt made); visited = outcome "visited"; short = visited but shorter than the policy's minimum.

    ``keys``: the (pk, name) of one page of ``compliance_keys`` (default: all of them). Only their day counts are
    summed (``VisitTally``, kept by the services), on the routes the user sees: counting the visits themselves
    grew 7.8× from 3,000 to 30,000 shops when the whole month was grouped, and read 80,000 visits for a page of
    50 managers at a province's size (issue 14). Keys with no visits in the period are left out, so a page may
    show fewer rows than its size.
    """
    today = today or timezone.localdate()
    field = "manager_id" if by == "manager" else "route_id"
    if keys is None:
        keys = compliance_keys(user=user, first=first, by=by)
    names = dict(keys)
    if not names:
        return []
    # A whole list (the export) goes in as a subquery, a page as its ids.
    ids = keys.values("pk") if hasattr(keys, "values") else list(names)
    counts = (
        VisitTally.objects.filter(
            scope_q(user, branch="route__station__branch", station="route__station", route="route"),
            day__range=(first, last),
            **{f"{field}__in": ids},
        )
        .values(field)
        .annotate(
            planned_n=Sum("planned"),
            due_n=Sum("planned", filter=Q(day__lte=today), default=0),
            done_n=Sum("done"),
            visited_n=Sum("visited"),
            short_n=Sum("short"),
        )
        .filter(planned_n__gt=0)
        .values_list(field, "planned_n", "due_n", "done_n", "visited_n", "short_n")
    )
    rows = {key: ComplianceRow(key, names[key] or "", *numbers) for key, *numbers in counts}
    return [rows[k] for k in names if k in rows]


def short_visits(*, user, first: dt.date, last: dt.date):
    return (
        Visit.objects.planned_in(user)
        .filter(SHORT, planned_on__range=(first, last))
        .select_related("customer", "manager", "policy")
        .order_by("-planned_on", "id")
    )


def shops_not_visited(*, user, now, limit: int | None = None) -> list[dict]:
    """Active shops whose last completed visit is older than their policy's longest gap, longest first.

    A shop never visited counts from its join date (or is listed at once when that is unknown). Reads the
    ``VisitDue`` rows kept by the key-list job and by each completed visit.
    """
    from .models import VisitDue

    today = timezone.localdate(now)
    # Due before today (no due date: due at once), as one expression on purpose: no index serves it, so the
    # candidates are read from the ``since`` index in the list's order and the reading stops at ``window`` rows.
    # Joined to the shops in one query, the database read every overdue shop of the city (three in four) through
    # the due_on index and sorted them: 5.2× (then 14.9× under load) from 3,000 to 30,000 shops (issue 14).
    due = Coalesce("due_on", Value(dt.date.min))
    overdue = (
        VisitDue.objects.alias(due=due)
        .filter(due__lt=today)
        .order_by(F("since").asc(nulls_first=True), "customer_id")
    )
    scoped = (
        VisitDue.objects.filter(scope_q(user, branch="customer__branch", station="customer__station",
                                        route="customer__route"),
                                customer__status=CustomerStatus.ACTIVE)
        .order_by(F("since").asc(nulls_first=True), "customer_id")
        .values("customer_id", "customer__name", "customer__licence_no", "customer__route__name",
                "customer__joined_on", "policy__name", "policy__max_gap_days", "since", "last_visit_on")
    )  # fmt: skip
    if limit and scope_level(user) in ("company", "branch"):
        # A window of the oldest overdue shops, widened until it holds ``limit`` of the user's (or holds them
        # all): one query for a city user, a few for a branch's, whatever the city's size.
        window = max(500, 10 * limit)
        while True:
            rows = list(scoped.filter(customer_id__in=overdue.values("customer_id")[:window])[:limit])
            if len(rows) >= limit or not overdue[window : window + 1].exists():
                break
            window *= 4
    else:
        # A station's shops or fewer (a few thousand): their own rows, reached through the area's indexes and
        # checked one by one, cost the same in any city. A window over the city's overdue shops had to widen until
        # it held the whole city when the area had fewer than ``limit`` of them (an account manager: 2 queries at
        # 3,000 shops, 6 at 30,000).
        rows = list(scoped.alias(due=due).filter(due__lt=today)[:limit])
    return [
        {"id": r["customer_id"], "name": r["customer__name"], "licence_no": r["customer__licence_no"],
         "route__name": r["customer__route__name"], "joined_on": r["customer__joined_on"], "policy": r["policy__name"],
         "max_gap": r["policy__max_gap_days"], "days": (today - r["since"]).days if r["since"] else None,
         "last": r["last_visit_on"]}
        for r in rows
    ]  # fmt: skip


def keylist_summary(*, user) -> list[dict]:
    from .keylists import SUGGESTED_STRATEGY

    counts = dict(
        KeyCustomerEntry.objects.visible_to(user)
        .values("key_list")
        .annotate(n=Count("id"))
        .values_list("key_list", "n")
    )
    policies = {p.key_list: p for p in VisitPolicy.objects.filter(kind="key_list", active=True)}
    policies[KeyList.NEW_SHOP] = VisitPolicy.objects.filter(kind="new_shop", active=True).first()
    return [
        {"key": k, "label": label, "count": counts.get(k, 0), "strategy": SUGGESTED_STRATEGY[k],
         "policy": policies.get(k)}
        for k, label in KeyList.choices
    ]  # fmt: skip


def keylist_entries(*, user, key_list: str, q: str = ""):
    qs = (
        KeyCustomerEntry.objects.visible_to(user)
        .filter(key_list=key_list)
        .select_related("customer__route__account_manager", "customer__station")
        .order_by("customer__station__name", "customer__route__name", "customer__licence_no")
    )
    if q.strip():
        qs = qs.filter(Q(customer__name__icontains=q.strip()) | Q(customer__licence_no__startswith=q.strip()))
    return qs
