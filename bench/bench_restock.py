"""Restock advice (R28): backtest of the forecasts on the demo's year, and the job's time and memory.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/h_grow .venv/bin/python bench/bench_restock.py
    BENCH_REUSE=1 …   # keep the shops and trade built by a previous run
    BENCH_FAST_BUILD=1 BENCH_SHOPS=40000 …   # the whole city from NumPy (``build_fast``; PostgreSQL only)
    BENCH_REUSE=1 BENCH_SHOPS=40000 BENCH_RUNS=1 BENCH_BACKTEST_SHOPS=1000 …   # re-measure a built city

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

Fast build (BENCH_FAST_BUILD=1, see ``build_fast``): 86 products (the real week's sheet), ~80 a shop, ~27
lines an order, one order a week (odd/even shops: every other week) → ~1,215 lines and ~69 shop × product
series a shop, most of them intermittent (200 shops: median 12 order weeks of 52 a series); ~27 advice rows a
shop are stored (a suggestion ≠ 0 or likely short). 4,000 shops: 4.9 M lines, 274,576 series, built in 279 s;
40,000 shops: 48.7 M lines (1.79 M orders), built in 2,498 s with the machine at load 10–14 (the order-line
key and indexes dropped during the load and rebuilt after it: 359 s).

Measured 2026-12-02 on the fast-built 4,000-shop city, PostgreSQL 15, machine load 10–12 on 2 cores, one
run each (the 40,000-shop build running beside the "after" runs): before the second rework 59.7 / 67.5 s
wall, 6.83 / 7.04 s CPU + 8.43 / 9.88 s database CPU; after it 49.1–55.7 s wall, 4.13–4.95 s CPU +
5.76–6.90 s database CPU (three runs), the stored advice identical (the 106,924 rows compared field by
field). What went (cProfile with a CPU clock, and the database's CPU per statement): the database sending
each line's four fields concatenated (1.2 s a chunk → 0.72 s packed into one int8), the RI checks of the
advice's two foreign keys at commit (0.55 of 1.05 s per 27,000 rows written; the FKs are gone from the
database, as on OrderLine), writing all 105 origins × 5 methods of the forecast paths when the backtest
reads 7 (``method_paths(tail=…)``), ``np.add.at`` (→ bincount), the per-row f-string of the COPY text
(→ NumPy string columns). The peak traced memory at 4,000 shops of the 40,000-shop city: 206 MiB.

THE CITY, 40,000 fast-built shops (48.7 M lines), PostgreSQL 15, machine quiet (load average 1–2), one run
each, 2026-12-02 17:42–17:47 UTC (/usr/bin/time; the job alone, as ``job_restock_advice`` runs it):
- chunks read in turn (the rework above): 137.9 s wall, 40.1 s CPU + 93.9 s database backend CPU;
- the next chunk read ahead on a second connection (``_ChunkReads``): 98.8 s and 77.1 s wall (0.82× and
  0.64× the 120 s budget), 39.6 / 37.3 s CPU; max RSS 401 MB (two chunks' lines at once; 343 MB in turn).
Both store the same 1,059,463 advice rows (241,812 likely short). Under load 10–11 (7 workers) the job in turn
took 553.6 s wall for the same 139.6 s of CPU: wall figures here mean nothing on a busy machine.

The restock list (3., ``page``; BENCH_PAGE_ONLY=1 with BENCH_REUSE=1 times only it): the city admin's first
page, page 50 and "likely short only", old selector (a GROUP BY of every advice line, per view) and new (the
per-shop ``RestockShop`` rows the job writes with the lines), alternating on the same data, 2026-12-03, PostgreSQL
15, machine load 3–7 on 2 cores (other engineers' test suites): medians of 18 requests, CPU of this process +
database backend CPU (mean; the old GROUP BY also ran on 2 parallel workers, whose CPU is NOT counted, so the
old figures are lower bounds), 4 queries either way:
- 4,000 fast-built shops (106,924 advice lines): old 14 ms + 97–100 ms database (216–222 ms wall);
  new 11–12 ms + 4–8 ms (26–47 ms wall).
- 40,000 shops (the 4,000-shop city copied ten times in SQL — customers, advice and summaries; 1,069,240 lines,
  more a shop than the brief's 421,000 for 40,000): old 15 ms + 640–750 ms database (1.46–1.55 s wall);
  new 12–13 ms + 12–16 ms (46–55 ms wall). The first page reads the head of the ``restockshop_list`` index
  (short DESC, order_day) and sorts each group by licence number (incremental sort); the count joins the
  summaries to the shops (~10–25 ms of the database's time at 40,000).
The job's added work, ``restockshop_refresh`` per chunk (one DELETE and one INSERT … SELECT … GROUP BY of the
chunk's freshly written lines): 0.07 s of database CPU + 0.03 s of Python for all 4,000 shops (medians of 5),
≈ 0.7 s at 40,000 against the job's ~40 s CPU + ~90 s database. The restock Excel export (now in the
background): 106,924 lines in 10.3 s CPU (openpyxl's writing, 16 s wall), 20 MiB peak traced memory (rows read
5,000 at a time); ≈ 40 s CPU for a 421,000-line city — off the request thread.

Earlier (the demo generator's city), BENCH_SHOPS=4000 (3.3 M order lines, ~21 series a shop), PostgreSQL, the machine loaded
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
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault(
    "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
)  # the page
SHOPS = int(os.environ.get("BENCH_SHOPS", "1000"))
LINES_SCALE = float(os.environ.get("BENCH_LINES_SCALE", "2.5"))
HOLDOUT = 8  # weeks
# timed runs per size (the median is reported), then one traced for memory; 0: one run, timed and traced
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
BACKTEST_SHOPS = int(os.environ.get("BENCH_BACKTEST_SHOPS", "0"))  # 0: every shop
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


# ---------------------------------------------------------------------------------------------------------------
# Fast build (BENCH_FAST_BUILD=1): a whole city without the demo generator


def _catalogue(rng: np.random.Generator):
    """(code, name, popularity, wholesale price) of ~86 products: the real week's sheet (its products and their
    allocated totals ADV as popularity) when it is next to the repository, else generated codes; the prices of
    the demo's catalogue where it names the code, else drawn in a price class with the demo catalogue's spread
    (一类 ~1/3, 二类 ~1/7, 三类 ~1/4, 四类 ~1/7, 五类 ~1/8)."""
    from serviceloop.trade.demo import CATALOGUE

    known = {code: float(price) for code, _n, price in CATALOGUE}
    rows = []
    sheet = ROOT.parent / "shared" / "data" / "real" / "allocation_week.xlsx"
    if sheet.exists():
        import openpyxl

        book = openpyxl.load_workbook(sheet, read_only=True)
        for row in list(book.worksheets[0].iter_rows(values_only=True))[1:]:
            if row[4] and row[4] not in {r[0] for r in rows}:
                rows.append((str(row[4]), str(row[5]), float(row[11] or 100)))
        book.close()
    if not rows:
        rows = [(f"9{k:07d}", f"基准烟{k}", float(90000 / (k + 1) ** 1.1)) for k in range(86)]
    bands = [(100, 1000), (70, 100), (30, 70), (16.5, 30), (9, 16.5)]  # price classes 1–5, 元/条
    share = np.array([11, 5, 9, 5, 4], dtype=float)
    out = []
    for code, name, pop in rows:
        price = known.get(code)
        if price is None:
            lo, hi = bands[rng.choice(5, p=share / share.sum())]
            price = round(float(rng.uniform(lo, min(hi, lo * 3))), 0 if lo >= 30 else 1)
        out.append((code, name, pop, price))
    return out


def _numeric(cents: np.ndarray) -> np.ndarray:
    """NUMERIC binary COPY fields (ndigits 3, weight 1, dscale 2: 10⁴ digit, units, 10⁻⁴ digit) of amounts in
    cents, not normalised (numeric_recv strips leading and trailing zero digits)."""
    units, frac = np.divmod(cents, 100)
    return np.stack([units // 10000, units % 10000, frac * 100], axis=1)


_LINE_COLUMNS = ["id", "order_id", "customer_id", "product_id", "order_date", "week", "price_class", "qty_asked",
                 "qty_supplied", "unit_price", "amount", "live"]  # fmt: skip
_LINE_DTYPE = np.dtype(
    [("n", ">i2")]
    + [(f"{c}{s}", t) for c in ("id", "order", "customer", "product") for s, t in (("_len", ">i4"), ("", ">i8"))]
    + [(f"{c}{s}", t) for c in ("order_date", "week") for s, t in (("_len", ">i4"), ("", ">i4"))]
    + [("class_len", ">i4"), ("class", ">i2")]
    + [(f"{c}{s}", t) for c in ("asked", "supplied") for s, t in (("_len", ">i4"), ("", ">i4"))]
    + [(f"{c}{s}", *t) for c in ("price", "amount") for s, *t in (("_len", ">i4"), ("_head", ">i2", (4,)), ("", ">i2", (3,)))]
    + [("live_len", ">i4"), ("live", "u1")]
)  # fmt: skip
_PG_EPOCH = dt.date(2000, 1, 1)


def _copy_lines(cursor, columns: dict) -> None:
    """One binary COPY of order lines built from NumPy arrays (no Python object per row)."""
    n = len(columns["id"])
    rec = np.zeros(n, dtype=_LINE_DTYPE)
    rec["n"] = len(_LINE_COLUMNS)
    for name, size in (("id", 8), ("order", 8), ("customer", 8), ("product", 8), ("order_date", 4), ("week", 4),
                       ("class", 2), ("asked", 4), ("supplied", 4), ("price", 14), ("amount", 14), ("live", 1)):  # fmt: skip
        rec[f"{name}_len"] = size
    for name in ("id", "order", "customer", "product", "order_date", "week", "class", "asked", "supplied"):
        rec[name] = columns[name]
    for name in ("price", "amount"):
        rec[f"{name}_head"] = (3, 1, 0, 2)
        rec[name] = _numeric(columns[name])
    rec["live"] = 1
    sql = f"COPY trade_orderline ({', '.join(_LINE_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    with cursor.cursor.copy(sql) as copy:
        copy.write(b"PGCOPY\n\xff\r\n\x00" + bytes(8) + rec.tobytes() + b"\xff\xff")


def _copy_text(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write("".join("\t".join(map(str, r)) + "\n" for r in rows))


def build_fast():
    """A city of SHOPS shops and a year of orders written straight from NumPy (PostgreSQL only).

    Shops: grade D1–D30, order cycle weekly (80 %) or odd/even weeks, an order weekday. Each shop has its
    own set of 60–86 products and a taste: the product's city popularity (the real sheet's allocated totals,
    ~200× from the most to the least popular) × a class preference by grade × a log-normal whim of the shop.
    Each order (4 % of order weeks skipped, 2 % of shops stop a few weeks before the end) draws ~25 lines
    (13 + 0.9 × grade, Poisson) without replacement from the shop's set, weighted by its taste (Gumbel
    top-k), so a shop's top products appear nearly every week and its tail rarely: most shop × product series
    are intermittent. Cartons: the shop's volume (by grade; two weeks' worth for odd/even shops) split by
    taste, Poisson; the 3 weeks before 春节 ×1.7 (and a few more lines), the 春节 week ×0.5, the two after
    ×0.7, 中秋/国庆 ×1.25. Scarce products (≥ 100 元) are sometimes supplied short.

    Rows: orders (text COPY), order lines (binary COPY from a NumPy record array, one per week, into the
    monthly partitions), ShopWeek and ShopMonth (their order-side columns) computed from the same arrays —
    what the import's aggregates would hold. Foreign-key triggers are off during the COPYs
    (session_replication_role = replica: the rows are consistent by construction)."""
    from django.core.management import call_command
    from django.db import connection

    from serviceloop.analytics import forecast as fc
    from serviceloop.customers.models import Customer
    from serviceloop.org.models import Branch, Company, Route, Station
    from serviceloop.trade.conf import price_class_for
    from serviceloop.trade.models import BatchKind, BatchSource, BatchStatus, ImportBatch, Product
    from serviceloop.trade.partitions import ensure_month_partitions

    assert connection.vendor == "postgresql", "BENCH_FAST_BUILD needs PostgreSQL"
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    rng = np.random.default_rng(1)
    company = Company.objects.create(name="基准市烟草公司")
    branches = [
        Branch.objects.create(company=company, name=f"县局{b + 1}") for b in range(max(1, SHOPS // 8000))
    ]
    routes = []
    n_routes = max(40, SHOPS // 200)
    for s in range(max(4, n_routes // 10)):
        station = Station.objects.create(branch=branches[s % len(branches)], name=f"市场部{s + 1}")
        routes += [Route(station=station, name=f"线路{s + 1}-{r + 1}") for r in range(10)]
    Route.objects.bulk_create(routes)
    routes = list(Route.objects.select_related("station").order_by("pk"))
    grade = rng.integers(1, 31, SHOPS)
    cycle = rng.choice(np.array(["weekly", "odd", "even"]), SHOPS, p=[0.8, 0.1, 0.1])
    weekday = rng.integers(1, 6, SHOPS)
    online = rng.random(SHOPS) < 0.6
    shops = []
    for i in range(SHOPS):
        route = routes[i % len(routes)]
        shops.append(Customer(
            licence_no=f"42030{i:07d}", name=f"店{i}", route=route, station_id=route.station_id,
            branch_id=route.station.branch_id, grade=int(grade[i]), e_settlement=True,
            online_ordering=bool(online[i]), order_cycle=str(cycle[i]), order_weekday=int(weekday[i]),
        ))  # fmt: skip
    Customer.objects.bulk_create(shops, batch_size=5000)
    info = list(
        Customer.objects.order_by("pk").values_list("pk", "licence_no", "route_id", "station_id", "branch_id")
    )
    shop_pk = np.array([r[0] for r in info], dtype=np.int64)
    licence = [r[1] for r in info]
    place = [f"{r[2]}\t{r[3]}\t{r[4]}" for r in info]

    catalogue = _catalogue(rng)
    Product.objects.bulk_create(
        Product(code=code, name=name, brand=name.split("(")[0], price_class=price_class_for(price),
                wholesale_price=Decimal(str(price)), retail_price=round(price * 1.12), is_scarce=price >= 100,
                created_at=NOW, updated_at=NOW)
        for code, name, _pop, price in catalogue
    )  # fmt: skip
    by_code = {p.code: p for p in Product.objects.all()}
    products = [by_code[c] for c, _n, _p, _w in catalogue]
    n_products = len(products)
    product_pk = np.array([p.pk for p in products], dtype=np.int64)
    klass = np.array([p.price_class for p in products])
    price_cents = np.array([round(float(p.wholesale_price) * 100) for p in products], dtype=np.int64)
    scarce = np.array([p.is_scarce for p in products])
    pop = np.array([pop for _c, _n, pop, _w in catalogue])
    # taste: popularity × class preference by grade (higher grades buy more of classes 1–2) × the shop's whim
    high = np.minimum(0.7, 0.05 + grade * 0.02)
    pref = np.stack([high * 0.35, high * 0.65, np.full(SHOPS, 0.3), (0.7 - high) * 0.6 + 0.1,
                     (0.7 - high) * 0.4 + 0.05], axis=1)  # fmt: skip
    in_class = np.bincount(klass, minlength=6)[klass]  # the class's share is spread over its products
    logw = (np.log(pop / pop.max())[None, :] + np.log(pref[:, klass - 1] / in_class[None, :])
            + rng.normal(0, 1.0, (SHOPS, n_products)))  # fmt: skip
    set_size = np.clip(rng.normal(78, 7, SHOPS).round(), 60, n_products).astype(int)
    rank = np.argsort(np.argsort(-(logw + rng.gumbel(size=logw.shape)), axis=1), axis=1)
    logw[rank >= set_size[:, None]] = -np.inf  # not in the shop's set
    mean_lines = 13 + 0.9 * grade
    volume = (2 + grade * 1.1) * 3 * rng.uniform(0.7, 1.3, SHOPS) * np.where(cycle == "weekly", 1.0, 1.8)
    stop = np.where(rng.random(SHOPS) < 0.02, 52 - rng.integers(2, 8, SHOPS), 52)
    lift = {fc.NORMAL: 1.0, fc.BEFORE_SPRING: 1.7, fc.SPRING_WEEK: 0.5, fc.AFTER_SPRING: 0.7, fc.AUTUMN: 1.25}

    end = NOW.date() - dt.timedelta(days=3)
    last_monday = end - dt.timedelta(days=end.weekday())
    mondays = [last_monday - dt.timedelta(weeks=w) for w in range(51, -1, -1)]
    ensure_month_partitions(
        {m.replace(day=1) for m in mondays} | {(m + dt.timedelta(days=6)).replace(day=1) for m in mondays}
    )
    batch = ImportBatch.objects.create(kind=BatchKind.ORDERS, source=BatchSource.DEMO, filename="基准数据",
                                       status=BatchStatus.COMMITTED, started_at=NOW, finished_at=NOW)  # fmt: skip
    months = sorted({(m + dt.timedelta(days=d)).replace(day=1) for m in mondays for d in range(7)})
    month_index = {m: k for k, m in enumerate(months)}
    # ShopMonth order-side sums: orders, online, phone, visit, qty asked, qty supplied, amount (cents)
    month_sums = np.zeros((SHOPS, len(months), 7), dtype=np.int64)
    order_id = line_id = 1
    n_lines_total = n_orders_total = 0
    order_cols = ["id", "order_no", "revision", "is_current", "content_hash", "batch_id", "customer_id", "route_id",
                  "station_id", "branch_id", "month", "order_date", "week", "channel", "status", "lines", "qty_asked",
                  "qty_supplied", "amount"]  # fmt: skip
    week_cols = ["customer_id", "route_id", "station_id", "branch_id", "week", "orders", "lines", "qty_asked",
                 "qty_supplied", "amount", "qty_class1", "qty_class2", "qty_class3", "qty_class4", "qty_class5"]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
        # the line table's key and indexes are built once after the load (as migration 0002 creates them):
        # 50 million rows through three btrees row by row took ~50 µs a line on the shared machine
        cursor.execute("ALTER TABLE trade_orderline DROP CONSTRAINT trade_orderline_pkey")
        cursor.execute("DROP INDEX orderline_order, orderline_customer_date")
        for w, monday in enumerate(mondays):
            parity = monday.isocalendar()[1] % 2
            orders_now = (
                (cycle == "weekly") | ((cycle == "odd") & (parity == 1)) | ((cycle == "even") & (parity == 0))
            )
            orders_now &= (rng.random(SHOPS) >= 0.04) & (w < stop)
            s = np.flatnonzero(orders_now)
            season = lift[fc.festival_class(monday)]
            n = np.clip(rng.poisson(mean_lines[s] * (1.15 if season > 1.5 else 1.0)), 3, set_size[s])
            keys = logw[s] + rng.gumbel(size=(len(s), n_products))
            order = np.argsort(-keys, axis=1)[:, : n.max()]
            take = np.arange(order.shape[1])[None, :] < n[:, None]
            row = np.repeat(np.arange(len(s)), n)
            p = order[take]  # product index per line, shop-major
            w_line = np.exp(logw[s[row], p])
            share = w_line / np.bincount(row, weights=w_line)[row]
            lam = volume[s][row] * season * share * rng.uniform(0.6, 1.4, len(row))
            asked = np.maximum(1, rng.poisson(lam))
            supplied = np.where(scarce[p], np.maximum(0, asked - rng.integers(0, 3, len(row))), asked)
            supplied = np.where(scarce[p], np.minimum(asked, supplied), supplied)
            amount = supplied * price_cents[p]
            day = np.array([monday + dt.timedelta(days=int(d) - 1) for d in range(1, 8)])[weekday[s] - 1]
            day_pg = np.array([(d - _PG_EPOCH).days for d in day], dtype=np.int32)
            oid = order_id + np.arange(len(s))
            _copy_lines(cursor, {
                "id": line_id + np.arange(len(row)), "order": oid[row], "customer": shop_pk[s][row],
                "product": product_pk[p], "order_date": day_pg[row], "week": (monday - _PG_EPOCH).days,
                "class": klass[p], "asked": asked, "supplied": supplied, "price": price_cents[p], "amount": amount,
            })  # fmt: skip
            per = {name: np.bincount(row, weights=v, minlength=len(s)).astype(np.int64)
                   for name, v in (("asked", asked), ("supplied", supplied), ("amount", amount))}  # fmt: skip
            per_class = np.zeros((len(s), 5), dtype=np.int64)
            np.add.at(per_class, (row, klass[p] - 1), supplied)
            channel = np.where(online[s] & (rng.random(len(s)) < 0.85), "online",
                               np.where(rng.random(len(s)) < 0.67, "phone", "visit"))  # fmt: skip
            hashes = rng.integers(0, 2**39, len(s))
            m_of = np.array([month_index[d.replace(day=1)] for d in day])
            _copy_text(cursor, "trade_order", order_cols, (
                (int(oid[k]), f"D{day[k]:%Y%m%d}{licence[i]}", 1, "t", int(hashes[k]), batch.pk, int(shop_pk[i]),
                 place[i], day[k].replace(day=1), day[k], monday, channel[k], "active", int(n[k]),
                 int(per["asked"][k]), int(per["supplied"][k]), f"{per['amount'][k] / 100:.2f}")
                for k, i in enumerate(s.tolist())
            ))  # fmt: skip
            _copy_text(cursor, "trade_shopweek", week_cols, (
                (int(shop_pk[i]), place[i], monday, 1, int(n[k]), int(per["asked"][k]), int(per["supplied"][k]),
                 f"{per['amount'][k] / 100:.2f}", *per_class[k].tolist())
                for k, i in enumerate(s.tolist())
            ))  # fmt: skip
            np.add.at(month_sums, (s, m_of), np.column_stack([
                np.ones(len(s), dtype=np.int64), channel == "online", channel == "phone", channel == "visit",
                per["asked"], per["supplied"], per["amount"]]))  # fmt: skip
            order_id += len(s)
            line_id += len(row)
            n_orders_total += len(s)
            n_lines_total += len(row)
            if w % 4 == 3:
                print(
                    f"  week {w + 1}/52: {n_lines_total:,} lines, {time.perf_counter() - t0:.0f} s",
                    flush=True,
                )
        month_cols = ["customer_id", "route_id", "station_id", "branch_id", "month", "orders", "corrected_orders",
                      "cancelled_orders", "online_orders", "phone_orders", "visit_orders", "other_orders", "qty_asked",
                      "qty_supplied", "amount", "deliveries", "deliveries_on_time", "deliveries_accurate",
                      "deliveries_refused", "cartons_delivered", "cartons_damaged", "settlements", "e_settlements",
                      "e_settlements_paid", "settlements_failed", "attempts", "failed_attempts"]  # fmt: skip
        i_s, i_m = np.nonzero(month_sums[:, :, 0])
        _copy_text(cursor, "trade_shopmonth", month_cols, (
            (int(shop_pk[i]), place[i], months[m], v[0], 0, 0, v[1], v[2], v[3], 0, v[4], v[5], f"{v[6] / 100:.2f}",
             *(0,) * 12)
            for i, m, v in zip(i_s.tolist(), i_m.tolist(), month_sums[i_s, i_m].tolist(), strict=True)
        ))  # fmt: skip
        cursor.execute("SET session_replication_role = DEFAULT")
        t1 = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute("ALTER TABLE trade_orderline ADD PRIMARY KEY (id, order_date)")
        cursor.execute("CREATE INDEX orderline_order ON trade_orderline (order_id)")
        cursor.execute("CREATE INDEX orderline_customer_date ON trade_orderline (customer_id, order_date)")
        print(f"  order-line key and indexes built in {time.perf_counter() - t1:.0f} s", flush=True)
        cursor.execute("SELECT setval('trade_orderline_id_seq', %s)", [line_id - 1])
        cursor.execute("SELECT setval(pg_get_serial_sequence('trade_order', 'id'), %s)", [order_id - 1])
        ImportBatch.objects.filter(pk=batch.pk).update(rows=n_orders_total, created=n_orders_total)
        cursor.execute("ANALYZE")
    print(f"built (fast) {SHOPS:,} shops × {n_products} products, {n_orders_total:,} orders, {n_lines_total:,} order "
          f"lines in {time.perf_counter() - t0:.0f} s")  # fmt: skip


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
    lines = OrderLine.objects.filter(live=True)
    if BACKTEST_SHOPS:  # the first shops only (the ORM loop below holds every series in Python)
        lines = lines.filter(customer_id__lte=sorted(shops)[min(BACKTEST_SHOPS, len(shops)) - 1])
    for customer_id, product_id, week, qty in lines.values_list(
        "customer_id", "product_id", "week", "qty_asked"
    ).iterator():
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
    runs = f"medians of {RUNS}" if RUNS else "one run, traced by tracemalloc while timed"
    print(f"\n2. The job (restock_run): wall and CPU seconds ({runs}), peak traced memory")
    results = {}
    for label, subset in (("1×", ids[: len(ids) // 10]), ("10×", ids)):
        walls, cpus, servers = [], [], []
        for _ in range(max(RUNS, 1)):  # timed without tracemalloc (it slows allocation-heavy code)
            if not RUNS:  # BENCH_RUNS=0: one run, timed AND traced (the city on a shared machine)
                tracemalloc.start()
            t, c, b = time.perf_counter(), time.process_time(), backend_cpu()
            counts = restock_run(now=NOW, shop_ids=subset)
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
            servers.append(backend_cpu() - b)
        seconds, cpu, server = (sorted(v)[len(v) // 2] for v in (walls, cpus, servers))
        if RUNS:
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


def _old_restock_shops(user, *, q: str = "", short_only: bool = False):
    """The list's selector before the per-shop summaries (2026-12-03): a GROUP BY over every advice line."""
    from django.db.models import Count, Min, Q, Sum

    from serviceloop.customers.models import Customer
    from serviceloop.growth.selectors import may_see_runs

    if not may_see_runs(user):
        return Customer.objects.none()
    qs = (
        Customer.objects.visible_to(user)
        .filter(restock_advice__isnull=False)
        .annotate(advice_lines=Count("restock_advice"), advice_total=Sum("restock_advice__suggested"),
                  advice_short=Count("restock_advice", filter=Q(restock_advice__short=True)),
                  advice_day=Min("restock_advice__order_day"))
        .select_related("route")
        .only("pk", "licence_no", "name", "owner_name", "order_cycle", "route__name")
    )  # fmt: skip
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(licence_no__icontains=q) | Q(owner_name__icontains=q))
    if short_only:
        qs = qs.filter(advice_short__gt=0)
    return qs.order_by("-advice_short", "advice_day", "licence_no")


