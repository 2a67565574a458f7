"""Scarce-product allocation: the real week, exact vs heuristic, and points at 50,000 / 500,000 shops.

Pure functions only (no Django, no database). Prints four tables:

1. time to solve every grade-based product of the real week (allocation_week.xlsx) for the real
   grade distribution (customers_15020.xlsx) and for synthetic cities drawn from it at 1×, 2× and
   10× the shops (targets scaled alike) — median CPU time of several runs, with the ratio to 1×;
2. exact solver vs the proportional heuristic on the real week, whole city, real grade counts;
3. the real week end to end against the real archive: regions of the extended products mapped
   to archive fields by name (an approximation of what the growth app will do), every-other-week
   shops weighted 2 or 0 by the parity of WEEK_SEQ — total error per allocation type;
4. points allocation (Webster and Hamilton, with caps) for 50,000 and 500,000 shops.

Run: .venv/bin/python bench/bench_allocation.py
"""

import statistics
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serviceloop.analytics.allocation import (  # noqa: E402
    allocate_by_grade,
    allocate_by_grade_regional,
    apportion_points,
    proportional_grade_allocation,
    sales_points,
)
from serviceloop.growth.sheet import AllocationMethod, Dimension, parse_allocation_sheet  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "real"
RUNS = 5
DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def grade_number(label) -> int | None:
    if not isinstance(label, str):
        return None
    text = label.removesuffix("档")
    if "十" not in text:
        return DIGITS.get(text)
    tens, _, ones = text.partition("十")
    return (DIGITS[tens] if tens else 1) * 10 + (DIGITS[ones] if ones else 0)


