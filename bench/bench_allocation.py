"""Scarce-product allocation: the real week, exact vs heuristic, and points at 50,000 / 500,000 shops.

Sections 1, 2 and 4 are pure functions; section 3 uses the growth app's mapping without a database.
Prints four tables:

1. time to solve every grade-based product of the real week (allocation_week.xlsx) for the real
   grade distribution (customers_15020.xlsx) and for synthetic cities drawn from it at 1×, 2× and
   10× the shops (targets scaled alike) — median CPU time of several runs, with the ratio to 1×;
2. exact solver vs the proportional heuristic on the real week, whole city, real grade counts;
3. the real week end to end against the real archive with the growth app's own region mapping and
   engine (``serviceloop.growth.archive`` / ``engine``; Django is set up for the imports, no database
   is used) — every-other-week shops weighted 2 or 0 by ISO-week parity — total error per type;
4. points allocation (Webster and Hamilton, with caps) for 50,000 and 500,000 shops.

Run: .venv/bin/python bench/bench_allocation.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serviceloop.analytics.allocation import (  # noqa: E402
    allocate_by_grade,
    apportion_points,
    proportional_grade_allocation,
    sales_points,
)
from serviceloop.growth.sheet import parse_allocation_sheet  # noqa: E402

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
    band = sum(p.price_band for p in products)
    print(f"real week: {len(sheet.products)} products, {len(products)} by grade tables ({band} of them 按价位段自选投放, "
          f"set out by grade, the shop choosing within its band), {len(sheet.not_handled)} not handled")  # fmt: skip
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
    # The growth app's own mapping (serviceloop.growth.archive: alias table + exact + unique prefix,
    # coded fields through the import's names and aliases) and engine, fed from the spreadsheet
    # instead of the database: the seeded aliases are passed in, nothing is read from a database.
    import datetime as dt
    import importlib

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from serviceloop.customers.codes import DEFAULT_ALIASES, ZH_NAMES
    from serviceloop.growth.archive import Archive, RegionKind, RegionResolver
    from serviceloop.growth.engine import allocate_sheet

    seed = importlib.import_module("serviceloop.growth.migrations.0002_seed_region_aliases")
    region_aliases = [("district", k, v) for k, v in seed.DISTRICTS.items()] + seed.CODED

    def code_of(field, column):
        lookup = {zh: code for code, zh in ZH_NAMES[field].items()}
        lookup |= {alias: code for f, alias, code in DEFAULT_ALIASES if f == field}
        lookup |= {code: code for code in ZH_NAMES[field]}
        return np.array([lookup.get(v, "") for v in archive[column].fillna("").astype(str)], dtype=object)

    cycle = archive["ORDER_CYCLE"].fillna("").astype(str)
    names = {
        RegionKind.DISTRICT: archive["COMPANY_BRANCH"].fillna("").astype(str).to_numpy(dtype=object),
        RegionKind.MARKET_DEPARTMENT: archive["MARKET_DEPARTMENT"]
        .fillna("")
        .astype(str)
        .to_numpy(dtype=object),
        RegionKind.MUTUAL_AID_GROUP: archive["GROUP_NAME"].fillna("").astype(str).to_numpy(dtype=object),
        RegionKind.MARKET_TYPE: code_of("market_type", "MARKET_TYPE"),
        RegionKind.URBAN_RURAL_CODE: code_of("urban_rural_code", "CLASSIFICATION_CODE"),
        RegionKind.RETAIL_FORMAT: code_of("retail_format", "CUST_FORMAT"),
        RegionKind.TRADING_AREA: code_of("trading_area", "BUSINESS_DISTRICT_TYPE"),
        RegionKind.CREDIT_RATING: code_of("credit_rating", "CREDIT_LEVEL"),
    }
    store = Archive(
        ids=np.arange(len(archive), dtype=np.int64),
        licences=archive["CUST_CODE"].astype(str).tolist(),
        grades=archive["grade"].to_numpy(dtype=np.int64),
        cycles=np.select(
            [cycle.str.startswith("单周"), cycle.str.startswith("双周"), cycle == "不访销"], [1, 2, 3], 0
        ).astype(np.int64),
        active=(archive["BUSINESS_STATUS"].fillna("有效") == "有效").to_numpy(),
        values=names,
    )
    resolver = RegionResolver(store, aliases=region_aliases, code_aliases=DEFAULT_ALIASES)
    today = dt.date(2025, 9, 12)
    results = allocate_sheet(sheet, store, today=today, resolver=resolver)
    seconds = median_seconds(lambda: allocate_sheet(sheet, store, today=today, resolver=resolver))
    by_type: dict[str, list] = {}
    for r in results:
        if r.handled:
            by_type.setdefault(r.spec.method_label, []).append(r)
    rows = [
        (
            label,
            len(rs),
            sum(r.spec.target for r in rs),
            sum(abs(r.error) for r in rs),
            sum(r.error == 0 for r in rs),
        )  # fmt: skip
        for label, rs in by_type.items()
    ]
    rows.append(("all", sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows),
                 sum(r[4] for r in rows)))  # fmt: skip
    table(
        f"3. Real week end to end with the archive (growth.archive mapping: aliases, exact or unique prefix; "
        f"单/双周 by ISO-week parity of YEAR/MONTH/WEEK_SEQ); regions, counts, solving and per-shop "
        f"quantities for all {len(results)} products: {seconds * 1000:.0f} ms",
        ("allocation type", "products", "target (cartons)", "total |error|", "error 0"),
        rows,
    )

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
