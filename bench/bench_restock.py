"""Restock advice (R28): backtest of the forecasts on the demo's year, and the job's time and memory.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/h_grow .venv/bin/python bench/bench_restock.py
    BENCH_REUSE=1 …   # keep the shops and trade built by a previous run

The city: BENCH_SHOPS shops (default 1,000) on 40 routes, a year (52 weeks, ``trade.demo.generate_trade``) of
orders with ~BENCH_LINES_SCALE × the demo's products per shop (2.5: up to ~30 of the 34 products).
THE DATABASE IS FLUSHED (use your own PostgreSQL database, never a shared one).

1. Backtest: every shop × product series; the last 8 weeks held out (weekly shops; 4 two-week periods for
   odd/even shops); at each held-out origin the method is chosen per series by the rolling-origin backtest
   on the weeks before it and forecasts one order cycle ahead. MASE (scale: the in-sample seasonal naive
   error — with one year of history that is the lag-1 naive, there is no year-ago week) overall, by price
   class and by segment (grade band); and the ratio of absolute errors to the seasonal naive forecast's on
   the same held-out weeks (< 1: better than the baseline).
2. The job (``restock_run``) for 1/10 of the shops and all of them: wall and CPU seconds (medians of three
   runs), peak traced memory (tracemalloc, in a further run: Python objects and NumPy arrays), rows stored;
   ratios 10× / 1×. The job works in chunks of CHUNK_SHOPS (1,000) shops, so the memory stops growing past
   one chunk. The wall time includes the database's own work (reading the order lines, writing the advice);
   the city figure (40,000 shops, budget 120 s, issue 12) is extrapolated linearly unless BENCH_SHOPS ≥ 40,000,
   and is recorded with ``summary.record`` together with the peak memory.

Profile (cProfile, 1,000 shops × ~21 series, before → after the rework of 2026-12-02, unloaded machine):
3.36 s → 1.48 s wall, 1.36 s → 0.50 s CPU in Python. The old job spent 2.15 s reading order lines (GROUP BY
in the database 0.7 s, fetchall + np.array 0.9 s), 0.4 s in the per-series Python loop and row tuples, 0.3 s
in COPY row by row; the forecasts themselves (already vectorised across series) 0.25 s. The forecast paths
were then moved to a week-major layout (1.9–3.5× less CPU on 5,000–20,000 series, same floats).

Measured 2026-12-02, BENCH_SHOPS=4000 (3.3 M order lines, ~21 series a shop), PostgreSQL, the machine loaded
(load average 12–17 on 2 cores), old and new code alternating on the same data, medians of 3:
old 33.4 s wall, 3.55 s CPU + 4.54 s database CPU; new 18.2 s wall, 1.88 s + 2.77 s. City (40,000 shops)
extrapolated: old ≈ 334 s wall / 81 s CPU, new ≈ 182–191 s wall under that load / ≈ 47–50 s CPU. Peak traced
memory 123 MiB at 1,000 shops (one chunk), 134 MiB at 4,000 (four chunks).
"""

import datetime as dt
import os
import random
import sys
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
SHOPS = int(os.environ.get("BENCH_SHOPS", "1000"))
LINES_SCALE = float(os.environ.get("BENCH_LINES_SCALE", "2.5"))
HOLDOUT = 8  # weeks
NOW = dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC)

import django  # noqa: E402

django.setup()


