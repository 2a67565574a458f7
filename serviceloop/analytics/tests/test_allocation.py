"""Grade allocation (按档位投放) — exact against independent solvers, canonical tie-break, properties.

Independent solvers: exhaustive enumeration of every monotone table (small instances, all five keys
of the rule) and scipy's MILP / HiGHS (large instances and the real week: the minimal error and the
minimal top quantity). Runs without Django (pytest -p no:django).
"""

import itertools
from math import comb

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from serviceloop.analytics.allocation import (
    GRADE_RULE,
    allocate_by_grade,
    allocate_by_grade_regional,
    proportional_grade_allocation,
)

# Shops per grade D1…D30 in the real city archive (customers_15020.xlsx, column GRADE).
REAL_COUNTS = (130, 149, 299, 296, 447, 444, 447, 596, 599, 631, 624, 618, 763, 749, 746,
               746, 748, 747, 598, 601, 597, 597, 597, 450, 450, 451, 300, 299, 150, 149)  # fmt: skip
# ADV of the 49 grade-based products of the real week (allocation_week.xlsx).
REAL_TARGETS = (2683, 15793, 470, 4183, 8407, 33093, 1643, 46218, 91667, 42178, 67551, 6851, 612,
                41561, 9211, 36667, 1467, 14073, 1376, 2249, 161708, 1526, 646, 1586, 4257, 14767,
                20689, 18560, 41459, 397, 2552, 187970, 71429, 125000, 798, 92593, 49271, 195313,
                101626, 20429, 77280, 48387, 16722, 201613, 11367, 5133, 69892, 115575, 51230)  # fmt: skip

