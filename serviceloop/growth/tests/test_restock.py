"""Restock advice: order days by cycle, the forecast per shop × product, caps from the latest allocation."""

import datetime as dt
import random

import numpy as np
import pytest
from django.utils import timezone

from serviceloop.analytics import forecast as fc
from serviceloop.core.testing import make_customer
from serviceloop.customers.models import Customer
from serviceloop.growth import restock
from serviceloop.growth.models import AllocationRun, ProductAllocation, RestockAdvice, RunKind, ShopAllocation
from serviceloop.trade.demo import generate_trade
from serviceloop.trade.models import Product

NOW = timezone.make_aware(dt.datetime(2026, 11, 25, 9, 0))  # a Wednesday, ISO week 48 (even)


def test_next_order_day_follows_the_cycle():
    wed = dt.date(2026, 11, 25)
    assert restock.next_order_day(wed, "weekly", 2) == dt.date(2026, 12, 1)  # next Tuesday
    assert restock.next_order_day(wed, "weekly", 4) == dt.date(2026, 11, 26)  # tomorrow
    assert restock.next_order_day(wed, "even", 4) == dt.date(2026, 11, 26)  # week 48 is even
    assert restock.next_order_day(wed, "odd", 4) == dt.date(2026, 12, 3)  # week 49
    assert restock.next_order_day(wed, "odd", 3) == dt.date(2026, 12, 2)
    assert restock.next_order_day(wed, "even", 3) == dt.date(2026, 12, 9)  # week 50; not today
    assert restock.next_order_day(wed, "none", 3) is None


def test_forecast_group_folds_two_week_cycles_into_one_order_each():
    target = dt.date(2026, 11, 30)
    start = target - dt.timedelta(weeks=70)
    # a shop ordering 6 cartons every other week (weeks 2, 4, 6 … before the target); rows count weeks from start
    lines = np.array([(1, 9, 70 - 2 * k, 6) for k in range(1, 30)] + [(2, 9, 70, 5)], dtype=np.int64)
    pairs, f, choice, recent, _ = restock._forecast_group(
        lines, start, period=2, target=target, multipliers=np.ones(fc.N_CLASSES), weeks=60
    )
    assert pairs.tolist() == [[1, 9]]  # shop 2's line is in the target week itself: not history
    assert f[0] == pytest.approx(6.0, abs=0.05)  # one order per period, no zero weeks in between
    assert recent[0] == pytest.approx(6.0)


@pytest.fixture
def year(world):
    rng = random.Random(5)
    routes = [world.route_a1_1, world.route_a1_2, world.route_a2_1, world.route_b1_1]
    for i in range(24):
        make_customer(
            routes[i % 4],
            grade=rng.randint(5, 30),
            order_cycle=("weekly", "odd", "even")[i % 3],
            order_weekday=1 + i % 5,
        )
    shops = list(Customer.objects.exclude(order_cycle="none").order_by("pk"))
    generate_trade(
        shops=shops, weeks=60, end=NOW.date() - dt.timedelta(days=1), seed=4, now=NOW, lines_scale=0.5
    )
    return world, shops


def _scarce_run(shop, product, quantity, *, when):
    run = AllocationRun.objects.create(
        kind=RunKind.POINTS, title="t", method="webster", created_at=when, total_target=quantity
    )
    pa = ProductAllocation.objects.create(
        run=run, position=1, code=product.code, name=product.name, method="webster", target=quantity
    )
    if quantity:
        ShopAllocation.objects.create(run=run, product=pa, customer=shop, quantity=quantity)
    return run


def test_run_stores_advice_for_the_next_order_day_capped_by_the_latest_allocation(year):
    world, shops = year
    counts = restock.restock_run(now=NOW, chunk=7)  # several chunks
    assert counts["shops"] == len(shops) and counts["series"] > len(shops)
    advice = list(RestockAdvice.objects.select_related("customer", "product"))
    assert {a.customer_id for a in advice} <= {s.pk for s in shops}
    for a in advice:
        assert a.order_day == restock.next_order_day(
            NOW.date(), a.customer.order_cycle, a.customer.order_weekday
        )
        assert a.method in fc.METHODS
        if a.cap is None:
            assert (
                abs(a.suggested - a.forecast) <= 0.51
            )  # whole cartons, rounded (forecast is stored rounded)
        else:
            assert a.suggested <= a.cap
    # a shop's scarce product: the latest run caps it, an older one does not count
    a = next(a for a in advice if a.product.is_scarce and a.suggested >= 2)
    _scarce_run(a.customer, a.product, 50, when=NOW - dt.timedelta(days=14))
    _scarce_run(a.customer, a.product, 1, when=NOW - dt.timedelta(days=7))
    again = restock.restock_run(now=NOW, chunk=7)
    assert again["series"] > 0
    capped = RestockAdvice.objects.get(customer=a.customer, product=a.product)
    assert capped.cap == 1 and capped.suggested == 1 and capped.short
    # the run is idempotent: one row per shop × product
    assert RestockAdvice.objects.filter(customer=a.customer, product=a.product).count() == 1
    # a scarce product the latest run gave other shops only: capped at 0 for this one
    other = next(s for s in shops if s.pk != a.customer_id)
    _scarce_run(other, a.product, 3, when=NOW - dt.timedelta(days=1))
    restock.restock_run(now=NOW, shop_ids=[a.customer_id])
    zero = RestockAdvice.objects.get(customer=a.customer, product=a.product)
    assert zero.cap == 0 and zero.suggested == 0 and zero.short


