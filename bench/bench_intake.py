"""Public intake (QR page): server CPU per submission, and over HTTP under gunicorn on loopback: submissions/s and
p50/p99 at concurrency 8 and 32, the workers' CPU per submission, and the page's weight over the wire.

A submission is what a shop owner's phone does: GET the QR page, then POST the form (with the page's CSRF token).

1. CPU per submission in one process (Django test client, `time.process_time`, median of 200 after 30 warm-up),
   and the server's share of it: the CPU inside Django's handler (bench/serverclock.py), which is what the issue
   budgets at ≤ 10 ms; the client's side (encoding the form, the cookie jar) is the phone's work. Its peer:
   django-helpdesk 2.6.1's public ticket form (GET + POST, the same way), run from `bench/peer_helpdesk/` in a venv
   of its own (/tmp/bench_helpdesk_venv, made with pip on the first run: it is no dependency of ours). Ours and the
   peer's are measured alternately, three times each, so the ratio compares the same machine in the same minutes.
   Without the peer (no registry), the ratio falls back to issue 14's 40 ms — a figure from another machine, and
   the reason earlier stops overstated the ratio.
2. Under gunicorn (2 workers × 4 threads): submissions/s, p50/p99, and the workers' CPU (from /proc) per
   submission at concurrency 8 and 32; 0 lost (rows stored = submissions accepted). Then the concurrency-32 closed
   loop again on PostgreSQL (BENCH_PG, skipped without one), to tell SQLite's share of the tail from the queue's.
3. First-load bytes of the QR page on a phone: the page and every stylesheet, script and font it references,
   gzip-compressed as whitenoise serves them (collectstatic with the production storage), budget 50 KB.

Builds a fresh SQLite database (WAL) with the test organisation and 200 shops, each with its QR link, starts
gunicorn on 127.0.0.1 only (2 workers × 4 threads), and POSTs a bounded number of filings per level from a
thread pool — each thread first GETs the page once for its CSRF cookie, like a phone does. One filing in ten
is a double tap (the previous key sent again), which must be answered with the same tracking link and
store nothing. At the end, the rows stored must equal the filings accepted.

Figures (2026-12-02, branch intake, the shared 2-core machine at load average 9–13: every figure is inflated by
other helpers' work; read ratios taken in the same run, not absolute values):
- In-process A/B, same database copy, alternated runs (GET / POST / submission medians, ms CPU): before
  32.3 / 17.7 / 50.3 → after 14.2 / 17.1 / 31.4 (load 11). GET: the route's contacts and the latest allocation
  runs kept a minute per process, the token resolved with the shop only, radio buttons from plain lists; POST:
  the shop message's commit hook sends the row it saved (12 queries with the hook's, was 13).
- This bench at load 13.4: CPU per submission 35.4 ms median (p90 41.9) — over the 10 ms budget on this loaded
  machine; the lead's 22.7 ms (before) was taken at a lower load. Gunicorn: 11.5 submissions/s at concurrency 8
  and 32, p50/p99 599/1275 ms (c8) and 2564/5556 ms (c32), workers' CPU 33.8/37.6 ms per submission; 540 of
  540 accepted stored, 0 lost, double taps answered with the same link. The p99 budget (100 ms) cannot be
  judged on a machine this loaded: the CPU queue, not the page, sets the latency.

Quiet machine (2026-12-03, load 1.3–1.7, main at c186433): CPU per submission 13.7 ms median (p90 15.6), 1.37× the
10 ms budget, 2.9× cheaper than django-helpdesk's 40 ms. Gunicorn: c8 73.3 submissions/s, p50/p99 55.8/850.1 ms;
c32 101.2 submissions/s, p50/p99 234.8/845.8 ms; workers' CPU 20.7/15.3 ms per submission; 540 of 540 stored.
The p99 ≤ 100 ms aim at concurrency 32 cannot be met by a closed loop on 2 cores: 32 submissions always in
flight finish within 100 ms only at ≥ 320 submissions/s (Little's law), 3.2× this run's throughput (and 19× the
16.7/s django-helpdesk reached), i.e. ≤ 3 ms of CPU for a GET and a POST together.

This machine (2026-12-03, another stop's machine, load 0.9, main after 9f3f040): CPU per submission 8.7 ms median
(p90 10.2), 0.87× the 10 ms budget, 4.6× cheaper than django-helpdesk's 40 ms (8.5 ms at load 4.2, 10.5 at load 6.1
earlier the same day: load inflates CPU time too). Gunicorn: closed loop c8 107.7/s p50/p99 46.0/359.4 ms, c32
130.9/s 211.4/711.4 ms; open loop (fixed arrival rate, at most 32 in flight, latency from the scheduled arrival)
20/s p50/p99 15.6/50.2 ms, 40/s 13.6/22.3 ms; 1,440 of 1,440 stored, 0 lost, double taps (racing their first
send in the open loop) answered with the same link. At load 6.1 the open loop gave p99 103.3 ms at 20/s and
340.7 ms at 40/s: on two shared cores the tail is the neighbours' work. A city of 15,000 shops files a few hundred
QR requests a day; 20/s is about a thousand times its busiest hour.

Same machine, alternating (2026-12-03, a slower machine of the same kind, load 1.3, main at 6b6b592 plus the peer): ours 10.9 ms
(runs 10.9, 10.5, 11.6; p90 14.7), django-helpdesk 15.9 ms (runs 14.8, 15.9, 16.5): ours is **1.47× cheaper**, not
the ≥ 4× the issue asks (and not the 4.6× above, which divided issue 14's 40 ms by this machine's figure). By hand
the same day, alternating, the ratio was 1.1–1.35× (ours 16.6–18.2 ms, the peer's 18.2–24.7 ms: this machine's speed
drifts by half within an hour). Gunicorn in that run: c8 57.2/s p50/p99 127.9/379.0 ms, c32 70.2/s 421.9/1143.7 ms;
open loop 20/s p50/p99 21.8/37.2 ms, 40/s 21.9/98.3 ms; 1,440 of 1,440 stored.

Stop 23 (2026-12-04, another machine of the same kind, load 0.8–1.3), alternating with the peer as above: the split
figures (GET / POST, ms CPU, median of 200 on a fresh copy of the seeded database) went from 4.6 / 5.4 at d716e39
to 2.0 / 3.1. The shop's messages are written by the filing and sent by a job (two UPDATEs and the notifier off the
request), the blank form's fields are drawn once a minute per process, the link with its shop and the open
requests with their links are two fixed SQL statements (0.15 and 0.10 ms against the ORM's 0.6–0.76 and 0.5–1.3),
and the filing's five rows are inserted through a kept statement (core.bulk.insert_instance). Each CPU run now starts
from the seeded database (before, every run added a filing per shop, so later runs listed more open requests: 5.2,
6.3, 6.4 ms for the same code). This benchmark: **5.0 ms** (runs 5.0, 5.0, 5.0; p90 5.4), the peer 15.0 ms →
**3.00× cheaper**, not ≥ 4×. Gunicorn: c8 139.0/s p50/p99 40.3/264.5 ms, c32 182.1/s 96.4/484.1 ms, workers' CPU
10.8/7.9 ms per submission; open loop 20/s 9.4/14.9 ms, 40/s 9.1/14.3 ms; 1,440 of 1,440 stored. Where the rest
goes: the floor (bench/floor.py: a constant view fetched the same way through the same middleware) is 1.2 ms, the
peer's 0.9 ms (multipart parsing, CSRF, django-csp's header); SQLite itself 0.8 ms (nine statements); the page's
template ~0.9 ms; the filing's rules, the form and the rows' Python side the rest. Above each one's floor: ours
3.9 ms, the peer's 14.0–14.6 ms → 3.64–3.75×.

Stop 24 (2026-12-04, another machine of the same kind, load 0.4–1.1; its speed differs: the peer took 16.2 ms here
against 15.0): the QR page's two statements are written once per process, the open requests are read by a cursor,
icons are drawn once, and the filing's choice checks use the enum's look-up (GET about 0.2 ms less, by hand). The
benchmark now reports the server's share of each submission (inside Django's handler; the client's encoding and
cookie jar are the phone's work): ours **5.3 ms** (runs 5.3, 5.3, 5.8; 5.5 ms with the client's side), the peer's
16.2 ms → **3.05×** (2.96× with the client's side), not ≥ 4×; above each one's floor (ours 0.8, the peer's 0.6 ms)
3.48×. Gunicorn: c8 111.2/s p50/p99 26.4/372.1 ms, c32 142.8/s 85.5/1,368.6 ms; open loop 20/s p99 20.8 ms, 40/s
18.4 ms; 1,440 of 1,440 stored. The same c32 loop on PostgreSQL: 140.6/s, p50/p99 213.2/500.3 ms (p99/p50 2.35×
against SQLite's 16×), 0 lost: SQLite's busy handler, which sleeps between a waiting writer's tries, makes the
long tail; the rest is the queue itself (32 in flight at 140/s wait 228 ms on average, Little's law).

Stop 25 (2026-12-04, another machine of the same kind, load 0.9–1.1; intake code unchanged since stop 24), two runs
two minutes apart: ours 3.8 then 4.5 ms server CPU per submission (runs 3.9, 3.8, 3.8 and 3.9, 4.7, 4.5), the peer's
12.7 then 14.7 ms → **3.33× and 3.31×**, not ≥ 4×; above each one's floor (ours 0.8–0.9, the peer's 0.6 ms) 4.02× and
3.95×. Gunicorn, SQLite: c8 160.7 / 122.1 submissions/s, p99 231.6 / 262.9 ms; c32 223.5 / 144.9/s, p99 556.4 /
864.9 ms; open loop p99 15.1 / 17.7 ms at 20/s and 14.3 / 15.5 ms at 40/s; 1,440 of 1,440 stored. c32 on PostgreSQL
150.5 / 128.6/s, p99 441.9 / 508.4 ms, 0 lost.

The rate limits (5 per shop, 20 per address an hour) would refuse almost everything here, so the benchmark
raises them through the environment: PORTAL_RATE_SHOP_PER_HOUR=1000000 PORTAL_RATE_ADDRESS_PER_HOUR=1000000.
"""

