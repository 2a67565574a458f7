"""Recounts every count the staff pages read pre-aggregated (issue 14) from the rows they count.

The services keep these counts as they write; this is the safety net (an hourly job, ``manage.py
rebuild_counts``) and the step after bulk writers that go around the services (the demo, generators).
Each part is exact after it runs; tests compare the kept counts with a recount after a series of changes.
"""

import datetime as dt

from django.apps import apps
from django.utils import timezone


def counts_rebuild(now: dt.datetime | None = None, *, recent: bool = False) -> str:
    """``recent``: the visits' day counts and the e-settlement day counts of the months still written in only
    (the hourly job), else all."""
    parts = []
    today = timezone.localdate(now)
    from serviceloop.customers.tally import shoptally_rebuild

    parts.append(f"{shoptally_rebuild()} shop count row(s)")
    if apps.is_installed("serviceloop.servicedesk"):
        from serviceloop.servicedesk.sla import next_due_rebuild

        parts.append(f"{next_due_rebuild()} request(s) with a running deadline")
    if apps.is_installed("serviceloop.visits"):
        from serviceloop.visits.tally import visitkeys_rebuild, visittally_rebuild, visittally_recent_months

        months = visittally_recent_months(today) if recent else None
        parts.append(f"{visitkeys_rebuild()} manager-route-month key(s)")
        parts.append(f"{visittally_rebuild(months)} visit day count row(s)")
    if apps.is_installed("serviceloop.trade"):
        from serviceloop.trade.aggregates import settlementtally_refresh

        months = None  # all of them
        if recent:  # the months imports still write in: this one and the one before
            this = today.replace(day=1)
            months = [(this - dt.timedelta(days=1)).replace(day=1), this]
        parts.append(f"e-settlement counts of {settlementtally_refresh(months)} month(s)")
    return ", ".join(parts)


def job_rebuild_counts(now: dt.datetime) -> str:
    """The hourly job: every count, those kept per month for recent months only; the command recounts them all."""
    return counts_rebuild(now, recent=True)
