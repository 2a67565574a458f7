"""E-settlement care and shop reminders (issue 12, R28/R29): what the pages and the reminder job cost.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/h_care .venv/bin/python bench/bench_care.py
    BENCH_CARE_SHOPS=20000 …   # the big size (default 2,000); BENCH_REUSE=1 keeps a previous build

THE DATABASE IS FLUSHED (use your own database, never a shared one). The city: BENCH_CARE_SHOPS shops on 40
routes, 13 weeks of trade (``trade.demo.generate_trade``: e-settlements with a few failed debits), restock
advice of 3 products per shop for its next order day.

Figures (CPU seconds of this process, ``time.process_time``, median of 3 (pages: of 5); the database server's own
time is not in them, so the wall seconds are printed too):
1. the risk rule over every shop (``care.settlement_risks``) for a tenth of the shops (one branch's routes) and
   all of them; ratio.
1b. (kept scores, issue 14) the daily job over the city (``care.settlementrisk_rebuild``, 2,000 shops a chunk)
   and the refresh of a tenth of the shops (what a settlement import does for its shops).
2. the care list page (first page; with ``all`` at page 40), its API list and the success-rate page for the city
   administrator (Django test client), with their query counts.
3. the reminder job: the first run (creates and sends the cycle's reminders through the log notifier) and a
   second run (nothing new: the idempotent path).

Measured 2026-12-03, PostgreSQL, on a shared 2-core machine loaded by a PostgreSQL build (wall times are noisy;
CPU is this process's). 40,000 shops: 439,006 settlements, 6,132 shops with a failure in the 60-day window
(built in 104 s); 20,000 shops: 219,661 settlements, 3,035 such shops.

    issue 14, the care list reads kept scores       before (live scoring)       after (SettlementRisk rows)
    40,000 shops
    care list, city admin, first page               CPU 0.149 s, wall 0.270 s   CPU 0.017 s, wall 0.031 s
    care list, ``all``, page 40                     CPU 0.157 s, wall 0.274 s   CPU 0.017 s, wall 0.030 s
    care API list                                   CPU 0.146 s, wall 0.263 s   CPU 0.009 s, wall 0.024 s
    daily job over the city (rebuild, 20 chunks)    —                           CPU 0.491 s, wall 1.278 s
    refresh of 4,000 shops (an import's share)      —                           CPU 0.130 s, wall 0.338 s
    20,000 shops
    care list, city admin, first page               CPU 0.058 s, wall 0.229 s   CPU 0.018 s, wall 0.038 s
    care list, ``all``, page 40                     CPU 0.051 s, wall 0.118 s   CPU 0.017 s, wall 0.039 s
    care API list                                   CPU 0.045 s, wall 0.197 s   CPU 0.009 s, wall 0.028 s

Before, each view grouped the window's attempts and settlements of every shop in scope (two grouped queries)
and scored the at-risk shops in Python, so its cost grew with the city (2.6-3× from 20,000 to 40,000 shops);
after, the page is a join of the user's shops with their kept rows, filtered, ordered and sliced by the database:
8 queries and ~17 ms of CPU at both sizes. The job's chunks filter the settlements by a range of shop ids on
their (customer, first attempt) index: a first version that went through a subquery on the shops got a
nested-loop plan from stale statistics right after the build and took 9.7 s of wall time at 40,000 shops.
"""

import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
SHOPS = int(os.environ.get("BENCH_CARE_SHOPS", "2000"))

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

NOW = timezone.now().replace(microsecond=0)


def cpu(fn, runs=3):
    cpus, walls, result = [], [], None
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
    return statistics.median(cpus), statistics.median(walls), result


def build():
    from django.core.management import call_command

    from serviceloop.customers.models import Customer
    from serviceloop.org.models import Branch, Company, Route, Station
    from serviceloop.trade.demo import generate_trade

    call_command("migrate", verbosity=0)
    if os.environ.get("BENCH_REUSE") and Customer.objects.count() == SHOPS:
        return
    call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(1)
    company = Company.objects.create(name="基准市烟草公司")
    routes = []
    for b in range(2):
        branch = Branch.objects.create(company=company, name=f"县局{b + 1}")
        for s in range(2):
            station = Station.objects.create(branch=branch, name=f"市场部{b + 1}-{s + 1}")
            routes += [
                Route.objects.create(station=station, name=f"线路{b + 1}-{s + 1}-{r + 1}") for r in range(10)
            ]
    shops = []
    for i in range(SHOPS):
        route = routes[i % len(routes)]
        shops.append(Customer(
            licence_no=f"4203011{i:05d}", name=f"店{i}", phone=f"139{i:08d}", route=route,
            station_id=route.station_id, branch_id=route.station.branch_id, grade=rng.randint(1, 30),
            e_settlement=True, order_cycle=rng.choice(["weekly"] * 8 + ["odd", "even"]),
            order_weekday=rng.randint(1, 5),
        ))  # fmt: skip
    Customer.objects.bulk_create(shops, batch_size=2000)
    t = time.perf_counter()
    counts = generate_trade(shops=list(Customer.objects.order_by("pk")), weeks=13, end=timezone.localdate(NOW),
                            seed=1, now=NOW)  # fmt: skip
    print(
        f"built {SHOPS:,} shops, {counts.get('settlements', 0):,} settlements in {time.perf_counter() - t:.0f} s"
    )


