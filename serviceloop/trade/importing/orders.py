"""Orders: one file row per order line; rows of one order number together make the order.

Each row is parsed in Python (cells of repeating values parsed once), resolved against the archive and the
catalogue (dicts of all shops and products — bounded by the company, not by the file), hashed, and sent to a
staging table. Everything else is SQL over the staging table: duplicate lines, orders whose rows disagree,
the comparison with the current orders (by a content checksum: the sum of 40-bit line hashes), and the write.

An order in a file is complete: its lines replace the order's earlier lines. A changed order becomes
revision n+1 and the earlier revision stays, not current (a correction); a row marked cancelled makes a
cancelled revision whose lines do not count as sales.
"""

import zlib
from decimal import Decimal

from django.db import connection

from serviceloop.customers.models import Customer

from .. import aggregates
from ..models import Product
from ..partitions import ensure_month_partitions
from . import values as v
from .stage import Stage, execute, fetch

STAGE = "trade_stage_lines"
ORDERS = "trade_stage_orders"
CACHE_LIMIT = 50_000
AMOUNT_TOLERANCE = Decimal("0.05")

COLUMNS = [
    ("line", "INTEGER"), ("order_no", "VARCHAR(40)"), ("customer_id", "BIGINT"), ("route_id", "BIGINT"),
    ("station_id", "BIGINT"), ("branch_id", "BIGINT"), ("order_date", "DATE"), ("week", "DATE"),
    ("month", "DATE"), ("channel", "VARCHAR(10)"), ("status", "VARCHAR(10)"), ("product_id", "BIGINT"),
    ("price_class", "SMALLINT"), ("qty_asked", "INTEGER"), ("qty_supplied", "INTEGER"),
    ("unit_price", "NUMERIC(10, 2)"), ("amount", "NUMERIC(12, 2)"), ("h", "BIGINT"),
]  # fmt: skip


def line_hash(*parts) -> int:
    """A stable 40-bit hash (Python's own hash() differs per process; CRC-32 and 8 bits of Adler-32 are C-fast);
    sums of 2^23 of them fit a BIGINT. Used only to tell changed orders from unchanged ones."""
    data = "|".join(map(str, parts)).encode()
    return (zlib.crc32(data) << 8) | (zlib.adler32(data) & 0xFF)


def shop_directory() -> dict[str, tuple]:
    """licence → (id, route, station, branch) for every shop."""
    return {
        row[0]: row[1:]
        for row in Customer.objects.values_list("licence_no", "pk", "route_id", "station_id", "branch_id")
    }


def product_directory() -> dict[str, tuple]:
    """code → (id, price class, wholesale price, name)."""
    return {
        row[0]: row[1:]
        for row in Product.objects.values_list("code", "pk", "price_class", "wholesale_price", "name")
    }


def unknown_product_reason(code: str, products: dict) -> str:
    if code.isdigit():
        for length in sorted({len(c) for c in products if c.isdigit()}):
            if length > len(code) and code.zfill(length) in products:
                padded = code.zfill(length)
                return (
                    f"卷烟编码“{code}”前面的0丢失了，应为“{padded}”（{products[padded][3]}）："
                    "Excel 把编码当作数字保存。请把这一列设为“文本”格式后重新导出。"
                )
    return "卷烟目录中没有这个编码：请先导入卷烟规格（类型：卷烟规格），或核对编码。"


