"""Benchmark: the long work that runs in the background (issue 9) — the real 15,020-row customer file's check
and import, the customer Excel export of 18,000 shops, and the service-card PDF of the largest route.

    .venv/bin/python bench/bench_background.py

Each piece runs as the worker runs it (a `Work` row, then ``run_work``), on a fresh SQLite database. Prints the
seconds of each, the rows per second, and the export's peak Python allocation (tracemalloc) next to the size of
the file written, to show the export streams: its memory does not grow with the rows.
"""

import os
import resource
import shutil
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_PATH = Path("/tmp/bench_background.sqlite3")
MEDIA = Path("/tmp/bench_background_media")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ["DATABASE_URL"] = f"sqlite:///{DB_PATH}"
os.environ["MEDIA_ROOT"] = str(MEDIA)
REAL_FILE = Path("/work/shared/data/real/customers_15020.xlsx")
EXPORT_ROWS = 18_000


def run(func, user, **kwargs):
    from django.utils import timezone

    from serviceloop.core.background import _path, run_work
    from serviceloop.core.models import Work

    work = Work.objects.create(
        title="bench", func_path=_path(func), kwargs=kwargs, created_by=user, created_at=timezone.now()
    )
    started = time.perf_counter()
    run_work.func(work.pk)
    seconds = time.perf_counter() - started
    work.refresh_from_db()
    assert work.status == "done", (work.status, work.message)
    return work, seconds


def main() -> None:
    import django

    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{DB_PATH}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(MEDIA, ignore_errors=True)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from serviceloop.core.background import export_sheets
    from serviceloop.customers.models import Customer
    from serviceloop.customers.tasks import check_customer_file, import_customer_file, pending_dir
    from serviceloop.org.models import Company, Role, Route, User
    from serviceloop.portal.views_staff import print_route_cards

    company = Company.objects.create(name="本市烟草公司")
    admin = User.objects.create(username="bench", role=Role.CITY_ADMIN, company=company)
    shutil.copy(REAL_FILE, pending_dir() / "real.xlsx")
    rows = []

    def show(
        name, seconds, n, message
    ):  # printed as each piece finishes (the PDF can take minutes under load)
        if not rows:
            print(f"{'work':55} {'seconds':>8} {'rows/s':>8}  result", flush=True)
        rows.append(name)
        print(f"{name:55} {seconds:8.1f} {n / seconds:8.0f}  {message}", flush=True)

    work, check = run(check_customer_file, admin, name="real.xlsx", filename=REAL_FILE.name, user_id=admin.pk)
    show("check 15,020 rows (dry run)", check, 15020, work.message.splitlines()[0])
    work, imported = run(
        import_customer_file, admin, name="real.xlsx", filename=REAL_FILE.name, user_id=admin.pk,
        keep_constant=[], check_id=work.pk,
    )  # fmt: skip
    show("import 15,020 rows", imported, 15020, work.message)

    # 18,000 shops for the export: the real ones and copies under new licence numbers.
    extra = []
    for n, shop in enumerate(Customer.objects.order_by("pk")[: EXPORT_ROWS - Customer.objects.count()]):
        shop.pk, shop.licence_no = None, f"42039929{n:04d}"
        extra.append(shop)
    Customer.objects.bulk_create(extra, batch_size=1000)
    assert Customer.objects.count() == EXPORT_ROWS
    tracemalloc.start()
    work, exported = run(
        export_sheets, admin, builder="serviceloop.customers.export.customer_sheets", user_id=admin.pk,
        params={}, filename="customers.xlsx",
    )  # fmt: skip
    _now, export_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = (MEDIA / work.file).stat().st_size
    show("export 18,000 shops to xlsx", exported, EXPORT_ROWS, work.message)
    print(f"export: file {size / 1e6:.1f} MB, peak Python allocation {export_peak / 1e6:.1f} MB", flush=True)

    route = max(Route.objects.all(), key=lambda r: r.customers.count())
    print(f"load average {os.getloadavg()[0]:.2f} before the PDF", flush=True)
    n_cards = route.customers.exclude(status="closed").count()
    work, printed = run(print_route_cards, admin, route_id=route.pk, user_id=admin.pk, per_page=4)
    show(f"service cards of the largest route ({n_cards} shops)", printed, n_cards, work.message)
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores shared: wall-clock figures stretch under load)")


if __name__ == "__main__":
    main()
