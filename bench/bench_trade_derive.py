"""Benchmark: grades, stars and segments for 40,000 shops over a year of order lines; the shop page with its
sales panel at that scale; and where heavy grouping should run (database, DuckDB or pandas).

    .venv/bin/python bench/bench_trade_derive.py            # 8,000 shops (short, for `make bench`)
    BENCH_SHOPS=40000 .venv/bin/python bench/bench_trade_derive.py   # the issue's size (builds for many minutes)
    BENCH_REUSE=1 …   reuse the database; BENCH_SKIP_GROUPING=1 / BENCH_SKIP_PAGES=1 leave out those parts
    BENCH_DATABASE_URL=postgresql://…/h_city …   only the two pages, on a city already built there (for
        instance ``manage.py demo --customers 40000``: shops with their visits, requests, tags, surveys,
        allocation and a year of orders); nothing is written to it

The city: 40,000 shops on 840 routes, a year (52 weeks) of weekly orders from ``trade.demo.generate_trade``
(volume by grade, products by price class), deliveries and settlements. Aims: grade computation ≤ 10 s; the
customer page and its sales panel p95 ≤ 150 ms (gunicorn, 2 workers, concurrency 4, loopback).

Measured 2026-12-03 on a quiet machine (load 1.0–1.6), PostgreSQL 15, the city of ``manage.py demo --customers
40000`` (40,000 shops, 17.5 M order lines in 1.9 M orders over a year, 1.9 M deliveries and settlements, 224 k
visits, 40 k requests, 57.8 k allocation rows; built in 21.5 min), city admin, random shops, 200 requests each:
customer page p95 87.0 / 89.6 ms (p50 57.3 / 64.3), sales panel p95 49.6 / 50.4 ms; after the restock job
stored the city's advice (421 k lines, 10.8 s): customer page p95 100.3 / 73.5 ms, sales panel 45.5 / 47.8 ms;
server CPU per request in process 25.1–29.9 and 12.1–14.0 ms. The first run after the build, with the tables
not yet in memory, gave 171.8 ms for the customer page: the figure is for a warm database.
"""

import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DB = Path(
    os.environ.get("BENCH_DB", f"/tmp/bench_trade_derive_{os.environ.get('BENCH_SHOPS', '8000')}.sqlite3")
)
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
# A given database (PostgreSQL) is only read: the pages are measured on it as built.
GIVEN_DATABASE = os.environ.get("BENCH_DATABASE_URL")
os.environ["DATABASE_URL"] = GIVEN_DATABASE or f"sqlite:///{DB}"
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
SHOPS = int(os.environ.get("BENCH_SHOPS", "8000"))
# Products per order relative to the demo's mix (~10 a week): 1.0 gives ~19 million lines a year, which takes
# over an hour to generate on a busy 2-core machine; the default 0.35 (~3.5 lines an order, ~7 million lines)
# keeps `make bench` bearable. Grades, stars and the pages read the aggregates, whose size does not change.
LINES_SCALE = float(os.environ.get("BENCH_LINES_SCALE", "0.35"))
NOW = dt.datetime(2025, 12, 1, 12, tzinfo=dt.UTC)
PORT = 8767
REQUESTS = 200


def build() -> float:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connections

    from serviceloop.customers.models import Customer
    from serviceloop.org.models import Branch, Company, Role, Route, Station, User
    from serviceloop.trade.demo import generate_trade

    connections.close_all()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    rng = random.Random(1)
    company = Company.objects.create(name="基准市烟草公司")
    User.objects.create(username="admin", password=make_password("demo12345"), role=Role.CITY_ADMIN,
                        company=company, is_superuser=True, is_staff=True)  # fmt: skip
    routes = []
    for b in range(7):
        branch = Branch.objects.create(company=company, name=f"县局{b + 1}")
        for s in range(4):
            station = Station.objects.create(branch=branch, name=f"市场部{b + 1}-{s + 1}")
            routes += [Route(station=station, name=f"线路{b + 1}-{s + 1}-{r + 1}") for r in range(30)]
    Route.objects.bulk_create(routes)
    routes = list(Route.objects.select_related("station"))
    shops = []
    for i in range(SHOPS):
        route = routes[i % len(routes)]
        shops.append(Customer(
            licence_no=f"4203{1 + i // 90000:02d}1{i % 90000:05d}", name=f"店{i}", route=route,
            station_id=route.station_id, branch_id=route.station.branch_id, grade=rng.randint(1, 30),
            retail_format=rng.choice("BBBBBZSYQ"), market_type=rng.choice("CCX"), e_settlement=rng.random() < 0.9,
            online_ordering=rng.random() < 0.2, order_cycle=rng.choice(["weekly"] * 9 + ["odd"]),
            order_weekday=rng.randint(1, 5), credit_rating=rng.choice(["AA", "AA", "AAA", "A", "B"]),
            latitude=32 + rng.random(), longitude=110 + rng.random(),
        ))  # fmt: skip
    Customer.objects.bulk_create(shops, batch_size=2000)
    t = time.perf_counter()
    counts = generate_trade(
        shops=list(Customer.objects.order_by("pk")),
        weeks=52,
        end=NOW.date(),
        seed=1,
        now=NOW,
        lines_scale=LINES_SCALE,
    )
    seconds = time.perf_counter() - t
    print(f"built: {SHOPS:,} shops, {counts['orders']:,} orders, {counts['order_lines']:,} order lines, "
          f"{counts['deliveries']:,} deliveries, {counts['settlements']:,} settlements in {seconds:.0f} s")  # fmt: skip
    return seconds


