"""Background jobs: plain idempotent functions taking ``now``, run by ``manage.py run_jobs``.

The database is the queue. A job is claimed by a conditional update of its JobState row (a lease), so
several runners on several machines can share one PostgreSQL without running a job twice at once.
Later capabilities add their jobs (SLA sweeps, key-customer lists…) to JOBS.
"""

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q

from .models import JobState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[datetime], str]
    every: timedelta
    lease: timedelta = timedelta(minutes=10)


def purge_stale_uploads(now: datetime) -> str:
    """Removes import files that were checked but never confirmed (kept at most a day)."""
    from .background import PENDING_FOLDER

    folder = Path(settings.MEDIA_ROOT) / PENDING_FOLDER
    removed = 0
    if folder.is_dir():
        cutoff = (now - timedelta(days=1)).timestamp()
        for path in folder.iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
    return f"removed {removed} stale upload(s)"


def clear_expired_sessions(now: datetime) -> str:
    deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return f"removed {deleted} expired session(s)"


def purge_finished_work(now: datetime) -> str:
    """Removes the files of background work finished more than WORK_KEEP_DAYS ago, and the task queue's
    rows of the same age (the `Work` rows stay: they say who exported what, and when)."""
    from django_tasks_db.models import DBTaskResult

    from .models import Work

    cutoff = now - timedelta(days=settings.WORK_KEEP_DAYS)
    old = Work.objects.filter(finished_at__lt=cutoff).exclude(file="")
    removed = 0
    for work in old.only("pk", "file"):
        (Path(settings.MEDIA_ROOT) / work.file).unlink(missing_ok=True)
        removed += 1
    old.update(file="")
    tasks, _ = DBTaskResult.objects.filter(finished_at__lt=cutoff).delete()
    return f"removed {removed} work file(s), {tasks} finished task row(s)"


def servicedesk_sweep(now: datetime) -> str:
    """SLA warnings and escalations of open service requests, then webhook digests."""
    from serviceloop.servicedesk.escalation import sweep

    return sweep(now)


def survey_reminders_due(now: datetime) -> str:
    """Open survey waves: the shops due for a reminder (listed on each wave's progress page)."""
    from serviceloop.surveys.jobs import survey_reminders_due as due

    return due(now)


def rebuild_counts(now: datetime) -> str:
    """Recounts the pre-aggregated counts the staff pages read (kept by the services; this corrects drift); the
    visits' day counts of recent months only (``visits.tally.visittally_recent_months``), the command all."""
    from serviceloop.core.counts import counts_rebuild

    return counts_rebuild(now, recent=True)


JOBS = [
    Job("purge_stale_uploads", purge_stale_uploads, every=timedelta(hours=1)),
    Job("rebuild_counts", rebuild_counts, every=timedelta(hours=1)),
    Job("clear_expired_sessions", clear_expired_sessions, every=timedelta(hours=6)),
    Job("purge_finished_work", purge_finished_work, every=timedelta(hours=6)),
    Job("servicedesk_sweep", servicedesk_sweep, every=timedelta(minutes=5)),
    Job("survey_reminders_due", survey_reminders_due, every=timedelta(hours=6)),
]


def key_customer_lists(now: datetime) -> str:
    """Recomputes the key-customer lists (R4) before the plans use them (idempotent; four times a day)."""
    from serviceloop.visits.keylists import job_keylists

    return job_keylists(now)


def visits_plan_coming_days(now: datetime) -> str:
    """Visit plans for today and the coming week, from the visit policies."""
    from serviceloop.visits.services import job_plan_coming_days

    return job_plan_coming_days(now)


def visit_due_dates(now: datetime) -> str:
    """When each shop is next due for a visit (the "not visited for too long" list), after the key lists."""
    from serviceloop.visits.services import job_visit_due

    return job_visit_due(now)


