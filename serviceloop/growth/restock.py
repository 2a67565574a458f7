"""Restock and ordering advice (R28): a forecast per shop × product and a suggested order for the next order day.

The job reads order lines in chunks of shops (bounded memory: one chunk's weekly series at a time, never the
city's), groups each chunk's shops by order cycle and next order week so that their series line up, and
forecasts all of a group's shop × product series at once with ``serviceloop.analytics.forecast`` (method
chosen per series by a rolling-origin backtest). Shops ordering on odd or even weeks are forecast on
two-week periods (one order each), weekly shops on weeks. Festival weeks (春节, 中秋/国庆) get multipliers
measured on the city's weekly totals, so a forecast for the weeks before 春节 rises even though 春节 falls on a
different Gregorian week than last year.

The suggestion is the cycle's forecast rounded to whole cartons; for a scarce product it is capped by the
shop's quantity in the latest allocation run that lists the product (a shop the run gave nothing gets 0).
A line is "likely to run short" when the forecast exceeds that cap, or rises by half over the shop's recent
orders (a festival coming).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

import numpy as np
from django.db import connection, transaction

from serviceloop.analytics import forecast as fc

HISTORY_WEEKS = 104
# Shops per chunk: 1,000 shops × ~30 products × 104 weeks of float64 is ~25 MB per array (the methods' paths
# take a few such arrays); fewer, larger chunks keep NumPy's per-call cost small against the work.
CHUNK_SHOPS = 1000
COLUMNS = ["customer_id", "product_id", "order_day", "forecast", "recent", "suggested", "cap", "method",
           "festival", "short", "computed_at"]  # fmt: skip
RISE = 1.5  # forecast ≥ 1.5 × the recent average per cycle: flagged


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def next_order_day(today: dt.date, cycle: str, weekday: int | None) -> dt.date | None:
    """The shop's first order day after today: its weekday (1 = Monday), every week or on odd/even ISO
    weeks. None for shops without ordering visits."""
    if cycle not in ("weekly", "odd", "even"):
        return None
    weekday = weekday or 1
    day = today + dt.timedelta(days=1)
    for _ in range(21):
        if day.isoweekday() == weekday:
            parity = day.isocalendar()[1] % 2
            if cycle == "weekly" or (cycle == "odd" and parity == 1) or (cycle == "even" and parity == 0):
                return day
        day += dt.timedelta(days=1)
    return None  # pragma: no cover - a 21-day window always holds one


def city_multipliers(*, end: dt.date, weeks: int = HISTORY_WEEKS) -> np.ndarray:
    """Festival multipliers measured on the city's weekly totals (ShopWeek), up to the week of ``end``."""
    from django.db.models import Sum

    from serviceloop.trade.models import ShopWeek

    start = monday(end) - dt.timedelta(weeks=weeks - 1)
    rows = (
        ShopWeek.objects.filter(week__gte=start, week__lte=end)
        .values("week")
        .annotate(q=Sum("qty_asked"))
        .order_by("week")
    )
    totals = {r["week"]: float(r["q"] or 0) for r in rows}
    if not totals:
        return np.ones(fc.N_CLASSES)
    first = min(totals)
    mondays = [first + dt.timedelta(weeks=k) for k in range((monday(end) - first).days // 7 + 1)]
    series = np.array([totals.get(m, 0.0) for m in mondays])
    return fc.estimate_multipliers(series, fc.festival_classes(mondays))


def _weekly_lines(shop_ids, start: dt.date, end: dt.date) -> np.ndarray:
    """Rows (customer, product, weeks since ``start``, cartons asked) of the shops' live lines in [start, end],
    as one integer array: the database does the date arithmetic, no row becomes a Python object."""
    if connection.vendor == "postgresql":
        week = "(week - %s::date) / 7"
    else:
        week = "CAST((julianday(week) - julianday(%s)) / 7 AS INTEGER)"
    marks = ", ".join(["%s"] * len(shop_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id, product_id, {week}, SUM(qty_asked) FROM trade_orderline "
            f"WHERE customer_id IN ({marks}) AND week >= %s AND week <= %s AND live "
            "GROUP BY customer_id, product_id, week",
            [start, *shop_ids, start, end],
        )
        rows = cursor.fetchall()
    return np.array(rows, dtype=np.int64).reshape(-1, 4)


def _caps(shop_ids, products) -> dict[tuple[int, int], int]:
    """(shop, product) → the shop's quantity in the latest allocation run listing the product; scarce
    products of a run that gave the shop nothing → 0."""
    from .models import ProductAllocation, RunStatus, ShopAllocation

    scarce = {p.code: p.pk for p in products.values() if p.is_scarce}
    if not scarce:
        return {}
    latest: dict[str, int] = {}
    for code, pa in (
        ProductAllocation.objects.filter(code__in=scarce, run__status=RunStatus.DONE)
        .order_by("run__created_at", "run_id")
        .values_list("code", "pk")
    ):
        latest[code] = pa  # the last one wins
    caps = {(shop, scarce[code]): 0 for code in latest for shop in shop_ids}
    by_pa = {pa: scarce[code] for code, pa in latest.items()}
    for customer_id, pa, quantity in ShopAllocation.objects.filter(
        product_id__in=list(by_pa), customer_id__in=shop_ids
    ).values_list("customer_id", "product_id", "quantity"):
        caps[(customer_id, by_pa[pa])] = caps.get((customer_id, by_pa[pa]), 0) + quantity
    return caps


def _forecast_group(
    lines: np.ndarray, start: dt.date, *, period: int, target: dt.date, multipliers, weeks: int
):
    """Forecast (per cycle), method and recent average for each (shop, product) pair of one group, and the
    pairs (an (n, 2) array) and the target's festival class.

    ``lines`` are rows (customer, product, weeks since ``start``, cartons). ``target`` is the Monday of the
    group's next order week; the history ends the week before it and is folded into ``period``-week buckets
    ending there (odd/even shops: each bucket holds one order week).
    """
    n_periods = weeks // period
    first = target - dt.timedelta(weeks=n_periods * period)
    k = lines[:, 2] - (first - start).days // 7
    keep = (k >= 0) & (k < n_periods * period)
    lines, k = lines[keep], k[keep]
    # one int64 key per (shop, product): a 1-D unique is ~10× faster than np.unique(axis=0)
    if len(lines) and lines[:, 1].max() >= 2**24:  # pragma: no cover - product ids beyond 16 million
        pairs, inverse = np.unique(lines[:, :2], axis=0, return_inverse=True)
    else:
        keys, inverse = np.unique((lines[:, 0] << 24) | lines[:, 1], return_inverse=True)
        pairs = np.column_stack([keys >> 24, keys & (2**24 - 1)])
    y = np.zeros((len(pairs), n_periods))
    np.add.at(y, (inverse.ravel(), k // period), lines[:, 3].astype(float))
    # the bucket's festival class: its first week (for odd/even shops, the order week). Zeros before a
    # shop's first order stay: the methods start at the first demand (Croston), or weigh recent weeks.
    mondays = [first + dt.timedelta(weeks=j * period) for j in range(n_periods + 1)]
    classes = fc.festival_classes(mondays)
    f, choice = fc.forecast(y, h=1, classes=classes, multipliers=multipliers, season=fc.SEASON // period)
    recent = y[:, -max(1, 8 // period) :].mean(axis=1)
    return pairs, f[:, 0], choice, recent, int(classes[-1])


def restock_run(
    *, now, shop_ids=None, chunk: int = CHUNK_SHOPS, weeks: int = HISTORY_WEEKS
) -> dict[str, int]:
    """Forecasts and stores the advice of every ordering shop (or of ``shop_ids``). Idempotent: each chunk's
    rows are replaced in one transaction."""
    from serviceloop.customers.models import Customer
    from serviceloop.trade.importing.stage import insert_rows
    from serviceloop.trade.models import Product

    from .models import RestockAdvice

    stamp = now.isoformat()

    today = now.date() if hasattr(now, "date") else now
    products = {p.pk: p for p in Product.objects.all()}
    multipliers = city_multipliers(end=today, weeks=weeks)
    shops = Customer.objects.exclude(status="closed").exclude(order_cycle="none")
    if shop_ids is not None:
        shops = shops.filter(pk__in=list(shop_ids))
    ids = list(shops.order_by("pk").values_list("pk", flat=True))
    counts = {"shops": 0, "series": 0, "short": 0}
    for offset in range(0, len(ids), chunk):
        chunk_ids = ids[offset : offset + chunk]
        info = {
            pk: (cycle, weekday)
            for pk, cycle, weekday in Customer.objects.filter(pk__in=chunk_ids).values_list(
                "pk", "order_cycle", "order_weekday"
            )
        }
        groups: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
        order_days = {}
        for pk, (cycle, weekday) in info.items():
            day = next_order_day(today, cycle, weekday)
            if day is None:
                continue
            order_days[pk] = day
            groups[(1 if cycle == "weekly" else 2, monday(day))].append(pk)
        start = monday(today) - dt.timedelta(weeks=weeks + 2)
        chunk_lines = _weekly_lines(chunk_ids, start, today)
        caps = _caps(chunk_ids, products)
        rows = []
        for (period, target), members in groups.items():
            lines = chunk_lines[np.isin(chunk_lines[:, 0], members)]
            if not len(lines):
                continue
            pairs, f, choice, recent, festival = _forecast_group(
                lines, start, period=period, target=target, multipliers=multipliers, weeks=weeks
            )
            for i, (customer_id, product_id) in enumerate(pairs.tolist()):
                product = products.get(product_id)
                if product is None or not product.active:
                    continue
                want = float(f[i])
                suggested = math.floor(want + 0.5)
                cap = caps.get((customer_id, product_id))
                if cap is not None:
                    suggested = min(suggested, cap)
                short = (cap is not None and want > cap + 0.5) or (recent[i] > 0 and want >= RISE * recent[i])
                if suggested == 0 and not short:
                    continue
                festival_name = "" if festival == fc.NORMAL else fc.CLASS_NAMES[festival]
                rows.append((
                    customer_id, product_id, order_days[customer_id].isoformat(), round(want, 2),
                    round(float(recent[i]), 2), suggested, cap, fc.METHODS[int(choice[i])], festival_name, short,
                    stamp,
                ))  # fmt: skip
        with transaction.atomic():
            RestockAdvice.objects.filter(customer_id__in=chunk_ids).delete()
            insert_rows(RestockAdvice._meta.db_table, COLUMNS, rows)  # COPY on PostgreSQL: 10× the ORM
        counts["shops"] += len(order_days)
        counts["series"] += len(rows)
        counts["short"] += sum(r[9] for r in rows)
        del chunk_lines, rows
    return counts


def job_restock_advice(now) -> str:
    counts = restock_run(now=now)
    return f"advice for {counts['shops']} shop(s), {counts['series']} line(s), {counts['short']} likely short"
