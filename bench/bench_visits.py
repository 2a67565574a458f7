"""Visit plans and the tag-loop board at city scale.

1. Plan generation, pure function (no database): a month of visits for 3,000 shops / 30 managers and
   30,000 shops / 300 managers (shops drawn like the real city: stars, order days and cycles, 3% new
   shops, 5% on key lists) — median CPU seconds of 3 runs and the 1× → 10× ratio.
2. The same through the database (SQLite, demo city of 3,000 and 30,000 shops): ``visits_generate`` for the
   next month (bulk insert), the loop board (city admin, by station / strategy / month) with the demo's
   tags plus a synthetic year of 10 tags per 100 shops, compliance and "not visited for too long".

Run: .venv/bin/python bench/bench_visits.py   (BENCH_REUSE=1 reuses the demo databases in /tmp; BENCH_DB_PREFIX names
another file stem, e.g. copies of bench_kpis's cities)

Issue 14 (2026-12-02, on copies of bench_kpis's two-month cities, load 9–15 on 2 shared cores; before = b6910a1):
compliance page CPU, city admin 77.1 → 531.4 ms (6.89×) before, 79.5 → 103.3 ms (1.30×) after; station head
42.8 → 58.9 ms before, 59.3 → 70.0 ms (1.18×) after; not visited for too long 8.3 → 99.2 ms (11.95×) before,
5.8 → 5.4 ms (0.93×) after. The "compliance" column is the whole city's table (the export): it still grows.
"""

import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")
MONTH = (dt.date(2027, 3, 1), dt.date(2027, 3, 31))


def cpu(fn, runs=3):
    times, result = [], None
    for _ in range(runs):
        start = time.process_time()
        result = fn()
        times.append(time.process_time() - start)
    return statistics.median(times), result


def synthetic_shops(n: int, managers: int, seed: int = 1):
    from serviceloop.visits.planning import ShopInput

    rng = random.Random(seed)
    stars = rng.choices([0, 1, 2, 3, 4, 5], weights=[1, 7, 42, 142, 100, 18], k=n)
    shops = []
    for i in range(n):
        cycle = rng.choices(["weekly", "odd", "even", "none"], weights=[90, 4, 4, 2])[0]
        joined = MONTH[0] - dt.timedelta(days=rng.randint(0, 60)) if rng.random() < 0.03 else None
        lists = frozenset({"care"}) if rng.random() < 0.05 else frozenset()
        shops.append(ShopInput(i + 1, i % managers + 1, i // 100 + 1, stars[i], cycle, rng.randint(1, 6), joined,
                               lists))  # fmt: skip
    return shops


def part_pure():
    from serviceloop.visits.defaults import DEFAULT_POLICIES
    from serviceloop.visits.planning import PolicyBook, PolicyInput, plan_visits

    book = PolicyBook(PolicyInput(i, kind, per_month, smin, smax, key_list)
                      for i, (_n, kind, smin, smax, key_list, per_month, *_rest) in enumerate(DEFAULT_POLICIES))  # fmt: skip
    print("\n1. Plan generation, pure function, one month (March 2027)")
    print(f"{'shops':>8} {'managers':>9} {'visits':>9} {'CPU s':>7} {'µs/visit':>9} {'ratio':>6}")
    base = None
    for n, managers in ((3_000, 30), (30_000, 300)):
        shops = synthetic_shops(n, managers)
        seconds, visits = cpu(lambda shops=shops: plan_visits(shops, book, *MONTH))
        base = base or seconds
        print(f"{n:>8,} {managers:>9} {len(visits):>9,} {seconds:>7.2f} {1e6 * seconds / len(visits):>9.2f} "
              f"{seconds / base:>5.1f}×")  # fmt: skip


