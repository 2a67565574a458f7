"""Keeps what the compliance page reads pre-aggregated (issue 14).

``VisitMonthKey``: which managers had visits on which routes in which month. ``VisitTally``: each manager's
visits of a day on a route, counted. The services call ``visittally_add`` for every visit they plan, move,
cancel, check in or record, which notes the month keys too (``visitkeys_note``: inserts that skip existing
rows); ``visitkeys_rebuild`` and ``visittally_rebuild`` recount from the visits (the ``rebuild_counts`` job and
command, and bulk generators that insert visits themselves).
"""

import datetime as dt
import functools

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth

from .models import Visit, VisitMonthKey, VisitOutcome, VisitStatus, VisitTally


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def visitkeys_note(rows) -> None:
    """``rows``: (manager_id, route_id, planned_on) of visits planned or moved."""
    keys = {(_month(day), manager, route) for manager, route, day in rows}
    VisitMonthKey.objects.bulk_create(
        [VisitMonthKey(month=m, manager_id=a, route_id=r) for m, a, r in keys],
        ignore_conflicts=True,
        batch_size=2000,
    )


def visitkeys_expected(months=None) -> set[tuple]:
    """The keys the visits call for (what the kept rows must include)."""
    qs = Visit.objects.order_by()
    if months:
        qs = qs.filter(planned_on__gte=min(months), planned_on__lt=_next(max(months)))
    rows = qs.annotate(m=TruncMonth("planned_on")).values_list("m", "manager_id", "route_id").distinct()
    return {(_month(m), manager, route) for m, manager, route in rows}


def _next(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def visitkeys_rebuild(months=None) -> int:
    """Adds the keys of every visit (of ``months``, default all); returns how many keys the visits call for."""
    keys = visitkeys_expected(months)
    VisitMonthKey.objects.bulk_create(
        [VisitMonthKey(month=m, manager_id=a, route_id=r) for m, a, r in keys],
        ignore_conflicts=True,
        batch_size=2000,
    )
    return len(keys)


# --- day counts (VisitTally) --------------------------------------------------------------------------------------
# Visited, but for fewer minutes than the policy's minimum.
SHORT = Q(status=VisitStatus.DONE, outcome=VisitOutcome.VISITED, minutes_spent__lt=F("policy__min_minutes"))
COUNTS = ("planned", "done", "visited", "short")


def visittally_add(changes) -> None:
    """Moves the day counts by ``changes``: (day, manager_id, route_id, planned, done, visited, short), each a
    change (+1, -1 or 0), inside the writing service's transaction. The month keys of visits planned or moved
    there are noted too. One upsert per day row, in key order (two services that touch the same rows lock them
    in the same order), each ``n = n + change`` in one statement, so concurrent writers both count."""
    totals: dict[tuple, list[int]] = {}
    for day, manager, route, *counts in changes:
        total = totals.setdefault((day, manager, route), [0, 0, 0, 0])
        for i, n in enumerate(counts):
            total[i] += n
    rows = [(*key, *counts) for key, counts in sorted(totals.items()) if any(counts)]
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(_upsert(connection.vendor), rows)
    visitkeys_note((manager, route, day) for day, manager, route, planned, *_ in rows if planned > 0)


@functools.cache
def _upsert(vendor: str) -> str:
    """The statement, written once per process and database (SQLite and PostgreSQL both take this upsert).
    ``bulk_create(update_conflicts=True)`` can only set a column to the new row's value, not add to it."""
    q = connection.ops.quote_name
    table = q(VisitTally._meta.db_table)
    columns = ("day", "manager_id", "route_id", *COUNTS)
    added = ", ".join(f"{q(c)} = {table}.{q(c)} + EXCLUDED.{q(c)}" for c in COUNTS)
    return (
        f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({q('manager_id')}, {q('day')}, {q('route_id')}) DO UPDATE SET {added}"
    )


def visittally_recent_months(today: dt.date) -> list[dt.date]:
    """The months visits are still written in: last month (late records), this one and the next (plans run a
    week ahead). The hourly job recounts these only: the recount locks the counts against check-outs while it
    runs, and one month of a province's visits (640,847) takes 1.2–1.3 s."""
    this = _month(today)
    return [_month(this - dt.timedelta(days=1)), this, _next(this)]


def _span(months) -> tuple[dt.date, dt.date]:
    """The first and last day of ``months`` (the first days of months)."""
    return min(months), _next(max(months)) - dt.timedelta(days=1)


def day_change(
    day, manager_id, route_id, planned: int = 0, done: int = 0, visited: int = 0, short: int = 0
) -> tuple:
    """A change of one day row, for ``visittally_add``."""
    return (day, manager_id, route_id, planned, done, visited, short)


def visit_change(visit: Visit, **counts) -> tuple:
    """A change of ``visit``'s day row, for ``visittally_add``."""
    return day_change(visit.planned_on, visit.manager_id, visit.route_id, **counts)


def visittally_counts(months=None) -> dict[tuple, tuple]:
    """The day counts straight from the visits (of ``months``, default all): what the kept rows must equal."""
    qs = Visit.objects.order_by().exclude(status=VisitStatus.CANCELLED)
    if months:
        qs = qs.filter(planned_on__range=_span(months))
    rows = qs.values_list("planned_on", "manager_id", "route_id").annotate(
        n_planned=Count("id"),
        n_done=Count("id", filter=Q(status=VisitStatus.DONE)),
        n_visited=Count("id", filter=Q(status=VisitStatus.DONE, outcome=VisitOutcome.VISITED)),
        n_short=Count("id", filter=SHORT),
    )
    return {(day, manager, route): tuple(counts) for day, manager, route, *counts in rows}


def _kept_rows(months=None):
    return VisitTally.objects.filter(day__range=_span(months)) if months else VisitTally.objects.all()


def visittally_kept(months=None) -> dict[tuple, tuple]:
    """The day counts as kept (rows at zero left out), for comparing with ``visittally_counts``."""
    rows = _kept_rows(months).values_list("day", "manager_id", "route_id", *COUNTS)
    return {(day, manager, route): tuple(counts) for day, manager, route, *counts in rows if any(counts)}


@transaction.atomic
def visittally_rebuild(months=None) -> int:
    """Recounts the day rows (of ``months``, default all) from the visits; returns how many there are.

    On PostgreSQL the rows are locked against writes first, as ``customers.tally.shoptally_rebuild`` does: a
    visit recorded between the recount and the delete would otherwise be lost until the next rebuild."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {VisitTally._meta.db_table} IN EXCLUSIVE MODE")
    counts = visittally_counts(months)
    _kept_rows(months).delete()
    VisitTally.objects.bulk_create(
        (
            VisitTally(day=d, manager_id=m, route_id=r, **dict(zip(COUNTS, c, strict=True)))
            for (d, m, r), c in counts.items()
        ),
        batch_size=2000,
    )
    return len(counts)