import contextlib
import http.client
import json
import os
import queue
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from summary import record  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PORT = 0  # chosen at start: a free port on 127.0.0.1 (other benchmarks may be running)
SHOPS = 200
LEVELS = [(8, 200), (32, 400)]  # (concurrency, submissions)
# Open loop: submissions arrive at a fixed rate whatever the server's pace, at most 32 in flight (the phones of a
# closed loop wait for their answer before sending again, so their p99 measures the queue they build themselves).
OPEN_RATES = [(20, 400), (40, 600)]  # (submissions per second, submissions)
OPEN_IN_FLIGHT = 32
CPU_WARM, CPU_RUNS = 30, 200
HELPDESK_MS = 40.0  # django-helpdesk's public form, GET + POST, on issue 14's machine (38–44 ms over 8 runs)
PEER_VERSION = "2.6.1"  # the version issue 14 measured
DOUBLE_TAP_EVERY = 10

SEED = f"""
from django.utils import timezone
from serviceloop.core.testing import build_world, make_customer
from serviceloop.portal.services import shoptokens_ensure
w = build_world()
shops = [make_customer(w.route_a1_1) for _ in range({SHOPS})]
links = shoptokens_ensure(customers=shops, actor=None, now=timezone.now())
print("\\n".join(t.value for t in links.values()))
"""


