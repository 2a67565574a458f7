"""Benchmark: staff pages at province scale on PostgreSQL (issue 14: 140,000 shops, 10× a city).

    .venv/bin/python bench/bench_province.py                              # 1,400 and 14,000 shops (short)
    BENCH_PROVINCE_SHOPS=140000 .venv/bin/python bench/bench_province.py  # 14,000 and 140,000 (the issue's)
    BENCH_REUSE=1 …                                                        # keep the databases already built
    BENCH_EXPLAIN=1 …                                                      # EXPLAIN ANALYZE the slowest queries

Two PostgreSQL databases (``h_perfdata_prov_<shops>``, on the server of DATABASE_URL or 127.0.0.1) hold the
demo city's organisation, staff and shops at a tenth of the size and at the size, with a month of generated
visits, the visit-due rows, a few weeks of trade (aggregates included) and this month's KPI values. Each page
is requested in process (Django's test client, as the city admin), and its server CPU time per request is
the median of ``BENCH_REQUESTS`` (default 15) after warm-up: the machine is shared, CPU time is what load
disturbs least (PostgreSQL's own CPU is in another process: the EXPLAIN ANALYZE times show it).
Prints each page's CPU ms, query count and growth factor 1× → 10×; records them with the budgets
(staff pages ≤ 100 ms, customer list ≤ 50 ms, the shop page ≤ 150 ms).

    BENCH_PG_PREFIX=h_<you>_prov_ …     # database names on a shared server (default h_perfdata_prov_)
    BENCH_PROVINCE_SMALL=14000 …        # the smaller size, when not a tenth (e.g. 14,000 vs 70,000)
    BENCH_PROVINCE_WEEKS=0 …            # no trade at all (the trade pages then render empty panels)

Issue 14, 2026-12-02 ~16:40 UTC (helper `province`, load average 9–14 on 2 shared cores), 14,000 shops, no
trade, after the changes: Django CPU first page 79 ms, search 83, filter 80, deep page 73, compliance 57, KPI
50, shop page 59, panel 25. The "db" column (the wall time Django saw) is meaningless at this load: the first
page's one COUNT took 72 ms of wall time for 1.9 ms of execution. EXPLAIN ANALYZE execution times, before →
after (before = the same database with the new indexes dropped inside a rolled-back transaction, old query
shape = the whole joined row with OFFSET):
    search "便利店" (3 chars, 4,028 of 14,000): count 144 → 44 ms (BitmapOr on the three trigram indexes);
        page 2,268 → 0.4 ms (without the expression index the planner had no statistics on UPPER(name),
        guessed 4 rows and sorted every match with its joins; with them it walks the licence index)
    search "桃家店村" (14 matches): count 182 → 0.25 ms; page 152 → 0.45 ms; keys 151 → 0.17 ms
    search "便利" (2 chars): no trigram in two characters, still a scan: count 54–79 ms; the capped keys
        read (LIMIT 2001) 147 ms, seq scan + sort (the planner's choice at 14,000)
    deep page 200: joined rows with OFFSET 5,970 229–334 ms (sort spilled 8.5 MB to disk) → keys first
        8–12 ms (index scan on licence_no, 30 rows joined by pk)
    overdue shops (compliance page): 337 → 0.7 ms with visits_due_since_nulls_first
    visit compliance aggregate: 115 ms, a scan of the month's 64,000 visits, unchanged (needs a tally table)

70,000 shops (320,141 visits of the month, no trade; BENCH_PROVINCE_SHOPS=70000 BENCH_PROVINCE_SMALL=14000
BENCH_PROVINCE_WEEKS=0; the 140,000 build would not have finished in the session), load average 13.7, Django
CPU 14,000 → 70,000 (growth): first page 79.1 → 75.6 (0.96×), search 83.2 → 96.7 (1.16×), filter 79.8 → 107.1
(1.34×), deep page 72.6 → 100.7 (1.39×), compliance 57.3 → 99.4 (1.74×), KPI 50.1 → 45.6, shop page 59.2 →
56.3, panel 24.9 → 26.6. (The 14,000 run had the exact count, the 70,000 run the capped keys read; neither
database had the since-NULLS-FIRST index when measured.) EXPLAIN ANALYZE at 70,000, before → after:
    search "桃家店村" (70 matches): count 576 ms + keys 292 ms → one capped keys read 12 ms (BitmapOr)
    search "便利店" / "便利" (a third of the shops): count 689 / 391 ms → the capped read walks the licence
        index until it has cap + 1 matches: 142 / 116 ms for 2,001, 69 ms for 1,001 (hence the cap of 1,000)
    search, old page query (whole joined rows, no trigram index): 298–814 ms on top of the count
    deep page 200: whole joined rows with OFFSET 222–235 ms → keys first 57–64 ms at this load
    overdue shops: 903 → 51 ms (visits_due_since_nulls_first, created inside a rolled-back transaction)

140,000 shops (the issue's size), 2026-12-03, built by this script in 4 min (42 s shops, 76 s key lists, visit-due
rows and 640,318 visits of the month, 98 s 1,087,483 order lines of 2 weeks, 11 s KPI values) at load ~4, then
measured again with BENCH_REUSE=1 on the quiet machine (load 0.9; code after 9f3f040, migrations applied). Django CPU
14,000 → 140,000 (growth), database time at 140,000: customer list first page 23.1 → 35.8 ms (1.55×) + 9 ms db,
search 23.7 → 39.8 (1.68×) + 9, rare search 19.9 → 37.7 (1.89×) + 6, filter 22.5 → 40.7 (1.81×) + 22 (its exact
COUNT), deep page 22.2 → 37.6 (1.70×) + 13; compliance 18.5 → 22.8 (1.23×) + 76 ms db (a page of 50 managers
holds 80,000 visits of the month here: the builder gives 400 account managers 350 shops each); KPI page 13.6, shop
page 16.3, panel 8.7 (flat). The customer list's CPU growth is the route filter's options: 2,150 routes at 140,000
(select_options draws them in Python, ~10 ms). 3,000 → 30,000 the same day, quiet: customer list 20.6–22.4 →
22.3–25.2 ms (1.13–1.31×), compliance 15.9 → 21.1 (1.33×) + 29 ms db, KPI 13.5 → 13.2, shop page 16.9 → 16.6.

Stop 25 (2026-12-04, another machine of the same kind, load 1.0–1.2): 14,000 and 140,000 shops built by this script
(54 s shops, 70 s key lists, visit-due rows and 640,847 visits of the month; no trade), then BENCH_REQUESTS=25
BENCH_REUSE=1 run three times alternately on the code before (a worktree of f25d296) and after (visit compliance
from the kept day counts, the route filter narrowed to the chosen station). Ranges over the three runs, 14,000 →
140,000 shops, Django CPU ms (growth), and the database's wall time at 140,000:
    customer list (5 pages)  before 19.7–29.2 → 39.2–44.3 (1.42–2.20×), 9 queries (8 for searches)
                             after  16.4–23.6 → 18.1–22.9 (0.86–1.26×), one query fewer (no route list drawn)
    compliance               before CPU 18.0–20.4 → 21.8–24.6, db 72–84 ms, 8 queries
                             after  CPU 17.9–18.7 → 18.4–19.9, db 20–23 ms, 7 queries (the rest of the db time
                             is the not-visited window and the short visits' list; the sums themselves ~2 ms)
The migration that fills the day counts took 4.2 s (2.7 s CPU, 114 MB) for the 640,847 visits; recounting them
(visittally_rebuild, one month) 1.2–1.3 s.

Stop 29 (2026-12-06, load 0.7–1.1): the success-rate page and the hourly regroup of its counts, on cities built with
nine weeks of trade (BENCH_PROVINCE_SHOPS=140000 BENCH_PROVINCE_WEEKS=9: 14,000 in 39 s, 140,000 in 6.6 min; 1.02
million current e-settlements at 140,000). City admin, Django CPU + database wall ms at 140,000 shops:
    the default 30 days       month counts + raw edges  14.8 + 166   →  day counts 19.7 + 22
    a year by route           month counts + raw edges  107.9 + 81   →  day counts 30.2 + 27 (50 routes a page)
    the same with a whole year of day counts (104,000 rows, the nine weeks' rows copied back over the year):
        city admin by route 30.8 + 58.5, by station 16.6 + 48.0; station head by route 19.8 + 21.5
    regroup of two months (629,033 settlements), the hourly job's share: 837 ms by month → 1,116 ms by day
Migration trade 0008 (the counts by day) took 4.9 s at 140,000 shops, 2.8 s at 14,000.
"""