FAST = settings(max_examples=300, deadline=None, database=None, derandomize=True)
MANY = settings(
    max_examples=2000,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def table_in_range(result):
    return [result.quantities[g - 1] for g in range(result.lowest, result.highest + 1)]


# ---------------------------------------------------------------------------------------------
# Independent solvers


def brute_force(counts, target, lo, hi):
    """Every monotone table with x[hi] ≤ bound, ordered by the documented rule; the first one wins.

    The bound holds the optimum: its total is at most target + s (s = fewest shops of any suffix
    of the range) and x[hi] = Σ d_k ≤ total / s."""
    n = np.array(counts[lo - 1 : hi], dtype=np.int64)
    suffix = np.cumsum(n[::-1])[::-1]
    positive = suffix[suffix > 0]
    if len(positive) == 0 or target == 0:
        return [0] * len(n)
    smallest = int(positive.min())
    bound = (target + smallest) // smallest
    rows = np.array(list(itertools.combinations_with_replacement(range(bound + 1), len(n))), dtype=np.int64)
    total = rows @ n
    error = np.abs(total - target)
    over = total > target
    steps = np.diff(rows, axis=1, prepend=0)
    keys = [rows[:, i] for i in range(len(n) - 1, -1, -1)] + [(steps**2).sum(1), rows[:, -1], over, error]
    return rows[np.lexsort(keys)[0]].tolist()


def enumeration_size(counts, target, lo, hi):
    n = counts[lo - 1 : hi]
    suffix = [sum(n[i:]) for i in range(len(n))]
    positive = [s for s in suffix if s > 0]
    if not positive or target == 0:
        return 0
    bound = (target + min(positive)) // min(positive)
    return comb(bound + len(n), len(n))


def milp_best(counts, target, lo, hi, *, fixed_total=None):
    """Minimal |Σ x·n - target| (or, with fixed_total, minimal x[hi] reaching it) by HiGHS."""
    n = np.array(counts[lo - 1 : hi], dtype=float)
    r = len(n)
    rows, lower, upper = [], [], []
    for i in range(r - 1):  # x[i] ≤ x[i + 1]
        row = np.zeros(r + 1)
        row[i], row[i + 1] = 1, -1
        rows.append(row)
        lower.append(-np.inf)
        upper.append(0)
    objective = np.zeros(r + 1)
    if fixed_total is None:
        objective[-1] = 1  # u ≥ |Σ x·n - target|
        rows += [np.append(n, -1.0), np.append(n, 1.0)]
        lower += [-np.inf, target]
        upper += [target, np.inf]
    else:
        objective[r - 1] = 1
        rows.append(np.append(n, 0.0))
        lower.append(fixed_total)
        upper.append(fixed_total)
    res = milp(
        objective,
        constraints=LinearConstraint(np.array(rows), lower, upper),
        integrality=np.append(np.ones(r), 0),
        bounds=Bounds(0, np.inf),
        options={"mip_rel_gap": 0, "time_limit": 30},
    )
    assert res.status == 0, res.message
    return res.fun


# ---------------------------------------------------------------------------------------------
# Strategies


@st.composite
def small_instances(draw):
    lo = draw(st.integers(1, 30))
    width = draw(st.integers(1, 4))
    hi = min(30, lo + width - 1)
    counts = [0] * 30
    for g in range(1, 31):  # shops outside the range must simply get nothing
        counts[g - 1] = draw(st.integers(0, 6)) if lo <= g <= hi or draw(st.booleans()) else 0
    target = draw(st.integers(0, 45))
    return counts, target, lo, hi


@st.composite
def large_instances(draw):
    lo = draw(st.integers(1, 30))
    hi = draw(st.integers(lo, 30))
    counts = [draw(st.integers(0, 800)) if lo <= g <= hi else 0 for g in range(1, 31)]
    target = draw(st.integers(0, 300_000))
    return counts, target, lo, hi


# ---------------------------------------------------------------------------------------------
# Exactness


@MANY
@given(small_instances())
def test_it_matches_exhaustive_enumeration_on_small_instances(instance):
    counts, target, lo, hi = instance
    if enumeration_size(counts, target, lo, hi) > 60_000:
        return  # too many tables to enumerate quickly; the MILP tests cover large instances
    result = allocate_by_grade(counts, target, lowest=lo, highest=hi)
    assert table_in_range(result) == brute_force(counts, target, lo, hi)


@settings(max_examples=120, deadline=None, database=None, derandomize=True)
@given(large_instances())
def test_it_reaches_the_milp_optimum_on_large_instances(instance):
    counts, target, lo, hi = instance
    result = allocate_by_grade(counts, target, lowest=lo, highest=hi)
    if sum(counts[lo - 1 : hi]) == 0:
        assert result.allocated == 0
        return
    assert result.abs_error == round(milp_best(counts, target, lo, hi))


@pytest.mark.parametrize("target", REAL_TARGETS[::3])
def test_it_reaches_the_milp_optimum_and_top_quantity_on_the_real_week(target):
    result = allocate_by_grade(REAL_COUNTS, target)
    assert result.abs_error == round(milp_best(REAL_COUNTS, target, 1, 30))
    assert result.quantity(30) == round(milp_best(REAL_COUNTS, target, 1, 30, fixed_total=result.allocated))


def test_it_beats_the_proportional_heuristic_on_the_real_week():
    exact = [allocate_by_grade(REAL_COUNTS, t) for t in REAL_TARGETS]
    heuristic = [proportional_grade_allocation(REAL_COUNTS, t) for t in REAL_TARGETS]
    assert all(e.abs_error <= h.abs_error for e, h in zip(exact, heuristic, strict=True))
    assert sum(e.abs_error for e in exact) == 459
    assert sum(e.abs_error == 0 for e in exact) == 34


# ---------------------------------------------------------------------------------------------
# Properties


@FAST
@given(large_instances())
def test_it_returns_monotone_whole_cartons_inside_the_grade_range(instance):
    counts, target, lo, hi = instance
    result = allocate_by_grade(counts, target, lowest=lo, highest=hi)
    q = result.quantities
    assert all(isinstance(x, int) and x >= 0 for x in q)
    assert all(q[g - 1] == 0 for g in range(1, 31) if not lo <= g <= hi)
    assert all(q[g - 1] <= q[g] for g in range(lo, hi))
    assert result.allocated == sum(x * c for x, c in zip(q, counts, strict=True))
    assert result.error == result.allocated - target


@FAST
@given(large_instances())
def test_it_is_deterministic_and_accepts_a_mapping(instance):
    counts, target, lo, hi = instance
    first = allocate_by_grade(counts, target, lowest=lo, highest=hi)
    mapping = {g: c for g, c in enumerate(counts, start=1) if c}
    again = allocate_by_grade(mapping, target, lowest=lo, highest=hi)
    assert first == again


@FAST
@given(large_instances())
def test_it_never_exceeds_the_target_when_a_shortfall_is_as_close(instance):
    counts, target, lo, hi = instance
    result = allocate_by_grade(counts, target, lowest=lo, highest=hi)
    if result.error > 0:  # an excess is only chosen when no total in [target - error, target] exists
        below = allocate_by_grade(counts, target - result.error, lowest=lo, highest=hi)
        assert below.allocated != target - result.error


# ---------------------------------------------------------------------------------------------
# The tie-break rule, one key at a time


def test_it_prefers_the_lower_top_quantity():
    # Two shops (D1, D2), target 2: (1, 1) and (0, 2) are both exact; the top quantity decides.
    result = allocate_by_grade({1: 1, 2: 1}, 2, lowest=1, highest=2)
    assert table_in_range(result) == [1, 1]


def test_it_prefers_a_shortfall_to_an_equal_excess():
    result = allocate_by_grade({30: 2}, 3, lowest=30, highest=30)
    assert (result.quantity(30), result.error) == (1, -1)


def test_it_prefers_even_steps():
    # D1, D2, D3 one shop each, target 4: (1, 1, 2) and (0, 2, 2) share the top quantity 2;
    # steps 1,0,1 (Σ d² = 2) beat 0,2,0 (Σ d² = 4).
    result = allocate_by_grade({1: 1, 2: 1, 3: 1}, 4, lowest=1, highest=3)
    assert table_in_range(result) == [1, 1, 2]


def test_it_prefers_less_for_the_lower_grades_when_all_else_ties():
    # D2 is empty: (1, 1, 2) and (1, 2, 2) have equal error, top and Σ d²; lower grades get less.
    result = allocate_by_grade({1: 1, 3: 1}, 3, lowest=1, highest=3)
    assert table_in_range(result) == [1, 1, 2]


def test_it_documents_the_rule_in_chinese():
    result = allocate_by_grade(REAL_COUNTS, 8407)
    assert GRADE_RULE in result.explanation
    assert "目标 8407 条" in result.explanation and "少 12 条" in result.explanation
    assert result.as_dict()["D30"] == result.quantity(30)


# ---------------------------------------------------------------------------------------------
# Edge cases and bad input


def test_it_handles_zero_targets_and_empty_ranges():
    assert allocate_by_grade(REAL_COUNTS, 0).quantities == (0,) * 30
    empty = allocate_by_grade({1: 5}, 100, lowest=10, highest=30)
    assert (empty.allocated, empty.error) == (0, -100)


def test_it_gives_shops_outside_the_range_nothing():
    result = allocate_by_grade(REAL_COUNTS, 20000, lowest=10, highest=25)
    assert all(result.quantity(g) == 0 for g in (*range(1, 10), *range(26, 31)))
    assert result.quantity(25) > 0


def test_it_counts_every_other_week_shops_twice_through_weighted_counts():
    # 3 weekly shops plus 1 every-other-week shop in its ordering week weigh 3 + 2 = 5.
    result = allocate_by_grade({30: 5}, 10, lowest=30, highest=30)
    assert (result.quantity(30), result.allocated) == (2, 10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"counts": {31: 1}, "target": 1}, "档位必须是 1 到 30"),
        ({"counts": {1: -1}, "target": 1}, "不能小于 0"),
        ({"counts": {1: 1.5}, "target": 1}, "必须是整数"),
        ({"counts": [1] * 29, "target": 1}, "应有 30 个"),
        ({"counts": {1: 1}, "target": -5}, "目标量不能小于 0"),
        ({"counts": {1: 1}, "target": 2.5}, "目标量必须是整数"),
        ({"counts": {1: 1}, "target": 1, "lowest": 20, "highest": 10}, "档位范围颠倒"),
    ],
)
def test_it_refuses_bad_input_with_a_chinese_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        allocate_by_grade(**kwargs)


