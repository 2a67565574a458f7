"""A year of trade for the demo city (and the generator tests and benchmarks use).

Weekly orders per shop by its order cycle, volume by grade, products by price class (higher grades buy more
class 1–2), channel by the shop's online-ordering flag; deliveries the next day (a few late, short or
damaged); settlements (e-settlement shops: a few failed debits — 余额不足, 卡被冻结 — most paid on a retry).
Everything comes from ``random.Random`` seeded per part, so the same seed gives the same rows.

Rows are written straight into the tables with explicit ids (COPY on PostgreSQL, executemany on SQLite) —
not through the file import, which would parse text it has just written — under one ImportBatch per kind
(source "demo") so that they look and roll back like imported data. Aggregates are then computed by the same
code as after an import.
"""

import datetime as dt
import random
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from . import aggregates
from .conf import price_class_for
from .importing.orders import line_hash
from .importing.stage import fetch, insert_rows
from .models import (
    BatchKind,
    BatchSource,
    BatchStatus,
    Delivery,
    ImportBatch,
    Order,
    OrderLine,
    Product,
    Settlement,
    SettlementAttempt,
)
from .partitions import ensure_month_partitions

# code, name, wholesale price per carton (realistic; codes as in the real weekly sheet where it names them)
CATALOGUE = [
    ("31020002", "中华(硬)", "450.00"), ("31020004", "中华(软)", "650.00"), ("53010048", "云烟(软大重九)", "900.00"),
    ("42020013", "黄鹤楼(硬珍品)", "212.00"), ("42020012", "黄鹤楼(软珍品)", "265.00"),
    ("43500001", "芙蓉王(硬)", "195.00"), ("53220002", "玉溪(软)", "200.00"), ("33010058", "利群(软蓝)", "170.00"),
    ("42020009", "黄鹤楼(硬红)", "118.00"), ("42020005", "黄鹤楼(软红)", "105.00"),
    ("32010018", "南京(十二钗烤烟)", "125.00"), ("42020117", "黄鹤楼(硬峡谷柔情)", "96.00"),
    ("51010107", "娇子(五粮醇香)", "85.00"), ("41010064", "黄金叶(乐途)", "76.00"),
    ("44020006", "双喜(软经典)", "72.00"), ("37570027", "泰山(白将军)", "88.00"),
    ("42020001", "黄鹤楼(软蓝)", "62.00"), ("35300080", "七匹狼(锋芒)", "58.00"), ("50100001", "天子(金)", "55.00"),
    ("53010014", "云烟(软珍品)", "48.00"), ("41010082", "黄金叶(乐途硬)", "42.00"),
    ("51010104", "娇子(宽窄好运)", "40.00"), ("34010097", "黄山(金皖烟)", "36.00"),
    ("42010020", "红金龙(硬神州腾龙)", "33.00"), ("45020020", "真龙(起源)", "31.00"),
    ("61020034", "好猫(长乐九美)", "28.00"), ("42021111", "黄楼(蓝)", "24.00"), ("41010031", "黄金叶(天香细支)", "22.00"),
    ("44020014", "双喜(硬经典1906)", "19.00"), ("62010007", "兰州(硬珍品)", "17.00"),
    ("42010114", "红金龙(硬爱你爆珠)", "15.50"), ("13070011", "钻石(荷花)", "14.00"),
    ("36010067", "金圣(青瓷)", "12.50"), ("52090025", "贵烟(硬黄精品)", "11.00"),
]  # fmt: skip
FAILURE_REASONS = ("余额不足", "余额不足", "余额不足", "银行卡被冻结", "账户状态异常", "超过单笔限额")


def ensure_catalogue(now) -> list[Product]:
    existing = set(Product.objects.values_list("code", flat=True))
    new = []
    for code, name, price in CATALOGUE:
        if code in existing:
            continue
        wholesale = Decimal(price)
        new.append(
            Product(
                code=code,
                name=name,
                brand=name.split("(")[0],
                price_class=price_class_for(wholesale),
                wholesale_price=wholesale,
                retail_price=(wholesale * Decimal("1.12")).quantize(Decimal("1")),
                is_scarce=wholesale >= 100,
                created_at=now,
                updated_at=now,
            )  # fmt: skip
        )
    Product.objects.bulk_create(new)
    return list(Product.objects.filter(code__in=[c for c, _n, _p in CATALOGUE]).order_by("code"))


def _moment(value: dt.datetime) -> str:
    """A datetime as the database column wants it: SQLite holds naive UTC text (Django's convention)."""
    if connection.vendor == "sqlite":
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    return value.isoformat()


def _next_id(model) -> int:
    return (fetch(f"SELECT MAX(id) FROM {model._meta.db_table}")[0][0] or 0) + 1