JOBS += [
    Job("key_customer_lists", key_customer_lists, every=timedelta(hours=6)),
    Job("visit_due_dates", visit_due_dates, every=timedelta(hours=6)),
    Job("visits_plan_coming_days", visits_plan_coming_days, every=timedelta(hours=6)),
]


def trade_drop_folder(now: datetime) -> str:
    """Imports the files other systems dropped into the trade drop folder (each file one batch)."""
    from serviceloop.trade.jobs import pick_up_drop_folder

    return pick_up_drop_folder(now)


def shop_messages_retry(now: datetime) -> str:
    """Messages to shops not sent yet (SMS gateway down, timeout): tried again, up to SMS_MAX_ATTEMPTS times."""
    from serviceloop.servicedesk.notifiers import shopmessages_retry

    return shopmessages_retry(now)


def shop_messages_send(now: datetime) -> str:
    """Messages to shops that services wrote (a request filed, its status changed): sent every minute, so no
    request thread waits on the SMS gateway."""
    from serviceloop.servicedesk.notifiers import shopmessages_send

    return shopmessages_send(now)


JOBS += [
    Job("shop_messages_send", shop_messages_send, every=timedelta(minutes=1)),
    Job("shop_messages_retry", shop_messages_retry, every=timedelta(minutes=5)),
]

JOBS += [Job("trade_drop_folder", trade_drop_folder, every=timedelta(minutes=10), lease=timedelta(hours=1))]


def deliver_events(now: datetime) -> str:
    """Outbound events (webhooks): signed POSTs due now, retried with back-off (issue 15)."""
    from serviceloop.integrations.events import job_deliver_events

    return job_deliver_events(now)


JOBS += [Job("deliver_events", deliver_events, every=timedelta(minutes=1), lease=timedelta(minutes=10))]


def restock_advice(now: datetime) -> str:
    """Restock advice (R28): a forecast per shop × product and a suggested order for each shop's next order day."""
    from serviceloop.growth.restock import job_restock_advice

    return job_restock_advice(now)


JOBS += [Job("restock_advice", restock_advice, every=timedelta(hours=6), lease=timedelta(hours=1))]


def settlement_risks(now: datetime) -> str:
    """E-settlement risk scores of every shop (R29, issue 14), kept for the care list: daily, because the window
    slides (imports refresh their own shops' scores as they are written)."""
    from serviceloop.growth.care import job_settlement_risks

    return job_settlement_risks(now)


JOBS += [Job("settlement_risks", settlement_risks, every=timedelta(days=1), lease=timedelta(hours=1))]


def claim(job: Job, now: datetime) -> str | None:
    """Takes the job's lease if it is due and nobody holds it. Returns the lease's token (None: not this
    runner's turn). A runner killed mid-job leaves its lease to expire; then the next runner takes the job,
    and the job itself (idempotent, claiming its rows with conditional updates) does what is left."""
    state, _ = JobState.objects.get_or_create(name=job.name)
    due = Q(last_started_at__isnull=True) | Q(last_started_at__lte=now - job.every)
    free = Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    token = uuid.uuid4().hex
    taken = JobState.objects.filter(due & free, pk=state.pk).update(
        locked_until=now + job.lease, last_started_at=now, locked_by=token
    )
    return token if taken else None


def job_run_soon(name: str) -> None:
    """Makes a job due at the runner's next tick, whatever its schedule: what it computes from has changed (a
    city-wide run that a form's request must not do itself). A run in progress finishes first (the lease)."""
    JobState.objects.filter(name=name).update(last_started_at=None)


def job_has_finished(name: str) -> bool:
    """Whether the job has ever finished a run here (what it keeps exists, if only empty)."""
    return JobState.objects.filter(name=name, last_finished_at__isnull=False).exists()


