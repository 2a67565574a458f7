"""One weekly sheet against the archive → per-product tables and per-shop quantities (no writes).

The ``allocate`` command, the upload page and the benchmark all call :func:`allocate_sheet`; the
maths is ``serviceloop.analytics.allocation``.

Ordering week (every-other-week shops)
--------------------------------------
Each product's ordering week is the week given for the run (``week_of``, any date in it), else the
sheet's YEAR / MONTH / WEEK_SEQ read as "the week containing day 1 + 7 × (WEEK_SEQ − 1) of that month"
(week 1 = the week of the 1st), else the run's date. Its parity is the parity of the ISO week number:
odd-week (单周) shops order in odd ISO weeks and count 2 (两周一访上浮100%), even-week shops in even
ISO weeks; in the other week they count 0 and get nothing.

按价位段自选投放 (price band, self-selected): see ``serviceloop.growth.sheet`` for the rule — each product by the
whole-city grade table (``allocate_by_grade``, the same exact optimum), the shop choosing within its band.

Tag filter: the real sheet's TAG_FILTER_CONFIG is "0" on both tagged rows and no shop carries the tag,
so a tag is shown on the product and shops are not filtered by it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from serviceloop.analytics.allocation import (
    GRADE_RULE,
    REGIONAL_RULE,
    allocate_by_grade,
    allocate_by_grade_regional,
)
from serviceloop.growth.sheet import AllocationMethod, AllocationSheet, ProductSpec, SheetError, SheetIssue

from .archive import KIND_OF_DIMENSION, Archive, RegionError, RegionResolver

GRADES = range(1, 31)


def ordering_week(spec: ProductSpec, week_of: dt.date | None, today: dt.date) -> dt.date:
    """The Monday of the product's ordering week."""
    day = week_of
    if day is None and spec.year and spec.month and spec.week_seq:
        try:
            day = dt.date(spec.year, spec.month, 1) + dt.timedelta(days=7 * (spec.week_seq - 1))
        except ValueError:
            day = None
    day = day or today
    return day - dt.timedelta(days=day.weekday())