CPU_SCRIPT = """
import re, statistics, sys, time, uuid
from django.test import Client
sys.path.insert(0, "bench")
from serverclock import install, server_seconds
install()
tokens = TOKENS
client = Client(HTTP_HOST="127.0.0.1")

def submission(i):
    token = tokens[i % len(tokens)]
    page = client.get(f"/s/{token}/")
    assert page.status_code == 200, page.status_code
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    sent = client.post(f"/s/{token}/", {"csrfmiddlewaretoken": csrf, "category": "delivery", "kind": "request",
        "text": f"CPU 测量第 {i} 条", "callback_phone": "13812345678", "idempotency_key": uuid.uuid4().hex})
    assert sent.status_code == 302, sent.status_code

client.enforce_csrf_checks = True
for i in range(WARM):
    submission(i)
times, server = [], []
for i in range(WARM, WARM + RUNS):
    t, s = time.process_time(), server_seconds()
    submission(i)
    times.append(time.process_time() - t)
    server.append(server_seconds() - s)
times.sort()
print("CPU", statistics.median(times) * 1000, times[int(len(times) * 0.9)] * 1000, statistics.median(server) * 1000)
import config.urls
from floor import floor_ms
print("FLOOR", *floor_ms(config.urls, WARM, RUNS))
import gzip, json
from serviceloop.core.pageweight import first_load_bytes
page = Client(HTTP_HOST="127.0.0.1").get(f"/s/{tokens[0]}/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
raw = page.content
html = gzip.decompress(raw) if page.get("Content-Encoding") == "gzip" else raw
print("WEIGHT", json.dumps(first_load_bytes(html.decode(), html_on_wire=len(raw))))
"""


