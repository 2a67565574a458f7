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


def _constant(request):
    if request.method == "POST":
        request.POST  # noqa: B018 - parsed, as a form's view parses it
        return HttpResponseRedirect("/")
    return HttpResponse(f'<form><input name="csrfmiddlewaretoken" value="{get_token(request)}"></form>')


def floor_ms(urlconf, warm: int, runs: int) -> float:
    """Median CPU ms of a GET and a POST of the constant view, added to ``urlconf`` (a module) for the run."""
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
    times = []
    for i in range(runs):
        started = time.process_time()
        once(i)
        times.append(time.process_time() - started)
    return statistics.median(times) * 1000
