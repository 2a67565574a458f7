"""The weekly allocation sheet (卷烟投放计划表) → product specs. Pure: openpyxl only, no Django.

The sheet is the export companies already produce (the real one: ``allocation_week.xlsx``, sheet
``cigarette_distribution_info``): one row per product with the columns ID, YEAR, MONTH, WEEK_SEQ,
CIG_CODE, CIG_NAME, SUPPLY_ATTRIBUTE, URS, DELIVERY_METHOD, DELIVERY_ETYPE, TAG, ADV (target cartons),
DELIVERY_AREA, BZ (remarks), HIGHEST_GRADE, LOWEST_GRADE (D30 … D1) and TAG_FILTER_CONFIG. Headers
are matched case-insensitively in any order; extra columns are ignored. Required: CIG_CODE,
CIG_NAME, DELIVERY_METHOD, DELIVERY_ETYPE, ADV, DELIVERY_AREA, HIGHEST_GRADE, LOWEST_GRADE.

API
---
``parse_allocation_sheet(source, *, sheet=None) -> AllocationSheet``
    ``source``: a path, bytes or a binary file object. All-or-nothing: any bad cell raises
    :class:`SheetError`, whose ``issues`` list every problem with its Excel row and column and a
    Chinese reason (unknown method, reversed grade range, target negative / not whole / absurd,
    missing columns, a malformed area …).
``parse_area(text, extension) -> (whole_city, regions)`` — the DELIVERY_AREA rule on its own.

How the growth app uses a :class:`ProductSpec` (the ``allocate`` command and the pages):

* ``method`` GRADE / GRADE_UNIFORM: weighted shop counts per grade of the whole city (active shops;
  every-other-week shops weigh 2 in their ordering week, 0 otherwise) →
  ``analytics.allocation.allocate_by_grade(counts, spec.target, lowest=…, highest=…)``.
  按档位统一投放 is read as "one grade table for the whole city" — the same computation.
* GRADE_EXTENDED: for each ``spec.regions`` entry, the shops whose archive fields match
  ``region.values`` on ``spec.extension`` (district, market type …; the archive → region-name
  mapping, e.g. "丹江" → 丹江口市烟草专卖局, and the urban/rural split of market types are
  settings of the growth app) → ``allocate_by_grade_regional({region.name: counts, …}, …)``. A
  region name not found in the archive is the caller's error to report (it needs the archive).
  ``whole_city`` with an extension means every value of that dimension.
* PRICE_BAND_SELF_SELECT (按价位段自选投放), the rule the sheet implies: its rows carry exactly the columns of a
  按档位投放 row — a target (ADV), a grade range (the real week: D30–D1 on all 37 rows), 全市, no extension —
  and differ only in that the shop chooses (自选) among the products of one price band (价位段). So each
  product's target is set out over the grades with the same exact-optimum grade table as 按档位投放 (its total
  as close to ADV as the weighted grade counts allow; every-other-week shops 2 or 0); a shop's quantity is
  the most it may order of that product, and the quantities of one band's products (the catalogue's price
  class) add up to the shop's band quota, within which it picks the products it wants. Nothing in the sheet
  says how a band quota would be split otherwise, so the per-product tables are the record. A row naming
  areas cannot be resolved without an extension dimension: ``handled`` is False and it is reported as not
  handled (:data:`NOT_HANDLED_REASON`), never dropped silently.
* ``tag`` / ``tag_filter``: a customer tag (e.g. 优质数据共享客户) and TAG_FILTER_CONFIG, kept as
  written. In the real sheet the filter is "0" on both tagged rows and no shop of the real archive
  carries the tag, so "0" most likely means "tag shown, shops not filtered"; the growth app settles
  that rule. ``biweekly_uplift_percent`` is parsed from BZ ("两周一访上浮100%").
* Empty cells written as the text NULL (database exports; DELIVERY_ETYPE in the real sheet) are
  empty.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from serviceloop.core.uploads import MAX_COLUMNS, UploadRejected, guarded

__all__ = [
    "NOT_HANDLED_REASON",
    "AllocationMethod",
    "AllocationSheet",
    "Dimension",
    "ProductSpec",
    "Region",
    "SheetError",
    "SheetIssue",
    "parse_allocation_sheet",
    "parse_area",
]

MAX_TARGET = 10_000_000
NOT_HANDLED_REASON = "按价位段自选投放只能面向全市（没有扩展维度，无法识别投放区域），本方法不处理"
REQUIRED_COLUMNS = (
    "CIG_CODE",
    "CIG_NAME",
    "DELIVERY_METHOD",
    "DELIVERY_ETYPE",
    "ADV",
    "DELIVERY_AREA",
    "HIGHEST_GRADE",
    "LOWEST_GRADE",
)
OPTIONAL_COLUMNS = (
    "ID",
    "YEAR",
    "MONTH",
    "WEEK_SEQ",
    "SUPPLY_ATTRIBUTE",
    "URS",
    "TAG",
    "BZ",
    "TAG_FILTER_CONFIG",
)


class AllocationMethod(StrEnum):
    GRADE = "grade"  # 按档位投放
    GRADE_UNIFORM = "grade_uniform"  # 按档位统一投放
    GRADE_EXTENDED = "grade_extended"  # 按档位扩展投放 (also spelt 按档位拓展投放)
    PRICE_BAND_SELF_SELECT = "price_band_self_select"  # 按价位段自选投放


class Dimension(StrEnum):
    """Customer-archive fields an extended allocation splits by (DELIVERY_ETYPE after 档位+)."""

    DISTRICT = "district"  # 区县
    MARKET_TYPE = "market_type"  # 市场类型 (城网/农网)
    URBAN_RURAL_CODE = "urban_rural_code"  # 城乡分类代码
    RETAIL_FORMAT = "retail_format"  # 业态
    MARKET_DEPARTMENT = "market_department"  # 市场部
    TRADING_AREA = "trading_area"  # 商圈
    CREDIT_RATING = "credit_rating"  # 诚信等级
    MUTUAL_AID_GROUP = "mutual_aid_group"  # 诚信互助小组


METHOD_LABELS = {
    "按档位投放": AllocationMethod.GRADE,
    "按档位统一投放": AllocationMethod.GRADE_UNIFORM,
    "按档位扩展投放": AllocationMethod.GRADE_EXTENDED,
    "按档位拓展投放": AllocationMethod.GRADE_EXTENDED,  # variant spelling seen in the real sheet
    "按价位段自选投放": AllocationMethod.PRICE_BAND_SELF_SELECT,
}
DIMENSION_LABELS = {
    "区县": Dimension.DISTRICT,
    "县区": Dimension.DISTRICT,
    "市场类型": Dimension.MARKET_TYPE,
    "城乡分类代码": Dimension.URBAN_RURAL_CODE,
    "城乡分类": Dimension.URBAN_RURAL_CODE,
    "业态": Dimension.RETAIL_FORMAT,
    "市场部": Dimension.MARKET_DEPARTMENT,
    "营销部": Dimension.MARKET_DEPARTMENT,
    "商圈": Dimension.TRADING_AREA,
    "商圈类型": Dimension.TRADING_AREA,
    "诚信等级": Dimension.CREDIT_RATING,
    "信用等级": Dimension.CREDIT_RATING,
    "诚信互助小组": Dimension.MUTUAL_AID_GROUP,
    "互助小组": Dimension.MUTUAL_AID_GROUP,
}
WHOLE_CITY = "全市"
_AREA_SEPARATORS = re.compile(r"--+|—+|[，,、.．。;；/\s]+")
_QUALIFIED = re.compile(r"^(?P<outer>[^（）()]+)[（(](?P<inner>[^（）()]+)[）)]$")
_GRADE = re.compile(r"^D?(\d{1,2})档?$")
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NULLS = {"NULL", "NONE", "NAN", "N/A"}  # database exports write empty cells as the text NULL
_UPLIFT = re.compile(r"两周一访上浮\s*(\d+)\s*[%％]")


@dataclass(frozen=True)
class Region:
    """One DELIVERY_AREA entry: ``name`` as written, ``values`` one per extension dimension
    (e.g. "丹江（城网）" → ("丹江", "城网") for 档位+区县+市场类型)."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class ProductSpec:
    row: int
    code: str
    name: str
    method: AllocationMethod
    method_label: str
    extension: tuple[Dimension, ...]
    extension_label: str | None
    target: int
    highest_grade: int
    lowest_grade: int
    area_label: str
    whole_city: bool
    regions: tuple[Region, ...]
    tag: str | None = None
    tag_filter: str | None = None
    remarks: str | None = None
    biweekly_uplift_percent: int | None = None
    sheet_id: int | None = None
    year: int | None = None
    month: int | None = None
    week_seq: int | None = None
    supply_attribute: str | None = None
    urs: str | None = None

    @property
    def handled(self) -> bool:
        return self.method is not AllocationMethod.PRICE_BAND_SELF_SELECT or self.whole_city

    @property
    def price_band(self) -> bool:
        return self.method is AllocationMethod.PRICE_BAND_SELF_SELECT

    @property
    def not_handled_reason(self) -> str | None:
        return None if self.handled else NOT_HANDLED_REASON

    @property
    def areas(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.regions)


