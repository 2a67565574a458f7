"""Long work off the request thread: django-tasks (database backend) runs it, a `Work` row shows its progress.

An app marks a function ``@background``; its first parameter is a `Progress`, the rest are keyword
arguments that JSON can carry (ids, not objects). A view calls ``start_work(func, user=…, title=…, **kwargs)``
and redirects to the work's page, which polls until the work is done and then offers its file or result.

Why one generic task: django-tasks stores a task by its import path, and the worker must only ever run
functions that were meant to be run; ``run_work`` runs nothing but functions registered here. Exports are
one more case of it (``start_export``): a builder returns the sheets, the writer streams them to a file.
"""

import logging
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from .models import Work, WorkStatus

log = logging.getLogger(__name__)

_REGISTERED: set[str] = set()
PENDING_FOLDER = "imports"  # under MEDIA_ROOT: uploads waiting for their background work (purged after a day)
WORK_FOLDER = "work"  # under MEDIA_ROOT; files are served only to their owner (core.views.work_download)


class WorkFailed(Exception):
    """Raise with a message for the user (Chinese) when work cannot finish; the message is shown as is."""


def _path(func) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def pending_dir() -> Path:
    """Where a view keeps an upload until its background work has read it (core.jobs.purge_stale_uploads)."""
    path = Path(settings.MEDIA_ROOT) / PENDING_FOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path


def background(func):
    """Marks ``func(progress, **kwargs)`` as work that ``start_work`` may run in the background."""
    _REGISTERED.add(_path(func))
    return func


class Progress:
    """What running work tells its page. Updates are written at most every ``interval`` seconds."""

    def __init__(self, work: Work, interval: float = 0.5):
        self.work = work
        self.interval = interval
        self._saved_at = 0.0

    def set_total(self, total: int) -> None:
        self.work.total = total
        self._save(force=True)

    def advance(self, n: int = 1) -> None:
        self.work.done += n
        self._save()

    def note(self, message: str) -> None:
        """The message the page shows (also while running, e.g. "正在校验…")."""
        self.work.message = str(message)
        self._save(force=True)

    def link(self, url: str) -> None:
        """A page holding the result (e.g. an import's check report)."""
        self.work.result_url = url
        self._save(force=True)

    def attach(self, source, *, filename: str) -> None:
        """Keeps ``source`` (a path or a binary file object) as the work's download named ``filename``."""
        folder = Path(settings.MEDIA_ROOT) / WORK_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{self.work.pk}-{uuid.uuid4().hex}{Path(filename).suffix}"
        target = folder / name
        if isinstance(source, str | Path):
            Path(source).replace(target)
        else:
            source.seek(0)
            with target.open("wb") as out:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
        self.work.file = f"{WORK_FOLDER}/{name}"
        self.work.filename = filename
        self._save(force=True)

    def _save(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._saved_at >= self.interval:
            self._saved_at = now
            fields = ["done", "total", "message", "result_url", "file", "filename", "status"]
            Work.objects.filter(pk=self.work.pk).update(**{f: getattr(self.work, f) for f in fields})


@task()
def run_work(work_id: int) -> str:
    """The one django-tasks task: runs the registered function a `Work` row names."""
    work = Work.objects.get(pk=work_id)
    if work.func_path not in _REGISTERED:
        import_string(work.func_path)  # a worker process registers functions by importing their module
    if work.func_path not in _REGISTERED:
        raise PermissionDenied(f"not a background function: {work.func_path}")
    func = import_string(work.func_path)
    progress = Progress(work)
    work.status, work.started_at = WorkStatus.RUNNING, timezone.now()
    Work.objects.filter(pk=work.pk).update(status=work.status, started_at=work.started_at)
    try:
        func(progress, **work.kwargs)
    except WorkFailed as exc:
        work.status, work.message = WorkStatus.FAILED, str(exc)
    except Exception:
        log.exception("background work %s (%s) failed", work.pk, work.func_path)
        work.status = WorkStatus.FAILED
        work.message = _("The work failed unexpectedly. Please tell the administrator (work no. %(id)s).") % {
            "id": work.pk
        }
    else:
        work.status = WorkStatus.DONE
        if work.total is not None:
            work.done = work.total
    work.finished_at = timezone.now()
    progress._save(force=True)
    Work.objects.filter(pk=work.pk).update(finished_at=work.finished_at)
    return work.status


def start_work(func, *, user, title: str, **kwargs) -> Work:
    """Queues ``func`` (marked ``@background``) for ``user``; returns the `Work` row its page shows."""
    path = _path(func)
    if path not in _REGISTERED:
        raise ValueError(f"{path} is not marked @background")
    with transaction.atomic():
        work = Work.objects.create(
            title=str(title)[:200], func_path=path, kwargs=kwargs, created_by=user, created_at=timezone.now()
        )
        # The task row commits with the work row (database backend), so a worker never sees one without
        # the other. The immediate backend (tests) runs the work right here.
        run_work.enqueue(work.pk)
    work.refresh_from_db()
    return work


@background
def export_sheets(progress: Progress, *, builder: str, user_id: int, params: dict, filename: str) -> None:
    """Writes the sheets ``builder(user, params)`` returns to an xlsx file, counting rows as it goes."""
    import tempfile

    from django.contrib.auth import get_user_model

    from .xlsx import write_workbook

    user = get_user_model().objects.get(pk=user_id)
    build = import_string(builder)
    if not getattr(build, "exportable", False):
        raise WorkFailed(_("This list cannot be exported."))
    query = QueryDict(mutable=True)  # builders read their filters as a view reads request.GET
    for key, values in params.items():
        query.setlist(key, values)
    sheets = build(user, query)

    def counted(rows):
        for row in rows:
            progress.advance()
            yield row

    total = getattr(build, "count", None)
    if total is not None:
        progress.set_total(total(user, query))
    progress.note(_("Writing the file…"))
    with tempfile.TemporaryFile(suffix=".xlsx") as tmp:
        write_workbook(tmp, [(title, headers, counted(rows)) for title, headers, rows in sheets])
        progress.attach(tmp, filename=filename)
    progress.note(_("%(n)s rows exported.") % {"n": f"{progress.work.done:,}"})


def exportable(count=None, *, listed=None):
    """Marks a sheet builder ``builder(user, params) -> [(title, headers, rows)]`` as an export;
    ``count(user, params)`` (optional) gives the number of rows, so the page can show a percentage. ``listed``
    instead: the selector ``listed(user=…, params=…)`` whose queryset the builder writes, one row each; its
    ``count()`` is the number of rows."""
    if listed is not None:

        def count(user, params):
            return listed(user=user, params=params).count()

    def mark(builder):
        builder.exportable = True
        if count is not None:
            builder.count = count
        return builder

    return mark


def start_export(
    request, *, builder: str, filename: str, title: str | None = None, params: dict | None = None
):
    """Queues an export of a list and redirects to its page. The builder gets the request's GET parameters, or
    ``params`` ({name: [values]}) when what it exports is not in the query (e.g. an id from the URL's path)."""
    params = dict(request.GET.lists()) if params is None else params
    work = start_work(
        export_sheets,
        user=request.user,
        title=title or _("Export %(name)s") % {"name": filename},
        builder=builder,
        user_id=request.user.pk,
        params=params,
        filename=filename,
    )
    return redirect(work)