class CpuRun(NamedTuple):
    median: float  # ms of CPU per submission, client and server in one process
    p90: float
    server: float  # ms of it inside Django's handler (bench/serverclock.py): the server's CPU, median
    floor: float  # ms of CPU for a constant view fetched the same way
    floor_server: float  # ms of it inside Django's handler
    weight: dict  # first-load bytes per resource (ours only)


def _cpu_run(out: str) -> CpuRun:
    """The figures printed by our CPU script or the peer's (``bench/peer_helpdesk/cpu.py``)."""
    median, p90, server = (float(x) for x in re.search(r"CPU ([\d.]+) ([\d.]+) ([\d.]+)", out).groups())
    floor, floor_server = (float(x) for x in re.search(r"FLOOR ([\d.]+) ([\d.]+)", out).groups())
    weight = re.search(r"WEIGHT (.*)", out)
    return CpuRun(median, p90, server, floor, floor_server, json.loads(weight.group(1)) if weight else {})


def cpu_per_submission(env: dict, tokens: list[str]) -> CpuRun:
    """CPU ms of one GET + POST in one process (the test client: no network, no server), median and p90, and
    the server's share of it; the QR page's first-load bytes per resource, and the floor: the CPU ms of a
    constant view fetched the same way through the same middleware (bench/floor.py)."""
    script = (
        CPU_SCRIPT.replace("TOKENS", repr(tokens))
        .replace("WARM", str(CPU_WARM))
        .replace("RUNS", str(CPU_RUNS))
    )
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return _cpu_run(out)


PEER = ROOT / "bench" / "peer_helpdesk"
PEER_VENV = Path("/tmp/bench_helpdesk_venv")  # kept between runs: installing takes ~10 s
PAIRS = 3  # ours and the peer's CPU measured alternately, so both see the same machine


def peer_env(tmp: Path) -> dict | None:
    """The environment to run django-helpdesk's public form in (its own venv, a fresh SQLite database), or None
    when it cannot be installed here (then the issue's figure from another machine is all there is)."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        made = subprocess.run(
            f"{sys.executable} -m venv {PEER_VENV} && {PEER_VENV}/bin/pip install -q django-helpdesk=={PEER_VERSION}",
            shell=True, capture_output=True, text=True,
        )  # fmt: skip
        if made.returncode != 0:
            print(f"django-helpdesk {PEER_VERSION} could not be installed: {made.stderr.strip()[-300:]}")
            return None
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": f"{PEER}:{PEER.parent}", "DJANGO_SETTINGS_MODULE": "settings",
           "HELPDESK_DB": str(tmp / "helpdesk.sqlite3")}  # fmt: skip
    subprocess.run([str(python), "-m", "django", "migrate", "-v0"], env=env, check=True, capture_output=True)
    return env


def peer_cpu(env: dict) -> CpuRun:
    """CPU ms of one GET + POST of django-helpdesk's public ticket form, measured like ours, and the floor under
    its settings (bench/floor.py)."""
    out = subprocess.run(
        [str(PEER_VENV / "bin" / "python"), str(PEER / "cpu.py"), str(CPU_WARM), str(CPU_RUNS)],
        env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return _cpu_run(out)


def _medians(runs: list[CpuRun]) -> CpuRun:
    """Each figure's median over the runs."""
    return CpuRun(
        *(statistics.median(getattr(r, f) for r in runs) for f in CpuRun._fields[:-1]), runs[0].weight
    )