def week_label(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class ProductResult:
    position: int
    spec: ProductSpec
    week: dt.date | None = None
    regions: list[str] = field(default_factory=list)  # [] = one table for the whole city
    counts: dict[str, list[int]] = field(default_factory=dict)
    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    allocated: int = 0
    explanation: str = ""
    rule: str = ""
    # shops with a positive quantity: archive indices, quantities, region names, weights
    shop_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    shop_quantity: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    shop_region: list[str] = field(default_factory=list)
    shop_weight: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    shop_grades: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def handled(self) -> bool:
        return self.spec.handled

    @property
    def error(self) -> int:
        return self.allocated - self.spec.target if self.handled else 0

    @property
    def week_label(self) -> str:
        return week_label(self.week) if self.week else ""

    def as_json(self) -> dict:
        s = self.spec
        return {
            "code": s.code,
            "name": s.name,
            "method": s.method_label,
            "extension": s.extension_label or "",
            "area": s.area_label,
            "lowest_grade": s.lowest_grade,
            "highest_grade": s.highest_grade,
            "week": self.week_label,
            "target": s.target,
            "allocated": self.allocated,
            "error": self.error,
            "handled": self.handled,
            "regions": self.regions,
            "quantities": self.tables,
            "explanation": self.explanation,
        }


def _counts(grades: np.ndarray, weights: np.ndarray) -> list[int]:
    valid = grades > 0
    return np.bincount(grades[valid] - 1, weights=weights[valid], minlength=30).astype(np.int64).tolist()


def _table(quantities, lo: int, hi: int) -> dict[str, int]:
    return {f"D{g}": int(quantities[g - 1]) for g in range(hi, lo - 1, -1)}


def _region_masks(spec: ProductSpec, archive: Archive, resolver: RegionResolver) -> dict[str, np.ndarray]:
    """Region name → shops in it; raises RegionError with every unknown name of this product."""
    kinds = [KIND_OF_DIMENSION[d] for d in spec.extension]
    if spec.whole_city:  # every value of the (first) dimension present in the archive
        kind = kinds[0]
        column = archive.values[kind]
        return {resolver.label(kind, v): column == v for v in sorted(set(column.tolist())) if v}
    masks, problems = {}, []
    for region in spec.regions:
        mask = np.ones(len(archive), dtype=bool)
        for kind, name in zip(kinds, region.values, strict=True):
            try:
                values = resolver.resolve(kind, name)
            except RegionError as e:
                problems.append(str(e))
                continue
            mask &= np.isin(archive.values[kind], np.array(values, dtype=object))
        masks[region.name] = mask
    if problems:
        raise RegionError("；".join(dict.fromkeys(problems)))
    names = list(masks)
    overlap = np.sum([masks[n] for n in names], axis=0) if names else np.zeros(0)
    if names and (overlap > 1).any():
        raise RegionError(f"区域「{spec.area_label}」有客户同时属于两个区域，请检查区域映射表")
    return masks


def allocate_product(position, spec, archive, resolver, *, week_of=None, today=None) -> ProductResult:
    result = ProductResult(position=position, spec=spec)
    if not spec.handled:
        result.explanation = spec.not_handled_reason
        return result
    result.week = ordering_week(spec, week_of, today or dt.date.today())
    odd = result.week.isocalendar()[1] % 2 == 1
    weights = archive.weights(odd_week=odd)
    lo, hi = spec.lowest_grade, spec.highest_grade
    grades = archive.grades
    if spec.method is AllocationMethod.GRADE_EXTENDED:
        masks = _region_masks(spec, archive, resolver)
        counts = {name: _counts(grades[m], weights[m]) for name, m in masks.items()}
        if not counts:
            raise RegionError(f"区域「{spec.area_label}」在客户档案中没有任何客户")
        solved = allocate_by_grade_regional(counts, spec.target, lowest=lo, highest=hi)
        result.regions = list(counts)
        result.counts = counts
        result.tables = {name: _table(solved.tables[name], lo, hi) for name in counts}
        per_shop = np.zeros(len(archive), dtype=np.int64)
        region_of = np.full(len(archive), "", dtype=object)
        for name, m in masks.items():
            table = np.array((0, *solved.tables[name]), dtype=np.int64)
            per_shop = np.where(m, table[grades], per_shop)
            region_of[m] = name
        result.rule = REGIONAL_RULE
    else:
        counts = _counts(grades, weights)
        solved = allocate_by_grade(counts, spec.target, lowest=lo, highest=hi)
        result.counts = {"": counts}
        result.tables = {"": _table(solved.quantities, lo, hi)}
        table = np.array((0, *solved.quantities), dtype=np.int64)
        per_shop = table[grades]
        region_of = None
        result.rule = GRADE_RULE
    quantity = per_shop * weights
    index = np.flatnonzero(quantity > 0)
    result.shop_index = index
    result.shop_quantity = quantity[index]
    result.shop_weight = weights[index]
    result.shop_grades = grades[index]
    result.shop_region = [] if region_of is None else region_of[index].tolist()
    result.allocated = int(solved.allocated)
    result.explanation = solved.explanation
    assert int(quantity.sum()) == result.allocated  # the counts and the shops agree
    return result


def allocate_sheet(
    sheet: AllocationSheet,
    archive: Archive,
    *,
    week_of: dt.date | None = None,
    today: dt.date | None = None,
    resolver: RegionResolver | None = None,
) -> list[ProductResult]:
    """Every product of the sheet; raises SheetError listing every region the archive does not know."""
    resolver = resolver or RegionResolver(archive)
    results, issues = [], []
    for position, spec in enumerate(sheet.products, start=1):
        try:
            results.append(allocate_product(position, spec, archive, resolver, week_of=week_of, today=today))
        except RegionError as e:
            issues.append(SheetIssue(spec.row, "DELIVERY_AREA", f"{spec.name}：{e}"))
        except ValueError as e:  # the solver's own checks (Chinese messages)
            issues.append(SheetIssue(spec.row, None, f"{spec.name}：{e}"))
    if issues:
        raise SheetError(issues)
    return results
