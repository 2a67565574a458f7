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
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from django.db import connection, connections, transaction

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


def _weekly_lines(lo: int, hi: int, start: dt.date, end: dt.date) -> np.ndarray:
    """Rows (customer, product, weeks since ``start``, cartons asked) of the live lines of shops ``lo``..``hi``
    (primary keys) in [start, end], as one int64 array.

    Why this shape (profiled with cProfile, bench/bench_restock.py): the rows are not grouped in the database —
    a shop's lines of one product and week are summed by ``np.add.at`` in ``_forecast_group`` anyway, and the
    GROUP BY cost the database 3–4× the scan. A key range instead of an IN list, and ``order_date`` bounds so
    that PostgreSQL reads only the partitions of the window. On PostgreSQL the rows travel as ONE bytea value
    (``string_agg`` of fixed-width big-endian fields) read straight into a NumPy record array: fetchall made a
    Python tuple per row (and np.array of them cost more than the query), a binary COPY a driver round per row.
    On SQLite, fetchall.

    Each row is packed by the database into ONE int8 (customer − ``lo``: 15 bits, product: 20, week index: 10,
    cartons: 18): on the city bench (1,000 shops × ~1,200 lines a shop) this cost the database 0.72 s of CPU
    a chunk against 1.2 s for the four fields sent and concatenated separately (and the scan alone 0.4 s).
    Rows that do not fit (a product id ≥ 2²⁰, ≥ 2¹⁸ cartons on one line, a chunk's key range ≥ 2¹⁵) are left
    out by the FILTER; the count tells, and such a chunk is read again with the 18-byte layout.
    """
    where = (
        "customer_id >= %s AND customer_id <= %s AND order_date >= %s AND order_date <= %s "
        "AND week >= %s AND week <= %s AND live"
    )
    params = [lo, hi, start, end, start, end]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if hi - lo < 2**15 and (end - start).days // 7 < 2**10:
                cursor.execute(
                    "SELECT string_agg(int8send(((customer_id - %s) << 48) | (product_id << 28) | "
                    "(((week - %s::date) / 7)::int8 << 18) | qty_asked), ''::bytea) "
                    "FILTER (WHERE product_id < 1048576 AND qty_asked < 262144), count(*) "
                    f"FROM trade_orderline WHERE {where}",
                    [lo, start, *params],
                )
                data, count = cursor.fetchone()
                packed = np.frombuffer(bytes(data or b""), dtype=">i8").astype(np.int64)
                if len(packed) == count:
                    out = np.empty((count, 4), dtype=np.int64)
                    out[:, 0] = (packed >> 48) + lo
                    out[:, 1] = (packed >> 28) & (2**20 - 1)
                    out[:, 2] = (packed >> 18) & (2**10 - 1)
                    out[:, 3] = packed & (2**18 - 1)
                    return out
            cursor.execute(
                "SELECT string_agg(int8send(customer_id) || int4send(product_id::int4) || "
                "int2send(((week - %s::date) / 7)::int2) || int4send(qty_asked), ''::bytea) "
                f"FROM trade_orderline WHERE {where}",
                [start, *params],
            )
            data = cursor.fetchone()[0]
            rec = np.frombuffer(bytes(data or b""), dtype=_PACKED)
            return np.column_stack([rec[n].astype(np.int64) for n in _PACKED.names]).reshape(-1, 4)
        cursor.execute(
            "SELECT customer_id, product_id, CAST((julianday(week) - julianday(%s)) / 7 AS INTEGER), qty_asked "
            f"FROM trade_orderline WHERE {where}",
            [start, *params],
        )
        rows = cursor.fetchall()
    return np.array(rows, dtype=np.int64).reshape(-1, 4)


# customer (int8), product (int4), week index (int2), cartons (int4), as int8send/int4send/int2send write them
_PACKED = np.dtype([("customer", ">i8"), ("product", ">i4"), ("week", ">i2"), ("cartons", ">i4")])
NULL = "\\N"  # COPY's text format


def _latest_allocations(products) -> dict[int, int]:
    """Scarce product id → the ProductAllocation of the latest done run that lists it (once per job)."""
    from .models import ProductAllocation, RunStatus

    scarce = {p.code: p.pk for p in products.values() if p.is_scarce}
    if not scarce:
        return {}
    latest: dict[int, int] = {}
    for code, pa in (
        ProductAllocation.objects.filter(code__in=scarce, run__status=RunStatus.DONE)
        .order_by("run__created_at", "run_id")
        .values_list("code", "pk")
    ):
        latest[scarce[code]] = pa  # the last one wins
    return latest