def test_job_is_registered_and_reports(year):
    from serviceloop.core.jobs import run_due_jobs, schedule

    assert "restock_advice" in [j.name for j in schedule()]
    result = run_due_jobs(NOW, force=True)["restock_advice"]
    assert result.startswith("advice for") and RestockAdvice.objects.exists()
    assert Product.objects.exists()


def test_vectorised_run_gives_what_the_series_by_series_rule_gives(year):
    """The job builds its rows as arrays; this is the rule written one series at a time (the loop it
    replaced): the same forecast, rounding, cap, flag and method for every stored line, and no line missing."""
    import math

    world, shops = year
    top = Product.objects.filter(is_scarce=True).order_by("code").first()
    _scarce_run(shops[0], top, 2, when=NOW - dt.timedelta(days=2))
    restock.restock_run(now=NOW, chunk=5)
    stored = {
        (a.customer_id, a.product_id): (
            a.forecast,
            a.recent,
            a.suggested,
            a.cap,
            a.method,
            a.festival,
            a.short,
        )
        for a in RestockAdvice.objects.all()
    }
    today = NOW.date()
    multipliers = restock.city_multipliers(end=today)
    start = restock.monday(today) - dt.timedelta(weeks=restock.HISTORY_WEEKS + 2)
    lines = restock._weekly_lines(0, 10**12, start, today)
    latest = restock._latest_allocations({p.pk: p for p in Product.objects.all()})
    expected = {}
    for shop in shops:
        day = restock.next_order_day(today, shop.order_cycle, shop.order_weekday)
        period = 1 if shop.order_cycle == "weekly" else 2
        own = lines[lines[:, 0] == shop.pk]
        if not len(own):
            continue
        pairs, f, choice, recent, festival = restock._forecast_group(
            own, start, period=period, target=restock.monday(day), multipliers=multipliers,
            weeks=restock.HISTORY_WEEKS,
        )  # fmt: skip
        caps = restock._caps(pairs, latest)
        for i, (customer_id, product_id) in enumerate(pairs.tolist()):
            want = float(f[i])
            cap = None if caps[i] < 0 else int(caps[i])
            suggested = math.floor(want + 0.5) if cap is None else min(math.floor(want + 0.5), cap)
            short = (cap is not None and want > cap + 0.5) or (recent[i] > 0 and want >= 1.5 * recent[i])
            if suggested or short:
                name = "" if festival == fc.NORMAL else fc.CLASS_NAMES[festival]
                expected[(customer_id, product_id)] = (
                    round(want, 2), round(float(recent[i]), 2), suggested, cap, fc.METHODS[int(choice[i])],
                    name, bool(short),
                )  # fmt: skip
    assert stored == expected
    assert any(v[3] is not None for v in stored.values())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reading_the_next_chunk_ahead_stores_the_same_advice(world, monkeypatch):
    """Outside a transaction on PostgreSQL the job reads chunk i+1 on a second connection while it forecasts
    chunk i; the stored advice is the same as when every chunk is read in turn (SQLite: always in turn)."""
    from django.db import connection

    for i in range(12):
        make_customer(
            world.route_a1_1, grade=5 + i, order_cycle=("weekly", "odd")[i % 2], order_weekday=1 + i % 5
        )
    shops = list(Customer.objects.exclude(order_cycle="none").order_by("pk"))
    generate_trade(
        shops=shops, weeks=30, end=NOW.date() - dt.timedelta(days=1), seed=6, now=NOW, lines_scale=0.5
    )

    def stored():
        return sorted(
            RestockAdvice.objects.values_list("customer_id", "product_id", "forecast", "suggested", "short")
        )

    import threading

    readers = []
    read = restock._weekly_lines

    def watched(*args):  # only notes which thread read the lines
        readers.append(threading.current_thread().name)
        return read(*args)

    monkeypatch.setattr(restock, "_weekly_lines", watched)
    assert not connection.in_atomic_block
    counts = restock.restock_run(now=NOW, chunk=4)  # ahead on PostgreSQL
    ahead_readers, readers[:] = set(readers), []
    ahead = stored()
    from django.db import transaction

    with transaction.atomic():  # in turn: another connection would not see this transaction's rows
        again = restock.restock_run(now=NOW, chunk=4)
    assert ahead and ahead == stored() and counts == again
    assert set(readers) == {threading.current_thread().name}
    if connection.vendor == "postgresql":
        assert {name.split("_")[0] for name in ahead_readers} == {"restock-read"}


def test_a_group_with_no_rows_to_store_writes_nothing(world):
    """A group whose series all round to no suggestion leaves an empty block (found on PostgreSQL, where the
    COPY text is built by NumPy's string functions, which fail on an empty array)."""
    empty = np.empty(0)
    block = (np.empty((0, 2), dtype=np.int64), empty, empty, empty.astype(np.int64), empty.astype(np.int64),
             empty.astype(np.int64), empty.astype(bool), "")  # fmt: skip
    assert restock._write([block], {}, NOW) == (0, 0)
    assert not RestockAdvice.objects.exists()