def advice():
    from serviceloop.customers.models import Customer, OutboxMessage
    from serviceloop.growth.models import RestockAdvice
    from serviceloop.growth.restock import next_order_day
    from serviceloop.trade.models import Product

    RestockAdvice.objects.all().delete()
    OutboxMessage.objects.filter(kind__in=["restock", "settlement"]).delete()
    products = list(Product.objects.order_by("pk")[:3])
    today = timezone.localdate(NOW)
    rows = []
    for shop in Customer.objects.only("pk", "order_cycle", "order_weekday"):
        day = next_order_day(today - dt.timedelta(days=1), shop.order_cycle, shop.order_weekday)
        rows += [RestockAdvice(customer_id=shop.pk, product=p, order_day=day, forecast=3, recent=2, suggested=3,
                               method="tsb", computed_at=NOW) for p in products]  # fmt: skip
    RestockAdvice.objects.bulk_create(rows, batch_size=5000)


def main():
    from django.test import Client

    from serviceloop.core.testing import make_user
    from serviceloop.customers.models import Customer, OutboxMessage
    from serviceloop.customers.outbox import job_shop_outbox_send
    from serviceloop.growth import care
    from serviceloop.growth.reminders import job_shop_reminders
    from serviceloop.org.models import Branch, Company, Role

    build()
    from django.db import connection

    print(f"database: {connection.vendor}; machine shared with other helpers (loaded)")
    branch = Branch.objects.order_by("pk").first()
    part = Customer.objects.filter(route__in=list(branch.stations.first().routes.all())[:4])
    print("\n1. risk rule (care.settlement_risks)")
    base = None
    for label, qs in (("a tenth", part), ("all", Customer.objects.all())):
        c, w, risks = cpu(lambda qs=qs: care.settlement_risks(qs, now=NOW))
        base = base or c
        print(f"   {label:>8}: {qs.count():>6,} shops, {len(risks):>5,} with failures, CPU {c:.3f} s, wall {w:.3f} s, "
              f"ratio {c / base:.1f}×")  # fmt: skip
    from serviceloop.org.models import User

    if hasattr(care, "settlementrisk_rebuild"):  # the kept scores (issue 14); absent in the code before it
        from serviceloop.growth.models import SettlementRisk

        print("\n1b. the daily job over the city (care.settlementrisk_rebuild), and an import's refresh")
        c, w, counts = cpu(lambda: care.settlementrisk_rebuild(now=NOW))
        print(
            f"   rebuild: {counts['shops']:,} shops, {counts['kept']:,} kept, CPU {c:.3f} s, wall {w:.3f} s"
        )
        ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[: SHOPS // 10])
        c, w, kept = cpu(lambda: care.settlementrisk_refresh(customer_ids=ids, now=NOW))
        print(f"   refresh of {len(ids):,} shops (an import's): {kept:,} kept, CPU {c:.3f} s, wall {w:.3f} s")
        print(f"   {SettlementRisk.objects.count():,} rows kept")
    User.objects.filter(username="bench_admin").delete()
    admin = make_user("bench_admin", Role.CITY_ADMIN, company=Company.objects.first())
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    from django.db import reset_queries
    from django.test.utils import CaptureQueriesContext

    print("\n2. pages (city administrator)")
    for name, url in (
        ("care list", "/allocation/settlement/"),
        ("care list, all", "/allocation/settlement/?all=on&page=40"),
        ("care API", "/api/v1/growth/settlement-risks/"),
        ("success rates", "/allocation/settlement/rates/"),
    ):
        client.get(url)
        c, w, response = cpu(lambda url=url: client.get(url), runs=5)
        assert response.status_code == 200, response.status_code
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        print(f"   {name:>14}: CPU {c:.3f} s, wall {w:.3f} s, {len(queries.captured_queries)} queries")
    print("\n3. reminder job (enqueues), then the outbox job (sends through the log notifier)")
    advice()
    w, c = time.perf_counter(), time.process_time()
    first = job_shop_reminders(NOW)
    print(
        f"   first run: CPU {time.process_time() - c:.3f} s, wall {time.perf_counter() - w:.3f} s — {first}"
    )
    c2, w2, again = cpu(lambda: job_shop_reminders(NOW))
    print(
        f"   again:     CPU {c2:.3f} s, wall {w2:.3f} s — {again}; {OutboxMessage.objects.count():,} rows in all"
    )
    c3, w3, sent = cpu(lambda: job_shop_outbox_send(NOW))
    print(f"   send:      CPU {c3:.3f} s, wall {w3:.3f} s — {sent}")
    admin.delete()


if __name__ == "__main__":
    main()
