"""Friendly Chinese error pages (the defaults are English and bare). The server-error page is standalone (it needs
no database); a logged-in user's 400/403/404 pages keep the navigation."""

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

PAGES = {
    400: (_("Bad request"), _("The request could not be understood. Go back and try again.")),
    403: (
        _("You may not open this page"),
        _("This page belongs to another role or area. If you need it, ask your administrator."),
    ),
    404: (_("Page not found"), _("The address may be mistyped, or the record is outside your area.")),
    500: (_("Something went wrong"), _("The error has been recorded. Please try again in a moment.")),
}


def _page(request, status: int, message: str | None = None):
    title, default = PAGES[status]
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
    return _page(request, 400)


def permission_denied(request, exception=None):
    return _page(request, 403)


def page_not_found(request, exception=None):
    return _page(request, 404)


def server_error(request):
    return _page(request, 500)


def csrf_failure(request, reason=""):
    # Usually a form left open too long, or cookies blocked: say so in words an elderly shop owner follows.
    return _page(request, 403, _("The page has expired. Go back, refresh the page and submit again."))