def timed(label, fn, results):
    t, cpu = time.perf_counter(), time.process_time()
    value = fn()
    results.append((label, time.perf_counter() - t, time.process_time() - cpu))
    return value


def grouping(results):
    """The same GROUP BY (order lines per shop: cartons, amount) in the database, DuckDB and pandas."""
    import duckdb
    import numpy as np
    import pandas as pd
    from django.db import connection

    with connection.cursor() as cursor:
        n = timed("SQLite: GROUP BY shop over all order lines", lambda: _sql_group(cursor), results)
        rows = timed("copy the lines out of SQLite into Python", lambda: _fetch(cursor), results)
    customer, qty, amount = rows
    print(f"  ({n:,} shops; {len(customer):,} lines copied)")
    frame = pd.DataFrame({"customer": customer, "qty": qty, "amount": amount})
    timed(
        "pandas: groupby on those lines", lambda: frame.groupby("customer")[["qty", "amount"]].sum(), results
    )
    con = duckdb.connect()
    con.register("lines", frame)
    timed("DuckDB: GROUP BY on those lines", lambda: con.execute(
        "SELECT customer, SUM(qty), SUM(amount) FROM lines GROUP BY customer").fetchall(), results)  # fmt: skip
    big = 30_000_000
    rng = np.random.default_rng(0)
    synthetic = pd.DataFrame({"customer": rng.integers(0, 40_000, big, dtype=np.int32),
                              "qty": rng.integers(1, 20, big, dtype=np.int32),
                              "amount": rng.random(big) * 500})  # fmt: skip
    con.register("synthetic", synthetic)
    timed("DuckDB: 30 M synthetic rows grouped", lambda: con.execute(
        "SELECT customer, SUM(qty), SUM(amount) FROM synthetic GROUP BY customer").fetchall(), results)  # fmt: skip
    timed("pandas: 30 M synthetic rows grouped",
          lambda: synthetic.groupby("customer")[["qty", "amount"]].sum(), results)  # fmt: skip
    timed("aggregates: GROUP BY shop over a year of shop-weeks", lambda: _week_group(connection), results)


def _sql_group(cursor):
    cursor.execute("SELECT customer_id, SUM(qty_supplied), SUM(amount) FROM trade_orderline WHERE live "
                   "GROUP BY customer_id")  # fmt: skip
    return len(cursor.fetchall())


def _week_group(connection):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT customer_id, SUM(qty_supplied), SUM(amount) FROM trade_shopweek GROUP BY customer_id"
        )
        return len(cursor.fetchall())


def _fetch(cursor):
    import numpy as np

    cursor.execute("SELECT customer_id, qty_supplied, amount FROM trade_orderline WHERE live")
    customer, qty, amount = [], [], []
    while chunk := cursor.fetchmany(200_000):
        for c, q, a in chunk:
            customer.append(c)
            qty.append(q)
            amount.append(a)
    return np.array(customer, dtype=np.int64), np.array(qty, dtype=np.int32), np.array(amount, dtype=float)


def derive(results):
    from serviceloop.trade.derive import grades_compute, run_apply, segments_refresh, stars_compute

    run = timed("grades: compute for review (a proposal per shop with sales)", lambda: grades_compute(actor=None, now=NOW),
                results)  # fmt: skip
    timed("grades: apply with history rows", lambda: run_apply(run=run, actor=None, now=NOW), results)
    timed("stars: compute for review", lambda: stars_compute(actor=None, now=NOW), results)
    timed("segments: volume × price groups and k-means clusters", lambda: segments_refresh(now=NOW), results)
    return run.summary["shops"]


def pages():
    env = {**os.environ, "DATABASE_URL": os.environ["DATABASE_URL"]}
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-w", "2", "-b",
                               f"127.0.0.1:{PORT}", "--log-level", "error"], cwd=ROOT, env=env)  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/login/")
                break
            except OSError:
                time.sleep(0.2)
        import bench_list

        bench_list.PORT = PORT
        opener = bench_list.session("admin")
        from serviceloop.customers.models import Customer

        ids = list(Customer.objects.values_list("pk", flat=True))
        rng = random.Random(2)
        out = {}
        for name, pattern in (
            ("customer page", "/customers/{}/"),
            ("sales panel (HTMX)", "/trade/shops/{}/panel/"),
        ):

            def one(_, pattern=pattern):
                url = f"http://127.0.0.1:{PORT}" + pattern.format(rng.choice(ids))
                t = time.perf_counter()
                with opener.open(url) as r:
                    r.read()
                    assert r.status == 200
                return (time.perf_counter() - t) * 1000

            for _ in range(5):
                one(None)
            with ThreadPoolExecutor(4) as pool:
                out[name] = list(pool.map(one, range(REQUESTS)))
        return out
    finally:
        server.terminate()
        server.wait()