def test_it_solves_the_whole_real_week():
    # Speed is measured in bench/bench_allocation.py, not here (no timed unit tests).
    for target in REAL_TARGETS:
        table = allocate_by_grade(REAL_COUNTS, target)
        assert table.allocated == sum(q * c for q, c in zip(table.quantities, table.counts, strict=True))


# ---------------------------------------------------------------------------------------------
# Regional tables (按档位扩展投放)


def regional_brute_force(per_region, target, lo, hi):
    """Every combination of monotone regional tables, ordered by the documented regional rule."""
    r, k = hi - lo + 1, len(per_region)
    ns = np.array([c[lo - 1 : hi] for c in per_region], dtype=np.int64)  # (regions, grades)
    region_suffix = np.cumsum(ns[:, ::-1], axis=1)[:, ::-1]
    positive = region_suffix[region_suffix > 0]
    if len(positive) == 0 or target == 0:
        return [[0] * r for _ in per_region]
    bound = 2 * (target + int(positive.min())) // int(positive.min()) + 1
    single = np.array(list(itertools.combinations_with_replacement(range(bound + 1), r)), dtype=np.int64)
    grid = np.stack(np.meshgrid(*[np.arange(len(single))] * k, indexing="ij"), axis=-1).reshape(-1, k)
    tables = single[grid]  # (combinations, regions, grades)
    total = np.einsum("crg,rg->c", tables, ns)
    d = np.diff(tables, axis=2, prepend=0)
    common = d.min(axis=1)  # (combinations, grades)
    extra = d - common[:, None, :]
    q = extra.sum(axis=(1, 2))
    a = np.einsum("crg,rg->c", extra, region_suffix)
    keys = [np.cumsum(common, axis=1)[:, g] for g in range(r - 1, -1, -1)]
    keys += [(common**2).sum(1), common.sum(1)]
    keys += [-extra[:, i, g] for i in range(k - 1, -1, -1) for g in range(r)]  # lexicographically largest
    keys += [a, q, total > target, np.abs(total - target)]
    return tables[np.lexsort(keys)[0]].tolist()


