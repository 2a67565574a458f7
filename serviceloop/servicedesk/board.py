"""The live board: counts by status, overdue and about-to-be-overdue lists, open work by unit, owner, category.

Reads only open requests and pending milestones (both indexed), so its cost follows the open workload."""

from collections import Counter

from .models import OPEN, MilestoneState, RequestMilestone, ServiceRequest, Status

LIST_LIMIT = 50


def board_data(*, user, now) -> dict:
    visible_open = ServiceRequest.objects.visible_to(user).filter(status__in=OPEN)
    rows = list(
        visible_open.values_list(
            "id",
            "status",
            "station__name",
            "route__name",
            "owner__full_name",
            "owner__username",
            "category__name",
        )
    )
    pending = RequestMilestone.objects.filter(
        state=MilestoneState.PENDING, paused_at__isnull=True, request__in=visible_open.values("pk")
    )
    overdue_qs = pending.filter(due_at__lte=now).select_related("request", "request__owner", "request__shop")
    soon_qs = pending.filter(warn_at__lte=now, due_at__gt=now).select_related(
        "request", "request__owner", "request__shop"
    )
    overdue_ids = set(pending.filter(due_at__lte=now).values_list("request_id", flat=True))
    by_status = Counter(r[1] for r in rows)

    def grouped(index):
        total, late = Counter(), Counter()
        for r in rows:
            key = r[index] or "—"
            total[key] += 1
            if r[0] in overdue_ids:
                late[key] += 1
        return [{"name": k, "open": n, "overdue": late[k]} for k, n in total.most_common(15)]

    owners_total, owners_late = Counter(), Counter()
    for r in rows:
        key = r[4] or r[5] or "—"
        owners_total[key] += 1
        if r[0] in overdue_ids:
            owners_late[key] += 1
    return {
        "now": now,
        "status_counts": [{"status": s, "label": Status(s).label, "n": by_status.get(s, 0)} for s in OPEN],
        "open_total": len(rows),
        "overdue_total": len(overdue_ids),
        "overdue": list(overdue_qs.order_by("due_at")[:LIST_LIMIT]),
        "soon": list(soon_qs.order_by("due_at")[:LIST_LIMIT]),
        "by_station": grouped(2),
        "by_route": grouped(3),
        "by_owner": [
            {"name": k, "open": n, "overdue": owners_late[k]} for k, n in owners_total.most_common(15)
        ],
        "by_category": grouped(6),
    }