def _caps(pairs: np.ndarray, latest: dict[int, int]) -> np.ndarray:
    """Per (shop, product) pair: the shop's quantity in the latest allocation run listing the product; a scarce
    product of a run that gave the shop nothing → 0; -1 = not capped (not scarce, or never allocated)."""
    from .models import ShopAllocation

    caps = np.full(len(pairs), -1, dtype=np.int64)
    if not latest or not len(pairs):
        return caps
    listed = np.isin(pairs[:, 1], np.fromiter(latest, dtype=np.int64))
    caps[listed] = 0
    product_of = {pa: product for product, pa in latest.items()}
    rows = np.array(
        ShopAllocation.objects.filter(
            product_id__in=list(product_of),
            customer_id__gte=int(pairs[:, 0].min()),
            customer_id__lte=int(pairs[:, 0].max()),
        ).values_list("customer_id", "product_id", "quantity"),
        dtype=np.int64,
    ).reshape(-1, 3)
    if len(rows):
        rows[:, 1] = [product_of[pa] for pa in rows[:, 1].tolist()]
        keys = (rows[:, 0] << 24) | rows[:, 1]
        keys, inverse = np.unique(keys, return_inverse=True)
        sums = np.bincount(inverse.ravel(), weights=rows[:, 2], minlength=len(keys)).astype(np.int64)
        wanted = (pairs[:, 0] << 24) | pairs[:, 1]
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        hit = keys[at] == wanted
        caps[hit] = sums[at[hit]]
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
    # the cartons of each (pair, period) summed by bincount on the flat index (np.add.at did the same sums,
    # in the same order, ~5× slower; whole cartons, so the float sums are exact either way)
    y = np.bincount(
        inverse.ravel() * n_periods + k // period,
        weights=lines[:, 3].astype(float),
        minlength=len(pairs) * n_periods,
    ).reshape(len(pairs), n_periods)
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
    rows are replaced in one transaction, and with them the chunk's per-shop summaries (``RestockShop``).

    Per chunk of shops: one read of their order lines (``_weekly_lines``), one forecast per group of shops
    sharing a period and target week (``_forecast_group``: every series of the group at once), the advice
    rows built as arrays (no Python loop over series) and written with one COPY (``_write``)."""
    from serviceloop.customers.models import Customer
    from serviceloop.trade.models import Product

    from .models import RestockAdvice

    today = now.date() if hasattr(now, "date") else now
    products = {p.pk: p for p in Product.objects.all()}
    live = np.zeros(max(products, default=0) + 1, dtype=bool)
    live[[pk for pk, p in products.items() if p.active]] = True
    latest = _latest_allocations(products)
    multipliers = city_multipliers(end=today, weeks=weeks)
    shops = Customer.objects.exclude(status="closed").exclude(order_cycle="none")
    if shop_ids is not None:
        shops = shops.filter(pk__in=list(shop_ids))
    info = list(shops.order_by("pk").values_list("pk", "order_cycle", "order_weekday"))
    # (cycle, weekday) → next order day: a handful of combinations for the whole city
    days: dict[tuple, dt.date | None] = {}
    for _pk, cycle, weekday in info:
        if (cycle, weekday) not in days:
            days[(cycle, weekday)] = next_order_day(today, cycle, weekday)
    start = monday(today) - dt.timedelta(weeks=weeks + 2)
    counts = {"shops": 0, "series": 0, "short": 0}
    parts = [info[offset : offset + chunk] for offset in range(0, len(info), chunk)]
    reads = _ChunkReads(parts, start, today)
    try:
        for index, part in enumerate(parts):
            chunk_ids = np.array([pk for pk, _c, _w in part], dtype=np.int64)
            groups: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
            order_day_of = {}
            for pk, cycle, weekday in part:
                day = days[(cycle, weekday)]
                if day is None:
                    continue
                order_day_of[pk] = day
                groups[(1 if cycle == "weekly" else 2, monday(day))].append(pk)
            chunk_lines = reads.get(index)
            # each line's group, by a binary search of its shop in the chunk (np.isin per group sorted the lines
            # once per group); -1: a shop of the key range that is not forecast (closed, no ordering visits)
            group_of_shop = np.full(len(chunk_ids), -1)
            for g, members in enumerate(groups.values()):
                group_of_shop[np.searchsorted(chunk_ids, np.array(members, dtype=np.int64))] = g
            at = np.minimum(np.searchsorted(chunk_ids, chunk_lines[:, 0]), len(chunk_ids) - 1)
            line_group = np.where(chunk_ids[at] == chunk_lines[:, 0], group_of_shop[at], -1)
            blocks = []
            for g, ((period, target), _members) in enumerate(groups.items()):
                lines = chunk_lines[line_group == g]
                if not len(lines):
                    continue
                pairs, f, choice, recent, festival = _forecast_group(
                    lines, start, period=period, target=target, multipliers=multipliers, weeks=weeks
                )
                keep = live[np.minimum(pairs[:, 1], len(live) - 1)] & (pairs[:, 1] < len(live))
                pairs, f, choice, recent = pairs[keep], f[keep], choice[keep], recent[keep]
                cap = _caps(pairs, latest)
                capped = cap >= 0
                suggested = np.floor(f + 0.5).astype(np.int64)
                suggested = np.where(capped, np.minimum(suggested, cap), suggested)
                short = (capped & (f > cap + 0.5)) | ((recent > 0) & (f >= RISE * recent))
                rows = (suggested != 0) | short
                festival_name = "" if festival == fc.NORMAL else fc.CLASS_NAMES[festival]
                blocks.append((pairs[rows], f[rows], recent[rows], suggested[rows], cap[rows], choice[rows],
                               short[rows], festival_name))  # fmt: skip
            with transaction.atomic():
                RestockAdvice.objects.filter(customer_id__in=chunk_ids.tolist()).delete()
                written, flagged = _write(blocks, order_day_of, now)
                restockshop_refresh(customer_ids=chunk_ids.tolist())
            counts["shops"] += len(order_day_of)
            counts["series"] += written
            counts["short"] += flagged
            del chunk_lines, blocks
    finally:
        reads.close()
    return counts


class _ChunkReads:
    """The order lines of chunk i, read while chunk i-1 is forecast and written (PostgreSQL, outside a
    transaction): a second connection in one thread keeps the database scanning the next chunk's lines while
    NumPy works on this one, so the run takes about the longer of the two instead of their sum (measured on
    the 40,000-shop bench city: database ≈ 96 s, Python ≈ 44 s of CPU). Inside a transaction — the tests, a
    caller's atomic block — another connection would not see its rows, so the reads stay on this connection."""

    def __init__(self, parts, start: dt.date, end: dt.date):
        self.bounds = [(int(part[0][0]), int(part[-1][0])) for part in parts]
        self.start, self.end = start, end
        ahead = connection.vendor == "postgresql" and not connection.in_atomic_block and len(parts) > 1
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="restock-read") if ahead else None
        self.next = self._submit(0)

    def _read(self, index: int) -> np.ndarray:
        lo, hi = self.bounds[index]
        return _weekly_lines(lo, hi, self.start, self.end)

    def _submit(self, index: int):
        if self.pool is None or index >= len(self.bounds):
            return None
        return self.pool.submit(self._read, index)

    def get(self, index: int) -> np.ndarray:
        if self.pool is None:
            return self._read(index)
        lines = self.next.result()
        self.next = self._submit(index + 1)
        return lines

    def close(self) -> None:
        if self.pool is not None:
            self.pool.submit(connections.close_all).result()  # the reading thread's own connection
            self.pool.shutdown()