import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
PY = str(ROOT / ".venv" / "bin" / "python")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
BIG = int(os.environ.get("BENCH_PROVINCE_SHOPS", "14000"))
# BENCH_PROVINCE_SMALL: the smaller size when not a tenth (e.g. 14,000 vs 70,000 when 140,000 takes too long)
SIZES = (int(os.environ.get("BENCH_PROVINCE_SMALL", BIG // 10)), BIG)
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "15"))
TRADE_WEEKS = int(os.environ.get("BENCH_PROVINCE_WEEKS", "2"))
SERVER = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PREFIX = os.environ.get("BENCH_PG_PREFIX", "h_perfdata_prov_")  # one name per person on a shared server
PAGES = {  # name → (url, budget ms)
    "customer list, first page": ("/customers/", 50),
    "customer list, search": ("/customers/?q=%E4%BE%BF%E5%88%A9", 50),
    "customer list, search (rare, 4 chars)": (
        "/customers/?q=%E6%A1%83%E5%AE%B6%E5%BA%97%E6%9D%91",
        50,
    ),  # 桃家店村: trigram indexes
    "customer list, filter": ("/customers/?stars=4&retail_format=B&market_type=C", 50),
    "customer list, deep page": ("/customers/?page=200", 50),
    "visit compliance (+ not visited for too long)": ("/visits/compliance/", 100),
    "KPI page": ("/kpis/", 100),
    "trade shop page": ("/customers/{shop}/", 150),
    "trade sales panel (HTMX)": ("/trade/shops/{shop}/panel/", 150),
    "e-settlement success rates, 30 days": ("/allocation/settlement/rates/", 100),
    # a start this far back is clamped to a year ago: the kept month counts plus the edges
    "e-settlement success rates, a year by route": (
        "/allocation/settlement/rates/?level=route&start=2000-01-01",
        100,
    ),
}


def database_url(shops: int) -> str:
    return f"{SERVER}/{PREFIX}{shops}"


def build(shops: int) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from serviceloop.core.demo import DemoCity, build_customers, build_org, build_staff
    from serviceloop.customers.models import Customer
    from serviceloop.trade.demo import generate_trade
    from serviceloop.visits.keylists import keylists_refresh
    from serviceloop.visits.services import visitdue_refresh, visits_generate

    call_command("migrate", verbosity=0)
    now = timezone.now()
    started = time.perf_counter()
    city = DemoCity(seed=1, now=now, customers_wanted=shops)
    build_org(city)
    build_staff(city)
    build_customers(city)
    print(f"  {shops:,} shops built in {time.perf_counter() - started:.0f} s", flush=True)
    t = time.perf_counter()
    keylists_refresh(now=now)
    visitdue_refresh(now=now)
    today = timezone.localdate(now)
    first = today.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    visits = visits_generate(start=first, end=last, now=now)
    print(f"  key lists, visit-due rows and {visits:,} visits of the month in {time.perf_counter() - t:.0f} s",
          flush=True)  # fmt: skip
    t = time.perf_counter()
    if not TRADE_WEEKS:  # BENCH_PROVINCE_WEEKS=0: no trade (the trade pages then show empty panels)
        counts = {"order_lines": 0}
    else:
        counts = generate_trade(shops=list(Customer.objects.order_by("pk")), weeks=TRADE_WEEKS, end=today, seed=1,
                                now=now, lines_scale=0.35)  # fmt: skip
    print(f"  {counts['order_lines']:,} order lines ({TRADE_WEEKS} weeks) in {time.perf_counter() - t:.0f} s",
          flush=True)  # fmt: skip
    t = time.perf_counter()
    call_command("compute_kpis", verbosity=0)
    print(f"  KPI values of the month in {time.perf_counter() - t:.0f} s", flush=True)
    with __import__("django.db", fromlist=["connection"]).connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def measure(shops: int) -> None:
    """Runs in a child process whose DATABASE_URL is the size's database; prints RESULT lines."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from serviceloop.customers.models import Customer
    from serviceloop.org.models import Role, User

    if not os.environ.get("BENCH_BUILT"):
        build(shops)
    admin = User.objects.filter(role=Role.CITY_ADMIN).first()
    client = Client()
    client.force_login(admin)
    # Shops with sales (the trade pages), spread over the city.
    shop_ids = list(
        Customer.objects.filter(status="active").order_by("pk").values_list("pk", flat=True)[::97]
    )
    for name, (pattern, _budget) in PAGES.items():
        times, db_times, n_queries = [], [], 0
        for i in range(REQUESTS + 3):
            url = pattern.format(shop=shop_ids[i % len(shop_ids)])
            with CaptureQueriesContext(connection) as queries:
                start = time.process_time()
                response = client.get(url, HTTP_HOST="127.0.0.1")
                elapsed = time.process_time() - start
            assert response.status_code == 200, (url, response.status_code)
            if i >= 3:
                times.append(1000 * elapsed)
                # PostgreSQL's part runs in its own process: the wall time of the queries, as Django timed them
                db_times.append(1000 * sum(float(q["time"]) for q in queries.captured_queries))
                n_queries = len(queries)
        print(f"RESULT\t{name}\t{statistics.median(times):.2f}\t{n_queries}\t{statistics.median(db_times):.2f}",
              flush=True)  # fmt: skip
        if os.environ.get("BENCH_EXPLAIN"):
            explain(queries.captured_queries, name)
    regroup_recent_months()


def regroup_recent_months(runs: int = 3) -> None:
    """What the hourly rebuild_counts job adds for the success-rate page: regrouping this month's and last
    month's e-settlement counts from the settlements (wall time, PostgreSQL's included; median of ``runs``)."""
    from django.db import connection
    from django.utils import timezone

    from serviceloop.trade.aggregates import settlementtally_refresh

    this = timezone.localdate().replace(day=1)
    months = [(this - dt.timedelta(days=1)).replace(day=1), this]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM trade_settlement WHERE is_current AND month >= %s", [months[0]])
        settlements = cursor.fetchone()[0]
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        settlementtally_refresh(months)
        walls.append(time.perf_counter() - started)
    print(f"REGROUP\t{statistics.median(walls) * 1000:.0f}\t{settlements}", flush=True)


def explain(captured, name: str, top: int = 3) -> None:
    """EXPLAIN ANALYZE of the page's slowest queries (by the time Django measured)."""
    from django.db import connection

    slowest = sorted(captured, key=lambda q: float(q["time"]), reverse=True)[:top]
    for q in slowest:
        sql = q["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
        print(f"EXPLAIN\t{name}\t{q['time']} s\t{sql[:300]}")
        for line in plan[:25]:
            print(f"EXPLAIN\t{name}\t    {line}")


def main() -> None:
    from pgdb import ensure_database, reachable
    from summary import record

    if not reachable(SERVER):
        return
    results: dict[int, dict[str, tuple[float, int, float]]] = {}
    regroup: dict[int, float] = {}
    for shops in SIZES:
        built = ensure_database(SERVER, f"{PREFIX}{shops}")
        env = {**os.environ, "DATABASE_URL": database_url(shops), "DJANGO_SETTINGS_MODULE": "config.settings"}
        if built:
            env["BENCH_BUILT"] = "1"
        print(f"== {shops:,} shops ({'reused' if built else 'building'})", flush=True)
        proc = subprocess.run([PY, __file__, "--measure", str(shops)], cwd=ROOT, env=env, capture_output=True,
                              text=True)  # fmt: skip
        if proc.returncode:
            sys.exit(proc.stderr[-3000:])
        results[shops] = {}
        for line in proc.stdout.splitlines():
            if line.startswith("RESULT\t"):
                _tag, name, ms, n, db_ms = line.split("\t")
                results[shops][name] = (float(ms), int(n), float(db_ms))
                print(
                    f"  {name:<46} CPU {float(ms):7.1f} ms  db {float(db_ms):7.1f} ms  {n} queries",
                    flush=True,
                )
            elif line.startswith("REGROUP\t"):
                _tag, ms, settlements = line.split("\t")
                regroup[shops] = float(ms)
                print(f"  hourly regroup of two months' e-settlement counts ({int(settlements):,} settlements): "
                      f"{float(ms):,.0f} ms wall", flush=True)  # fmt: skip
            elif line.startswith("EXPLAIN\t") or line.startswith("  "):
                print(line)
    small, big = SIZES
    print(f"\nserver CPU per request (median of {REQUESTS}, in process; PostgreSQL; load average "
          f"{os.getloadavg()[0]:.1f} on 2 shared cores)")  # fmt: skip
    print(
        "Django CPU = this process; database = wall time of the page's queries in PostgreSQL (loaded machine)"
    )
    print(f"| {'page':<46} | {f'CPU {small:,}':>10} | {f'CPU {big:,}':>11} | {'growth':>6} | "
          f"{f'db {small:,}':>9} | {f'db {big:,}':>10} | {'growth':>6} | {'queries':>9} | budget |")  # fmt: skip
    for name, (_pattern, budget) in PAGES.items():
        (ms1, q1, db1), (ms10, q10, db10) = results[small][name], results[big][name]
        print(f"| {name:<46} | {ms1:>10.1f} | {ms10:>11.1f} | {ms10 / ms1:>5.2f}× | {db1:>9.1f} | {db10:>10.1f} | "
              f"{db10 / max(db1, 1):>5.2f}× | {q1:>3} → {q10:<3} | {budget:>4} ms |")  # fmt: skip
        record(f"{name}, {big:,} shops (PostgreSQL), Django CPU + db time", ms10 + db10, budget, "ms")
        record(f"{name}, growth {small:,} → {big:,} shops (CPU + db)", (ms10 + db10) / (ms1 + db1), 2, "×")
    if regroup.get(big):
        print(f"hourly e-settlement regroup (two months): {regroup[small]:,.0f} → {regroup[big]:,.0f} ms wall "
              f"({regroup[big] / max(regroup[small], 1):.1f}×)")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        measure(int(sys.argv[2]))
    else:
        main()
