"""Guidance books (R27): one book (snapshot, charts, DOCX, PDF) and a route's books as a zip (the batch work).

    .venv/bin/python bench/bench_guidance.py                 # a route of 10 shops with a year of orders
    BENCH_ROUTE_SHOPS=120 .venv/bin/python bench/bench_guidance.py   # a real route's size

Runs on its own SQLite file in a temporary folder unless BENCH_DATABASE_URL is given (THAT DATABASE IS FLUSHED).
CPU seconds (``time.process_time``) are medians of BENCH_REPEAT runs (5); the batch runs once per format, with
the per-book figure and the ratio of a whole route to one book. Peak RSS growth shows whether memory stays
bounded while the zip grows (each book is written to the zip on disk before the next is drawn).
"""

import datetime as dt
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
_tmp = tempfile.mkdtemp(prefix="bench-guidance-")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{_tmp}/bench.sqlite3"
os.environ.setdefault("MEDIA_ROOT", _tmp)
SHOPS = int(os.environ.get("BENCH_ROUTE_SHOPS", "10"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402
from summary import record  # noqa: E402

NOW = timezone.make_aware(dt.datetime(2026, 11, 25, 9, 0))


def build():
    from django.core.management import call_command

    from serviceloop.core.testing import build_world, make_customer
    from serviceloop.growth.models import RestockAdvice
    from serviceloop.guidance.testing import import_year
    from serviceloop.tags.models import ProblemTag
    from serviceloop.tags.services import customertag_attach
    from serviceloop.trade.models import Product

    call_command("migrate", verbosity=0)
    if os.environ.get("BENCH_DATABASE_URL"):
        call_command("flush", interactive=False, verbosity=0)  # (the seeded tag library goes with it)
    world = build_world()
    route = world.route_a1_1
    shops = list(world.shops[route.name]) + [
        make_customer(route) for _ in range(SHOPS - len(world.shops[route.name]))
    ]
    import_year(shops + world.shops[world.route_a1_2.name], now=NOW)
    products = list(Product.objects.all())
    tag = ProblemTag.objects.filter(active=True, strategy__isnull=False).order_by("pk").first()
    for i, shop in enumerate(shops):
        for p in products[: 2 + i % 3]:
            RestockAdvice.objects.create(
                customer=shop, product=p, order_day=dt.date(2026, 11, 30), forecast=3.4, recent=2.5, suggested=3,
                cap=None, method="tsb", short=i % 4 == 0, computed_at=NOW,
            )  # fmt: skip
        if tag and i % 2 == 0:
            customertag_attach(customer=shop, tag=tag, source="data", reason="基准", actor=None, now=NOW)
    return world, route, shops


def median_cpu(func, repeat=REPEAT):
    times, result = [], None
    for _ in range(repeat):
        t = time.process_time()
        result = func()
        times.append(time.process_time() - t)
    return statistics.median(times), result


def batch(world, route, fmt):
    from serviceloop.core.background import Progress
    from serviceloop.core.models import Work
    from serviceloop.guidance.services import guidancebook_batch

    work = Work.objects.create(title="bench", func_path="x", created_by=world.account_manager, created_at=NOW)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.process_time()
    guidancebook_batch(Progress(work), user_id=world.account_manager.pk, route_id=route.pk, fmt=fmt)
    cpu = time.process_time() - t
    work.refresh_from_db()
    size = (Path(os.environ["MEDIA_ROOT"]) / work.file).stat().st_size
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
    return cpu, size, grown


def main():
    from serviceloop.customers.models import Customer
    from serviceloop.guidance.charts import book_charts
    from serviceloop.guidance.content import book_snapshot
    from serviceloop.guidance.render import docx_bytes, pdf_bytes
    from serviceloop.guidance.services import guidancebook_generate

    t = time.perf_counter()
    world, route, shops = build()
    print(
        f"built a route of {len(shops)} shops with a year of orders in {time.perf_counter() - t:.1f} s wall"
    )
    shop = Customer.objects.select_related("route__account_manager", "station", "branch").get(pk=shops[0].pk)
    book = guidancebook_generate(customer=shop, actor=world.account_manager, now=NOW)
    pdf_bytes(book)  # first use imports WeasyPrint and matplotlib: not counted
    snap, _ = median_cpu(lambda: book_snapshot(shop, now=NOW))
    charts_cpu, charts = median_cpu(lambda: book_charts(book.snapshot))
    pdf_cpu, pdf = median_cpu(lambda: pdf_bytes(book))
    docx_cpu, docx = median_cpu(lambda: docx_bytes(book))
    print(f"\none book (median of {REPEAT}, CPU seconds)")
    print(f"  snapshot (queries)   {snap:8.3f}")
    print(f"  charts (4 PNG)       {charts_cpu:8.3f}   {sum(len(v) for v in charts.values()) / 1024:.0f} KB")
    print(f"  PDF incl. charts     {pdf_cpu:8.3f}   {len(pdf) / 1024:.0f} KB")
    print(f"  DOCX incl. charts    {docx_cpu:8.3f}   {len(docx) / 1024:.0f} KB")
    record("guidance: one book snapshot (CPU)", snap, None, "s")
    record("guidance: one book PDF with charts (CPU)", pdf_cpu, None, "s")
    record("guidance: one book DOCX with charts (CPU)", docx_cpu, None, "s")
    print(f"\na route's books ({len(shops)} shops, once per format)")
    for fmt, one in (("pdf", pdf_cpu + snap), ("docx", docx_cpu + snap)):
        cpu, size, grown = batch(world, route, fmt)
        per = cpu / len(shops)
        print(f"  {fmt:<5} {cpu:8.2f} s CPU   {per:.3f} s/book   ratio to one book {per / one:.2f}   "
              f"zip {size / 1024:.0f} KB   peak RSS +{grown:.0f} MB")  # fmt: skip
        record(f"guidance: route of {len(shops)} books {fmt} (CPU)", cpu, None, "s")
    print("\n(the machine is shared by several sessions: figures are CPU time, wall time would be noisier)")


if __name__ == "__main__":
    main()