def cpu_per_request(n: int = 40) -> dict[str, float]:
    """Server CPU per request, in this process (Django's test client, the city admin, random shops): the
    figure load disturbs least. Median milliseconds over ``n`` requests after 5 warm-up ones."""
    from django.test import Client

    from serviceloop.customers.models import Customer
    from serviceloop.org.models import User

    client = Client()
    client.force_login(User.objects.get(username="admin"))
    ids = list(Customer.objects.values_list("pk", flat=True))
    rng = random.Random(3)
    out = {}
    for name, pattern in (
        ("customer page", "/customers/{}/"),
        ("sales panel (HTMX)", "/trade/shops/{}/panel/"),
    ):
        times = []
        for i in range(n + 5):
            url = pattern.format(rng.choice(ids))
            start = time.process_time()
            response = client.get(url, HTTP_HOST="127.0.0.1")
            elapsed = time.process_time() - start
            assert response.status_code == 200, (url, response.status_code)
            if i >= 5:
                times.append(1000 * elapsed)
        out[name] = statistics.median(times)
    return out


def main():
    import django

    django.setup()
    if GIVEN_DATABASE:
        return pages_only()
    if not (DB.exists() and os.environ.get("BENCH_REUSE")):
        build()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM trade_orderline")
        lines = cursor.fetchone()[0]
    load = os.getloadavg()[0]
    results = []
    shops = derive(results)
    if not os.environ.get("BENCH_SKIP_GROUPING"):  # the database / DuckDB / pandas comparison (30 M rows)
        grouping(results)
    request_cpu = cpu_per_request()
    # BENCH_SKIP_PAGES=1: no gunicorn run (the in-process CPU per request above is the figure).
    latencies = {} if os.environ.get("BENCH_SKIP_PAGES") else pages()
    print(f"\ntrade derivations — {SHOPS:,} shops ({shops:,} with sales), {lines:,} order lines, SQLite, "
          f"load average {load:.2f} → {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"| {'step':<56} | {'wall (s)':>9} | {'CPU (s)':>8} |")
    print(f"|{'-' * 58}|{'-' * 11}|{'-' * 10}|")
    for label, wall, cpu in results:
        print(f"| {label:<56} | {wall:>9.2f} | {cpu:>8.2f} |")
    print_pages(latencies, request_cpu)
    from summary import record

    by_label = {label: (wall, cpu) for label, wall, cpu in results}
    grade_wall, grade_cpu = by_label["grades: compute for review (a proposal per shop with sales)"]
    budget = 10 * SHOPS / 40_000  # 10 s for the 40,000 shops, in proportion for the short default
    record(f"grade computation, {SHOPS:,} shops, a year of lines, CPU", grade_cpu, budget, "s")
    record(f"grade computation, {SHOPS:,} shops, wall (loaded machine)", grade_wall, budget, "s")
    record_pages(latencies, request_cpu, SHOPS)


def pages_only():
    """The two pages on the given database's city (BENCH_DATABASE_URL), as built."""
    from django.db import connection

    from serviceloop.customers.models import Customer

    shops = Customer.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM trade_orderline")
        lines = cursor.fetchone()[0]
    load = os.getloadavg()[0]
    request_cpu = cpu_per_request()
    latencies = pages()
    print(f"\nshop pages — {shops:,} shops, {lines:,} order lines, {connection.vendor}, "
          f"load average {load:.2f} → {os.getloadavg()[0]:.2f}")  # fmt: skip
    print_pages(latencies, request_cpu)
    record_pages(latencies, request_cpu, shops)


def print_pages(latencies, request_cpu):
    print(
        f"\n| {'page (random shops, city admin)':<32} | {'p50 ms':>8} | {'p95 ms':>8} | {'ratio to aim':>12} |"
    )
    for name, values in latencies.items():
        p95 = statistics.quantiles(values, n=100)[94]
        print(f"| {name:<32} | {statistics.median(values):>8.1f} | {p95:>8.1f} | {p95 / 150:>10.2f} × |")
    for name, ms in request_cpu.items():
        print(f"{name}: median server CPU {ms:.1f} ms per request (in process)")


def record_pages(latencies, request_cpu, shops):
    from summary import record

    for name, values in latencies.items():
        record(f"{name}, {shops:,} shops, p95 wall (loaded machine)", statistics.quantiles(values, n=100)[94],
               150, "ms")  # fmt: skip
    for name, ms in request_cpu.items():
        record(f"{name}, {shops:,} shops, server CPU per request", ms, 150, "ms")


if __name__ == "__main__":
    main()
