"""Upload page for the customer import: check first (a dry run), then apply the same file on confirmation.

Both steps run in the background (customers/tasks.py): the 15,020-row provincial file takes ~20 s to check and
as long to import, too long for a request. The upload redirects to the work's page (progress bar), which links
to the result page here: the check's report, and the confirm form when the check found no problem."""

import json
import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serviceloop.core.background import start_work
from serviceloop.core.models import Work, WorkStatus
from serviceloop.org.scope import can_manage_org

from .forms import ImportConfirmForm, ImportForm
from .tasks import check_customer_file, import_customer_file, pending_dir, report_path


def _require_importer(user):
    # The import creates branches and stations, so it is the city administrator's job.
    if not can_manage_org(user):
        raise PermissionDenied


def _path(func) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def _own_import(request, pk, *funcs) -> Work:
    # Someone else's work (or another kind of work) answers 404, as the work pages do.
    return get_object_or_404(Work, pk=pk, created_by=request.user, func_path__in=[_path(f) for f in funcs])


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_importer(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        stored = pending_dir() / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
        with stored.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        work = start_work(
            check_customer_file,
            user=request.user,
            title=_("Check %(name)s") % {"name": upload.name},
            name=stored.name,
            filename=upload.name,
            user_id=request.user.pk,
        )
        return redirect(work)
    return render(request, "customers/import.html", {"form": form, "report": None})


def _report(work: Work):
    from .importing.report import ImportReport  # openpyxl (and numpy): not at start-up

    path = report_path(work)
    if not path.is_file():
        return None
    return ImportReport.from_json(json.loads(path.read_text()))


@login_required
@require_GET
def import_result(request, pk):
    """The report of a check or an import; after a clean check, the form that imports the same file."""
    _require_importer(request.user)
    work = _own_import(request, pk, check_customer_file, import_customer_file)
    if work.status != WorkStatus.DONE:
        return redirect(work)
    report = _report(work)
    if report is None:
        raise Http404  # removed with its upload after a day
    dry_run = work.func_path == _path(check_customer_file)
    confirm_form = None
    if dry_run and not report.errors and (pending_dir() / work.kwargs["name"]).is_file():
        confirm_form = ImportConfirmForm(constant_columns=_constant(report))
    return render(
        request,
        "customers/import.html",
        {
            "form": ImportForm(),
            "report": report,
            "dry_run": dry_run,
            "confirm_form": confirm_form,
            "check": work,
        },
    )


def _constant(report) -> list[dict]:
    return [{"field": c.field, "header": c.header, "value": c.value} for c in report.constant_columns]


@login_required
@require_POST
def import_confirm(request, pk):
    _require_importer(request.user)
    check = _own_import(request, pk, check_customer_file)
    report = _report(check) if check.status == WorkStatus.DONE else None
    stored = pending_dir() / Path(check.kwargs["name"]).name
    if report is None or report.errors or not stored.is_file():
        messages.error(request, _("Nothing to import: upload and check the file again."))
        return redirect("customers:import")
    # Only the columns the check reported may be kept; anything else in the post is refused by the form.
    confirm = ImportConfirmForm(request.POST, constant_columns=_constant(report))
    if not confirm.is_valid():
        messages.error(request, _("Nothing to import: upload and check the file again."))
        return redirect("customers:import")
    # One import per check: the file is claimed by renaming it, so a second click finds nothing to import.
    claimed = stored.with_name(f"{stored.stem}-import{stored.suffix}")
    try:
        stored.rename(claimed)
    except FileNotFoundError:
        messages.error(request, _("Nothing to import: upload and check the file again."))
        return redirect("customers:import")
    work = start_work(
        import_customer_file,
        user=request.user,
        title=_("Import %(name)s") % {"name": check.kwargs["filename"]},
        name=claimed.name,
        filename=check.kwargs["filename"],
        user_id=request.user.pk,
        keep_constant=confirm.cleaned_data.get("keep", []),
        check_id=check.pk,
    )
    return redirect(work)
