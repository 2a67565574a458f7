"""The escalation sweep reads only open work: 100,000 open requests with 90,000 vs 900,000 closed ones.

Builds a fresh SQLite database (bench/out/sweep.db), fills it with raw SQL (requests and their milestones,
as the services would have left them), then times the sweep at a moment when 500 warnings and 500 breaches
are due (work that is the same in both scenarios), and again at the same moment (idempotent: nothing new).
Prints a table and the ratio between the scenarios: the sweep's time should follow the open requests,
not the closed ones (aim: ratio ≤ 1.5 for 10× more closed requests).

    .venv/bin/python bench/bench_sweep.py            # 100k open; 90k then 900k closed (1,000,000 in all)
    BENCH_OPEN=20000 .venv/bin/python bench/bench_sweep.py   # smaller, quicker
"""

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "out"
DB = DATA / "sweep.db"
OPEN = int(os.environ.get("BENCH_OPEN", "100000"))
CLOSED_SMALL = int(OPEN * 0.9)
CLOSED_BIG = OPEN * 9  # 10× CLOSED_SMALL: 1,000,000 requests in all with the defaults
DUE_NOW = 500  # warnings and breaches that fall due at the measured moment (each)
REPEAT = 3

sys.path.insert(0, str(ROOT))
DATA.mkdir(parents=True, exist_ok=True)
for suffix in ("", "-wal", "-shm"):
    Path(f"{DB}{suffix}").unlink(missing_ok=True)
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from serviceloop.servicedesk.escalation import sweep  # noqa: E402
from serviceloop.servicedesk.models import Escalation, Notification, RequestEvent  # noqa: E402

T = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # the measured moment (10:00 in Shanghai)
FMT = "%Y-%m-%d %H:%M:%S"


def fill(first_id: int, count: int, *, open_: bool) -> None:
    """Requests first_id … first_id+count-1 with two milestones each (acknowledge met; resolve pending or met)."""
    status = "dispatched" if open_ else "closed"
    with connection.cursor() as c:
        c.execute(f"""
            WITH RECURSIVE n(i) AS (SELECT {first_id} UNION ALL SELECT i + 1 FROM n WHERE i < {first_id + count - 1})
            INSERT INTO servicedesk_servicerequest
              (id, reference, channel, kind, category_id, urgency, complexity, text, callback_phone, status,
               held_from, hold_reason, cancel_reason, closure, closure_reason, follow_up_attempts, reopen_count,
               created_at, updated_at, acknowledged_at, closed_at)
            SELECT i, 'SRB-' || i, 'phone', 'complaint', 1, 'normal', 'simple', '送货晚了', '', '{status}',
                   '', '', '', {"''" if open_ else "'done'"}, '', 0, 0,
                   datetime('{T:{FMT}}', '-' || (i % 525600) || ' minutes'),
                   datetime('{T:{FMT}}', '-' || (i % 525600) || ' minutes'),
                   datetime('{T:{FMT}}', '-' || (i % 525600) || ' minutes', '+5 minutes'),
                   {"NULL" if open_ else f"datetime('{T:{FMT}}', '-' || (i % 525600) || ' minutes', '+2 days')"}
            FROM n""")
        # acknowledge: met
        c.execute(f"""
            INSERT INTO servicedesk_requestmilestone
              (request_id, milestone, clock, duration, started_at, due_at, warn_at, state, met_at, breached,
               escalation_level, round, paused_total)
            SELECT id, 'acknowledge', 'calendar', 900000000, created_at, datetime(created_at, '+15 minutes'),
                   datetime(created_at, '+11 minutes'), 'met', acknowledged_at, 0, 0, 0, 0
            FROM servicedesk_servicerequest WHERE id BETWEEN {first_id} AND {first_id + count - 1}""")
        if open_:
            # resolve: pending; due times spread over the next three days, already warned when past the warning
            c.execute(f"""
                INSERT INTO servicedesk_requestmilestone
                  (request_id, milestone, clock, duration, started_at, due_at, warn_at, state, breached,
                   escalation_level, round, paused_total, warned_at)
                SELECT id, 'resolve', 'calendar', 86400000000, created_at,
                       datetime('{T:{FMT}}', '+' || (10 + (id * 7) % 4300) || ' minutes'),
                       datetime('{T:{FMT}}', '+' || (10 + (id * 7) % 4300) || ' minutes', '-6 hours'),
                       'pending', 0, 0, 0, 0,
                       CASE WHEN datetime('{T:{FMT}}', '+' || (10 + (id * 7) % 4300) || ' minutes', '-6 hours')
                                 <= '{T:{FMT}}'
                            THEN datetime('{T:{FMT}}', '+' || (10 + (id * 7) % 4300) || ' minutes', '-6 hours')
                       END
                FROM servicedesk_servicerequest WHERE id BETWEEN {first_id} AND {first_id + count - 1}""")
        else:
            c.execute(f"""
                INSERT INTO servicedesk_requestmilestone
                  (request_id, milestone, clock, duration, started_at, due_at, warn_at, state, met_at, breached,
                   escalation_level, round, paused_total)
                SELECT id, 'resolve', 'calendar', 86400000000, created_at, datetime(created_at, '+1 day'),
                       datetime(created_at, '+18 hours'), 'met', datetime(created_at, '+20 hours'),
                       (id % 10 = 0), 0, 0, 0
                FROM servicedesk_servicerequest WHERE id BETWEEN {first_id} AND {first_id + count - 1}""")