def _write(blocks, order_day_of: dict, now) -> tuple[int, int]:
    """The chunk's advice rows in one COPY on PostgreSQL (built as text, not row by row through the driver:
    ~5× faster at 100,000 rows), executemany on SQLite. Values are those of the Python loop this replaced —
    ``round(x, 2)`` of the forecast and the recent average, whole cartons, the method's name."""
    from serviceloop.trade.importing.stage import insert_rows

    from .models import RestockAdvice

    table = RestockAdvice._meta.db_table
    stamp = now.isoformat()
    written = flagged = 0
    postgres = connection.vendor == "postgresql"
    text: list[str] = []
    rows: list[tuple] = []
    day = {pk: d.isoformat() for pk, d in order_day_of.items()}
    for pairs, f, recent, suggested, cap, choice, short, festival in blocks:
        if not len(pairs):
            continue  # a group whose series all rounded to nothing (NumPy's strings.zfill fails on no rows)
        written += len(pairs)
        flagged += int(short.sum())
        columns = zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), f.tolist(), recent.tolist(),
                      suggested.tolist(), cap.tolist(), choice.tolist(), short.tolist(), strict=True)  # fmt: skip
        if postgres and _vector_ok(f, recent):
            text.append(
                _rows_text(pairs, f, recent, suggested, cap, choice, short, festival, order_day_of, stamp)
            )
        elif postgres:
            text.extend(
                f"{c}\t{p}\t{day[c]}\t{round(w, 2)!r}\t{round(r, 2)!r}\t{s}\t{k if k >= 0 else NULL}\t"
                f"{fc.METHODS[m]}\t{festival}\t{'t' if sh else 'f'}\t{stamp}\n"
                for c, p, w, r, s, k, m, sh in columns
            )
        else:
            rows.extend(
                (c, p, day[c], round(w, 2), round(r, 2), s, k if k >= 0 else None, fc.METHODS[m], festival, sh, stamp)
                for c, p, w, r, s, k, m, sh in columns
            )  # fmt: skip
    if postgres and text:
        sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            copy.write("".join(text))
    elif rows:
        insert_rows(table, COLUMNS, rows)
    return written, flagged