def page():
    """The city admin's restock list (/allocation/restock/), in process with Django's test client: the old
    selector (GROUP BY of the lines) and the new one (the summaries) side by side on the same data, alternating;
    medians of BENCH_PAGE_RUNS requests of this process's CPU and wall, the database backend's CPU (mean)."""
    import statistics

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from serviceloop.growth import selectors
    from serviceloop.org.models import Company, Role, User

    setup_test_environment()
    new = selectors.restock_shops_visible_to
    admin = User.objects.filter(username="bench_city_admin").first() or User.objects.create(
        username="bench_city_admin", role=Role.CITY_ADMIN, company=Company.objects.first()
    )
    client = Client()
    client.force_login(admin)
    runs = int(os.environ.get("BENCH_PAGE_RUNS", "9"))
    print(
        f"\n3. The restock list for the city admin: medians of {runs} requests (CPU: this process; database: mean)"
    )
    try:
        for url in ("/allocation/restock/", "/allocation/restock/?page=50", "/allocation/restock/?short=1"):
            got = {}
            for label, selector in (("old", _old_restock_shops), ("new", new)) * 2:
                selectors.restock_shops_visible_to = selector
                assert client.get(url).status_code == 200  # warm
                b = backend_cpu()
                for _ in range(runs):
                    with CaptureQueriesContext(connection) as queries:
                        t, c = time.perf_counter(), time.process_time()
                        client.get(url)
                    got.setdefault(label, []).append((time.perf_counter() - t, time.process_time() - c))
                got.setdefault(label + " db", []).append((backend_cpu() - b) / runs)
                got[label + " queries"] = len(queries)
            for label in ("old", "new"):
                wall, cpu = (statistics.median(x[k] for x in got[label]) * 1000 for k in (0, 1))
                db = statistics.mean(got[label + " db"]) * 1000
                print(f"  {url:<32} {label}: CPU {cpu:6.1f} ms + database {db:6.1f} ms, wall {wall:7.1f} ms, "
                      f"{got[label + ' queries']} queries")  # fmt: skip
    finally:
        selectors.restock_shops_visible_to = new


if __name__ == "__main__":
    if not os.environ.get("BENCH_REUSE"):
        build_fast() if os.environ.get("BENCH_FAST_BUILD") else build()
    if not os.environ.get("BENCH_PAGE_ONLY"):
        backtest()
        job()
    page()