def build(db: Path, customers: int) -> None:
    if db.exists() and os.environ.get("BENCH_REUSE"):
        return
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    # The demo's year of trade is not read here; one week keeps the 30,000-shop build short.
    env = {"DEMO_TRADE_WEEKS": "1", **os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    t = time.perf_counter()
    subprocess.run([PY, "manage.py", "demo", "--customers", str(customers), "--seed", "1"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    print(f"   built demo city with {customers:,} shops in {time.perf_counter() - t:.1f} s")


def part_db(customers: int) -> dict:
    """Runs in a child process with DATABASE_URL pointing at the demo database; prints one result line."""
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from serviceloop.customers.models import Customer
    from serviceloop.org.models import User
    from serviceloop.tags.models import CustomerTag, CustomerTagEvent, ProblemTag, TagAction, TagStatus
    from serviceloop.tags.selectors import loop_board
    from serviceloop.visits.models import Visit
    from serviceloop.visits.selectors import compliance, shops_not_visited
    from serviceloop.visits.services import visits_generate

    admin = User.objects.get(username="admin")
    now = timezone.now()
    shops = list(Customer.objects.values_list("pk", flat=True))
    if not CustomerTag.objects.filter(reason="bench").exists():  # a synthetic year: 10 tags per 100 shops
        rng = random.Random(7)
        tags = list(ProblemTag.objects.values_list("pk", flat=True))
        rows = []
        for pk in rng.sample(shops, k=len(shops) // 10):
            at = now - dt.timedelta(days=rng.randint(1, 365), minutes=rng.randint(0, 600))
            rows.append(CustomerTag(customer_id=pk, tag_id=rng.choice(tags), source="data", reason="bench",
                                    attached_at=at, due_at=at + dt.timedelta(days=14),
                                    status=rng.choice([TagStatus.ATTACHED, TagStatus.VERIFIED])))  # fmt: skip
        with transaction.atomic():
            CustomerTag.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
            made = CustomerTag.objects.filter(reason="bench")
            events = []
            for t in made.iterator():
                events.append(
                    CustomerTagEvent(
                        customer_tag=t, action=TagAction.ATTACH, to_status="attached", at=t.attached_at
                    )
                )
                if t.status == TagStatus.VERIFIED:
                    events.append(
                        CustomerTagEvent(
                            customer_tag=t,
                            action=TagAction.REMOVE,
                            from_status="attached",
                            to_status="removed",
                            at=t.attached_at + dt.timedelta(days=3),
                        )
                    )
                    events.append(
                        CustomerTagEvent(
                            customer_tag=t,
                            action=TagAction.VERIFY,
                            from_status="removed",
                            to_status="verified",
                            at=t.attached_at + dt.timedelta(days=4),
                        )
                    )
            CustomerTagEvent.objects.bulk_create(events, batch_size=5000)  # fmt: skip
    n_tags, n_events = CustomerTag.objects.count(), CustomerTagEvent.objects.count()

    Visit.objects.filter(planned_on__range=MONTH).delete()
    t = time.perf_counter()
    made = visits_generate(start=MONTH[0], end=MONTH[1], now=now)
    generate = time.perf_counter() - t
    t = time.perf_counter()
    again = visits_generate(start=MONTH[0], end=MONTH[1], now=now)
    regenerate = time.perf_counter() - t
    assert again == 0

    def wall(fn, runs=3):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    board = {
        g: wall(lambda g=g: loop_board(user=admin, now=now, group=g))
        for g in ("station", "strategy", "month")
    }
    comp = wall(lambda: compliance(user=admin, first=MONTH[0], last=MONTH[1]))
    gaps = wall(lambda: shops_not_visited(user=admin, now=now, limit=50))
    # CPU time (issue 14's figure: the machine is shared, load stretches wall clock), median of 5, warm.
    comp_cpu, _r = cpu(lambda: compliance(user=admin, first=MONTH[0], last=MONTH[1]), runs=5)
    gaps_cpu, _r = cpu(lambda: shops_not_visited(user=admin, now=now, limit=50), runs=5)
    # The whole page (its table, the short visits and the not-visited list), as the city admin and a station head
    # open it: in-process test client, warm, CPU median of 7.
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    page_cpu = []
    for user in (admin, User.objects.filter(role="station_head").order_by("pk").first()):
        client.force_login(user)
        url = f"/visits/compliance/?month={MONTH[0]:%Y-%m}"
        assert client.get(url).status_code == 200
        page_cpu.append(cpu(lambda url=url: client.get(url), runs=7)[0])
    connection.close()
    print(f"RESULT {customers} {made} {generate:.2f} {regenerate:.2f} {n_tags} {n_events} "
          f"{board['station']:.2f} {board['strategy']:.2f} {board['month']:.2f} {comp:.3f} {gaps:.3f} "
          f"{comp_cpu:.4f} {gaps_cpu:.4f} {page_cpu[0]:.4f} {page_cpu[1]:.4f}")  # fmt: skip


def main():
    part_pure()
    print("\n2. Through the database (SQLite), demo cities; wall seconds, medians of 3 for the reads")
    header = (f"{'shops':>7} {'month plan':>10} {'insert s':>8} {'re-run s':>8} {'tags':>6} {'events':>7} "
              f"{'board/station':>13} {'/strategy':>9} {'/month':>7} {'compliance':>10} {'gaps':>6}")  # fmt: skip
    lines = []
    for customers in (3_000, 30_000):
        db = Path(f"{os.environ.get('BENCH_DB_PREFIX', '/tmp/bench_visits')}_{customers}.sqlite3")
        build(db, customers)
        env = {"STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage", **os.environ,
               "DATABASE_URL": f"sqlite:///{db}", "DJANGO_SETTINGS_MODULE": "config.settings"}  # fmt: skip
        out = subprocess.run([PY, __file__, "--db", str(customers)], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True).stdout  # fmt: skip
        lines.append([line for line in out.splitlines() if line.startswith("RESULT")][0].split()[1:])
    print(header)
    base = None
    for row in lines:
        shops, made, gen, regen, tags, events, b1, b2, b3, comp, gaps = row[:11]
        base = base or float(gen)
        print(f"{int(shops):>7,} {int(made):>10,} {float(gen):>8.2f} {float(regen):>8.2f} {int(tags):>6,} "
              f"{int(events):>7,} {float(b1):>13.2f} {float(b2):>9.2f} {float(b3):>7.2f} {float(comp):>10.3f} "
              f"{float(gaps):>6.2f}")  # fmt: skip
    g1, g10 = float(lines[0][2]), float(lines[1][2])
    b1, b10 = float(lines[0][6]), float(lines[1][6])
    print(f"ratios 1× → 10×: plan insert {g10 / g1:.1f}×, loop board {b10 / b1:.1f}×")
    (c1, p1, a1, h1), (c10, p10, a10, h10) = ((float(r[11]), float(r[12]), float(r[13]), float(r[14]))
                                              for r in lines)  # fmt: skip
    print(f"CPU ms per page (median of 5): compliance {1000 * c1:.1f} → {1000 * c10:.1f} ({c10 / c1:.2f}×), "
          f"not visited for too long {1000 * p1:.1f} → {1000 * p10:.1f} ({p10 / p1:.2f}×); "
          f"load average {os.getloadavg()[0]:.1f} (2 shared cores)")  # fmt: skip
    print(f"CPU ms per compliance page (median of 7): city admin {1000 * a1:.1f} → {1000 * a10:.1f} ({a10 / a1:.2f}×), "
          f"station head {1000 * h1:.1f} → {1000 * h10:.1f} ({h10 / h1:.2f}×)")  # fmt: skip
    sys.path.insert(0, str(ROOT / "bench"))
    from summary import record

    big = int(lines[1][0])
    record(f"visit compliance, {big:,} shops, CPU", 1000 * c10, 100, "ms")
    record(f"not visited for too long, {big:,} shops, CPU", 1000 * p10, 100, "ms")
    record("visit compliance, growth 3k → 30k shops", c10 / c1, 2, "×")
    record("not visited for too long, growth 3k → 30k shops", p10 / p1, 2, "×")
    record(f"visit compliance page, city admin, {big:,} shops, CPU", 1000 * a10, 100, "ms")
    record(f"visit compliance page, station head, {big:,} shops, CPU", 1000 * h10, 100, "ms")
    record("visit compliance page, city admin, growth 3k → 30k shops", a10 / a1, 2, "×")
    record("visit compliance page, station head, growth 3k → 30k shops", h10 / h1, 2, "×")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--db":
        part_db(int(sys.argv[2]))
    else:
        main()
