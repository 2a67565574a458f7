"""The floor under a public form: a view returning a constant, reached through the project's own middleware and
fetched the way the form benchmarks fetch a form (GET for the CSRF token, then a multipart POST of the same five
fields). What a form costs above it is the form's own work: ``bench_intake`` measures it for ours and for
django-helpdesk's, each under its own settings."""

import re
import statistics
import time
import uuid

from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.test import Client
from django.urls import clear_url_caches, path
from serverclock import install, server_seconds


def _constant(request):
    if request.method == "POST":
        request.POST  # noqa: B018 - parsed, as a form's view parses it
        return HttpResponseRedirect("/")
    return HttpResponse(f'<form><input name="csrfmiddlewaretoken" value="{get_token(request)}"></form>')


def floor_ms(urlconf, warm: int, runs: int) -> tuple[float, float]:
    """Median CPU ms of a GET and a POST of the constant view, added to ``urlconf`` (a module) for the run, client
    and server in one process, and the server's share (bench/serverclock.py)."""
    install()
    urlconf.urlpatterns.insert(0, path("bench-floor/", _constant))
    clear_url_caches()
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)

    def once(i):
        page = client.get("/bench-floor/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
        sent = client.post("/bench-floor/", {
            "csrfmiddlewaretoken": csrf, "category": "delivery", "kind": "request", "text": f"CPU 测量第 {i} 条",
            "callback_phone": "13812345678", "idempotency_key": uuid.uuid4().hex,
        })  # fmt: skip
        assert sent.status_code == 302, sent.status_code

    for i in range(warm):
        once(i)
    times, server = [], []
    for i in range(runs):
        started, served = time.process_time(), server_seconds()
        once(i)
        times.append(time.process_time() - started)
        server.append(server_seconds() - served)
    return statistics.median(times) * 1000, statistics.median(server) * 1000
