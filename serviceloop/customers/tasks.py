"""The customer import off the request thread (serviceloop.core.background): the check (a dry run) and the
import itself each run as background work with a progress bar; the report is kept as JSON next to the upload
and shown by the import's result page, which offers "import now" after a clean check."""

import json
from pathlib import Path

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.background import WorkFailed, background, pending_dir


def report_path(work) -> Path:
    return pending_dir() / f"work-{work.pk}.json"


def _run(progress, *, name: str, filename: str, user_id: int, dry_run: bool, keep_constant=()):
    from serviceloop.org.models import User

    from .importing import import_customers_file

    stored = pending_dir() / Path(name).name
    if not stored.is_file():
        raise WorkFailed(_("Nothing to import: upload and check the file again."))
    actor = User.objects.filter(pk=user_id).first()
    progress.note(_("Checking…") if dry_run else _("Importing…"))
    with stored.open("rb") as fh:
        report = import_customers_file(
            file=fh,
            filename=filename,
            actor=actor,
            now=timezone.now(),
            dry_run=dry_run,
            keep_constant=keep_constant,
            on_rows=progress.advance,
        )
    if report.errors or not dry_run:
        stored.unlink(missing_ok=True)  # nothing more will be done with this upload
    report_path(progress.work).write_text(json.dumps(report.to_json(), ensure_ascii=False))
    progress.link(reverse("customers:import-result", args=[progress.work.pk]))
    if report.errors:
        first = "\n".join(str(e) for e in report.errors[:3])  # the page shows them before the full report
        progress.note(
            _("Refused: %(n)s problems, nothing was written.") % {"n": f"{report.error_count:,}"}
            + "\n"
            + first
        )
    elif dry_run:
        progress.note(
            _("Checked %(rows)s rows: no problems. Open the result to import them.")
            % {"rows": f"{report.rows:,}"}
        )
    else:
        progress.note(
            _("Imported: %(new)s new, %(updated)s updated, %(same)s unchanged.")
            % {
                "new": f"{report.created:,}",
                "updated": f"{report.updated:,}",
                "same": f"{report.unchanged:,}",
            }
        )


@background
def check_customer_file(progress, *, name: str, filename: str, user_id: int) -> None:
    _run(progress, name=name, filename=filename, user_id=user_id, dry_run=True)


@background
def import_customer_file(
    progress, *, name: str, filename: str, user_id: int, keep_constant: list, check_id: int
) -> None:
    _run(progress, name=name, filename=filename, user_id=user_id, dry_run=False, keep_constant=keep_constant)