def _own_work_ratio(mine: CpuRun, theirs: CpuRun) -> float:
    """How much less server CPU our form spends above its middleware floor than the peer's above its own."""
    return (theirs.server - theirs.floor_server) / (mine.server - mine.floor_server)


def workers_cpu(master: int) -> float:
    """CPU seconds used so far by gunicorn's workers (user + system, from /proc)."""
    total = 0
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def env_for(db: Path, media: Path) -> dict:
    return {
        **os.environ,
        "SERVICELOOP_DEV": "1",
        "DATABASE_URL": f"sqlite:///{db}",
        "MEDIA_ROOT": str(media),
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "PORTAL_RATE_SHOP_PER_HOUR": "1000000",
        "PORTAL_RATE_ADDRESS_PER_HOUR": "1000000",
        "LOG_LEVEL": "ERROR",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(server: subprocess.Popen, deadline: float) -> None:
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/login/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


class Phone:
    """One client: a keep-alive connection and a CSRF cookie, like a browser on a shop owner's phone."""

    def __init__(self, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        self.conn.request("GET", f"/s/{token}/")
        response = self.conn.getresponse()
        body = response.read().decode()
        assert response.status == 200, response.status
        cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
        self.cookie = f"csrftoken={cookie}"
        self.csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)

    def file(self, token: str, key: str, n: int) -> tuple[int, str, float]:
        t = time.perf_counter()
        self.conn.request("GET", f"/s/{token}/", headers={"Cookie": self.cookie})
        response = self.conn.getresponse()
        page = response.read().decode()
        assert response.status == 200, response.status
        self.csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urlencode(
            {
                "csrfmiddlewaretoken": self.csrf,
                "category": "delivery",
                "kind": "request",
                "text": f"压测诉求第 {n} 条：送货晚了。",
                "callback_phone": "13812345678",
                "idempotency_key": key,
            }
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie}
        self.conn.request("POST", f"/s/{token}/", body=body, headers=headers)
        response = self.conn.getresponse()
        response.read()
        return response.status, response.getheader("Location") or "", time.perf_counter() - t


def run_level(tokens: list[str], concurrency: int, count: int, offset: int, master: int) -> dict:
    """Closed loop: ``concurrency`` phones, each sending its next submission when the last is answered."""
    local = threading.local()
    first_location: dict[str, str] = {}
    lock = threading.Lock()

    def work(job):
        n, token, key = job
        if not hasattr(local, "phone"):
            local.phone = Phone(tokens[0])
        status, location, seconds = local.phone.file(token, key, n)
        with lock:
            same = first_location.setdefault(key, location) == location
        return status, key, seconds, same

    t, cpu = time.perf_counter(), workers_cpu(master)
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(work, _jobs(tokens, count, offset)))
    wall, cpu = time.perf_counter() - t, workers_cpu(master) - cpu
    return _summary(results, str(concurrency), count, wall, cpu)


def _jobs(tokens: list[str], count: int, offset: int) -> list[tuple[int, str, str]]:
    jobs = []
    for i in range(count):
        n = offset + i
        if i % DOUBLE_TAP_EVERY == DOUBLE_TAP_EVERY - 1:
            jobs.append((n, jobs[-1][1], jobs[-1][2]))  # the same form sent again
        else:
            jobs.append((n, tokens[n % len(tokens)], uuid.uuid4().hex))
    return jobs