@st.composite
def regional_instances(draw):
    regions = draw(st.integers(2, 3))
    width = draw(st.integers(1, 3 if regions == 2 else 2))
    lo = draw(st.integers(1, 31 - width))
    hi = lo + width - 1
    per_region = []
    for _ in range(regions):
        counts = [0] * 30
        for g in range(lo, hi + 1):
            counts[g - 1] = draw(st.integers(0, 4))
        per_region.append(counts)
    target = draw(st.integers(0, 9 if regions == 2 else 6))
    return per_region, target, lo, hi


def regional_size(per_region, target, lo, hi):
    r = hi - lo + 1
    positive = [sum(c[g - 1] for g in range(k, hi + 1)) for c in per_region for k in range(lo, hi + 1)]
    positive = [p for p in positive if p > 0]
    if not positive or target == 0:
        return 0
    bound = 2 * (target + min(positive)) // min(positive) + 1
    return comb(bound + r, r) ** len(per_region)


@settings(max_examples=400, deadline=None, database=None, derandomize=True)
@given(regional_instances())
def test_it_matches_exhaustive_enumeration_for_regional_tables(instance):
    per_region, target, lo, hi = instance
    if regional_size(per_region, target, lo, hi) > 200_000:
        return
    names = [f"区域{i}" for i in range(len(per_region))]
    result = allocate_by_grade_regional(
        dict(zip(names, per_region, strict=True)), target, lowest=lo, highest=hi
    )
    expected = regional_brute_force(per_region, target, lo, hi)
    got = [[result.tables[name][g - 1] for g in range(lo, hi + 1)] for name in names]
    assert got == expected


