"""Fault test: kill a web worker while 2,000 public submissions are in flight; and the public-form rate limit
across two gunicorn workers.

Starts gunicorn (2 sync workers, the `make run` set-up) on 127.0.0.1 against a scratch SQLite database
(bench/out/fault_web.db) with the default shared cache (the database), then:

1. limits across workers: 15 filings for one shop (limit 5 an hour) spread over both workers — exactly 5
   must be accepted, 10 refused with 429;
2. 2,000 filings from 16 concurrent clients (limits switched off by environment for this phase); after
   500 answers one worker is SIGKILLed (gunicorn starts a new one). A client whose connection broke sends
   the same form again (same idempotency key), as the page's own retry would. At the end: every accepted
   filing (302 to its tracking page) is stored exactly once, every refused one got an error status, none is
   stored twice, none is stored without its client having been told.

    .venv/bin/python bench/fault_web_worker.py
    FAULT_SUBMISSIONS=400 .venv/bin/python bench/fault_web_worker.py
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DB = OUT / "fault_web.db"
TOTAL = int(os.environ.get("FAULT_SUBMISSIONS", "2000"))
CLIENTS = 16
KILL_AFTER = TOTAL // 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env(**extra) -> dict:
    e = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    e.update(
        DATABASE_URL=f"sqlite:///{DB}",
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        # no collectstatic here: serve from the finders instead of the manifest
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        **extra,
    )
    return e


def start_server(port: int, **extra) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--timeout", "60", "--graceful-timeout", "5"],
        cwd=ROOT, env=env(**extra), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    for _ in range(200):
        try:
            requests.get(f"http://127.0.0.1:{port}/login/", timeout=30)
            return server
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


def workers(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def file_once(base: str, token: str, text: str, session: requests.Session, key: str | None = None):
    """GET the form, POST it. Returns (outcome, key): outcome 'accepted' / 'refused:<status>' / 'broken'."""
    try:
        page = session.get(f"{base}/s/{token}/", timeout=30)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        key = key or re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
        response = session.post(
            f"{base}/s/{token}/",
            data={"csrfmiddlewaretoken": csrf, "idempotency_key": key, "category": "delivery", "kind": "request",
                  "text": text},
            headers={"Referer": f"{base}/s/{token}/"}, allow_redirects=False, timeout=30,
        )  # fmt: skip
    except (requests.ConnectionError, requests.Timeout, AttributeError):
        return "broken", key
    if response.status_code == 302 and "/t/" in response.headers.get("Location", ""):
        return "accepted", key
    return f"refused:{response.status_code}", key


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    os.environ.update(env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from serviceloop.core.testing import build_world
    from serviceloop.portal.services import shoptoken_ensure
    from serviceloop.servicedesk.models import Category, ServiceRequest

    call_command("migrate", verbosity=0)
    world = build_world()
    Category.objects.get_or_create(code="delivery", defaults={"name": "配送", "active": True})
    shops = [s for route in world.shops.values() for s in route]
    tokens = [shoptoken_ensure(customer=s, actor=None, now=timezone.now()).value for s in shops]
    connection.close()

    # 1. one shop's limit, counted by both workers together
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        outcomes = Counter(file_once(base, tokens[0], f"限流 {i}", requests.Session())[0] for i in range(15))
    finally:
        stop(server)
    print(f"1. one shop, 15 filings over 2 workers (limit 5/h): {dict(outcomes)}", flush=True)
    limit_ok = outcomes == Counter({"accepted": 5, "refused:429": 10})

    # 2. 2,000 filings, one worker killed
    port = free_port()
    server = start_server(port, PORTAL_RATE_SHOP_PER_HOUR="0", PORTAL_RATE_ADDRESS_PER_HOUR="0")
    base = f"http://127.0.0.1:{port}"
    done = Counter()
    lock = threading.Lock()
    killed = {}
    results = {}

    def one(i: int):
        text = f"压力测试 {i} {uuid.uuid4().hex[:8]}"
        session = requests.Session()
        outcome, key = file_once(base, tokens[i % len(tokens)], text, session)
        retries = 0
        while outcome == "broken" and retries < 5:  # the same form again, as a browser retry would
            retries += 1
            time.sleep(0.2)
            outcome, key = file_once(base, tokens[i % len(tokens)], text, session, key=key)
        with lock:
            done["answers"] += 1
            done["retried"] += bool(retries)
            if done["answers"] == KILL_AFTER and not killed:
                victim = workers(server.pid)[0]
                os.kill(victim, signal.SIGKILL)
                killed["pid"] = victim
        results[text] = outcome

    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(one, range(TOTAL)))
    finally:
        stop(server)
    seconds = time.perf_counter() - started

    stored = Counter(
        ServiceRequest.objects.filter(text__startswith="压力测试").values_list("text", flat=True)
    )
    outcome_counts = Counter(results.values())
    accepted = {t for t, o in results.items() if o == "accepted"}
    refused = {t for t, o in results.items() if o != "accepted"}
    twice = [t for t, n in stored.items() if n > 1]
    lost = [t for t in accepted if stored[t] != 1]
    untold = [t for t in refused if stored[t]]
    rows = [
        ("submissions", TOTAL),
        ("concurrent clients", CLIENTS),
        ("worker killed after answer no.", f"{KILL_AFTER} (pid {killed.get('pid')})"),
        ("wall time", f"{seconds:.1f} s ({TOTAL / seconds:.0f} filings/s)"),
        ("outcomes", dict(outcome_counts)),
        ("clients that had to resend", done["retried"]),
        ("stored rows", sum(stored.values())),
        ("accepted but not stored once", len(lost)),
        ("stored twice", len(twice)),
        ("refused (or never answered) but stored", len(untold)),
    ]
    width = max(len(r[0]) for r in rows)
    print("2. kill a worker during the filings")
    for label, value in rows:
        print(f"   {label:<{width}}  {value}")
    ok = limit_ok and not lost and not twice and not untold and killed
    print("RESULT:", "ok" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