def run_open(tokens: list[str], rate: float, count: int, offset: int, master: int) -> dict:
    """Submissions arrive every 1/``rate`` s (open loop), served by up to OPEN_IN_FLIGHT phones at once; a
    submission's latency runs from its scheduled arrival, so time spent waiting for a free phone counts (no
    coordinated omission). Double taps may now race their first send."""
    phones: queue.Queue = queue.Queue()
    for _ in range(OPEN_IN_FLIGHT):
        phones.put(Phone(tokens[0]))
    first_location: dict[str, str] = {}
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def work(indexed):
        i, (n, token, key) = indexed
        due = start + i / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        phone = phones.get()
        try:
            status, location, _seconds = phone.file(token, key, n)
        finally:
            phones.put(phone)
        with lock:
            same = first_location.setdefault(key, location) == location
        return status, key, time.perf_counter() - due, same

    t, cpu = time.perf_counter(), workers_cpu(master)
    with ThreadPoolExecutor(OPEN_IN_FLIGHT + 8) as pool:
        results = list(pool.map(work, enumerate(_jobs(tokens, count, offset))))
    wall, cpu = time.perf_counter() - t, workers_cpu(master) - cpu
    return _summary(results, f"{rate:g}/s", count, wall, cpu)


def _summary(results: list, level: str, count: int, wall: float, cpu: float) -> dict:
    latencies = sorted(r[2] for r in results)
    accepted = {r[1] for r in results if r[0] == 302}
    return {
        "concurrency": level,
        "sent": count,
        "wall": wall,
        "rps": count / wall,
        "cpu_ms": cpu / count * 1000,  # the workers' CPU per submission (GET + POST) under this load
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "accepted": len(accepted),
        "errors": sum(r[0] != 302 for r in results),
        "double_taps_same_link": all(r[3] for r in results),
    }


def stored(env: dict) -> tuple[int, int]:
    """Requests filed by QR and tracking links, in the database of ``env``."""
    url = env["DATABASE_URL"]
    count_requests = "SELECT count(*) FROM servicedesk_servicerequest WHERE channel='qr'"
    count_links = "SELECT count(*) FROM portal_shoptoken WHERE purpose='track'"
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return conn.execute(count_requests).fetchone()[0], conn.execute(count_links).fetchone()[0]
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(count_requests).fetchone()[0], conn.execute(count_links).fetchone()[0]


def seed(env: dict) -> list[str]:
    """Migrates the database of ``env``, adds the test organisation and its shops; the shops' QR tokens."""
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", SEED], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    tokens = [line for line in out.split() if len(line) == 24]
    assert len(tokens) == SHOPS, out[-500:]
    return tokens