@st.composite
def large_regional_instances(draw):
    regions = draw(st.integers(1, 6))
    lo = draw(st.integers(1, 30))
    hi = draw(st.integers(lo, 30))
    per_region = {
        f"r{i}": [draw(st.integers(0, 120)) if lo <= g <= hi else 0 for g in range(1, 31)]
        for i in range(regions)
    }
    return per_region, draw(st.integers(0, 60_000)), lo, hi


def milp_regional_error(per_region, target, lo, hi):
    blocks = [np.array(c[lo - 1 : hi], dtype=float) for c in per_region.values()]
    r, k = hi - lo + 1, len(blocks)
    size = r * k + 1
    rows, lower, upper = [], [], []
    for b in range(k):
        for i in range(r - 1):
            row = np.zeros(size)
            row[b * r + i], row[b * r + i + 1] = 1, -1
            rows.append(row)
            lower.append(-np.inf)
            upper.append(0)
    coeff = np.concatenate(blocks)
    rows += [np.append(coeff, -1.0), np.append(coeff, 1.0)]
    lower += [-np.inf, target]
    upper += [target, np.inf]
    objective = np.zeros(size)
    objective[-1] = 1
    res = milp(
        objective,
        constraints=LinearConstraint(np.array(rows), lower, upper),
        integrality=np.append(np.ones(size - 1), 0),
        bounds=Bounds(0, np.inf),
        options={"mip_rel_gap": 0, "time_limit": 30},
    )
    assert res.status == 0
    return round(res.fun)


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(large_regional_instances())
def test_it_reaches_the_milp_optimum_for_regional_tables(instance):
    per_region, target, lo, hi = instance
    result = allocate_by_grade_regional(per_region, target, lowest=lo, highest=hi)
    if not any(sum(c[lo - 1 : hi]) for c in per_region.values()):
        assert result.allocated == 0
        return
    assert result.abs_error == milp_regional_error(per_region, target, lo, hi)
    for name, table in result.tables.items():
        assert all(table[g - 1] <= table[g] for g in range(lo, hi))
        assert all(table[g - 1] == 0 for g in range(1, 31) if not lo <= g <= hi)
        assert name in result.regions
    combined = [sum(col) for col in zip(*per_region.values(), strict=True)]
    common = allocate_by_grade(combined, target, lowest=lo, highest=hi)
    assert result.abs_error <= common.abs_error
    if (result.allocated == common.allocated) or not result.adjustments:
        assert all(table == common.quantities for table in result.tables.values())


def test_it_uses_one_table_for_every_region_when_that_is_exact():
    per_region = {"城网": list(REAL_COUNTS), "农网": [c // 3 for c in REAL_COUNTS]}
    result = allocate_by_grade_regional(per_region, 51230)
    assert result.error == 0 and result.adjustments == ()
    assert result.tables["城网"] == result.tables["农网"] == result.common
    assert "各区域执行同一张档位表" in result.explanation


def test_it_adjusts_one_region_when_that_closes_the_gap():
    # 2 shops in A and 3 in B (all D1): a common table reaches 0 or 5; giving A one carton reaches 2.
    result = allocate_by_grade_regional({"A": {1: 2}, "B": {1: 3}}, 2, lowest=1, highest=1)
    assert (result.quantity("A", 1), result.quantity("B", 1), result.error) == (1, 0, 0)
    assert result.adjustments == (("A", 1),)
    assert "A D1 及以上每户加 1 条" in result.explanation


def test_it_equals_the_single_table_for_one_region():
    result = allocate_by_grade_regional({"全市": REAL_COUNTS}, 8407)
    assert result.tables["全市"] == allocate_by_grade(REAL_COUNTS, 8407).quantities


def test_it_refuses_regional_input_without_regions():
    with pytest.raises(ValueError, match="至少需要一个区域"):
        allocate_by_grade_regional({}, 10)
