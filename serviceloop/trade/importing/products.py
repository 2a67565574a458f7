"""Products (卷烟规格): upsert by product code. Columns present are authoritative, columns absent left alone.

The weekly allocation sheet itself is accepted as a product file (CIG_CODE, CIG_NAME, DELIVERY_METHOD): its
products come in with their brand taken from the name (黄鹤楼(视窗) → 黄鹤楼), scarce when allocated by grade,
price-band products when "按价位段自选投放". Price class comes from the file, else from the wholesale price by
the thresholds in settings, else stays unknown.

Updated products are changed in place (order lines point at them); the values they had are kept in the
batch (``details["undo"]``) so that a rollback can restore them.
"""

import re
from decimal import Decimal

from ..conf import price_class_for
from ..models import Product
from . import values as v
from .deliveries import parse_cells, report_duplicates

_CLASS_RE = re.compile(r"^(?:第)?([一二三四五1-5])类?(?:烟|卷烟)?$")
_CLASS_ZH = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
TRACKED = ("name", "brand", "manufacturer", "price_class", "wholesale_price", "retail_price", "packs_per_carton",
           "is_new", "is_scarce", "is_price_band", "active")  # fmt: skip


def price_class(raw) -> int:
    if (
        isinstance(raw, int | float)
        and not isinstance(raw, bool)
        and float(raw).is_integer()
        and 1 <= raw <= 5
    ):
        return int(raw)
    m = _CLASS_RE.match(v.key(raw))
    if not m:
        raise v.Bad("价类应写成1～5或“一类”～“五类”。")
    g = m.group(1)
    return _CLASS_ZH.get(g) or int(g)


def brand_of(name: str) -> str:
    return re.split(r"[(（]", name, maxsplit=1)[0].strip()[:50]


def allocation_flags(raw) -> dict:
    s = v.key(raw)
    if "价位段" in s:
        return {"is_price_band": True, "is_scarce": False}
    if "档位" in s or "积分" in s or "投放" in s:
        return {"is_scarce": True, "is_price_band": False}
    raise v.Bad("投放方式无法识别：应为“按档位投放”“按价位段自选投放”等。")


def _packs(raw) -> int:
    n = v.quantity(raw, what="每条盒数")
    if not 1 <= n <= 100:
        raise v.Bad("每条盒数应在1～100之间（通常为10）。")
    return n


_PARSERS = {
    "code": lambda h, raw: h.parse_code(raw),
    "name": lambda h, raw: v.bounded(raw, max_length=100, what="卷烟名称"),
    "brand": lambda h, raw: v.bounded(raw, max_length=50, what="品牌"),
    "manufacturer": lambda h, raw: v.bounded(raw, max_length=100, what="生产厂家"),
    "price_class": lambda h, raw: price_class(raw),
    "wholesale_price": lambda h, raw: v.money(raw, what="批发价"),
    "retail_price": lambda h, raw: v.money(raw, what="建议零售价"),
    "packs_per_carton": lambda h, raw: _packs(raw),
    "is_new": lambda h, raw: v.boolean(raw),
    "is_scarce": lambda h, raw: v.boolean(raw),
    "is_price_band": lambda h, raw: v.boolean(raw),
    "active": lambda h, raw: v.boolean(raw),
    "allocation_method": lambda h, raw: allocation_flags(raw),
}


class ProductsHandler:
    kind = "products"

    def __init__(self, *, batch, report, now):
        self.batch, self.report, self.now = batch, report, now
        self.existing = {p.code: p for p in Product.objects.all()}
        self.rows: dict[str, tuple[int, dict]] = {}
        self.dup_lines: dict[str, list[int]] = {}
        lengths = [len(c) for c in self.existing if c.isdigit()]
        self.usual_length = max(set(lengths), key=lengths.count) if lengths else 8

    def parse_code(self, raw) -> str:
        code = v.code(raw, what="卷烟编码")
        if not isinstance(raw, str) and code.isdigit() and len(code) < self.usual_length:
            raise v.Bad(
                f"卷烟编码“{code}”只有{len(code)}位，前面的0很可能被 Excel 去掉了（应为“{code.zfill(self.usual_length)}”？）。"
                "请把这一列设为“文本”格式后重新导出。"
            )
        return code

    def begin(self, mapping) -> None:
        self.columns = mapping.columns

    def add(self, line: int, cells: tuple) -> None:
        got = parse_cells(self, line, cells, _PARSERS)
        if got is None:
            return
        code = got.get("code")
        if not code:
            self.report.error(line, "卷烟编码为空。", column=self.columns["code"])
            return
        if code in self.rows:
            self.dup_lines.setdefault(code, [self.rows[code][0]]).append(line)
            return
        flags = got.pop("allocation_method", None)
        if flags:
            for k, val in flags.items():
                got.setdefault(k, val)
        got.pop("code")
        self.rows[code] = (line, got)

    def check(self) -> None:
        report_duplicates(self.report, self.dup_lines, self.columns["code"], "每种卷烟只能有一行")
        for code, (line, got) in self.rows.items():
            if code not in self.existing and not got.get("name"):
                self.report.error(
                    line, "新卷烟需要填写卷烟名称。", column=self.columns.get("name"), value=code
                )

    def compare(self) -> None:
        self.new, self.changed = [], []
        for code, (_line, got) in self.rows.items():
            values = dict(got)
            if "brand" not in values and values.get("name"):
                values["brand"] = brand_of(values["name"])
            if "price_class" not in values and values.get("wholesale_price") is not None:
                values["price_class"] = price_class_for(values["wholesale_price"])
            product = self.existing.get(code)
            if product is None:
                self.new.append(Product(code=code, **values))
                continue
            before = {f: getattr(product, f) for f in values if getattr(product, f) != values[f]}
            if before:
                self.changed.append((product, before, values))
        self.report.created, self.report.replaced = len(self.new), len(self.changed)
        self.report.unchanged = len(self.rows) - len(self.new) - len(self.changed)

    def write(self) -> None:
        now, batch = self.now, self.batch
        for product in self.new:
            product.created_at = product.updated_at = now
            product.batch = batch
        Product.objects.bulk_create(self.new, batch_size=500)
        undo = {}
        fields = {"updated_at", "batch"}
        for product, before, values in self.changed:
            undo[product.code] = {
                "values": {f: str(val) if isinstance(val, Decimal) else val for f, val in before.items()},
                "batch": product.batch_id,
                "updated_at": product.updated_at.isoformat(),
            }
            for f, val in values.items():
                setattr(product, f, val)
            product.updated_at, product.batch = now, batch
            fields.update(before)
        if self.changed:
            Product.objects.bulk_update([p for p, _b, _v in self.changed], sorted(fields), batch_size=500)
        self.report.details["undo"] = undo
        self.report.details["created_codes"] = [p.code for p in self.new]

    def add_keys(self) -> None:
        pass  # order lines keep the price class they were imported with

    def cleanup(self) -> None:
        pass
