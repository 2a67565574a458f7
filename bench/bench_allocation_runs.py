"""Allocation through Django: the real week against the real archive in a database, and points runs.

Builds a throw-away SQLite database (migrate + import customers_15020.xlsx), then prints:

1. the real week through the growth app: archive read from the database, sheet parsed, regions
   mapped, every product solved, per-shop quantities computed — what the ``allocate`` command does
   (median wall and CPU time of 5 runs); and a stored run (the same plus writing the run, 86
   product rows and ~400,000 shop rows), median of 3;
2. total error per allocation type of the stored run;
3. points: a stored points run for the 15,020 real shops (points entries in the database), and the
   points core at 500,000 shops with the licence numbers as tie keys, as ``points_allocate`` calls it.

Run: .venv/bin/python bench/bench_allocation_runs.py
"""

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "real"
sys.path.insert(0, str(ROOT))


def timed(fn, runs):
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def table(title, header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(x).rjust(w) for x, w in zip(row, widths, strict=True)))


def main():
    tmp = tempfile.mkdtemp(prefix="bench_alloc_")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.utils import timezone

    from serviceloop.analytics.allocation import apportion_points
    from serviceloop.customers.importing import import_customers_file
    from serviceloop.customers.models import Customer
    from serviceloop.growth.archive import load_archive
    from serviceloop.growth.models import ShopAllocation
    from serviceloop.growth.services import (
        allocationrun_create,
        compute_sheet,
        points_allocate,
        pointsentry_set,
    )

    call_command("migrate", verbosity=0)
    now = timezone.make_aware(dt.datetime(2025, 9, 12, 9))
    t = time.perf_counter()
    import_customers_file(
        file=DATA / "customers_15020.xlsx", filename="customers_15020.xlsx", actor=None, now=now
    )
    print(f"database: {Customer.objects.count():,} shops imported in {time.perf_counter() - t:.1f} s ({tmp})")
    content = (DATA / "allocation_week.xlsx").read_bytes()

    def compute():
        compute_sheet(content, week_of=None, today=now.date(), archive=load_archive())

    def store():
        allocationrun_create(content=content, filename="allocation_week.xlsx", actor=None, now=now)

    c_wall, c_cpu = timed(compute, 5)
    s_wall, s_cpu = timed(store, 3)
    rows_per_run = ShopAllocation.objects.count() // 3
    table(
        "1. The real week through the growth app (86 products, 49 allocated, 15,020 shops)",
        ("path", "wall", "CPU", "ratio to compute"),
        [
            ("compute (= allocate command)", f"{c_wall * 1000:.0f} ms", f"{c_cpu * 1000:.0f} ms", "1.0×"),
            (
                f"stored run ({rows_per_run:,} shop rows)",
                f"{s_wall * 1000:.0f} ms",
                f"{s_cpu * 1000:.0f} ms",
                f"{s_wall / c_wall:.1f}×",
            ),
        ],
    )
    from serviceloop.growth.models import AllocationRun

    run = AllocationRun.objects.order_by("-id").first()
    by_type = {}
    for p in run.products.filter(handled=True):
        by_type.setdefault(p.method, []).append(abs(p.error))
    rows = [(k, len(v), sum(v), sum(e == 0 for e in v)) for k, v in by_type.items()]
    rows.append(("all", sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows)))
    table(
        "2. Stored run: total |error| per allocation type (cartons)",
        ("type", "products", "total |error|", "error 0"),
        rows,
    )

    rng = np.random.default_rng(7)
    ids = list(Customer.objects.values_list("id", flat=True))
    pointsentry_set(
        cycle="B1",
        rows=[(i, int(p)) for i, p in zip(ids, rng.poisson(60, len(ids)), strict=True)],
        source="import",
        actor=None,
        now=now,
    )
    out = []
    for method in ("webster", "hamilton"):
        wall, cpu = timed(
            lambda m=method: points_allocate(
                cycle="B1",
                product_code="X",
                product_name="bench",
                supply=7_500,
                method=m,
                cap=5,
                actor=None,
                now=now,
            ),
            3,
        )
        out.append(
            (f"{len(ids):,} (stored run)", method, "7,500", f"{wall * 1000:.0f} ms", f"{cpu * 1000:.0f} ms")
        )
    n = 500_000
    points = rng.poisson(60, n)
    licences = [f"42030{i:07d}" for i in range(n)]
    for method in ("webster", "hamilton"):
        wall, cpu = timed(
            lambda m=method: apportion_points(
                points, n // 2, method=m, caps=np.full(n, 5), tie_keys=licences
            ),
            3,
        )
        out.append(
            (
                f"{n:,} (core, licence tie keys)",
                method,
                f"{n // 2:,}",
                f"{wall * 1000:.0f} ms",
                f"{cpu * 1000:.0f} ms",
            )
        )
    table(
        "3. Points allocation with a cap of 5 per shop (median)",
        ("shops", "method", "supply", "wall", "CPU"),
        out,
    )


if __name__ == "__main__":
    import shutil

    try:
        main()
    finally:
        url = os.environ.get("DATABASE_URL", "")
        if "/bench_alloc_" in url:
            shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)
