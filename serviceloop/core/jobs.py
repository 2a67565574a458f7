"""Background jobs: plain idempotent functions taking ``now``, run by ``manage.py run_jobs``.

The database is the queue. A job is claimed by a conditional update of its JobState row (a lease), so
several runners on several machines can share one PostgreSQL without running a job twice at once.

What runs, how often and in which order is the schedule in ``settings.JOBS``: each app keeps its job functions
(``job_…``), the schedule names them by their dotted paths, as Celery's beat schedule names tasks; so this module
runs them without importing the apps above it.
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
from django.utils.module_loading import import_string

from .models import JobState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[datetime], str] | str  # the function, or its dotted path (as the schedule names it)
    every: timedelta
    lease: timedelta = timedelta(minutes=10)

    def run(self, now: datetime) -> str:
        return (import_string(self.func) if isinstance(self.func, str) else self.func)(now)


def schedule() -> list[Job]:
    """The jobs of ``settings.JOBS``, in their order (a job that feeds another is listed before it)."""
    return [Job(*entry) for entry in settings.JOBS]


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
    for job in schedule():
        if force:
            job_run_soon(job.name)
        token = claim(job, now)
        if token is None:
            continue
        try:
            result = job.run(now)
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
