"""Fault test: two job runners on one PostgreSQL database, one killed (SIGKILL) in the middle of a sweep.

Checks, and prints as a table:
- while runner A holds the sweep's lease, runner B started at the same moment does not run the sweep;
- A is killed after some escalations are committed; once A's lease has expired, B runs the sweep and does
  what is left;
- every milestone ends with exactly one escalation per step (warning, breach, branch, city): none missing,
  none twice (the sweep claims each milestone with a conditional update in the same transaction as the
  escalation, so a killed runner's half-done batch rolls back and is redone once).

Needs PostgreSQL (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/h_sec); works in a scratch
database <name>_faultjobs that it creates and drops.

    .venv/bin/python bench/fault_job_runners.py          # 1,500 overdue requests (3,000 milestones)
    FAULT_REQUESTS=300 .venv/bin/python bench/fault_job_runners.py
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
N = int(os.environ.get("FAULT_REQUESTS", "1500"))
BASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/h_sec")
if not BASE_URL.startswith("postgres"):
    sys.exit("fault_job_runners needs PostgreSQL: set DATABASE_URL=postgresql://…")
parts = urlsplit(BASE_URL)
SCRATCH = parts.path.lstrip("/") + "_faultjobs"
URL = urlunsplit(parts._replace(path="/" + SCRATCH))
T = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)  # the sweep's moment (10:00 in Shanghai)


def psql(sql: str) -> None:
    subprocess.run(["psql", BASE_URL, "-q", "-c", sql], check=True, capture_output=True)


def runner(now: dt.datetime) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": URL}
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_jobs", "--once", "--now", now.isoformat()],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def main() -> None:
    psql(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{SCRATCH}"')
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from serviceloop.core.testing import build_world
    from serviceloop.servicedesk.models import Category, Escalation, RequestMilestone
    from serviceloop.servicedesk.services import servicerequest_file

    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        world = build_world()
        category = Category.objects.filter(active=True).first()
        shops = [s for route in world.shops.values() for s in route]
        for i in range(N):
            servicerequest_file(
                customer=shops[i % len(shops)], channel="phone", kind="complaint", category=category,
                text=f"送货晚了 {i}", actor=world.agent, now=T - dt.timedelta(days=3, minutes=i % 600),
            )  # fmt: skip
        milestones = RequestMilestone.objects.filter(state="pending").count()
        expected = milestones * 4  # warning, breach, branch, city
        print(f"setup: {N} requests, {milestones} pending milestones, {time.perf_counter() - started:.1f} s")
        swept = Escalation.objects.filter(milestone__isnull=False)  # (repeat complaints escalate at filing)
        connection.close()

        a = runner(T)
        seen, waited = 0, 0.0
        while seen == 0 and waited < 120:
            time.sleep(0.05)
            waited += 0.05
            seen = swept.count()
            connection.close()
        os.kill(a.pid, signal.SIGKILL)  # mid-sweep: some batches committed, one perhaps half done
        a.wait()
        b = runner(T)  # the same moment: A's lease still holds, so B must not sweep
        b_out, b_err = b.communicate(timeout=300)
        at_kill = swept.count()
        assert at_kill < expected, "A finished before it was killed: raise FAULT_REQUESTS"
        c = runner(T + dt.timedelta(minutes=11))  # A's 10-minute lease has expired
        c_out, c_err = c.communicate(timeout=600)
        total = swept.count()
        dupes = (
            swept.values("milestone_id", "reason", "round").annotate(n=Count("id")).filter(n__gt=1).count()
        )
        missing = RequestMilestone.objects.filter(state="pending").exclude(escalation_level=3).count()
        rows = [
            ("escalations expected", expected),
            ("committed when A was killed", at_kill),
            ("B (same moment, A's lease held) ran the sweep", "servicedesk_sweep" in b_out),
            ("C (after A's lease) ran the sweep", "servicedesk_sweep" in c_out),
            ("escalations at the end", total),
            ("duplicates (milestone, reason, round)", dupes),
            ("milestones not escalated to the city", missing),
        ]
        width = max(len(r[0]) for r in rows)
        for label, value in rows:
            print(f"{label:<{width}}  {value}")
        ok = total == expected and dupes == 0 and missing == 0 and "servicedesk_sweep" not in b_out
        ok = ok and "servicedesk_sweep" in c_out
        print("RESULT:", "ok" if ok else "FAILED")
        if not ok:
            print(b_err[-2000:], c_err[-2000:])
            sys.exit(1)
    finally:
        connection.close()
        if not os.environ.get("FAULT_KEEP"):
            psql(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')


if __name__ == "__main__":
    main()