@dataclass(frozen=True)
class AllocationSheet:
    sheet_name: str
    products: tuple[ProductSpec, ...]

    @property
    def handled(self) -> tuple[ProductSpec, ...]:
        return tuple(p for p in self.products if p.handled)

    @property
    def not_handled(self) -> tuple[ProductSpec, ...]:
        return tuple(p for p in self.products if not p.handled)


@dataclass(frozen=True)
class SheetIssue:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = "".join(
            part
            for part in (f"第 {self.row} 行" if self.row else "", f" {self.column} 列" if self.column else "")
        ).strip()
        return f"{where}：{self.message}" if where else self.message


@dataclass
class SheetError(ValueError):
    issues: list[SheetIssue] = field(default_factory=list)

    def __str__(self) -> str:
        return f"投放计划表有 {len(self.issues)} 处错误：\n" + "\n".join(str(i) for i in self.issues)


# ----------------------------------------------------------------------------------------------
# Cells


class _Bad(Exception):
    pass


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return None if not text or text.upper() in _NULLS else text


def _integer(value, what: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _Bad(f"{what}必须是整数（「{value}」）")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise _Bad(f"{what}必须是整数（「{value:g}」）")
        return int(value)
    text = str(value).strip().replace(",", "").replace("，", "")
    if not re.fullmatch(r"[+-]?\d+", text):
        raise _Bad(f"{what}必须是整数（「{value}」）")
    return int(text)


def _grade(value) -> int:
    if value is None or not str(value).strip():
        raise _Bad("缺少档位")
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        number = int(value)
    else:
        text = str(value).strip().upper()
        match = _GRADE.match(text)
        number = int(match.group(1)) if match else _chinese_grade(text)
    if number is None or not 1 <= number <= 30:
        raise _Bad(f"无法识别的档位「{value}」（应为 D1–D30）")
    return number


def _chinese_grade(text: str) -> int | None:
    text = text.removesuffix("档")
    if not text or any(ch not in _CHINESE_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _CHINESE_DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if (tens and tens not in _CHINESE_DIGITS) or (ones and ones not in _CHINESE_DIGITS):
        return None
    return (_CHINESE_DIGITS[tens] if tens else 1) * 10 + (_CHINESE_DIGITS[ones] if ones else 0)


def _extension(label: str | None) -> tuple[Dimension, ...]:
    parts = [p.strip() for p in re.split(r"[+＋]", label or "")]
    if len(parts) < 2 or parts[0] != "档位" or not all(parts[1:]):
        raise _Bad(f"无法识别的扩展类型「{label}」（应为「档位+区县」「档位+市场类型」等）")
    dims = []
    for part in parts[1:]:
        if part not in DIMENSION_LABELS:
            raise _Bad(f"未知的扩展维度「{part}」（可选：{'、'.join(dict.fromkeys(DIMENSION_LABELS))}）")
        dims.append(DIMENSION_LABELS[part])
    if len(set(dims)) != len(dims):
        raise _Bad(f"扩展类型「{label}」中维度重复")
    return tuple(dims)


def parse_area(
    text: str | None, extension: tuple[Dimension, ...], *, free: bool = False
) -> tuple[bool, tuple[Region, ...]]:
    """(whole_city, regions) from a DELIVERY_AREA cell.

    Entries are separated by '，' ',' '.' '、' '--' (and ';' '/' or spaces); '全市' (or an empty cell)
    is the whole city. With two extension dimensions each entry reads 外（内）, e.g. 丹江（城网）.
    ``free``: names only, no dimension checks (rows this method does not allocate)."""
    raw = (text or "").strip()
    if not raw or raw == WHOLE_CITY:
        return True, ()
    names = list(dict.fromkeys(p.strip() for p in _AREA_SEPARATORS.split(raw) if p.strip()))
    if WHOLE_CITY in names:
        raise _Bad(f"「全市」不能与具体区域同时填写（「{raw}」）")
    if free:
        return False, tuple(Region(name, (name,)) for name in names)
    if not extension:
        raise _Bad(f"不是扩展投放，只能面向全市，却填写了投放区域「{raw}」")
    regions = []
    for name in names:
        match = _QUALIFIED.match(name)
        if len(extension) == 1:
            if match or any(ch in name for ch in "（）()"):
                raise _Bad(f"区域「{name}」带有括号，但扩展类型只有一个维度")
            regions.append(Region(name, (name,)))
        elif len(extension) == 2:
            if not match:
                raise _Bad(f"区域「{name}」应写成「区县（市场类型）」这样的两级形式")
            regions.append(Region(name, (match.group("outer").strip(), match.group("inner").strip())))
        else:
            raise _Bad("扩展类型最多支持两个维度")
    return False, tuple(regions)


# ----------------------------------------------------------------------------------------------
# Sheet


def _open(source):
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    elif isinstance(source, str | Path):
        source = Path(source)
    import openpyxl  # only when a sheet is read: this module's types are imported at start-up

    from serviceloop.core.uploads import xlsx_check

    try:
        xlsx_check(source)  # not a zip, a bomb, XXE: a clear message before openpyxl parses anything
        return openpyxl.load_workbook(source, read_only=True, data_only=True)
    except UploadRejected as exc:
        raise SheetError([SheetIssue(None, None, str(exc))]) from None
    except Exception:  # openpyxl raises several types for a zip that is not a workbook
        raise SheetError(
            [SheetIssue(None, None, "无法读取 Excel 文件：不是 xlsx 文件，或文件已损坏")]
        ) from None


MAX_SHEET_ROWS = 5_000  # one week's plan lists a few hundred products at most


def parse_allocation_sheet(source, *, sheet: str | None = None) -> AllocationSheet:
    """Parse one week's allocation sheet; raise :class:`SheetError` listing every bad cell."""
    workbook = _open(source)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise SheetError([SheetIssue(None, None, f"找不到工作表「{sheet}」")])
        ws = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        rows = guarded(ws.iter_rows(max_col=MAX_COLUMNS, values_only=True), max_rows=MAX_SHEET_ROWS)
        issues: list[SheetIssue] = []
        products = []
        try:
            header = next(rows, None) or ()
            columns: dict[str, int] = {}
            for i, cell in enumerate(header):
                name = _text(cell)
                if name and name.upper() not in columns:
                    columns[name.upper()] = i
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise SheetError([SheetIssue(1, None, f"缺少列：{'、'.join(missing)}")])
            for number, values in enumerate(rows, start=2):
                if values is None or all(_text(v) is None for v in values):
                    continue
                spec = _product(number, values, columns, issues)
                if spec is not None:
                    products.append(spec)
        except UploadRejected as exc:  # broken XML half-way, or a row bomb
            raise SheetError([*issues, SheetIssue(None, None, str(exc))]) from None
        if not products and not issues:
            issues.append(SheetIssue(None, None, "投放计划表没有任何卷烟"))
        if issues:
            raise SheetError(issues)
        return AllocationSheet(sheet_name=ws.title, products=tuple(products))
    finally:
        workbook.close()


def _product(number: int, values, columns: dict[str, int], issues: list[SheetIssue]) -> ProductSpec | None:
    def cell(column: str):
        i = columns.get(column)
        return values[i] if i is not None and i < len(values) else None

    found: dict[str, object] = {}
    before = len(issues)

    def take(column: str, parse):
        try:
            found[column] = parse(cell(column))
        except _Bad as bad:
            issues.append(SheetIssue(number, column, str(bad)))

    def required_text(what: str):
        def parse(value):
            text = _text(value)
            if text is None:
                raise _Bad(f"缺少{what}")
            return text

        return parse

    def target(value):
        amount = _integer(value, "目标量")
        if amount is None:
            raise _Bad("缺少目标量")
        if amount < 0:
            raise _Bad(f"目标量不能为负数（{amount}）")
        if amount > MAX_TARGET:
            raise _Bad(f"目标量 {amount:,} 条超出合理范围（不超过 {MAX_TARGET:,} 条）")
        return amount

    def method(value):
        label = _text(value)
        if label is None:
            raise _Bad("缺少投放方式")
        if label not in METHOD_LABELS:
            raise _Bad(f"未知的投放方式「{label}」（可选：{'、'.join(METHOD_LABELS)}）")
        return label

    take("CIG_CODE", required_text("卷烟编码"))
    take("CIG_NAME", required_text("卷烟名称"))
    take("DELIVERY_METHOD", method)
    take("ADV", target)
    take("HIGHEST_GRADE", _grade)
    take("LOWEST_GRADE", _grade)
    for column in ("ID", "YEAR", "MONTH", "WEEK_SEQ"):
        take(column, lambda v, c=column: _integer(v, c))
    label = found.get("DELIVERY_METHOD")
    kind = METHOD_LABELS.get(label) if label else None
    etype = _text(cell("DELIVERY_ETYPE"))
    extension: tuple[Dimension, ...] | None = ()
    if kind is AllocationMethod.GRADE_EXTENDED:
        take("DELIVERY_ETYPE", lambda v: _extension(_text(v)))
        extension = found.get("DELIVERY_ETYPE")  # None when unreadable: the area cannot be checked
    elif etype is not None and kind is not None:
        issues.append(SheetIssue(number, "DELIVERY_ETYPE", f"投放方式为{label}，不应填写扩展类型「{etype}」"))
    if kind is not None and extension is not None:
        free = kind is AllocationMethod.PRICE_BAND_SELF_SELECT
        take("DELIVERY_AREA", lambda v: parse_area(_text(v), extension, free=free))
    high, low = found.get("HIGHEST_GRADE"), found.get("LOWEST_GRADE")
    if high is not None and low is not None and high < low:
        issues.append(
            SheetIssue(
                number, "HIGHEST_GRADE/LOWEST_GRADE", f"档位范围颠倒：最高档位 D{high} 低于最低档位 D{low}"
            )
        )
    if len(issues) > before:
        return None
    remarks = _text(cell("BZ"))
    uplift = _UPLIFT.search(remarks or "")
    whole_city, regions = found["DELIVERY_AREA"]
    return ProductSpec(
        row=number,
        code=found["CIG_CODE"],
        name=found["CIG_NAME"],
        method=kind,
        method_label=label,
        extension=extension,
        extension_label=etype,
        target=found["ADV"],
        highest_grade=high,
        lowest_grade=low,
        area_label=_text(cell("DELIVERY_AREA")) or WHOLE_CITY,
        whole_city=whole_city,
        regions=regions,
        tag=_text(cell("TAG")),
        tag_filter=_text(cell("TAG_FILTER_CONFIG")),
        remarks=remarks,
        biweekly_uplift_percent=int(uplift.group(1)) if uplift else None,
        sheet_id=found.get("ID"),
        year=found.get("YEAR"),
        month=found.get("MONTH"),
        week_seq=found.get("WEEK_SEQ"),
        supply_attribute=_text(cell("SUPPLY_ATTRIBUTE")),
        urs=_text(cell("URS")),
    )
