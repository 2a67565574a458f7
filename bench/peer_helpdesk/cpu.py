"""CPU per public submission (GET the form, POST it) in one process, as ``bench_intake``'s own script measures ours."""

import os
import re
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
import django  # noqa: E402

django.setup()
from django.test import Client  # noqa: E402
from helpdesk.models import Queue  # noqa: E402
from serverclock import install, server_seconds  # noqa: E402 - bench/, on the path beside this folder

install()

WARM, RUNS = int(sys.argv[1]), int(sys.argv[2])
queue, _ = Queue.objects.get_or_create(
    slug="shop", defaults={"title": "Shops", "allow_public_submission": True}
)
client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)


def submission(i):
    page = client.get("/tickets/submit/")
    assert page.status_code == 200, page.status_code
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    sent = client.post("/tickets/submit/", {
        "csrfmiddlewaretoken": csrf, "queue": queue.pk, "title": f"送货晚了 {i}", "body": f"CPU 测量第 {i} 条",
        "priority": 3, "submitter_email": "shop@example.com",
    })  # fmt: skip
    assert sent.status_code == 302, sent.status_code


for i in range(WARM):
    submission(i)
times, server = [], []
for i in range(WARM, WARM + RUNS):
    started, served = time.process_time(), server_seconds()
    submission(i)
    times.append(time.process_time() - started)
    server.append(server_seconds() - served)
times.sort()
print(
    "CPU",
    statistics.median(times) * 1000,
    times[int(len(times) * 0.9)] * 1000,
    statistics.median(server) * 1000,
)

import urls  # noqa: E402 - the floor under these settings (bench/floor.py, on the path beside this folder)
from floor import floor_ms  # noqa: E402

print("FLOOR", *floor_ms(urls, WARM, RUNS))
