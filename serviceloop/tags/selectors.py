"""Reads of the tag loop, scoped with ``CustomerTag.objects.visible_to(user)``; the loop board."""

import datetime as dt
import statistics
from collections import defaultdict

from django.db.models import Count, DateField, DurationField, ExpressionWrapper, F, Max, Min, Q
from django.db.models.functions import TruncMonth
from django.shortcuts import get_object_or_404
from django.utils import timezone

from serviceloop.core.params import date_param, id_param

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


def _board_key(group: str, prefix: str = ""):
    """The board's grouping of a tag (``prefix``: the path from the queried model to the tag)."""
    if group == "month":
        # the month's first day in local time, as a date: a datetime key was made aware in Python for each tag's
        # row (a third of the board's CPU at 140,000 shops); year × 100 + month saved that but cost PostgreSQL more
        return TruncMonth(
            f"{prefix}attached_at", tzinfo=timezone.get_current_timezone(), output_field=DateField()
        )
    return F(prefix + {"station": "customer__station__name", "strategy": "tag__name"}[group])


def board_period(params, *, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The board's period of attaching from the query string: the last 12 whole months (this month and the 11
    before) until someone chooses; a field sent empty means no bound, a malformed date is ignored."""
    months = today.year * 12 + today.month - 1 - 11
    default_from = dt.date(months // 12, months % 12 + 1, 1)
    date_from = date_param(params["date_from"]) if "date_from" in params else default_from
    return date_from, date_param(params.get("date_to"))


def board_filters(user, params, *, today: dt.date) -> dict:
    """The board's filters from the query string: its period (``board_period``), the station (one outside the
    user's area is ignored, as on the settlement care page) and the stations its select offers."""
    from serviceloop.org.selectors import station_options

    date_from, date_to = board_period(params, today=today)
    stations = station_options(user)
    station = id_param(params.get("station"))
    return {"date_from": date_from, "date_to": date_to, "stations": stations,
            "station": station if station in {pk for pk, _name in stations} else None}  # fmt: skip


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def loop_board(*, user, now, group: str = "station", date_from=None, date_to=None, station=None) -> dict:
    """Counts and median stage durations of the loop, grouped by station, strategy (tag) or month of attaching.

    The period selects tags by when they were attached: attached/removed/verified/sent back count those tags'
    steps, and the stage durations are theirs (attach → first removal, last removal → verification, hours,
    median). Overdue is a state, not an event of the period: it counts every open tag past its due time now,
    however long ago it was attached, so an old neglected tag is never windowed out of sight (a month before
    the period then shows as a row of its own), and the figure matches the tag list's "overdue" filter.

    Counted and timed in the database: reading every tag and every event of the period into Python grew 2.8×
    from 3,000 to 30,000 shops (issue 14). Python only takes the medians, of one duration pair per tag.
    """
    scoped = CustomerTag.objects.visible_to(user)
    if station is not None:
        scoped = scoped.filter(customer__station_id=station)
    overdue = dict(
        scoped.filter(status__in=OPEN_STATUSES, due_at__lt=now).annotate(key=_board_key(group)).order_by()
        .values("key").annotate(n=Count("id")).values_list("key", "n")
    )  # fmt: skip
    tags = scoped
    if date_from:  # bounds on the column itself (not its __date), so the attached_at index serves them
        tags = tags.filter(attached_at__gte=_day_start(date_from))
    if date_to:
        tags = tags.filter(attached_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    keyed = tags.annotate(key=_board_key(group)).order_by()
    counts = defaultdict(lambda: defaultdict(int))
    events = CustomerTagEvent.objects.filter(customer_tag__in=tags.values("pk")).annotate(
        key=_board_key(group, "customer_tag__")
    )
    for key, action, n in events.order_by().values("key", "action").annotate(n=Count("id")).values_list(
        "key", "action", "n"
    ):  # fmt: skip
        counts[key][action] += n
    at = "events__at"
    stages = keyed.annotate(
        attached_ev=Max(at, filter=Q(events__action=TagAction.ATTACH)),
        first_removal=Min(at, filter=Q(events__action=TagAction.REMOVE)),
        last_removal=Max(at, filter=Q(events__action=TagAction.REMOVE)),
        verified=Max(at, filter=Q(events__action=TagAction.VERIFY)),
    ).annotate(
        to_remove=ExpressionWrapper(F("first_removal") - F("attached_ev"), output_field=DurationField()),
        to_verify=ExpressionWrapper(F("verified") - F("last_removal"), output_field=DurationField()),
    )
    to_remove, to_verify = defaultdict(list), defaultdict(list)
    for key, removing, verifying in stages.filter(first_removal__isnull=False).values_list(
        "key", "to_remove", "to_verify"
    ):  # fmt: skip
        if removing is not None:
            to_remove[key].append(removing.total_seconds())
        if verifying is not None:
            to_verify[key].append(verifying.total_seconds())
    out = []
    for key in sorted(set(keyed.values_list("key", flat=True).distinct()) | overdue.keys()):
        c = counts[key]
        out.append({
            "key": _key_label(key), "attached": c[TagAction.ATTACH], "removed": c[TagAction.REMOVE],
            "verified": c[TagAction.VERIFY], "sent_back": c[TagAction.SEND_BACK] + c[TagAction.OVERTURN],
            "overdue": overdue.get(key, 0), "hours_to_remove": _median_hours(to_remove[key]),
            "hours_to_verify": _median_hours(to_verify[key]),
        })  # fmt: skip
    totals = {k: sum(r[k] for r in out) for k in ("attached", "removed", "verified", "sent_back", "overdue")}
    totals["hours_to_remove"] = _median_hours([v for vs in to_remove.values() for v in vs])
    totals["hours_to_verify"] = _median_hours([v for vs in to_verify.values() for v in vs])
    return {"rows": out, "totals": totals}


def _key_label(key) -> str:
    """A month's key is its first day: shown as 2027-03."""
    return key.strftime("%Y-%m") if isinstance(key, dt.date) else key
