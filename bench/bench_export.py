"""Benchmark: the customer Excel export in the background task (issue 14: 18,000 shops ≤ 5 s).

    .venv/bin/python bench/bench_export.py            # 18,000 shops (the issue's size), 3 runs
    BENCH_EXPORT_SHOPS=3000 .venv/bin/python bench/bench_export.py

Builds the demo city's organisation, staff and shops only (no trade, visits or requests: the export reads the
shop rows and their route, station, branch and account manager), on a fresh SQLite database, then runs the
export as the worker runs it (a `Work` row, then ``run_work``). Prints the median CPU seconds (the machine is
shared, so CPU time is the figure load disturbs least), the wall seconds, the number of queries (flat in the
number of shops: the rows stream in chunks of 2,000, related rows joined), the peak Python allocation
(tracemalloc, one extra run) and the file size. BENCH_PROFILE=1 prints a cProfile of one run.
"""

import os
import shutil
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
SHOPS = int(os.environ.get("BENCH_EXPORT_SHOPS", "18000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
DB_PATH = Path(f"/tmp/bench_export_{SHOPS}.sqlite3")
MEDIA = Path("/tmp/bench_export_media")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ["DATABASE_URL"] = f"sqlite:///{DB_PATH}"
os.environ["MEDIA_ROOT"] = str(MEDIA)


def build() -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from serviceloop.core.demo import DemoCity, build_customers, build_org, build_staff

    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{DB_PATH}{suffix}").unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    city = DemoCity(seed=1, now=timezone.now().replace(microsecond=0), customers_wanted=SHOPS)
    build_org(city)
    build_staff(city)
    build_customers(city)
    print(f"built {len(city.customers):,} shops in {time.perf_counter() - started:.1f} s", flush=True)


def run_export(admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from serviceloop.core.background import _path, export_sheets, run_work
    from serviceloop.core.models import Work

    work = Work.objects.create(
        title="bench", func_path=_path(export_sheets), created_by=admin, created_at=timezone.now(),
        kwargs={"builder": "serviceloop.customers.export.customer_sheets", "user_id": admin.pk, "params": {},
                "filename": "customers.xlsx"},
    )  # fmt: skip
    cpu, wall = time.process_time(), time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        run_work.func(work.pk)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    work.refresh_from_db()
    assert work.status == "done", (work.status, work.message)
    return cpu, wall, len(queries), work


def main() -> None:
    import django

    shutil.rmtree(MEDIA, ignore_errors=True)
    django.setup()
    build()
    from summary import record

    from serviceloop.org.models import Role, User

    admin = User.objects.filter(role=Role.CITY_ADMIN).first()
    rows = []
    for _ in range(RUNS):
        cpu, wall, n_queries, work = run_export(admin)
        rows.append((cpu, wall))
        print(
            f"export run: CPU {cpu:.2f} s, wall {wall:.2f} s, {n_queries} queries — {work.message}",
            flush=True,
        )
    cpu = statistics.median(r[0] for r in rows)
    wall = statistics.median(r[1] for r in rows)
    tracemalloc.start()
    _cpu, _wall, _n, work = run_export(admin)
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = (MEDIA / work.file).stat().st_size
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(run_export, admin)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    print(
        f"\nexport of {SHOPS:,} shops: median CPU {cpu:.2f} s, median wall {wall:.2f} s over {RUNS} runs "
        f"({SHOPS / cpu:,.0f} rows per CPU second); {n_queries} queries; file {size / 1e6:.1f} MB; "
        f"peak Python allocation {peak / 1e6:.1f} MB; load average {os.getloadavg()[0]:.1f} (2 shared cores)"
    )
    record(f"customer export, {SHOPS:,} shops, CPU (background task)", cpu, 5 * SHOPS / 18000, "s")
    record(f"customer export, {SHOPS:,} shops, wall (loaded machine)", wall, 5 * SHOPS / 18000, "s")


if __name__ == "__main__":
    main()
