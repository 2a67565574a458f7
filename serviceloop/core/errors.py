"""Friendly Chinese error pages (the defaults are English and bare). The server-error page is standalone (it needs
no database); a logged-in user's 400/403/404 pages keep the navigation.

Under ``/api/`` the same errors are JSON (``{"detail": …}``): an API client must never get an HTML page.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

PAGES = {
    400: (_("Bad request"), _("The request could not be understood. Go back and try again.")),
    403: (
        _("You may not open this page"),
        _("This page belongs to another role or area. If you need it, ask your administrator."),
    ),
    404: (_("Page not found"), _("The address may be mistyped, or the record is outside your area.")),
    413: (_("Too large"), _("What you sent is too large.")),
    500: (_("Something went wrong"), _("The error has been recorded. Please try again in a moment.")),
}


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def _page(request, status: int, message: str | None = None):
    title, default = PAGES.get(status, PAGES[400])
    if is_api(request):
        return JsonResponse({"detail": str(message or default)}, status=status)
    context = {"code": status, "title": title, "message": message or default}
    # A logged-in user keeps the menu (and the way out of the dead end); the server-error page stays standalone.
    template = "error_page_nav.html" if status != 500 and _logged_in(request) else "error_page.html"
    return render(request, template, context, status=status)


def _logged_in(request) -> bool:
    try:
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)
    except Exception:  # the session or the database is unreachable: fall back to the page that needs neither
        return False


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        from .api_errors import too_big_message

        return _page(request, 413, too_big_message())
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return _page(
            request,
            413,
            _g("The form sent too many fields or files at once (at most %(n)d). Send it in smaller parts.")
            % {
                "n": settings.DATA_UPLOAD_MAX_NUMBER_FILES
                if isinstance(exception, TooManyFilesSent)
                else settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
            },
        )
    return _page(request, 400)


def nul_in_query(request):
    return _page(
        request,
        400,
        _g(
            "The search or filter holds an invisible control character (NUL) that cannot be searched for. "
            "Retype it and try again."
        ),
    )


def permission_denied(request, exception=None):
    return _page(request, 403)


def page_not_found(request, exception=None):
    return _page(request, 404)


def server_error(request):
    return _page(request, 500)


def csrf_failure(request, reason=""):
    # Usually a form left open too long, or cookies blocked: say so in words an elderly shop owner follows.
    return _page(request, 403, _("The page has expired. Go back, refresh the page and submit again."))