def arm() -> None:
    """Makes exactly DUE_NOW warnings and DUE_NOW breaches due at T (the same work in every scenario)."""
    Escalation.objects.all().delete()
    Notification.objects.all().delete()
    RequestEvent.objects.filter(kind="escalated").delete()
    with connection.cursor() as c:
        c.execute("""UPDATE servicedesk_requestmilestone SET warned_at = NULL, breached = 0, breached_at = NULL,
                     escalation_level = 0 WHERE id IN (SELECT id FROM servicedesk_requestmilestone
                     WHERE state = 'pending' AND (warned_at IS NULL OR escalation_level > 0))""")
        c.execute(f"""UPDATE servicedesk_requestmilestone SET warned_at = warn_at
                      WHERE state = 'pending' AND warn_at <= '{T:{FMT}}'""")
        ids = [
            r[0]
            for r in c.execute(
                "SELECT id FROM servicedesk_requestmilestone WHERE state = 'pending' "
                f"ORDER BY id LIMIT {2 * DUE_NOW}"
            ).fetchall()
        ]
        warn_ids, breach_ids = ids[:DUE_NOW], ids[DUE_NOW:]
        c.execute(f"""UPDATE servicedesk_requestmilestone SET warn_at = '{T - dt.timedelta(minutes=2):{FMT}}',
                      warned_at = NULL, due_at = '{T + dt.timedelta(hours=2):{FMT}}'
                      WHERE id IN ({",".join(map(str, warn_ids))})""")
        c.execute(f"""UPDATE servicedesk_requestmilestone SET warn_at = '{T - dt.timedelta(hours=6):{FMT}}',
                      warned_at = '{T - dt.timedelta(hours=6):{FMT}}', due_at = '{T - dt.timedelta(minutes=2):{FMT}}'
                      WHERE id IN ({",".join(map(str, breach_ids))})""")


def settle() -> None:
    """Statistics for the planner and an empty write-ahead log, the same before both scenarios."""
    with connection.cursor() as c:
        c.execute("ANALYZE")
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def measure(label: str, closed: int) -> dict:
    first, again = [], []
    result = ""
    for _ in range(REPEAT):
        arm()
        t = time.perf_counter()
        result = sweep(T)
        first.append(time.perf_counter() - t)
        t = time.perf_counter()
        sweep(T)
        again.append(time.perf_counter() - t)
    notes = Notification.objects.count()
    return {
        "label": label,
        "open": OPEN,
        "closed": closed,
        "first": statistics.median(first),
        "again": statistics.median(again),
        "result": result,
        "notifications": notes,
    }


def main() -> None:
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    fill(1, OPEN, open_=True)
    fill(OPEN + 1, CLOSED_SMALL, open_=False)
    settle()
    print(f"built {OPEN:,} open + {CLOSED_SMALL:,} closed requests in {time.perf_counter() - t:.1f} s")
    small = measure("1×", CLOSED_SMALL)
    t = time.perf_counter()
    fill(OPEN + CLOSED_SMALL + 1, CLOSED_BIG - CLOSED_SMALL, open_=False)
    settle()
    print(f"added {CLOSED_BIG - CLOSED_SMALL:,} closed requests in {time.perf_counter() - t:.1f} s")
    big = measure("10× closed", CLOSED_BIG)
    print()
    print(
        f"{'scenario':<12}{'open':>10}{'closed':>11}{'total':>11}{'sweep (s)':>11}{'again (s)':>11}"
        f"{'notified':>10}"
    )
    for r in (small, big):
        print(
            f"{r['label']:<12}{r['open']:>10,}{r['closed']:>11,}{r['open'] + r['closed']:>11,}"
            f"{r['first']:>11.3f}{r['again']:>11.3f}{r['notifications']:>10,}"
        )
    print(f"\nsweep result: {big['result']}")
    print(
        f"ratio 10× closed / 1×: sweep {big['first'] / small['first']:.2f}, "
        f"idempotent re-run {big['again'] / small['again']:.2f} (medians of {REPEAT}; SQLite, one process)"
    )


if __name__ == "__main__":
    main()
