from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    """Chinese unless the user chose otherwise with the language switch (a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; on company PCs set up in English,
    that would show an English UI to staff who never asked for it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class HostileInputMiddleware:
    """A NUL character in the query string (``?q=a%00``) is refused with a clear 400 before any view runs.

    PostgreSQL cannot store or compare text holding NUL and answers with a DataError (a 500 on every list
    and export page that filters by a text parameter); SQLite quietly accepts it. One check here instead of
    one in each of the pages. Forms already refuse NUL in posted fields (Django's CharField validator).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if ("\x00" in query or "%00" in query) and any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            from .errors import nul_in_query

            return nul_in_query(request)
        return self.get_response(request)


def mark_session_seen(sender, request, user, **kwargs):
    import time

    if hasattr(request, "session"):
        request.session["_seen"] = int(time.time())


class IdleSessionMiddleware:
    """Sessions last SESSION_COOKIE_AGE after the last activity, not after the log-in.

    The session is saved again (which moves its expiry) at most every SESSION_REFRESH_SECONDS, so an
    active user costs one session write every few minutes instead of one per request.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.every = getattr(settings, "SESSION_REFRESH_SECONDS", 300)

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            import time

            now = int(time.time())
            if now - int(request.session.get("_seen", 0)) >= self.every:
                request.session["_seen"] = now
        return self.get_response(request)