def build():
    from django.core.management import call_command

    from serviceloop.customers.models import Customer
    from serviceloop.org.models import Branch, Company, Route, Station
    from serviceloop.trade.demo import generate_trade

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(1)
    company = Company.objects.create(name="基准市烟草公司")
    branch = Branch.objects.create(company=company, name="县局1")
    routes = []
    for s in range(4):
        station = Station.objects.create(branch=branch, name=f"市场部{s + 1}")
        routes += [Route.objects.create(station=station, name=f"线路{s + 1}-{r + 1}") for r in range(10)]
    shops = []
    for i in range(SHOPS):
        route = routes[i % len(routes)]
        shops.append(Customer(
            licence_no=f"4203011{i:05d}", name=f"店{i}", route=route, station_id=route.station_id,
            branch_id=branch.pk, grade=rng.randint(1, 30), e_settlement=True,
            order_cycle=rng.choice(["weekly"] * 8 + ["odd", "even"]), order_weekday=rng.randint(1, 5),
        ))  # fmt: skip
    Customer.objects.bulk_create(shops, batch_size=2000)
    t = time.perf_counter()
    counts = generate_trade(
        shops=list(Customer.objects.order_by("pk")), weeks=52, end=NOW.date() - dt.timedelta(days=3), seed=1,
        now=NOW, lines_scale=LINES_SCALE,
    )  # fmt: skip
    print(f"built {SHOPS} shops, {counts['order_lines']:,} order lines in {time.perf_counter() - t:.0f} s")


