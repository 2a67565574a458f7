"""The live board: counts by status, overdue and about-to-be-overdue lists, open work by unit, owner, category.

Every supervisor's board refreshes itself every 30 s. It counts in the database: a few GROUP BYs over the open
requests the user sees, the overdue ones by ``next_due_at`` (the earliest running deadline, kept by ``sla``, which
the home page counts too), so the Python side stays the same size however large the backlog; and it lists at most
``LIST_LIMIT`` deadlines of each kind. It drew every open request into Python before (issue 14: a station head's
board grew 1.9× from 3,000 to 30,000 shops)."""

from django.db.models import Count, Q

from .models import OPEN, MilestoneState, RequestMilestone, ServiceRequest, Status

LIST_LIMIT = 50
GROUPS_SHOWN = 15


def board_data(*, user, now) -> dict:
    visible_open = ServiceRequest.objects.visible_to(user).filter(status__in=OPEN).order_by()
    counts = {"open": Count("id"), "overdue": Count("id", filter=Q(next_due_at__lte=now))}
    by_status = {r["status"]: r for r in visible_open.values("status").annotate(**counts)}
    pending = RequestMilestone.objects.filter(
        state=MilestoneState.PENDING, paused_at__isnull=True, request__in=visible_open.values("pk")
    )
    # What a line of the two lists shows, and no more: every column of the shop and of the owner was loaded for
    # each of up to a hundred lines.
    listed = (
        pending.select_related("request__owner", "request__shop")
        .only(
            "milestone",
            "due_at",
            "request__reference",
            "request__owner__full_name",
            "request__owner__username",
            "request__shop__name",
        )
        .order_by("due_at")
    )

    def grouped(*names):
        """Open and overdue requests per name (the first of ``names`` that is set), the largest first."""
        groups = {}
        for r in visible_open.values(*names).annotate(**counts):
            group = groups.setdefault(next((r[n] for n in names if r[n]), "—"), {"open": 0, "overdue": 0})
            group["open"] += r["open"]
            group["overdue"] += r["overdue"]
        largest = sorted(groups.items(), key=lambda item: (-item[1]["open"], str(item[0])))[:GROUPS_SHOWN]
        return [{"name": name, **n} for name, n in largest]

    return {
        "now": now,
        "status_counts": [
            {"status": s, "label": Status(s).label, "n": by_status[s]["open"] if s in by_status else 0}
            for s in OPEN
        ],
        "open_total": sum(r["open"] for r in by_status.values()),
        "overdue_total": sum(r["overdue"] for r in by_status.values()),
        "overdue": list(listed.filter(due_at__lte=now)[:LIST_LIMIT]),
        "soon": list(listed.filter(warn_at__lte=now, due_at__gt=now)[:LIST_LIMIT]),
        "by_station": grouped("station__name"),
        "by_route": grouped("route__name"),
        "by_owner": grouped("owner__full_name", "owner__username"),
        "by_category": grouped("category__name"),
    }
