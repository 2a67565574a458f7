"""Reads of the tag loop, scoped with ``CustomerTag.objects.visible_to(user)``; the loop board."""

import statistics
from collections import defaultdict

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from serviceloop.core.params import id_param

from .models import OPEN_STATUSES, CustomerTag, CustomerTagEvent, ProblemTag, TagAction, TagStatus


def customertag_get(*, user, pk) -> CustomerTag:
    return get_object_or_404(
        CustomerTag.objects.visible_to(user).select_related(
            "customer__station", "tag__strategy", "attached_by"
        ),
        pk=pk,
    )


def customertag_list(*, user, params, now):
    qs = CustomerTag.objects.visible_to(user).select_related(
        "customer__station", "customer__route", "tag", "attached_by"
    )
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(customer__name__icontains=q) | Q(customer__licence_no__startswith=q) | Q(tag__name__icontains=q)
        )
    if params.get("status") in TagStatus.values:
        qs = qs.filter(status=params["status"])
    if (value := id_param(params.get("tag"))) is not None:
        qs = qs.filter(tag_id=value)
    if (value := id_param(params.get("station"))) is not None:
        qs = qs.filter(customer__station_id=value)
    if params.get("overdue") == "1":
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=now)
    if params.get("to_verify") == "1":
        qs = qs.filter(status=TagStatus.REMOVED)
    if params.get("to_sample") == "1":  # layered supervision: verified tags nobody above has sampled yet
        qs = qs.filter(status=TagStatus.VERIFIED, sampled_at__isnull=True)
    return qs.order_by("due_at" if params.get("overdue") == "1" else "-attached_at", "-id")


def customertag_counts(*, user, now) -> dict:
    """Overdue tags (the owner's or the station's list, by scope) and tags waiting for verification."""
    qs = CustomerTag.objects.visible_to(user)
    return qs.aggregate(
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
        to_verify=Count("id", filter=Q(status=TagStatus.REMOVED)),
        to_sample=Count("id", filter=Q(status=TagStatus.VERIFIED, sampled_at__isnull=True)),
    )


def customer_tags(*, user, customer):
    return (
        CustomerTag.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("tag")
        .prefetch_related("events__actor")
    )


def library_list(*, q: str = ""):
    qs = ProblemTag.objects.select_related("strategy").order_by("category", "name")
    if q.strip():
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(description__icontains=q.strip()))
    return qs


def _median_hours(values) -> float | None:
    return round(statistics.median(values) / 3600, 1) if values else None


def loop_board(*, user, now, group: str = "station", date_from=None, date_to=None) -> dict:
    """Counts and median stage durations of the loop, grouped by station, strategy (tag) or month of attaching.

    attached/removed/verified/sent back count events in the period; overdue counts open tags now.
    Stage durations: attach → first removal, last removal → verification (hours, median).
    """
    tags = CustomerTag.objects.visible_to(user)
    if date_from:
        tags = tags.filter(attached_at__date__gte=date_from)
    if date_to:
        tags = tags.filter(attached_at__date__lte=date_to)
    key_field = {"station": "customer__station__name", "strategy": "tag__name"}.get(group)
    rows = tags.values_list(
        "pk", key_field if key_field else "attached_at", "status", "due_at", "attached_at"
    )
    key_of, overdue = {}, defaultdict(int)
    for pk, key, status, due, _attached in rows.iterator(chunk_size=5000):
        if group == "month":
            key = timezone.localtime(key).strftime("%Y-%m")
        key_of[pk] = key
        if status in OPEN_STATUSES and due < now:
            overdue[key] += 1
    counts = defaultdict(lambda: defaultdict(int))
    first_removal, last_removal, verified, attached = {}, {}, {}, {}
    events = CustomerTagEvent.objects.filter(customer_tag__in=tags.values("pk")).values_list(
        "customer_tag_id", "action", "at"
    )
    for tid, action, at in events.order_by("at", "id").iterator(chunk_size=10000):
        key = key_of.get(tid)
        if key is None:
            continue
        counts[key][action] += 1
        if action == TagAction.ATTACH:
            attached[tid] = at
        elif action == TagAction.REMOVE:
            first_removal.setdefault(tid, at)
            last_removal[tid] = at
        elif action == TagAction.VERIFY:
            verified[tid] = at
    to_remove, to_verify = defaultdict(list), defaultdict(list)
    for tid, at in first_removal.items():
        if tid in attached:
            to_remove[key_of[tid]].append((at - attached[tid]).total_seconds())
    for tid, at in verified.items():
        if tid in last_removal:
            to_verify[key_of[tid]].append((at - last_removal[tid]).total_seconds())
    keys = sorted(set(key_of.values()))
    out = []
    for key in keys:
        c = counts[key]
        out.append({
            "key": key, "attached": c[TagAction.ATTACH], "removed": c[TagAction.REMOVE],
            "verified": c[TagAction.VERIFY], "sent_back": c[TagAction.SEND_BACK] + c[TagAction.OVERTURN],
            "overdue": overdue[key], "hours_to_remove": _median_hours(to_remove[key]),
            "hours_to_verify": _median_hours(to_verify[key]),
        })  # fmt: skip
    totals = {k: sum(r[k] for r in out) for k in ("attached", "removed", "verified", "sent_back", "overdue")}
    totals["hours_to_remove"] = _median_hours([v for vs in to_remove.values() for v in vs])
    totals["hours_to_verify"] = _median_hours([v for vs in to_verify.values() for v in vs])
    return {"rows": out, "totals": totals}