def _batch(kind, now, rows) -> ImportBatch:
    return ImportBatch.objects.create(
        kind=kind, source=BatchSource.DEMO, filename="演示数据", status=BatchStatus.COMMITTED, started_at=now,
        finished_at=now, rows=rows, created=rows,
    )  # fmt: skip


def generate_trade(
    *, shops, weeks: int, end: dt.date, seed: int, now, lines_scale: float = 1.0
) -> dict[str, int]:
    """Writes ``weeks`` weeks of trade ending with the week of ``end`` for ``shops`` (Customer rows)."""
    rng = random.Random(f"serviceloop-trade:{seed}")
    products = ensure_catalogue(now)
    by_class: dict[int, list[Product]] = {}
    for p in products:
        by_class.setdefault(p.price_class, []).append(p)
    last_monday = end - dt.timedelta(days=end.weekday())
    mondays = [last_monday - dt.timedelta(weeks=w) for w in range(weeks - 1, -1, -1)]
    ensure_month_partitions(
        {m.replace(day=1) for m in mondays} | {(m + dt.timedelta(days=6)).replace(day=1) for m in mondays}
    )
    order_batch = _batch(BatchKind.ORDERS, now, 0)
    delivery_batch = _batch(BatchKind.DELIVERIES, now, 0)
    settlement_batch = _batch(BatchKind.SETTLEMENTS, now, 0)
    order_id, line_id = _next_id(Order), _next_id(OrderLine)
    delivery_id, settlement_id, attempt_id = (
        _next_id(Delivery),
        _next_id(Settlement),
        _next_id(SettlementAttempt),
    )
    orders, lines, deliveries, settlements, attempts = [], [], [], [], []
    amounts: dict = {}
    counts = dict.fromkeys(("orders", "order_lines", "deliveries", "settlements", "failed_settlements"), 0)
    order_cols = ["id", "order_no", "revision", "is_current", "content_hash", "batch_id", "replaced_by_id",
                  "customer_id", "route_id", "station_id", "branch_id", "month", "order_date", "week", "channel",
                  "status", "lines", "qty_asked", "qty_supplied", "amount"]  # fmt: skip
    line_cols = ["id", "order_id", "customer_id", "product_id", "order_date", "week", "price_class", "qty_asked",
                 "qty_supplied", "unit_price", "amount", "live"]  # fmt: skip
    delivery_cols = ["id", "order_no", "revision", "is_current", "content_hash", "batch_id", "customer_id", "route_id",
                     "station_id", "branch_id", "month", "planned_date", "delivered_at", "outcome", "cartons",
                     "lines_short", "lines_over", "lines_wrong", "damaged_cartons", "note", "on_time", "accurate"]  # fmt: skip
    settlement_cols = ["id", "order_no", "revision", "is_current", "content_hash", "batch_id", "customer_id",
                       "route_id", "station_id", "branch_id", "month", "method", "amount", "state",
                       "first_attempt_at", "settled_at", "attempts", "failed_attempts", "last_failure_reason"]  # fmt: skip
    attempt_cols = ["id", "settlement_id", "attempted_at", "result", "failure_reason", "amount"]
    tz = timezone.get_current_timezone()
    true = True if connection.vendor == "postgresql" else 1
    false = False if connection.vendor == "postgresql" else 0

    def flush():
        insert_rows("trade_order", order_cols, orders)
        insert_rows("trade_orderline", line_cols, lines)
        insert_rows("trade_delivery", delivery_cols, deliveries)
        insert_rows("trade_settlement", settlement_cols, settlements)
        insert_rows("trade_settlementattempt", attempt_cols, attempts)
        for rows in (orders, lines, deliveries, settlements, attempts):
            rows.clear()

    for shop in shops:
        if shop.order_cycle == "none" or shop.status == "closed":
            continue
        grade = shop.grade or 5
        base = (2 + grade * 1.1) * rng.uniform(0.7, 1.3)
        n_items = max(2, min(len(products), round((3 + grade // 2) * lines_scale)))
        high = min(0.7, 0.05 + grade * 0.02)  # share of class 1–2 in the shop's mix
        mix = {
            1: high * 0.35,
            2: high * 0.65,
            3: 0.3,
            4: (0.7 - high) * 0.6 + 0.1,
            5: (0.7 - high) * 0.4 + 0.05,
        }
        favourites = []
        for klass, share in mix.items():
            pool = by_class.get(klass, [])
            take = max(1, round(n_items * share / sum(mix.values()))) if pool else 0
            favourites += [(p.pk, p.wholesale_price, str(p.wholesale_price), p.price_class, p.is_scarce)
                           for p in rng.sample(pool, min(take, len(pool)))]  # fmt: skip
        e_shop = shop.e_settlement
        weekday = (shop.order_weekday or 1) - 1
        stop_after = (
            len(mondays) - rng.randrange(2, 8) if rng.random() < 0.02 else len(mondays)
        )  # a few stop ordering
        for w, monday in enumerate(mondays):
            if w >= stop_after:
                break
            parity = monday.isocalendar()[1] % 2
            if (shop.order_cycle == "odd" and parity == 0) or (shop.order_cycle == "even" and parity == 1):
                continue
            if rng.random() < 0.04:
                continue  # skipped a week
            day = monday + dt.timedelta(days=min(weekday, 6))
            if day > end:
                continue
            season = 1.6 if monday.month in (1, 2) else 1.2 if monday.month in (9, 10) else 1.0
            channel = (
                "online"
                if shop.online_ordering and rng.random() < 0.85
                else rng.choice(("phone", "phone", "visit"))
            )
            order_no = f"D{day:%Y%m%d}{shop.licence_no}"
            asked_total = supplied_total = 0
            amount_total = Decimal("0")
            h = 0
            n_lines = 0
            day_iso, monday_iso = day.isoformat(), monday.isoformat()
            for pk, price, price_str, klass, scarce in favourites:
                if rng.random() < 0.15:
                    continue
                asked = max(1, round(base * season * rng.uniform(0.3, 1.7) / len(favourites) * 3))
                supplied = asked if not scarce else min(asked, max(0, asked - rng.randrange(0, 3)))
                amount = amounts.get((pk, supplied))
                if amount is None:
                    amount = amounts[(pk, supplied)] = (price * supplied, str(price * supplied))
                lines.append((line_id, order_id, shop.pk, pk, day_iso, monday_iso, klass, asked, supplied, price_str,
                              amount[1], true))  # fmt: skip
                line_id += 1
                n_lines += 1
                asked_total += asked
                supplied_total += supplied
                amount_total += amount[0]
                h += line_hash(
                    order_no, shop.pk, day_iso, channel, "active", pk, asked, supplied, price, amount[0]
                )
            if not n_lines:
                continue
            orders.append((order_id, order_no, 1, true, h, order_batch.pk, None, shop.pk, shop.route_id,
                           shop.station_id, shop.branch_id, day.replace(day=1).isoformat(), day_iso,
                           monday_iso, channel, "active", n_lines, asked_total, supplied_total,
                           str(amount_total)))  # fmt: skip
            order_id += 1
            counts["orders"] += 1
            counts["order_lines"] += n_lines
            planned = day + dt.timedelta(days=1)
            late = rng.random() < 0.03
            damaged = rng.randrange(1, 3) if rng.random() < 0.01 else 0
            short = 1 if rng.random() < 0.005 else 0
            arrived = dt.datetime.combine(planned + dt.timedelta(days=1 if late else 0),
                                          dt.time(8 + rng.randrange(9), rng.randrange(60)), tzinfo=tz)  # fmt: skip
            if arrived <= now:
                deliveries.append((delivery_id, order_no, 1, true, rng.getrandbits(39), delivery_batch.pk, shop.pk,
                                   shop.route_id, shop.station_id, shop.branch_id, planned.replace(day=1).isoformat(),
                                   planned.isoformat(), _moment(arrived), "signed", supplied_total, short, 0, 0,
                                   min(damaged, supplied_total), "外包装破损" if damaged else "",
                                   false if late else true, false if short else true))  # fmt: skip
                delivery_id += 1
                counts["deliveries"] += 1
            first = dt.datetime.combine(day, dt.time(20, 0), tzinfo=tz)
            if first > now:
                continue
            tries = []
            if e_shop:
                roll = rng.random()
                if roll < 0.015:
                    tries = [("failed", rng.choice(FAILURE_REASONS)), ("success", "")]
                elif roll < 0.022:
                    tries = [("failed", rng.choice(FAILURE_REASONS)), ("failed", rng.choice(FAILURE_REASONS))]
                else:
                    tries = [("success", "")]
            else:
                tries = [("success", "")]
            method = "e" if e_shop else rng.choice(("cash", "transfer"))
            paid_at = None
            for k, (result, reason) in enumerate(tries):
                at = first + dt.timedelta(days=k)
                attempts.append((attempt_id, settlement_id, _moment(at), result, reason, str(amount_total)))
                attempt_id += 1
                if result == "success":
                    paid_at = at
            failures = [r for r, _x in tries if r == "failed"]
            state = "success" if paid_at else "failed"
            counts["failed_settlements"] += state == "failed"
            settlements.append((settlement_id, order_no, 1, true, rng.getrandbits(39), settlement_batch.pk, shop.pk,
                                shop.route_id, shop.station_id, shop.branch_id, day.replace(day=1).isoformat(), method,
                                str(amount_total), state, _moment(first), _moment(paid_at) if paid_at else None,
                                len(tries), len(failures), tries[-1][1] if failures else ""))  # fmt: skip
            settlement_id += 1
            counts["settlements"] += 1
        if len(lines) > 50_000:
            flush()
    flush()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Order, Delivery, Settlement, SettlementAttempt]
            ):
                cursor.execute(sql)
            cursor.execute("SELECT setval('trade_orderline_id_seq', %s)", [max(line_id - 1, 1)])
    for batch, n in ((order_batch, counts["orders"]), (delivery_batch, counts["deliveries"]),
                     (settlement_batch, counts["settlements"])):  # fmt: skip
        ImportBatch.objects.filter(pk=batch.pk).update(rows=n, created=n)
    aggregates.create_key_tables()
    for table in ("trade_order",):
        aggregates.add_keys(table=aggregates.KEYS_WEEK,
                            select_sql=f"SELECT customer_id, week FROM {table} WHERE batch_id = %s",
                            params=[order_batch.pk])  # fmt: skip
    for table, batch in (("trade_order", order_batch), ("trade_delivery", delivery_batch),
                         ("trade_settlement", settlement_batch)):  # fmt: skip
        aggregates.add_keys(table=aggregates.KEYS_MONTH,
                            select_sql=f"SELECT customer_id, month FROM {table} WHERE batch_id = %s",
                            params=[batch.pk])  # fmt: skip
    aggregates.refresh_from_keys(whole_history=True)  # a year for every shop: regrouped through the orders
    return counts


def build_trade_demo(city) -> dict[str, int]:
    """The demo part: a year of trade for every shop of the demo city, then grades/stars reviewable, segments."""
    from django.conf import settings

    from serviceloop.customers.models import Customer

    shops = list(Customer.objects.filter(branch__company=city.company).order_by("pk"))
    weeks = getattr(settings, "DEMO_TRADE_WEEKS", 52)
    counts = generate_trade(shops=shops, weeks=weeks, end=city.today, seed=city.seed, now=city.now)
    from .derive import segments_refresh

    segments_refresh(now=city.now)
    return counts


def reset_trade_demo(company) -> dict[str, int]:
    """Removes the demo's trade rows of ``company``'s shops (called by ``core.demo.demo_reset`` before the shops).

    Refuses (``DemoError``) when imported trade data (a batch that is not demo data) belongs to those shops:
    it would otherwise be lost without a trace, as with edited shops.
    """
    from serviceloop.core.demo import DemoError

    shops = f"SELECT id FROM customers_customer WHERE branch_id IN (SELECT id FROM org_branch WHERE company_id = {int(company.pk)})"
    foreign = fetch(
        f"SELECT COUNT(*) FROM trade_order o JOIN trade_importbatch b ON b.id = o.batch_id "
        f"WHERE o.customer_id IN ({shops}) AND b.source <> %s",
        [BatchSource.DEMO],
    )[0][0]
    if foreign:
        raise DemoError(f"演示公司的客户有 {foreign} 张导入的订单，为免丢失这些数据，未做任何删除。")
    deleted = {}
    months = [
        m for (m,) in fetch(f"SELECT DISTINCT month FROM trade_settlement WHERE customer_id IN ({shops})")
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM trade_orderline WHERE customer_id IN ({shops})")
        deleted["order_lines"] = cursor.rowcount
        cursor.execute(
            f"DELETE FROM trade_settlementattempt WHERE settlement_id IN "
            f"(SELECT id FROM trade_settlement WHERE customer_id IN ({shops}))"
        )
        for table in ("trade_order", "trade_delivery", "trade_settlement", "trade_shopweek", "trade_shopmonth",
                      "trade_proposal", "trade_segmentmember"):  # fmt: skip
            cursor.execute(f"DELETE FROM {table} WHERE customer_id IN ({shops})")
            deleted[table] = cursor.rowcount
    aggregates.settlementtally_refresh(months)  # the months' counts without the demo's settlements
    from .models import DerivationRun, Segment

    Segment.objects.filter(members__isnull=True).delete()
    DerivationRun.objects.filter(proposals__isnull=True).delete()
    ImportBatch.objects.filter(source=BatchSource.DEMO).exclude(
        pk__in=Order.objects.values("batch_id")).exclude(pk__in=Delivery.objects.values("batch_id")).exclude(
        pk__in=Settlement.objects.values("batch_id")).delete()  # fmt: skip
    codes = [c for c, _n, _p in CATALOGUE]
    used = fetch("SELECT DISTINCT product_id FROM trade_orderline")
    Product.objects.filter(code__in=codes, batch__isnull=True).exclude(pk__in=[p for (p,) in used]).delete()
    return deleted
