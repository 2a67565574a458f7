"""The pages of long work: its progress (polled by HTMX until done), the user's list, and the download."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from .htmx import render_page
from .models import Work
from .paging import paginate


def _own_work(request, pk) -> Work:
    # Work is private to whoever started it: another user's id answers 404, not 403 (ids are guessable).
    return get_object_or_404(Work, pk=pk, created_by=request.user)


@login_required
@require_GET
def work_detail(request, pk):
    work = _own_work(request, pk)
    return render_page(request, "core/work.html", {"work": work}, partial="core/_work_status.html")


@login_required
@require_GET
def work_list(request):
    page, query = paginate(request, Work.objects.filter(created_by=request.user), size=30)
    return render_page(
        request,
        "core/work_list.html",
        {"page": page, "query": query, "keep_days": settings.WORK_KEEP_DAYS},
        partial="core/_work_table.html",
    )


@login_required
@require_GET
def work_download(request, pk):
    work = _own_work(request, pk)
    if not work.file:
        raise Http404
    path = Path(settings.MEDIA_ROOT) / work.file
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=work.filename or path.name)
