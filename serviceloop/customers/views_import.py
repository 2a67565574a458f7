"""Upload page for the customer import: check first (a dry run), then apply the same file on confirmation."""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from serviceloop.org.scope import can_manage_org

from .forms import ImportConfirmForm, ImportForm

SESSION_KEY = "customer_import_pending"


def _pending_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _require_importer(user):
    # The import creates branches and stations, so it is the city administrator's job.
    if not can_manage_org(user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_importer(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = confirm_form = None
    if request.method == "POST" and form.is_valid():
        from .importing import import_customers_file  # openpyxl (and numpy): only when a file comes in

        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        stored = _pending_dir() / f"{uuid.uuid4().hex}{suffix}"
        with stored.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        with stored.open("rb") as fh:
            report = import_customers_file(
                file=fh, filename=upload.name, actor=request.user, now=timezone.now(), dry_run=True
            )
        if report.errors:
            stored.unlink(missing_ok=True)
        else:
            constant = [
                {"field": c.field, "header": c.header, "value": c.value} for c in report.constant_columns
            ]
            request.session[SESSION_KEY] = {
                "file": stored.name,
                "filename": upload.name,
                "constant": constant,
            }
            confirm_form = ImportConfirmForm(constant_columns=constant)
    return render(
        request,
        "customers/import.html",
        {"form": form, "report": report, "dry_run": True, "confirm_form": confirm_form},
    )


@login_required
@require_POST
def import_confirm(request):
    _require_importer(request.user)
    pending = request.session.pop(SESSION_KEY, None)
    stored = _pending_dir() / Path(pending["file"]).name if pending else None
    if not stored or not stored.exists():
        messages.error(request, _("Nothing to import: upload and check the file again."))
        return redirect("customers:import")
    # Only the columns the check reported may be kept; anything else in the post is refused by the form.
    confirm = ImportConfirmForm(request.POST, constant_columns=pending.get("constant", []))
    if not confirm.is_valid():
        stored.unlink(missing_ok=True)
        messages.error(request, _("Nothing to import: upload and check the file again."))
        return redirect("customers:import")
    from .importing import import_customers_file

    try:
        with stored.open("rb") as fh:
            report = import_customers_file(
                file=fh,
                filename=pending["filename"],
                actor=request.user,
                now=timezone.now(),
                dry_run=False,
                keep_constant=confirm.cleaned_data.get("keep", []),
            )
    finally:
        stored.unlink(missing_ok=True)
    return render(
        request, "customers/import.html", {"form": ImportForm(), "report": report, "dry_run": False}
    )