def run_due_jobs(now: datetime, *, force: bool = False) -> dict[str, str]:
    """Runs every due job once. ``force`` ignores the schedule (not the lease)."""
    results = {}
    for job in JOBS:
        if force:
            job_run_soon(job.name)
        token = claim(job, now)
        if token is None:
            continue
        try:
            result = job.func(now)
        except Exception as exc:  # one failing job must not stop the others
            log.exception("job %s failed", job.name)
            result = f"failed: {exc}"[:300]
        JobState.objects.filter(name=job.name, locked_by=token).update(
            locked_until=None, locked_by="", last_finished_at=now, last_result=result
        )
        results[job.name] = result
    return results


def run_forever(*, tick: float = 30.0, clock=None) -> None:  # pragma: no cover - the loop around run_due_jobs
    from django.utils import timezone

    clock = clock or timezone.now
    while True:
        run_due_jobs(clock())
        time.sleep(tick)


def kpi_values(now: datetime) -> str:
    """Pre-aggregates the KPIs (issue 11): the current month, and the month before too until the 5th."""
    from serviceloop.kpis.compute import job_kpis

    return job_kpis(now)


def scorecards_monthly(now: datetime) -> str:
    """Balanced scorecards of the month just closed and of its quarter (issue 11), from the KPI values."""
    from serviceloop.evaluation.services import job_scorecards

    return job_scorecards(now)


# "Daily and at month end": every six hours (a month of a 30,000-shop city regroups in seconds), so the
# home page's KPIs are at most a quarter-day old; until the 5th the month before is recomputed too (closing).
JOBS += [
    Job("kpi_values", kpi_values, every=timedelta(hours=6), lease=timedelta(hours=1)),
    Job("scorecards_monthly", scorecards_monthly, every=timedelta(hours=6), lease=timedelta(hours=1)),
]


def supervision_daily(now: datetime) -> str:
    """Supervision: overdue rectifications and risks, the scheduled inspection draws, the risk rules."""
    from serviceloop.supervision.rules import job_supervision

    return job_supervision(now)


JOBS += [Job("supervision_daily", supervision_daily, every=timedelta(hours=6), lease=timedelta(minutes=30))]


def shop_reminders(now: datetime) -> str:
    """Reminders before each shop's order day: "该订货了" with its restock advice, and e-settlement care for shops
    likely to fail their debit (issue 12); once per shop, kind and order day, put in the shop-message outbox."""
    from serviceloop.growth.reminders import job_shop_reminders

    return job_shop_reminders(now)


JOBS += [Job("shop_reminders", shop_reminders, every=timedelta(hours=1), lease=timedelta(minutes=30))]


def shop_outbox_send(now: datetime) -> str:
    """The shop-message outbox (order-day reminders, training invitations, cancellations, feedback links):
    messages not sent yet are sent, failures tried again up to SMS_MAX_ATTEMPTS times. Every minute, because
    senders only enqueue: an invitation should not wait long; listed after ``shop_reminders`` so that one run
    sends the reminders it made."""
    from serviceloop.customers.outbox import job_shop_outbox_send

    return job_shop_outbox_send(now)


JOBS += [Job("shop_outbox_send", shop_outbox_send, every=timedelta(minutes=1), lease=timedelta(minutes=10))]


def shop_points(now: datetime) -> str:
    """Points from sales (R26): the cycle that ended last week, from the per shop-week aggregates (idempotent: the
    cycle's rows are replaced, so a late import of last week's orders is picked up by the next run)."""
    from serviceloop.trade.points import job_points

    return job_points(now)


JOBS += [Job("shop_points", shop_points, every=timedelta(hours=12), lease=timedelta(hours=1))]


def rate_counters_purge(now: datetime) -> str:
    """Rate-limit counters (public QR form) of addresses not seen for a day: the table stays small."""
    from serviceloop.portal.ratelimit import ratecounters_purge

    return f"{ratecounters_purge(now=now.timestamp())} counters dropped"


JOBS += [Job("rate_counters_purge", rate_counters_purge, every=timedelta(hours=6))]
