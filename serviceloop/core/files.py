"""Uploaded files (photos of visits, tags, requests) are served by views that check the viewer's scope first;
nothing under MEDIA_ROOT is reachable by its path."""

import mimetypes

from django.http import FileResponse, Http404

# Photos are shown inline; anything else is offered as a download so the browser never renders it as a page.
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


def file_response(field_file, *, content_type: str | None = None) -> FileResponse:
    """The stored file of a FileField/ImageField, or 404 when there is none (or it went missing from storage)."""
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    name = field_file.name.rsplit("/", 1)[-1]
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(
        handle, content_type=content_type, as_attachment=content_type not in INLINE_TYPES, filename=name
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
