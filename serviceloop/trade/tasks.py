"""Imports started from the upload page run in the background (serviceloop.core.background)."""

from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.background import WorkFailed, background, start_work

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


@background
def rollback_batch(progress, *, batch_id: int, user_id: int) -> None:
    """Rolls an import batch back: a week of orders is hundreds of thousands of lines, their aggregates and (for
    settlements) the care list's scores of its shops. The work page then links to the batch."""
    from serviceloop.org.models import User

    from .models import ImportBatch
    from .services import batch_rollback

    batch = ImportBatch.objects.get(pk=batch_id)
    progress.link(batch.get_absolute_url())
    progress.note(_("Rolling back…"))
    try:
        batch_rollback(batch=batch, actor=User.objects.get(pk=user_id), now=timezone.now())
    except ValidationError as exc:  # a later batch corrected its rows, or it is not an imported batch
        raise WorkFailed(" ".join(exc.messages)) from exc
    progress.note(_("The batch was rolled back."))


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


# Derivations over the whole city (grades, stars, segments, applying a reviewed run, a cycle's points) read every
# shop's aggregates: seconds at 40,000 shops, so they run in the background like imports, never on the request.
@background
def compute_derived(progress, *, what: str, user_id: int) -> None:
    from . import derive

    now = timezone.now()
    progress.note(_("Computing…"))
    if what == "segments":
        derive.segments_refresh(now=now)
        progress.note(_("Segments recomputed."))
        progress.link(reverse("trade:derived"))
        return
    compute = derive.grades_compute if what == "grades" else derive.stars_compute
    run = compute(actor=_actor(user_id), now=now)
    progress.note(_("Computed: open the run to review the changes and apply them."))
    progress.link(run.get_absolute_url())


@background
def apply_run(progress, *, run_id: int, user_id: int) -> None:
    from . import derive
    from .models import DerivationRun

    run = DerivationRun.objects.get(pk=run_id)
    progress.link(run.get_absolute_url())
    try:
        n = derive.run_apply(run=run, actor=_actor(user_id), now=timezone.now())
    except ValidationError as exc:
        raise WorkFailed(" ".join(exc.messages)) from exc
    progress.note(_("Applied: %(n)s shops changed, each with a history row.") % {"n": n})


@background
def compute_points(progress, *, cycle: str, user_id: int) -> None:
    from .points import cycle_label, shoppoints_compute

    day = date.fromisoformat(cycle)
    try:
        counts = shoppoints_compute(cycle=day, actor=_actor(user_id), now=timezone.now())
    except ValidationError as exc:
        raise WorkFailed(" ".join(exc.messages)) from exc
    progress.note(_("Points computed: %(n)s shops.") % {"n": counts["shops"]})
    progress.link(f"{reverse('trade:points')}?cycle={cycle_label(day)}")


def _actor(user_id: int | None):
    from serviceloop.org.models import User

    return User.objects.filter(pk=user_id).first() if user_id else None