class OrdersHandler:
    kind = "orders"

    def __init__(self, *, batch, report, now):
        self.batch, self.report, self.now = batch, report, now
        self.book = v.ValueBook()
        self.shops = shop_directory()
        self.products = product_directory()
        self.stage = Stage(STAGE, COLUMNS)

    # ------------------------------------------------------------------------------------------- reading
    def begin(self, mapping) -> None:
        self.columns = mapping.columns
        # (field, cell index, parser, cache of parsed cells, column): most cells repeat (dates, codes, shops,
        # quantities, prices), so each distinct cell is parsed once.
        self.plan = [
            (f, c.index, _PARSERS[f](self), {}, c) for f, c in mapping.columns.items() if f in _PARSERS
        ]
        self.expected: dict = {}
        self.stage.create()

    def add(self, line: int, cells: tuple) -> None:  # noqa: C901 - the hot loop, kept in one piece for speed
        report, columns = self.report, self.columns
        n = len(cells)
        bad = False
        got = {}
        for field, index, parse, cache, column in self.plan:
            raw = cells[index] if index < n else None
            if raw is None:
                got[field] = None
                continue
            key = raw if (raw is not True and raw is not False) else (field, raw)
            try:
                result = cache[key]
            except KeyError:
                if raw.__class__ is str and not raw.strip():
                    result = None
                else:
                    try:
                        result = parse(raw)
                    except v.Bad as exc:
                        result = exc
                if len(cache) >= CACHE_LIMIT:
                    cache.clear()  # keeps memory flat on long files; values repeat locally anyway
                cache[key] = result
            if result.__class__ is v.Bad:
                report.error(line, str(result), column=column, value=raw)
                bad = True
            else:
                got[field] = result
        for field in REQUIRED:
            if field in got and got[field] is None:
                report.error(line, f"{_LABEL[field]}为空。", column=columns[field])
                bad = True
        if bad:
            return
        licence, code = got["licence_no"], got["product_code"]
        shop = self.shops.get(licence)
        if shop is None:
            report.unknown_shops[licence] += 1
            report.error(
                line,
                "客户档案中没有这个许可证号：请先导入该客户，或核对许可证号（未知客户的行不会被忽略，整批不导入）。",
                column=columns["licence_no"],
                value=licence,
            )
            bad = True
        product = self.products.get(code)
        if product is None:
            report.unknown_products[code] += 1
            report.error(
                line, unknown_product_reason(code, self.products), column=columns["product_code"], value=code
            )
            bad = True
        if bad:
            return
        asked = got["qty_asked"]
        supplied = got.get("qty_supplied")
        if supplied is None:
            supplied = asked
        if supplied > asked:
            report.error(
                line,
                f"供货量（{supplied}）大于订购量（{asked}）：供货量不能超过客户的订购量。",
                column=columns.get("qty_supplied"),
                value=supplied,
            )
            return
        price = got.get("unit_price")
        if price is None:
            price = product[2]
            if price is None:
                report.error(
                    line, "缺少单价，卷烟目录中也没有这个卷烟的批发价。", column=columns.get("unit_price")
                )
                return
        pair = (price, supplied)
        expected = self.expected.get(pair)
        if expected is None:
            if len(self.expected) >= CACHE_LIMIT:
                self.expected.clear()
            expected = self.expected[pair] = (price * supplied).quantize(Decimal("0.01"))
        amount = got.get("amount")
        if amount is None:
            amount = expected
        elif amount != expected and abs(amount - expected) > AMOUNT_TOLERANCE:
            report.error(
                line,
                f"金额与供货量×单价不符：{supplied}×{price}={expected}，这里是{amount}。",
                column=columns["amount"],
                value=amount,
            )
            return
        day, day_iso, week_iso, month_iso = got["order_date"]
        channel = got.get("channel") or "other"
        status = got.get("status") or "active"
        order_no = got["order_no"]
        h = line_hash(order_no, shop[0], day_iso, channel, status, product[0], asked, supplied, price, amount)
        self.stage.add(
            (line, order_no, shop[0], shop[1], shop[2], shop[3], day_iso, week_iso, month_iso, channel, status,
             product[0], product[1], asked, supplied, str(price), str(amount), h)
        )  # fmt: skip

    # -------------------------------------------------------------------------------------------- checks
    def check(self) -> None:
        self.stage.flush()
        self.stage.index("order_no", "product_id")
        report, columns = self.report, self.columns
        rows = fetch(
            f"SELECT s.order_no, s.product_id, s.line FROM {STAGE} s JOIN (SELECT order_no, product_id "
            f"FROM {STAGE} GROUP BY order_no, product_id HAVING COUNT(*) > 1) d "
            "ON d.order_no = s.order_no AND d.product_id = s.product_id ORDER BY s.order_no, s.product_id, s.line"
        )
        groups: dict[tuple, list[int]] = {}
        for order_no, product_id, line in rows:
            groups.setdefault((order_no, product_id), []).append(line)
        names = {pk: (code, name) for code, (pk, _c, _p, name) in self.products.items()}
        for (order_no, product_id), lines in groups.items():
            code, name = names.get(product_id, ("", ""))
            where = "、".join(map(str, lines))
            for line in lines:
                report.error(
                    line,
                    f"重复的订单明细：订单{order_no}中{name}（{code}）出现在第{where}行，每个订单每种卷烟只能有一行。",
                    column=columns["product_code"],
                    value=code,
                )
        conflicts = fetch(
            f"SELECT s.line, s.order_no FROM {STAGE} s WHERE s.order_no IN (SELECT order_no FROM {STAGE} "
            "GROUP BY order_no HAVING COUNT(DISTINCT customer_id) > 1 OR COUNT(DISTINCT order_date) > 1 "
            "OR COUNT(DISTINCT channel) > 1 OR COUNT(DISTINCT status) > 1) ORDER BY s.line"
        )
        for line, order_no in conflicts:
            report.error(
                line,
                f"订单{order_no}的各行填写的客户、订货日期、订货方式或订单状态不一致：同一订单的这些内容必须相同。",
                column=columns["order_no"],
                value=order_no,
            )

    # ------------------------------------------------------------------------------------------- compare
    def compare(self) -> None:
        execute(f"DROP TABLE IF EXISTS {ORDERS}")
        execute(
            f"""CREATE TEMPORARY TABLE {ORDERS} AS
            SELECT g.*, o.id AS old_id, o.content_hash AS old_hash, o.revision AS old_revision
            FROM (SELECT order_no, MIN(customer_id) AS customer_id, MIN(route_id) AS route_id,
                    MIN(station_id) AS station_id, MIN(branch_id) AS branch_id, MIN(order_date) AS order_date,
                    MIN(week) AS week, MIN(month) AS month, MIN(channel) AS channel, MIN(status) AS status,
                    COUNT(*) AS lines, SUM(qty_asked) AS qty_asked, SUM(qty_supplied) AS qty_supplied,
                    SUM(amount) AS amount, SUM(h) AS h
                  FROM {STAGE} GROUP BY order_no) g
            LEFT JOIN trade_order o ON o.order_no = g.order_no AND o.is_current"""
        )
        if connection.vendor == "postgresql":
            execute(f"ANALYZE {ORDERS}")
        new, changed, same, cancelled = fetch(
            f"""SELECT COALESCE(SUM(CASE WHEN old_id IS NULL THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN old_id IS NOT NULL AND old_hash <> h THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN old_hash = h THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN status = 'cancelled' AND (old_id IS NULL OR old_hash <> h) THEN 1 ELSE 0 END), 0)
            FROM {ORDERS}"""
        )[0]
        r = self.report
        r.created, r.replaced, r.unchanged, r.cancelled = int(new), int(changed), int(same), int(cancelled)
        r.details["lines"] = self.stage.count

    # --------------------------------------------------------------------------------------------- write
    def write(self) -> None:
        b = self.batch.pk
        changed = f"SELECT old_id FROM {ORDERS} WHERE old_id IS NOT NULL AND old_hash <> h"
        if self.report.replaced:
            execute(
                f"UPDATE trade_order SET is_current = FALSE, replaced_by_id = %s WHERE id IN ({changed})", [b]
            )
            execute(f"UPDATE trade_orderline SET live = FALSE WHERE order_id IN ({changed}) AND live")
        if not (self.report.created or self.report.replaced):
            return
        months = [
            row[0]
            for row in fetch(f"SELECT DISTINCT month FROM {ORDERS} WHERE old_id IS NULL OR old_hash <> h")
        ]
        ensure_month_partitions(_as_date(m) for m in months)
        execute(
            f"""INSERT INTO trade_order (order_no, revision, is_current, content_hash, batch_id, customer_id,
                route_id, station_id, branch_id, month, order_date, week, channel, status, lines, qty_asked,
                qty_supplied, amount)
            SELECT order_no, COALESCE(old_revision, 0) + 1, TRUE, h, %s, customer_id, route_id, station_id,
                branch_id, month, order_date, week, channel, status, lines, qty_asked, qty_supplied, amount
            FROM {ORDERS} WHERE old_id IS NULL OR old_hash <> h""",
            [b],
        )
        execute(
            f"""INSERT INTO trade_orderline (order_id, customer_id, product_id, order_date, week, price_class,
                qty_asked, qty_supplied, unit_price, amount, live)
            SELECT o.id, s.customer_id, s.product_id, s.order_date, s.week, s.price_class, s.qty_asked,
                s.qty_supplied, s.unit_price, s.amount, (s.status = 'active')
            FROM {STAGE} s JOIN trade_order o ON o.order_no = s.order_no AND o.batch_id = %s""",
            [b],
        )

    def add_keys(self) -> None:
        aggregates.add_order_keys(self.batch.pk)

    def cleanup(self) -> None:
        self.stage.drop()
        execute(f"DROP TABLE IF EXISTS {ORDERS}")