def median_seconds(fn, runs=RUNS) -> float:
    """Median CPU seconds of this process (the solvers are single-threaded; CPU time is stable on a
    shared machine where wall time is not)."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def table(title, header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(x).rjust(w) for x, w in zip(row, widths, strict=True)))


def main():
    sheet = parse_allocation_sheet(DATA / "allocation_week.xlsx")
    archive = pd.read_excel(DATA / "customers_15020.xlsx")
    archive["grade"] = archive["GRADE"].map(grade_number)
    archive = archive[archive["grade"].notna()].copy()
    archive["grade"] = archive["grade"].astype(int)
    real_counts = [int((archive["grade"] == g).sum()) for g in range(1, 31)]
    products = sheet.handled
    print(f"real week: {len(sheet.products)} products, {len(products)} grade-based, "
          f"{len(sheet.not_handled)} by price band (not handled by this method)")  # fmt: skip
    print(f"real archive: {sum(real_counts)} shops with a grade")

    # 1. Speed of the whole week -------------------------------------------------------------
    rng = np.random.default_rng(2025)
    share = np.array(real_counts) / sum(real_counts)
    rows, base = [], None
    for label, scale, counts in [(f"real {sum(real_counts):,}", 1, real_counts)] + [
        (
            f"synthetic {int(sum(real_counts) * s):,}",
            s,
            rng.multinomial(int(sum(real_counts) * s), share).tolist(),
        )
        for s in (1, 2, 10)
    ]:
        targets = [round(p.target * scale) for p in products]
        per_product = []

        def week(counts=counts, targets=targets, per_product=per_product):
            per_product.clear()
            for t in targets:
                start = time.process_time()
                allocate_by_grade(counts, t)
                per_product.append(time.process_time() - start)

        seconds = median_seconds(week)
        base = base or seconds
        rows.append((label, len(targets), f"{seconds * 1000:.0f} ms", f"{statistics.median(per_product) * 1000:.1f} ms",
                     f"{max(per_product) * 1000:.1f} ms", f"{seconds / base:.2f}×"))  # fmt: skip
    table(
        f"1. Exact grade tables for the whole real week (whole city; median CPU time of {RUNS} runs)",
        ("shops", "products", "week", "median product", "slowest product", "ratio"),
        rows,
    )

    # 2. Exact vs heuristic ----------------------------------------------------------------
    exact = [allocate_by_grade(real_counts, p.target) for p in products]
    naive = [proportional_grade_allocation(real_counts, p.target) for p in products]
    rows = []
    for name, results in (("exact solver", exact), ("proportional heuristic", naive)):
        rows.append((name, sum(r.abs_error for r in results), sum(r.abs_error == 0 for r in results),
                     max(r.abs_error for r in results)))  # fmt: skip
    table(
        f"2. Real week, {len(products)} grade-based products, real grade counts, whole city",
        ("method", "total |error| (cartons)", "products with error 0", "largest |error|"),
        rows,
    )

    # 3. End to end with the archive --------------------------------------------------------
    fields = {
        Dimension.DISTRICT: "COMPANY_BRANCH",
        Dimension.MARKET_TYPE: "MARKET_TYPE",
        Dimension.URBAN_RURAL_CODE: "CLASSIFICATION_CODE",
        Dimension.RETAIL_FORMAT: "CUST_FORMAT",
    }

    def weights(week_seq: int) -> np.ndarray:
        cycle = archive["ORDER_CYCLE"].fillna("").astype(str)
        w = np.ones(len(archive), dtype=np.int64)
        odd = week_seq % 2 == 1
        w[cycle.str.startswith("单周").to_numpy()] = 2 if odd else 0
        w[cycle.str.startswith("双周").to_numpy()] = 0 if odd else 2
        w[(cycle == "不访销").to_numpy()] = 0
        return w

    def counts_of(mask: np.ndarray, w: np.ndarray) -> list[int]:
        return (
            np.bincount(archive["grade"].to_numpy()[mask] - 1, weights=w[mask], minlength=30)
            .astype(int)
            .tolist()
        )

    def matches(region_value: str, dim: Dimension) -> np.ndarray:
        column = archive[fields[dim]].fillna("").astype(str)
        if dim is Dimension.DISTRICT:  # "丹江" names 丹江口市烟草专卖局(营销部)
            return column.str.startswith(region_value).to_numpy()
        return (column == region_value).to_numpy()

    jobs, unmatched = [], []  # (type, solver call): inputs counted first, solving timed alone
    for p in products:
        w = weights(p.week_seq or 1)
        everyone = np.ones(len(archive), dtype=bool)
        label = "按档位扩展投放" if p.method is AllocationMethod.GRADE_EXTENDED else p.method_label
        grades = {"lowest": p.lowest_grade, "highest": p.highest_grade}
        if p.method is AllocationMethod.GRADE_EXTENDED and not p.whole_city:
            per_region = {}
            for region in p.regions:
                mask = everyone.copy()
                for dim, value in zip(p.extension, region.values, strict=True):
                    mask &= matches(value, dim)
                if not mask.any():
                    unmatched.append(f"{p.name}: {region.name}")
                per_region[region.name] = counts_of(mask, w)
            jobs.append((label, partial(allocate_by_grade_regional, per_region, p.target, **grades)))
        else:
            jobs.append((label, partial(allocate_by_grade, counts_of(everyone, w), p.target, **grades)))
    by_type: dict[str, list] = {}
    for label, job in jobs:
        by_type.setdefault(label, []).append(job())
    seconds = median_seconds(lambda: [job() for _, job in jobs])
    rows = [
        (
            label,
            len(results),
            sum(r.target for r in results),
            sum(r.abs_error for r in results),
            sum(r.abs_error == 0 for r in results),
        )  # fmt: skip
        for label, results in by_type.items()
    ]
    rows.append(("all", sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows),
                 sum(r[4] for r in rows)))  # fmt: skip
    table(
        f"3. Real week end to end with the archive (regions by name, 单/双周 by WEEK_SEQ parity); "
        f"solving all {len(jobs)}: {seconds * 1000:.0f} ms",
        ("allocation type", "products", "target (cartons)", "total |error|", "error 0"),
        rows,
    )
    if unmatched:
        print("   regions not found in the archive:", "; ".join(unmatched))

    # 4. Points ------------------------------------------------------------------------------
    rows = []
    base = {}
    for n in (50_000, 500_000):
        gen = np.random.default_rng(n)
        volumes = gen.poisson(lam=[2.0, 4.0, 8.0, 6.0, 3.0], size=(n, 5))
        points = sales_points(volumes)
        caps = gen.integers(1, 21, n)
        supply = n // 2
        for method in ("webster", "hamilton"):
            seconds = median_seconds(
                lambda p=points, c=caps, s=supply, m=method: apportion_points(p, s, method=m, caps=c)
            )
            base.setdefault(method, seconds)
            rows.append(
                (
                    f"{n:,}",
                    method,
                    f"{supply:,}",
                    f"{seconds * 1000:.0f} ms",
                    f"{seconds / base[method]:.1f}×",
                )
            )
    table(
        f"4. Points allocation with per-shop caps (median CPU time of {RUNS} runs; ratio to 50,000 shops)",
        ("shops", "method", "supply", "time", "ratio"),
        rows,
    )


if __name__ == "__main__":
    main()
