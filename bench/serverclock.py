"""The server's share of a request made through Django's test client: the CPU spent inside the client's WSGI
handler (building the request, the middleware, the view, the response, the request-finished signal).

What stays outside is the client's own work, which a phone does on its side: encoding the form's fields, the
cookie jar, reading the response. ``bench_intake`` measures ours and django-helpdesk's forms with it, so the two
are compared on the server CPU that issue 14 budgets."""

import time

from django.test.client import ClientHandler

_seconds = 0.0


def install() -> None:
    """Count the CPU of every request the test client hands to Django from now on (once per process)."""
    call = ClientHandler.__call__
    if getattr(call, "server_clock", False):
        return

    def timed(handler, environ):
        global _seconds
        started = time.process_time()
        try:
            return call(handler, environ)
        finally:
            _seconds += time.process_time() - started

    timed.server_clock = True
    ClientHandler.__call__ = timed


def server_seconds() -> float:
    """CPU seconds spent inside Django's handler since ``install()``."""
    return _seconds
