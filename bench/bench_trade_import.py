"""Benchmark: import one city week of orders (500,000 order lines) — first import, then the same file again.

    .venv/bin/python bench/bench_trade_import.py [--lines 500000] [--small 100000]
    DATABASE_URL=postgresql://…/h_trade .venv/bin/python bench/bench_trade_import.py

Builds a fresh database (SQLite in /tmp, or the PostgreSQL database in DATABASE_URL, whose trade tables are
emptied first) with 20,000 shops and the demo catalogue, writes a CSV of 20,000 orders × 25 lines, and
imports it (all checks, staging, write, aggregates), then imports it again (every order compared, nothing
written). Memory flat in file size: the peak Python allocation (tracemalloc) of a check of the same kind of
file at two sizes (``--small`` and ``--lines`` lines) — with streaming it must not grow with the file.
Aim: ≤ 30 s per import; the re-import faster than the first.
"""

import argparse
import csv
import datetime as dt
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
SQLITE = Path("/tmp/bench_trade_import.sqlite3")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE}"
SHOPS = 20_000
LINES_PER_ORDER = 25
AIM = 30.0


def fresh_database() -> None:
    from django.core.management import call_command
    from django.db import connection, connections

    if connection.vendor == "sqlite":
        connections.close_all()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE}{suffix}").unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE trade_orderline, trade_order, trade_shopweek, trade_shopmonth, trade_delivery, "
                "trade_settlementattempt, trade_settlement, trade_proposal, trade_derivationrun, "
                "trade_segmentmember, trade_segment, trade_idempotencykey, trade_importbatch, trade_product, "
                "customers_customerchange, customers_customer CASCADE"
            )


def build_shops() -> list:
    from django.utils import timezone

    from serviceloop.customers.models import Customer
    from serviceloop.org.models import Branch, Company, Route, Station
    from serviceloop.trade.demo import ensure_catalogue

    company = Company.objects.get_or_create(name="基准测试烟草公司")[0]
    branch = Branch.objects.get_or_create(company=company, name="基准县局")[0]
    station = Station.objects.get_or_create(branch=branch, name="基准市场部")[0]
    routes = [Route.objects.get_or_create(station=station, name=f"基准{i}号线")[0] for i in range(60)]
    shops = [
        Customer(
            licence_no=f"4203011{i:05d}",
            name=f"基准店{i}",
            route=routes[i % 60],
            station=station,
            branch=branch,
            grade=1 + i % 30,
        )  # fmt: skip
        for i in range(SHOPS)
    ]
    Customer.objects.bulk_create(shops, batch_size=1000)
    ensure_catalogue(timezone.now())
    return list(Customer.objects.filter(branch=branch).values_list("licence_no", flat=True))


def write_week(path: Path, licences: list[str], lines: int) -> None:
    from serviceloop.trade.demo import CATALOGUE

    day = dt.date(2025, 9, 15)
    products = CATALOGUE[:LINES_PER_ORDER]
    orders = lines // LINES_PER_ORDER
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["订单编号", "许可证号", "订货日期", "订货方式", "卷烟编码", "订购量", "供货量", "单价", "金额"]
        )
        for n in range(orders):
            licence = licences[n % len(licences)]
            order_no = f"D20250915{n:07d}"
            for k, (code, _name, price) in enumerate(products):
                qty = 1 + (n + k) % 5
                out.writerow([order_no, licence, day.isoformat(), "网上订货" if n % 3 else "电话", code, qty + 1, qty,
                              price, f"{float(price) * qty:.2f}"])  # fmt: skip


def run(path: Path, *, dry_run=False):
    from django.utils import timezone

    from serviceloop.trade.importing import import_trade_file

    started, cpu = time.perf_counter(), time.process_time()
    batch = import_trade_file(file=path, kind="orders", now=timezone.now(), dry_run=dry_run)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if batch.error_count:
        raise SystemExit(f"import refused: {batch.errors[:3]}")
    return seconds, cpu, batch


def traced_peak(path: Path) -> float:
    tracemalloc.start()
    run(path, dry_run=True)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    # The week is 500,000 lines (BENCH_TRADE_LINES=500000); the default keeps `make bench` short.
    parser.add_argument("--lines", type=int, default=int(os.environ.get("BENCH_TRADE_LINES", "200000")))
    parser.add_argument("--small", type=int, default=int(os.environ.get("BENCH_TRADE_SMALL", "50000")))
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    fresh_database()
    licences = build_shops()
    big, small = Path("/tmp/bench_trade_week.csv"), Path("/tmp/bench_trade_week_small.csv")
    write_week(big, licences, args.lines)
    write_week(small, licences, args.small)
    load = os.getloadavg()[0]
    first_s, first_cpu, batch = run(big)
    assert batch.created == args.lines // LINES_PER_ORDER, batch.created
    again_s, again_cpu, again = run(big)
    assert (again.created, again.replaced, again.unchanged) == (0, 0, batch.created)
    peak_small, peak_big = traced_peak(small), traced_peak(big)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"trade import — one city week: {batch.created:,} orders, {args.lines:,} order lines "
          f"({big.stat().st_size / 2**20:.0f} MB CSV), {connection.vendor}, load average {load:.2f}")  # fmt: skip
    print(f"| {'measure':<44} | {'value':>10} | {'ratio':>16} |")
    print(f"|{'-' * 46}|{'-' * 12}|{'-' * 18}|")
    print(f"| {'first import (s)':<44} | {first_s:>10.2f} | {first_s / AIM:>10.2f} × aim |")
    print(f"| {'first import, CPU of this process (s)':<44} | {first_cpu:>10.2f} | {'':>16} |")
    print(
        f"| {'re-import, nothing changes (s)':<44} | {again_s:>10.2f} | {again_s / first_s:>8.2f} × first |"
    )
    print(f"| {'order lines per second (first)':<44} | {args.lines / first_s:>10,.0f} | {'':>16} |")
    print(f"| {f'peak Python allocation, {args.small:,} lines (MB)':<44} | {peak_small:>10.1f} | {'':>16} |")
    print(f"| {f'peak Python allocation, {args.lines:,} lines (MB)':<44} | {peak_big:>10.1f} | "
          f"{peak_big / peak_small:>7.2f} × small |")  # fmt: skip
    print(f"| {'peak resident memory of the process (MB)':<44} | {rss:>10.0f} | {'':>16} |")
    print(f"re-import CPU {again_cpu:.2f} s ({again_cpu / first_cpu:.2f} × first); load average "
          f"{os.getloadavg()[0]:.1f} on 2 shared cores (wall figures stretch under load)")  # fmt: skip
    sys.path.insert(0, str(ROOT / "bench"))
    from summary import record

    budget = AIM * args.lines / 500_000  # 30 s for the 500,000 lines, in proportion for other sizes
    engine = connection.vendor
    record(f"trade import, {args.lines:,} lines, wall ({engine}, loaded)", first_s, budget, "s")
    record(f"trade import, {args.lines:,} lines, CPU of the process ({engine})", first_cpu, budget, "s")
    record(f"trade re-import, nothing changes, wall / first ({engine})", again_s / first_s, 1.0, "×")
    record(f"trade import memory, {args.lines:,} vs {args.small:,} lines ({engine})", peak_big / peak_small,
           1.5, "×")  # fmt: skip


if __name__ == "__main__":
    main()