def series():
    """Per group (period 1: weekly shops, 2: odd/even shops): the (shop, product) keys, the price class, the
    grade band and the weekly (or two-weekly) history ending the week before the next order week."""
    from serviceloop.customers.models import Customer
    from serviceloop.growth import restock
    from serviceloop.trade.models import OrderLine, Product

    today = NOW.date()
    classes = dict(Product.objects.values_list("pk", "price_class"))
    shops = {pk: (cycle, wd, grade) for pk, cycle, wd, grade in
             Customer.objects.values_list("pk", "order_cycle", "order_weekday", "grade")}  # fmt: skip
    groups = defaultdict(dict)
    for customer_id, product_id, week, qty in (
        OrderLine.objects.filter(live=True)
        .values_list("customer_id", "product_id", "week", "qty_asked")
        .iterator()
    ):
        cycle, wd, grade = shops[customer_id]
        day = restock.next_order_day(today, cycle, wd)
        period = 1 if cycle == "weekly" else 2
        key = (period, restock.monday(day))
        groups[key].setdefault((customer_id, product_id), []).append((week, qty))
    out = []
    for (period, target), pairs in groups.items():
        n = 52 // period
        first = target - dt.timedelta(weeks=n * period)
        keys = sorted(pairs)
        y = np.zeros((len(keys), n))
        for i, key in enumerate(keys):
            for week, qty in pairs[key]:
                k = (week - first).days // 7
                if 0 <= k < n * period:
                    y[i, k // period] += qty
        mondays = [first + dt.timedelta(weeks=k * period) for k in range(n + 1)]
        price = np.array([classes[p] or 0 for _, p in keys])
        band = np.array([(shops[c][2] - 1) // 10 if shops[c][2] else 0 for c, _ in keys])
        out.append((period, y, mondays, price, band))
    return out


def backtest():
    from serviceloop.analytics import forecast as fc

    rows = []  # (abs error method, abs error baseline, scale, price class, band) per series
    for period, y, mondays, price, band in series():
        hold = HOLDOUT // period
        t0 = y.shape[1] - hold
        classes = fc.festival_classes(mondays[: y.shape[1]])
        season = fc.SEASON // period
        multipliers = fc.estimate_multipliers(y[:, :t0].sum(axis=0), classes[:t0])
        err_m = np.zeros(len(y))
        err_b = np.zeros(len(y))
        for o in range(t0, y.shape[1]):
            f, _ = fc.forecast(
                y[:, :o], h=1, classes=classes[: o + 1], multipliers=multipliers, season=season
            )
            b = fc.seasonal_naive(y[:, :o], 1, season=season)
            err_m += np.abs(y[:, o] - f[:, 0])
            err_b += np.abs(y[:, o] - b[:, 0])
        scale = fc.mase_scale(y[:, :t0], season=season)
        rows.append(np.column_stack([err_m / hold, err_b / hold, scale, price, band]))
        print(f"  group period={period} wk: {len(y):,} series × {y.shape[1]} periods, multipliers "
              + ", ".join(f"{n}={m:.2f}" for n, m in zip(fc.CLASS_NAMES[1:], multipliers[1:], strict=True)))  # fmt: skip
    a = np.vstack(rows)
    ok = np.isfinite(a[:, 2])

    def line(label, mask):
        m = mask & ok
        mase = np.mean(a[m, 0] / a[m, 2])
        mase_b = np.mean(a[m, 1] / a[m, 2])
        rel = a[mask, 0].sum() / max(a[mask, 1].sum(), 1e-9)
        print(f"  {label:<22} series {mask.sum():>7,}  MASE {mase:5.3f}  (seasonal naive {mase_b:5.3f})  "
              f"MAE ratio to seasonal naive {rel:5.3f}")  # fmt: skip

    print("\n1. Backtest, last 8 weeks held out, one order cycle ahead")
    line("overall", np.ones(len(a), dtype=bool))
    for k in range(1, 6):
        line(f"price class {k}", a[:, 3] == k)
    for k, name in enumerate(("D1–D10", "D11–D20", "D21–D30")):
        line(f"segment {name}", a[:, 4] == k)


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (0 on SQLite, or where /proc cannot be
    read): on a loaded machine the wall time says little, the CPU the job needs on both sides says more.
    Parallel query workers are not counted (the job's queries are index scans; none were seen)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def job():
    from summary import record

    from serviceloop.customers.models import Customer
    from serviceloop.growth.restock import restock_run

    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    print("\n2. The job (restock_run): wall and CPU seconds (medians of 3), peak traced memory")
    results = {}
    for label, subset in (("1×", ids[: len(ids) // 10]), ("10×", ids)):
        walls, cpus, servers = [], [], []
        for _ in range(3):  # timed without tracemalloc (it slows allocation-heavy code)
            t, c, b = time.perf_counter(), time.process_time(), backend_cpu()
            counts = restock_run(now=NOW, shop_ids=subset)
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
            servers.append(backend_cpu() - b)
        seconds, cpu, server = sorted(walls)[1], sorted(cpus)[1], sorted(servers)[1]
        tracemalloc.start()
        restock_run(now=NOW, shop_ids=subset)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        results[label] = (seconds, peak, cpu + server)
        print(f"  {label:<4} {len(subset):>6,} shops  wall {seconds:7.2f} s  CPU {cpu:6.2f} s + database {server:6.2f} s  "
              f"peak {peak:7.1f} MiB  "
              f"{counts['series']:,} advice lines ({counts['series'] / max(len(subset), 1):.0f} a shop), "
              f"{counts['short']:,} likely short")  # fmt: skip
    (s1, m1, _c1), (s10, m10, c10) = results["1×"], results["10×"]
    print(
        f"  ratio 10×/1×: time {s10 / s1:.1f}, memory {m10 / m1:.2f} (chunks of shops: memory should stay flat)"
    )
    per_shop = s10 / len(ids)
    city = per_shop * 40000
    measured = len(ids) >= 40000
    print(
        f"  {per_shop * 1000:.2f} ms per shop (wall; the database's share included) → 40,000 shops ≈ {city:.0f} s "
        + ("(measured)" if measured else "(extrapolated linearly from this size, not measured)")
    )
    what = "measured" if measured else f"extrapolated from {len(ids):,} shops"
    record(f"restock: city run, 40,000 shops, wall s ({what})", city, 120, "s")
    record(f"restock: job peak traced memory, {len(ids):,} shops", m10, None, "MiB")
    both = c10 / len(ids) * 40000
    print(
        f"  CPU of the job and its database backend: {c10 / len(ids) * 1000:.2f} ms per shop → 40,000 shops ≈ "
        f"{both:.0f} s of CPU (what the run costs on an idle machine, the two sides taking turns)"
    )
    record(f"restock: city run, 40,000 shops, CPU s job + database ({what})", both, 120, "s")


if __name__ == "__main__":
    if not os.environ.get("BENCH_REUSE"):
        build()
    backtest()
    job()
