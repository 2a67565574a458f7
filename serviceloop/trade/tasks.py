"""Imports started from the upload page run in the background (serviceloop.core.background)."""

from pathlib import Path

from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.background import background, start_work

from .models import BatchSource, BatchStatus


@background
def import_file(progress, *, path: str, kind: str, user_id: int | None, filename: str) -> None:
    """Imports a checked upload; the work page then links to the batch (counts, bad rows, rollback)."""
    from serviceloop.org.models import User

    from .importing import import_trade_file

    actor = User.objects.filter(pk=user_id).first() if user_id else None
    progress.note(_("Importing…"))
    try:
        batch = import_trade_file(
            file=Path(path), kind=kind, actor=actor, now=timezone.now(), source=BatchSource.UPLOAD,
            filename=filename, on_rows=progress.advance,
        )  # fmt: skip
    finally:
        Path(path).unlink(missing_ok=True)
    progress.link(batch.get_absolute_url())
    if batch.status == BatchStatus.COMMITTED:
        progress.note(
            _("Imported: %(rows)s rows, %(new)s new, %(fixed)s corrected, %(same)s unchanged.")
            % {"rows": batch.rows, "new": batch.created, "fixed": batch.replaced, "same": batch.unchanged}
        )
    else:
        progress.note(_("Refused: %(n)s problems, nothing was written.") % {"n": batch.error_count})


@background
def check_file(progress, *, path: str, kind: str, user_id: int | None, filename: str) -> None:
    """The check (a dry run) of an upload; the batch page then offers "import now" with the same file."""
    from serviceloop.org.models import User

    from .importing import import_trade_file

    actor = User.objects.filter(pk=user_id).first() if user_id else None
    progress.note(_("Checking…"))
    batch = import_trade_file(
        file=Path(path), kind=kind, actor=actor, now=timezone.now(), dry_run=True, source=BatchSource.UPLOAD,
        filename=filename, on_rows=progress.advance,
    )  # fmt: skip
    if batch.status == BatchStatus.CHECKED:
        batch.details["pending_file"] = Path(path).name
        batch.save(update_fields=["details"])
        progress.note(_("Checked: no problems. Open the batch to import it."))
    else:
        Path(path).unlink(missing_ok=True)
        progress.note(_("Refused: %(n)s problems, nothing was written.") % {"n": batch.error_count})
    progress.link(batch.get_absolute_url())


def start_check(request, *, path: Path, kind: str, filename: str):
    work = start_work(
        check_file, user=request.user, title=_("Check %(name)s") % {"name": filename},
        path=str(path), kind=kind, user_id=request.user.pk, filename=filename,
    )  # fmt: skip
    return redirect(work)


def start_import(request, *, path: Path, kind: str, filename: str):
    work = start_work(
        import_file, user=request.user, title=_("Import %(name)s") % {"name": filename},
        path=str(path), kind=kind, user_id=request.user.pk, filename=filename,
    )  # fmt: skip
    return redirect(work)
