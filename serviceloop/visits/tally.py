"""Keeps ``VisitMonthKey``: which managers had visits on which routes in which month (issue 14).

The services call ``visitkeys_note`` for every visit they plan or move (inserts that skip existing rows);
``visitkeys_rebuild`` adds the keys of all visits (the ``rebuild_counts`` job and command, and bulk generators
that insert visits themselves).
"""

import datetime as dt

from django.db.models.functions import TruncMonth

from .models import Visit, VisitMonthKey


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