def _as_date(value):
    import datetime as dt

    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


REQUIRED = ("order_no", "licence_no", "order_date", "product_code", "qty_asked")


def _date_parts(raw):
    day = v.date(raw)
    return day, day.isoformat(), v.week_of(day).isoformat(), day.replace(day=1).isoformat()


_LABEL = {
    "order_no": "订单号",
    "licence_no": "许可证号",
    "order_date": "订货日期",
    "product_code": "卷烟编码",
    "qty_asked": "订购量",
}


def _licence(_handler):
    from serviceloop.customers.importing.values import licence

    return licence


_PARSERS = {
    "order_no": lambda h: lambda raw: v.code(raw, what="订单号", max_length=40),
    "licence_no": _licence,
    "order_date": lambda h: _date_parts,
    "channel": lambda h: lambda raw: h.book.resolve("channel", raw),
    "status": lambda h: lambda raw: h.book.resolve("order_status", raw),
    "product_code": lambda h: lambda raw: v.code(raw, what="卷烟编码"),
    "qty_asked": lambda h: lambda raw: v.quantity(raw, what="订购量"),
    "qty_supplied": lambda h: lambda raw: v.quantity(raw, what="供货量"),
    "unit_price": lambda h: lambda raw: v.money(raw, what="单价"),
    "amount": lambda h: lambda raw: v.money(raw, what="金额"),
}
