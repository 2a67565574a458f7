"""Imports started from a page run off the request thread (serviceloop.core.background when available)."""

from pathlib import Path

from django.shortcuts import redirect
from django.utils import timezone

from .models import BatchSource


def run_import(*, path: str, kind: str, user_id: int | None, filename: str):
    from serviceloop.org.models import User

    from .importing import import_trade_file

    actor = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        return import_trade_file(
            file=Path(path),
            kind=kind,
            actor=actor,
            now=timezone.now(),
            source=BatchSource.UPLOAD,
            filename=filename,
        )
    finally:
        Path(path).unlink(missing_ok=True)


def start_import(request, *, path: Path, kind: str, filename: str):
    batch = run_import(path=str(path), kind=kind, user_id=request.user.pk, filename=filename)
    return redirect(batch)
