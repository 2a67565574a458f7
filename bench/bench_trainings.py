"""Trainings at city scale: the coverage page's figures (coverage by station, the tag-effect comparison) and the
session list, for a year of small-class trainings.

Builds a fresh SQLite database (``$TMPDIR/bench_trainings.sqlite3``) with one company, 4 branches, 20 stations and
N shops (bulk inserts), 6 % of them carrying an open problem tag of the topics, and a year of held sessions at the
reference documents' rate (770 sessions for 20,000 shops, ~30 invited each, ~80 % attending). Sizes: 3,000 and
15,000 shops (BENCH_TRAINING_SHOPS=30000 adds a third). Prints CPU-time medians (``time.process_time``) of
repeated runs in ms and the ratio between the sizes; the machine is shared, so wall times would mislead.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DB = Path(os.environ.get("BENCH_DB") or Path(tempfile.gettempdir()) / "bench_trainings.sqlite3")
os.environ.update(
    DATABASE_URL=f"sqlite:///{DB}",
    SERVICELOOP_DEV="1",
    DJANGO_SETTINGS_MODULE="config.settings",
    STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
)

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
PARAMS = {"year": "2026"}
SIZES = [3_000, 15_000] + (
    [int(os.environ["BENCH_TRAINING_SHOPS"])] if os.environ.get("BENCH_TRAINING_SHOPS") else []
)
SESSIONS_PER_SHOP = 770 / 20_000


def cpu_ms(func, repeat=5) -> float:
    times = []
    for _ in range(repeat):
        t = time.process_time()
        func()
        times.append((time.process_time() - t) * 1000)
    return statistics.median(times)


@transaction.atomic
def build(n_shops: int, seed: int = 1):
    from serviceloop.customers.models import Customer
    from serviceloop.org.models import Branch, Company, Role, Route, Station, User
    from serviceloop.tags.models import CustomerTag
    from serviceloop.trainings.models import Invitation, SessionEvent, TrainingSession, TrainingTopic
    from serviceloop.trainings.services import new_token

    rng = random.Random(seed)
    company = Company.objects.create(name=f"基准市{n_shops}")
    admin = User.objects.create(
        username=f"admin{n_shops}", role=Role.CITY_ADMIN, company=company, full_name="管理员"
    )
    branches = [Branch.objects.create(company=company, name=f"分公司{b}") for b in range(4)]
    stations = [Station.objects.create(branch=branches[s % 4], name=f"服务站{s}") for s in range(20)]
    trainers = [User.objects.create(username=f"am{n_shops}-{s.pk}", role=Role.ACCOUNT_MANAGER, company=company,
                                    branch=s.branch, station=s, full_name=f"客户经理{s.pk}") for s in stations]  # fmt: skip
    routes = [Route.objects.create(station=s, name=f"{s.name}线路{r}", account_manager=trainers[i])
              for i, s in enumerate(stations) for r in range(5)]  # fmt: skip
    shops = []
    for i in range(n_shops):
        route = routes[i % len(routes)]
        shops.append(Customer(licence_no=f"{4203 + n_shops:05d}{i:07d}", name=f"便利店{i}", owner_name="张三",
                              phone=f"139{n_shops:03d}{i:05d}"[:11], route=route, station=route.station,
                              branch=route.station.branch, retail_format="B", business_scale="2",
                              urban_rural_code="111", credit_rating="AA", order_cycle="weekly", order_weekday=1,
                              status="active", market_type="C"))  # fmt: skip
    Customer.objects.bulk_create(shops, batch_size=2000)
    shop_rows = list(Customer.objects.filter(branch__company=company).values_list("pk", "station_id"))
    topics = list(TrainingTopic.objects.prefetch_related("tags"))
    tag_ids = [t.pk for topic in topics for t in topic.tags.all()]
    tags = []
    for pk, _station in rng.sample(shop_rows, int(0.06 * n_shops)):
        removed = rng.random() < 0.5
        at = NOW - dt.timedelta(days=rng.randint(200, 360))
        tags.append(CustomerTag(customer_id=pk, tag_id=rng.choice(tag_ids), status="verified" if removed else "attached",
                                source="data", reason="基准", attached_at=at, due_at=at + dt.timedelta(days=14),
                                removed_at=at + dt.timedelta(days=rng.randint(10, 150)) if removed else None))  # fmt: skip
    CustomerTag.objects.bulk_create(tags, batch_size=2000)
    by_station = {}
    for pk, station in shop_rows:
        by_station.setdefault(station, []).append(pk)
    n_sessions = round(SESSIONS_PER_SHOP * n_shops)
    invitations, events = [], []
    for k in range(n_sessions):
        station = stations[k % len(stations)]
        start = NOW - dt.timedelta(days=rng.randint(5, 320), hours=rng.randint(0, 5))
        session = TrainingSession.objects.create(
            topic=topics[k % len(topics)], trainer=trainers[k % len(trainers)], place="会议室", starts_at=start,
            ends_at=start + dt.timedelta(hours=2), capacity=30, branch=station.branch, station=station,
            status="closed", checkin_token=new_token(), created_at=start, updated_at=start)  # fmt: skip
        events.append(SessionEvent(session=session, action="create", to_status="planned", at=start))
        for pk in rng.sample(by_station[station.pk], 30):
            came = rng.random() < 0.8
            invitations.append(Invitation(session=session, customer_id=pk, station=station, targeting="segment",
                                          invited_at=start, attended_at=start if came else None,
                                          checkin_method="qr" if came else ""))  # fmt: skip
    SessionEvent.objects.bulk_create(events)
    Invitation.objects.bulk_create(invitations, batch_size=2000)
    return admin, n_sessions, len(invitations)


def main() -> None:
    from django.test import Client

    from serviceloop.trainings import selectors

    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    print(f"load average {os.getloadavg()[0]:.1f} (2 shared cores): CPU-time medians in ms")
    print(
        f"{'shops':>8} {'sessions':>9} {'invites':>8} {'coverage':>9} {'effect':>8} {'cov page':>9} {'list page':>10}"
    )
    results = []
    for n in SIZES:
        admin, n_sessions, n_invites = build(n)
        cov = cpu_ms(lambda admin=admin: selectors.coverage(user=admin, params=PARAMS, now=NOW))
        eff = cpu_ms(lambda admin=admin: selectors.tag_effect(
            selectors.coverage_invitations(user=admin, params=PARAMS, now=NOW), now=NOW))  # fmt: skip
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(admin)
        assert client.get("/trainings/coverage/?year=2026").status_code == 200
        page = cpu_ms(lambda client=client: client.get("/trainings/coverage/?year=2026"), repeat=3)
        listing = cpu_ms(lambda client=client: client.get("/trainings/"), repeat=3)
        results.append((n, cov, eff, page, listing))
        print(
            f"{n:>8,} {n_sessions:>9} {n_invites:>8,} {cov:>9.1f} {eff:>8.1f} {page:>9.1f} {listing:>10.1f}"
        )
    first, last = results[0], results[-1]
    print(f"ratio {last[0] // first[0]}x shops: coverage {last[1] / first[1]:.1f}x, effect {last[2] / first[2]:.1f}x, "
          f"coverage page {last[3] / first[3]:.1f}x, list page {last[4] / first[4]:.1f}x")  # fmt: skip
    try:
        from summary import record

        record(f"trainings coverage page, {last[0]:,} shops (CPU)", last[3], None, "ms")
    except ImportError:
        pass


if __name__ == "__main__":
    main()