@contextlib.contextmanager
def gunicorn(env: dict):
    """gunicorn serving the project on 127.0.0.1:PORT, 2 workers × 4 threads, on the database of ``env``."""
    server = subprocess.Popen(
        [GUNICORN, "config.wsgi", "-w", "2", "-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{PORT}",
         "--timeout", "120", "--log-level", "error"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        wait_for_server(server, time.time() + 60)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=30)


PG_DATABASE = "h_bench_intake"


def postgres_level(env: dict) -> dict | None:
    """The closed loop at the top concurrency again, the same code on PostgreSQL (BENCH_PG), or None without one.

    SQLite lets one writer in at a time, and a writer that finds the lock taken sleeps in SQLite's busy handler
    (1 ms growing to 100 ms between tries), so the closed loop's slowest submissions wait out those sleeps;
    PostgreSQL queues writers on the rows they lock and wakes them at once. The two rows together tell the
    database's share of the tail from the queue's own (Little's law)."""
    from pgdb import ensure_database, reachable

    server_url = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
    if not reachable(server_url):
        return None
    ensure_database(
        server_url, PG_DATABASE, reuse=False
    )  # always afresh: the seed adds the organisation anew
    env = {**env, "DATABASE_URL": f"{server_url}/{PG_DATABASE}"}
    tokens = seed(env)
    concurrency, count = LEVELS[-1]
    with gunicorn(env) as server:
        warm = run_level(tokens, LEVELS[0][0], LEVELS[0][1], 0, server.pid)  # as the SQLite run's first level
        row = run_level(tokens, concurrency, count, LEVELS[0][1], server.pid)
    requests, links = stored(env)
    row.update(concurrency=f"{concurrency} PG", lost=warm["accepted"] + row["accepted"] - requests)
    row["stored_ok"] = requests == links == warm["accepted"] + row["accepted"]
    return row


def main() -> int:
    global PORT
    PORT = free_port()
    # BENCH_TMP_PREFIX: another name for the throw-away folder under /tmp (a helper beside others: intake_).
    prefix = os.environ.get("BENCH_TMP_PREFIX", "bench_intake_")
    with tempfile.TemporaryDirectory(prefix=prefix, dir="/tmp") as tmp:
        db, media = Path(tmp) / "intake.sqlite3", Path(tmp) / "media"
        env = env_for(db, media)
        tokens = seed(env)
        helpdesk = peer_env(Path(tmp))
        ours, peer = [], []
        seeded = Path(tmp) / "seeded.sqlite3"
        shutil.copyfile(db, seeded)
        for _ in range(PAIRS if helpdesk else 1):
            # Each run from the seeded database: the runs before would leave every shop more open requests to
            # list than a city's shops have (5.2 → 6.4 ms over three runs, measured).
            for leftover in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
                leftover.unlink(missing_ok=True)
            shutil.copyfile(seeded, db)
            ours.append(cpu_per_submission(env, tokens))
            if helpdesk:
                peer.append(peer_cpu(helpdesk))
        mine, theirs = _medians(ours), _medians(peer) if peer else None
        weight = ours[0].weight
        before = stored(env)  # the CPU run's requests, not counted below
        with gunicorn(env) as server:
            rows, offset = [], 0
            for concurrency, count in LEVELS:
                rows.append(run_level(tokens, concurrency, count, offset, server.pid))
                offset += count
            for rate, count in OPEN_RATES:
                rows.append(run_open(tokens, rate, count, offset, server.pid))
                offset += count
        requests, links = (a - b for a, b in zip(stored(env), before, strict=True))
        on_postgres = postgres_level(env)
    accepted = sum(r["accepted"] for r in rows)
    load = os.getloadavg()[0]
    print(
        f"Load average {load:.1f} on {os.cpu_count()} CPUs (the machine is shared: read CPU times, not wall times)"
    )
    print(
        f"CPU per submission (GET + POST), median of {CPU_RUNS} (median of {len(ours)} runs), client and server in "
        f"one process: {mine.median:.1f} ms (p90 {mine.p90:.1f}; runs {', '.join(f'{r.median:.1f}' for r in ours)}); "
        f"the server's share, inside Django's handler (bench/serverclock.py): {mine.server:.1f} ms "
        f"(runs {', '.join(f'{r.server:.1f}' for r in ours)})"
    )
    if theirs:
        print(
            f"django-helpdesk {PEER_VERSION}'s public form, measured alternately the same way: {theirs.median:.1f} ms, "
            f"the server's share {theirs.server:.1f} ms (runs {', '.join(f'{r.server:.1f}' for r in peer)}) → "
            f"ours is {theirs.server / mine.server:.2f}× cheaper on the server ({theirs.median / mine.median:.2f}× "
            f"counting the client's side too)"
        )
        print(
            f"The floor, a constant view fetched the same way through each one's middleware (bench/floor.py), server "
            f"share: ours {mine.floor_server:.1f} ms, django-helpdesk's {theirs.floor_server:.1f} ms; above it, the "
            f"form's own work: ours {mine.server - mine.floor_server:.1f} ms, django-helpdesk's "
            f"{theirs.server - theirs.floor_server:.1f} ms → {_own_work_ratio(mine, theirs):.2f}×"
        )
    else:
        print(
            f"django-helpdesk's public form: {HELPDESK_MS:.0f} ms on the machine of issue 14 (not this one)"
        )
    total = sum(weight.values())
    print(f"QR page first load over the wire (gzip): {total / 1024:.1f} KB")
    for name, size in weight.items():
        print(f"  {size / 1024:>7.1f} KB  {name}")
    print(
        f"Under gunicorn, 2 workers × 4 threads on 127.0.0.1, SQLite WAL, {SHOPS} shops; a submission is GET + POST; "
        f"1 in {DOUBLE_TAP_EVERY} is a double tap"
    )
    print(
        f"{'concurrency':>11} {'sent':>6} {'accepted':>8} {'errors':>6} {'subm/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'CPU ms':>7} {'double taps → same link':>24}"
    )
    for r in rows:
        print(
            f"{r['concurrency']:>11} {r['sent']:>6} {r['accepted']:>8} {r['errors']:>6} {r['rps']:>8.1f} "
            f"{r['p50']:>8.1f} {r['p99']:>8.1f} {r['cpu_ms']:>7.1f} {str(r['double_taps_same_link']):>24}"
        )
    closed = rows[: len(LEVELS)]
    print(
        f"closed loop, throughput ratio c{closed[-1]['concurrency']}/c{closed[0]['concurrency']}: "
        f"{closed[-1]['rps'] / closed[0]['rps']:.2f}×; p99 ratio: {closed[-1]['p99'] / closed[0]['p99']:.2f}×; "
        f'open loop ("20/s"): a fixed arrival rate, at most {OPEN_IN_FLIGHT} in flight, latency from the arrival'
    )
    lost = accepted - requests
    print(
        f"stored requests: {requests}, tracking links: {links}, accepted (distinct keys): {accepted} → "
        f"{'OK' if requests == accepted == links else 'MISMATCH'} ({lost} lost)"
    )
    top = closed[-1]
    if on_postgres:
        pg = on_postgres
        print(
            f"The same closed loop on PostgreSQL ({pg['concurrency']}): {pg['rps']:.1f} submissions/s, p50/p99 "
            f"{pg['p50']:.1f}/{pg['p99']:.1f} ms (p99/p50 {pg['p99'] / pg['p50']:.2f}×; on SQLite "
            f"{top['p99'] / top['p50']:.2f}×), workers' CPU {pg['cpu_ms']:.1f} ms; errors {pg['errors']}, "
            f"{'stored OK' if pg['stored_ok'] else 'MISMATCH'} ({pg['lost']} lost). Little's law: {top['concurrency']} "
            f"always in flight wait {int(top['concurrency']) / pg['rps'] * 1000:.0f} ms on average at this rate"
        )
        record(f"public intake: p99 at concurrency {top['concurrency']} (closed loop, PostgreSQL)", pg["p99"], 100,
               "ms")  # fmt: skip
    record("public intake: server CPU per submission (GET + POST), median", mine.server, 10, "ms")
    if theirs:
        record("public intake: server CPU cheaper than django-helpdesk's form, same machine",
               theirs.server / mine.server, 4, "×", lower_is_better=False)  # fmt: skip
        record("public intake: its own work (above the middleware floor) cheaper than the peer's",
               _own_work_ratio(mine, theirs), None, "×")  # fmt: skip
    else:
        record("public intake: cheaper than django-helpdesk's form (40 ms, issue 14)", HELPDESK_MS / mine.median,
               4, "×", lower_is_better=False)  # fmt: skip
    record(f"public intake: p99 at concurrency {top['concurrency']} (closed loop)", top["p99"], 100, "ms")
    record(f"public intake: submissions/s at concurrency {top['concurrency']}", top["rps"], None, "/s")
    record("public intake: workers' CPU per submission under load", top["cpu_ms"], None, "ms")
    for r in rows[len(LEVELS) :]:
        record(f"public intake: p99 at {r['concurrency']} arrivals (open loop, ≤ {OPEN_IN_FLIGHT} in flight)",
               r["p99"], 100, "ms")  # fmt: skip
    record("public intake: submissions lost", lost, None, "")
    record("QR page first load over the wire (gzip)", total / 1024, 50, "KB")
    checked = rows + ([on_postgres] if on_postgres else [])
    ok = (
        requests == accepted == links
        and all(r.get("stored_ok", True) for r in checked)
        and all(r["errors"] == 0 and r["double_taps_same_link"] for r in checked)
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