@transaction.atomic
def restockshop_refresh(*, customer_ids) -> int:
    """Rewrites the summaries (``RestockShop``) of these shops from their advice lines: a shop without lines
    loses its summary. One DELETE and one INSERT … SELECT … GROUP BY over just these shops' lines (the job
    calls it per chunk, after the COPY, in the chunk's transaction: ~27,000 lines, in the database's cache).
    Anything that writes advice lines calls this for their shops. Returns the number of summaries written."""
    from .models import RestockAdvice, RestockShop

    ids = [int(pk) for pk in customer_ids]
    quote = connection.ops.quote_name
    written = 0
    for offset in range(0, len(ids), CHUNK_SHOPS):  # SQLite's limit on parameters
        part = ids[offset : offset + CHUNK_SHOPS]
        RestockShop.objects.filter(customer_id__in=part).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(RestockShop._meta.db_table)} "
                "(customer_id, lines, suggested, short, order_day, computed_at) "
                "SELECT customer_id, COUNT(*), SUM(suggested), SUM(CASE WHEN short THEN 1 ELSE 0 END), "
                f"MIN(order_day), MAX(computed_at) FROM {quote(RestockAdvice._meta.db_table)} "
                f"WHERE customer_id IN ({', '.join(['%s'] * len(part))}) GROUP BY customer_id",
                part,
            )
            written += cursor.rowcount
    return written


def _vector_ok(*values: np.ndarray) -> bool:
    """The vectorised text (``_rows_text``) covers finite values below 10¹² (repr's plain notation)."""
    return all(bool(np.isfinite(v).all()) and (not len(v) or float(np.abs(v).max()) < 1e12) for v in values)


def _hundredths_text(x: np.ndarray) -> np.ndarray:
    """``round(x, 2)`` as decimal text ("12.3" → "12.30"), without a Python call per value.

    The stored double is the same as from ``repr(round(x, 2))``: both texts are the decimal k/100, which
    PostgreSQL parses to the nearest double, as Python's round does. k = rint(|x| × 100), half to even like
    round, on the exact product: in x87 long double (64-bit mantissa) |x| × 100 is exact (53 + 7 bits).
    Where long double is no wider than double, values within 10⁻⁶ of a half-hundredth (where the product may
    have been rounded across the half) take k from Python's round itself. The sign is the sign bit
    (round(-0.001, 2) is -0.0)."""
    if np.finfo(np.longdouble).nmant >= 60:
        k = np.rint(np.abs(x).astype(np.longdouble) * 100)
    else:  # pragma: no cover - platforms whose long double is a double
        scaled = np.abs(x) * 100
        k = np.rint(scaled)
        near = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
        if near.any():
            k[near] = [abs(round(round(v, 2) * 100)) for v in x[near].tolist()]
    k = k.astype(np.int64)
    units = (k // 100).astype(str)
    cents = np.strings.zfill((k % 100).astype(str), 2)
    text = np.strings.add(np.strings.add(units, "."), cents)
    return np.where(np.signbit(x), np.strings.add("-", text), text)


def _rows_text(pairs, f, recent, suggested, cap, choice, short, festival, order_day_of, stamp) -> str:
    """One block's COPY text built column by column with NumPy's string functions: the per-row f-string
    (two round() calls and eleven fields) was a third of the job's Python CPU on the city bench."""
    keys = np.fromiter(order_day_of, dtype=np.int64, count=len(order_day_of))
    order = np.argsort(keys)
    days = np.array([d.isoformat() for d in order_day_of.values()])[order]
    day = days[np.searchsorted(keys[order], pairs[:, 0])]
    columns = [
        pairs[:, 0].astype(str),
        pairs[:, 1].astype(str),
        day,
        _hundredths_text(f),
        _hundredths_text(recent),
        suggested.astype(str),
        np.where(cap >= 0, cap.astype(str), NULL),
        np.array(fc.METHODS)[choice],
        festival,
        np.where(short, "t", "f"),
        stamp,
    ]
    line = columns[0]
    for column in columns[1:]:
        line = np.strings.add(np.strings.add(line, "\t"), column)
    return "\n".join(line.tolist()) + "\n" if len(line) else ""


def job_restock_advice(now) -> str:
    counts = restock_run(now=now)
    return f"advice for {counts['shops']} shop(s), {counts['series']} line(s), {counts['short']} likely short"
