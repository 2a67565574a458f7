"""Scarce-product allocation (货源投放): exact per-grade tables and points apportionment.

Pure functions on integers and NumPy arrays — no Django. The growth app maps the weekly sheet
(``serviceloop.growth.sheet``) and the customer archive onto these inputs, stores every run and
explains the result to shops; the ``allocate`` command and the pages call the same functions.

Public API
----------
``allocate_by_grade(counts, target, *, lowest=1, highest=30) -> GradeAllocation``
    One per-grade table x[D1..D30] for one set of shops (按档位投放 / 按档位统一投放).
``allocate_by_grade_regional(counts_by_region, target, *, lowest=1, highest=30)``
    ``-> RegionalGradeAllocation``: one table per region (按档位扩展投放), one total target.
``apportion_points(points, supply, *, method="webster", caps=None, minimums=None, tie_keys=None)``
    ``-> PointsAllocation``: the supply split in proportion to points (积分制).
``sales_points(volumes, price_classes=None, *, class_weights=..., volume_weight=1) -> ndarray``
    Points per shop from its sales volume and price class.
``proportional_grade_allocation(counts, target, *, lowest=1, highest=30) -> GradeAllocation``
    The trade's heuristic (share proportional to the grade number, rounded) — for comparison only.

Counts
------
``counts`` is a mapping ``{grade: count}`` (grade 1..30, i.e. D1..D30) or a sequence of 30 integers
(index 0 = D1). Counts are *weighted*: a shop on an every-other-week cycle counts 2 in its ordering
week (两周一访上浮100%) and 0 in the other; suspended or closed shops count 0. Quantities are whole
cartons (条) per shop; shops of a grade outside [lowest, highest] get 0.

Grade tables: the objective, exactly
------------------------------------
Write the table as increments ``d_k = x[k] - x[k-1]`` (``x[lowest-1] = 0``); then
``total = Σ_k d_k · S_k`` with ``S_k`` = shops of grade ≥ k (within the range), so a monotone table is
a non-negative integer combination of the "coins" ``S_k``. Among all monotone tables we return the
unique best one in this lexicographic order (:data:`GRADE_RULE`):

1. ``|total - target|`` minimal (the exact optimum, proved by exhaustive bitset reachability);
2. if a shortfall and an excess are equally close, the shortfall (never promise more than the supply);
3. the top quantity ``x[highest]`` minimal (supply spread as widely as possible);
4. the steps as even as possible: ``Σ d_k²`` minimal, the lowest grade's own quantity counting as
   a step from 0 (so unit steps are preferred to jumps);
5. still tied: compare the tables from the lowest grade upwards, the smaller quantity wins.

How it is computed, exactly: keys 1–2 from the set of reachable totals in 0..target+min(S) (a bit
set, Python integers, built by doubling shifts). Keys 3–5 by an exact dynamic programme over the
coins from the highest grade down, on states (increments used, amount) where amounts are measured
from a reference coin — deficits below the all-shops coin N when the total sits just under a
multiple of N (the usual case for large targets), else excesses over the smallest coin — and
restricted to "useful" states: reachable with exactly c increments and completable to the total
with the rest (bit sets per count). A part of a fewest-increments solution is itself
fewest-increments, so nothing optimal is lost; the tables are kept and key 5 is rebuilt from the
lowest grade up (see ``_canonical_increments``). The real week (49 products, 15,018 shops) takes
≈0.1 s of CPU in all; tests compare every key with exhaustive enumeration and keys 1 and 3 with a
MILP (HiGHS).

Exactness comes first by design: when a target is reachable only through an odd combination, the
table can be spiky (real week: target 9,211 → 62 cartons for D30 only, error 27, because every
total within 26 cartons of it is unreachable). A cap per shop or a smoothness limit would be extra
constraints, not a different tie-break.

Regional tables (按档位扩展投放): the objective
----------------------------------------------
Each region r has its own monotone table ``x_r``. Write ``c_k = min_r d_{r,k}`` (the common
increments, one common table ``y``) and ``e_{r,k} = d_{r,k} - c_k`` (region-specific increments).
Lexicographic order (:data:`REGIONAL_RULE`):

1. total error minimal over *all* regional tables (may beat one common table);
2. shortfall preferred to excess at equal distance;
3. fewest region-specific increments ``q = Σ e_{r,k}`` — the same table everywhere when that is as
   good, so a shop's quantity depends on its grade, not its region, unless that costs accuracy;
4. those increments touch as few (weighted) shops as possible, ``a = Σ e_{r,k} · S_{r,k}``;
5. among increment sets with the same q and a: lexicographically largest in the order
   (first region, highest grade … lowest grade, second region, …), i.e. earlier regions and higher
   grades first;
6. the common table ``y`` follows the single-table rule (keys 3–5 above) for its exact total.

Points (积分制)
---------------
Divisor methods (Webster/Sainte-Laguë default, Jefferson/D'Hondt, Adams) as "the ``supply`` highest
seat priorities": seat k of shop i has priority ``points_i / s(k-1)`` with signposts s(a) = a + ½
(Webster), a + 1 (Jefferson), a (Adams). Minimums are granted first, caps cut the list. Equal
priorities (compared exactly as rationals) go to the smaller tie key (default: position). Because
one fixed priority order is cut at ``supply``, results are house-monotone (no Alabama paradox).
Hamilton (largest remainder) rounds the exact bounded quotas (water-filling of caps/minimums), ties
by the tie key; each shop gets the floor or the ceiling of its quota.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

__all__ = [
    "GRADE_RULE",
    "METHODS",
    "REGIONAL_RULE",
    "GradeAllocation",
    "PointsAllocation",
    "RegionalGradeAllocation",
    "allocate_by_grade",
    "allocate_by_grade_regional",
    "apportion_points",
    "proportional_grade_allocation",
    "sales_points",
]

GRADE_COUNT = 30

GRADE_RULE = (
    "①分配总量与目标量之差最小；②多分与少分同样接近时取少分（不超过货源）；"
    "③最高档位的条数最小（货源尽量铺开）；④相邻档位间的台阶尽量均匀（各台阶条数的平方和最小，"
    "最低档位相对 0 也算一级台阶）；⑤仍相同时从最低档位起逐档比较，条数少者优先。"
)
REGIONAL_RULE = (
    "①全部区域合计与目标量之差最小；②多分与少分同样接近时取少分；③各区域尽量执行同一张档位表，"
    "区域差异化的加量次数最少；④这些加量涉及的客户数最少；⑤仍相同时先给排在前面的区域、较高档位；"
    "⑥共同档位表按单表规则（最高档位最小、台阶均匀、低档位优先取小）确定。"
)
METHODS = {
    "webster": "韦伯斯特法（圣拉古法，商四舍五入）",
    "jefferson": "杰斐逊法（洪德法，商向下取整）",
    "adams": "亚当斯法（商向上取整）",
    "hamilton": "汉密尔顿法（最大余数法）",
}
_METHOD_ALIASES = {
    "webster": "webster",
    "sainte-lague": "webster",
    "sainte_lague": "webster",
    "jefferson": "jefferson",
    "dhondt": "jefferson",
    "d'hondt": "jefferson",
    "d_hondt": "jefferson",
    "adams": "adams",
    "hamilton": "hamilton",
    "largest_remainder": "hamilton",
    "largest-remainder": "hamilton",
}


# ----------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class GradeAllocation:
    """One per-grade table. ``quantities[g - 1]`` is the cartons per shop of grade Dg."""

    target: int
    lowest: int
    highest: int
    counts: tuple[int, ...]
    quantities: tuple[int, ...]
    allocated: int
    explanation: str

    @property
    def error(self) -> int:
        """Allocated minus target (negative = shortfall)."""
        return self.allocated - self.target

    @property
    def abs_error(self) -> int:
        return abs(self.allocated - self.target)

    def quantity(self, grade: int) -> int:
        return self.quantities[_check_grade(grade) - 1]

    def as_dict(self) -> dict[str, int]:
        """``{"D30": 12, …, "D1": 1}`` for the grades in range, highest first."""
        return {f"D{g}": self.quantities[g - 1] for g in range(self.highest, self.lowest - 1, -1)}


@dataclass(frozen=True)
class RegionalGradeAllocation:
    """One table per region; ``common`` is the shared part, ``adjustments`` the (region, grade) steps:
    each entry adds one carton to every shop of that region at that grade or above."""

    target: int
    lowest: int
    highest: int
    regions: tuple[str, ...]
    tables: dict[str, tuple[int, ...]]
    common: tuple[int, ...]
    adjustments: tuple[tuple[str, int], ...]
    allocated: int
    explanation: str

    @property
    def error(self) -> int:
        return self.allocated - self.target

    @property
    def abs_error(self) -> int:
        return abs(self.allocated - self.target)

    def quantity(self, region: str, grade: int) -> int:
        return self.tables[region][_check_grade(grade) - 1]


@dataclass(frozen=True)
class PointsAllocation:
    """Cartons per shop, in input order. ``leftover`` is supply nobody may take (caps, zero points)."""

    quantities: np.ndarray = field(repr=False)
    supply: int
    allocated: int
    leftover: int
    method: str
    divisor: float | None
    explanation: str


# ----------------------------------------------------------------------------------------------
# Input checks


def _check_grade(grade) -> int:
    if isinstance(grade, bool) or int(grade) != grade or not 1 <= int(grade) <= GRADE_COUNT:
        raise ValueError(f"档位必须是 1 到 {GRADE_COUNT} 之间的整数（收到 {grade!r}）")
    return int(grade)


def _check_int(value, what: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what}必须是整数（收到 {value!r}）")
    try:
        as_int = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{what}必须是整数（收到 {value!r}）") from None
    if as_int != value:
        raise ValueError(f"{what}必须是整数（收到 {value!r}）")
    if as_int < minimum:
        raise ValueError(f"{what}不能小于 {minimum}（收到 {as_int}）")
    return as_int


def _grade_counts(counts) -> tuple[int, ...]:
    out = [0] * GRADE_COUNT
    if isinstance(counts, Mapping):
        for grade, count in counts.items():
            out[_check_grade(grade) - 1] = _check_int(count, f"D{grade} 档客户数")
    else:
        values = list(counts)
        if len(values) != GRADE_COUNT:
            raise ValueError(f"档位客户数应有 {GRADE_COUNT} 个（D1…D30），收到 {len(values)} 个")
        for i, count in enumerate(values):
            out[i] = _check_int(count, f"D{i + 1} 档客户数")
    return tuple(out)


def _grade_range(lowest, highest) -> tuple[int, int]:
    lo, hi = _check_grade(lowest), _check_grade(highest)
    if lo > hi:
        raise ValueError(f"档位范围颠倒：最低档位 D{lo} 高于最高档位 D{hi}")
    return lo, hi


def _suffix_counts(counts: tuple[int, ...], lo: int, hi: int) -> list[int]:
    """S[i] = shops with grade ≥ lo + i (within the range); S[0] = all shops in range."""
    suffix, running = [], 0
    for g in range(hi, lo - 1, -1):
        running += counts[g - 1]
        suffix.append(running)
    return suffix[::-1]


# ----------------------------------------------------------------------------------------------
# Exact grade tables: reachability (keys 1–2)


def _useful_coins(coins) -> list[int]:
    """Distinct positive coins, dropping multiples of smaller coins (they add no reachable sum)."""
    kept: list[int] = []
    for c in sorted({c for c in coins if c > 0}):
        if all(c % k for k in kept):
            kept.append(c)
    return kept


def _reachable(coins, limit: int) -> int:
    """Bit set (Python int) of the sums ≤ limit of non-negative integer combinations of coins."""
    mask = (1 << (limit + 1)) - 1
    reach = 1
    for coin in sorted(_useful_coins(coins), reverse=True):
        step = coin
        while step <= limit:  # after j rounds: 0 … 2**j - 1 copies of the coin
            reach |= (reach << step) & mask
            step <<= 1
    return reach


def _closest_total(coins, target: int) -> int:
    """The reachable total closest to target; a shortfall wins a tie (keys 1–2)."""
    useful = _useful_coins(coins)
    if target == 0 or not useful:
        return 0
    reach = _reachable(useful, target + useful[0])
    below = (reach & ((1 << (target + 1)) - 1)).bit_length() - 1
    above_bits = reach >> target
    above = target + (above_bits & -above_bits).bit_length() - 1
    return below if target - below <= above - target else above


# ----------------------------------------------------------------------------------------------
# Exact grade tables: canonical increments for an exact total (keys 3–5)


def _bit_reverse(bits: int, width: int) -> int:
    """Bit i of the result is bit ``width - 1 - i`` of ``bits`` (bits beyond the width dropped)."""
    return int(format(bits & ((1 << width) - 1), f"0{width}b")[::-1], 2)


def _positions(bits: int, width: int) -> np.ndarray:
    """Indices of the set bits of ``bits`` below ``width``, ascending."""
    if not bits:
        return np.empty(0, dtype=np.int64)
    raw = np.frombuffer(bits.to_bytes((width + 7) // 8, "little"), dtype=np.uint8)
    return np.flatnonzero(np.unpackbits(raw, bitorder="little")[:width]).astype(np.int64)


def _next_layer(layer: int, worths, mask: int) -> int:
    """One more coin on every amount of the layer (negative worths shift downwards)."""
    out = 0
    for w in worths:
        out |= layer << w if w >= 0 else layer >> -w
    return out & mask


def _pairs(j: int) -> int:
    return j * (j - 1) // 2


def _search(worths: list[int], width: int, steps) -> tuple[int, int, list[int], list[int]] | None:
    """Walk ``steps`` — (count c, amount t ≤ width) pairs, c increasing — and return the first
    (c, t, exact, at_most) with t a sum of at most c coins of ``worths`` (bit-set layers "amounts of
    exactly / at most c coins" up to ``width``; the last layer stands for every higher count, since
    more coins than width / smallest worth overshoot). None when the steps run out."""
    exact, at_most = [1], [1]
    mask = (1 << (width + 1)) - 1
    ceiling = width // worths[0] if worths else 0
    for c, t in steps:
        while len(exact) <= min(c, ceiling):
            exact.append(_next_layer(exact[-1], worths, mask))
            at_most.append(at_most[-1] | exact[-1])
        if (at_most[min(c, ceiling)] >> t) & 1:
            return c, t, exact, at_most
    return None


def _canonical_increments(suffix: list[int], total: int) -> list[int]:
    """The increments d (one per grade of the range, lowest first) reaching exactly ``total``,
    canonical under keys 3–5. ``total`` must be reachable.

    Every solution with M increments is M copies of a reference coin R plus, for each other
    increment, the signed difference S_k - R. Two references keep those differences one-signed: the
    largest coin N (deficits N - S_k, amount D = M·N - total; small when the total sits just under a
    multiple of N — the usual case for large targets) and the smallest coin s (excesses S_k - s,
    amount E = total - M·s; small when the target needs many top-grade increments). M (key 3) is the
    least count whose amount is a sum of at most that many differences. Then an exact dynamic
    programme over the non-reference coins from the highest grade down, on states (increments used,
    amount) restricted to "useful" ones — reachable and completable with the remaining count (bit
    sets per count) — minimises Σ C(d, 2), which with Σ d = M fixed is Σ d² (key 4); the increments
    on reference coins split evenly. A part of a fewest-increments solution is itself fewest, so
    nothing optimal is lost. The tables are kept and key 5 is rebuilt from the lowest grade up."""
    d = [0] * len(suffix)
    if total == 0:
        return d
    n = suffix[0]
    small = min(s for s in suffix if s > 0)
    deficits = sorted({n - s for s in suffix if 0 < s < n})
    start = -(-total // n)  # no solution has fewer increments
    tries = [c for c in range(start, start + 64) if c * n - total <= total]  # D beyond: use excesses
    plan = _search(deficits, tries[-1] * n - total, [(c, c * n - total) for c in tries]) if tries else None
    if plan is None or total - plan[0] * small < plan[1]:
        excesses = sorted({s - small for s in suffix if s > small})
        first = plan[0] if plan else start
        steps = ((c, total - c * small) for c in itertools.count(first))
        plan = _search(excesses, total - first * small, steps)
        reference = small
    else:
        reference = n
    m, amount, exact, at_most = plan
    base = [k for k, s in enumerate(suffix) if s == reference]  # contiguous: bottom (N) or top (s)
    coins = [
        (k, abs(suffix[k] - reference))
        for k in range(len(suffix) - 1, -1, -1)
        if suffix[k] not in (0, reference)
    ]
    top = min(len(exact) - 1, m)
    stride = amount + 1
    ids = np.concatenate(
        [
            c * stride
            + _positions(exact[c] & _bit_reverse(at_most[min(m - c, len(exact) - 1)], stride), stride)
            for c in range(top + 1)
        ]
    )
    c_of, a_of = ids // stride, ids % stride
    if (top + 1) * stride <= 1 << 24:  # dense lookup from state to position, else binary search
        dense = np.full((top + 1) * stride, -1, dtype=np.int64)
        dense[ids] = np.arange(len(ids))

        def locate(keys: np.ndarray) -> np.ndarray:
            return dense[keys]
    else:

        def locate(keys: np.ndarray) -> np.ndarray:
            at = np.minimum(np.searchsorted(ids, keys), len(ids) - 1)
            return np.where(ids[at] == keys, at, -1)

    def find(c: int, a: int) -> int | None:
        if c < 0 or a < 0 or c > top:
            return None
        at = int(locate(np.array([c * stride + a]))[0])
        return None if at < 0 else at

    big = np.iinfo(np.int64).max // 4
    cost = np.full(len(ids), big, dtype=np.int64)
    cost[0] = 0  # ids[0] is the empty state (0, 0)
    tables = [cost]
    for _, worth in coins:
        new = cost.copy()
        for j in range(1, min(top, amount // worth) + 1):
            ok = np.flatnonzero((c_of >= j) & (a_of >= j * worth))
            at = locate(ids[ok] - j * stride - j * worth)
            hit = at >= 0
            tgt = ok[hit]
            new[tgt] = np.minimum(new[tgt], cost[at[hit]] + _pairs(j))
        tables.append(new)
        cost = new

    def split(count: int) -> list[int]:  # reference increments spread evenly, lower grades the less
        q, r = divmod(count, len(base))
        return [q + (1 if pos >= len(base) - r else 0) for pos in range(len(base))]

    totals = {}
    for c in range(top + 1):
        i = find(c, amount)
        if i is not None and cost[i] < big:
            totals[c] = int(cost[i]) + sum(_pairs(x) for x in split(m - c))
    best = min(totals.values())
    if reference == n:  # the base increments are the lowest grades: the fewest of them first (key 5)
        candidates = [(max(c for c, v in totals.items() if v == best), amount)]
    else:  # they are the top grades: settle the lower grades first, whatever the count
        candidates = [(c, amount) for c, v in totals.items() if v == best]
    for i in range(len(coins) - 1, -1, -1):  # lowest grade first: smallest increment that stays optimal
        k, worth = coins[i]
        j = 0
        while True:
            moved = []
            for c, a in candidates:
                src = find(c - j, a - j * worth)
                if src is not None and int(tables[i][src]) + _pairs(j) == int(tables[i + 1][find(c, a)]):
                    moved.append((c - j, a - j * worth))
            if moved:
                break
            j += 1
        d[k] = j
        candidates = moved
    assert candidates == [(0, 0)]
    for k, share in zip(base, split(m - sum(d)), strict=True):
        d[k] = share
    return d


def _table_from_increments(d: list[int], lo: int) -> tuple[int, ...]:
    quantities = [0] * GRADE_COUNT
    running = 0
    for i, step in enumerate(d):
        running += step
        quantities[lo - 1 + i] = running
    return tuple(quantities)


def _explain_grade(target: int, allocated: int, quantities, lo: int, hi: int) -> str:
    error = allocated - target
    if error == 0:
        gap = "误差 0 条"
    else:
        gap = f"{'多' if error > 0 else '少'} {abs(error)} 条（这是所有档位方案中最接近目标的结果）"
    return (
        f"目标 {target} 条，按档位分配合计 {allocated} 条，{gap}。"
        f"D{hi} 每户 {quantities[hi - 1]} 条，D{lo} 每户 {quantities[lo - 1]} 条，档位越高条数不少于低档位。"
        f"同样接近目标时的取舍规则：{GRADE_RULE}"
    )


def allocate_by_grade(counts, target: int, *, lowest: int = 1, highest: int = 30) -> GradeAllocation:
    """The exact, canonical per-grade table for one set of shops (see the module docstring)."""
    grade_counts = _grade_counts(counts)
    target = _check_int(target, "目标量")
    lo, hi = _grade_range(lowest, highest)
    suffix = _suffix_counts(grade_counts, lo, hi)
    total = _closest_total(suffix, target)
    quantities = _table_from_increments(_canonical_increments(suffix, total), lo)
    allocated = sum(q * c for q, c in zip(quantities, grade_counts, strict=True))
    assert allocated == total
    return GradeAllocation(
        target=target,
        lowest=lo,
        highest=hi,
        counts=grade_counts,
        quantities=quantities,
        allocated=allocated,
        explanation=_explain_grade(target, allocated, quantities, lo, hi),
    )


def proportional_grade_allocation(
    counts, target: int, *, lowest: int = 1, highest: int = 30
) -> GradeAllocation:
    """The trade heuristic: x[g] = round(target · (g - lowest + 1) / Σ (h - lowest + 1)·n[h]).

    Monotone and simple but usually misses the target; kept to measure how much the exact solver
    gains."""
    grade_counts = _grade_counts(counts)
    target = _check_int(target, "目标量")
    lo, hi = _grade_range(lowest, highest)
    weight = sum((g - lo + 1) * grade_counts[g - 1] for g in range(lo, hi + 1))
    quantities = [0] * GRADE_COUNT
    if weight:
        for g in range(lo, hi + 1):
            num = 2 * target * (g - lo + 1) + weight  # round half up, exactly
            quantities[g - 1] = num // (2 * weight)
    allocated = sum(q * c for q, c in zip(quantities, grade_counts, strict=True))
    return GradeAllocation(
        target=target,
        lowest=lo,
        highest=hi,
        counts=grade_counts,
        quantities=tuple(quantities),
        allocated=allocated,
        explanation=f"按档位序号等比例分配后四舍五入：目标 {target} 条，合计 {allocated} 条。",
    )


# ----------------------------------------------------------------------------------------------
# Regional tables


def allocate_by_grade_regional(
    counts_by_region: Mapping[str, object], target: int, *, lowest: int = 1, highest: int = 30
) -> RegionalGradeAllocation:
    """Per-region monotone tables with one total target (see the module docstring for the rule).

    ``counts_by_region`` maps a region name (district, market type, …, as the sheet names it) to its
    weighted per-grade counts; its order is the order of key 5."""
    if not counts_by_region:
        raise ValueError("扩展投放至少需要一个区域")
    regions = tuple(str(r) for r in counts_by_region)
    if len(set(regions)) != len(regions):
        raise ValueError("区域名称重复")
    per_region = [_grade_counts(c) for c in counts_by_region.values()]
    target = _check_int(target, "目标量")
    lo, hi = _grade_range(lowest, highest)
    combined = tuple(sum(col) for col in zip(*per_region, strict=True))
    suffix = _suffix_counts(combined, lo, hi)
    region_suffix = [_suffix_counts(c, lo, hi) for c in per_region]
    # Region-specific coins in key-5 order: region by region, highest grade first.
    regional = [
        (r, k, region_suffix[r][k])
        for r in range(len(regions))
        for k in range(len(suffix) - 1, -1, -1)
        if region_suffix[r][k] > 0
    ]
    total = _closest_total([c for _, _, c in regional], target)
    picks: list[tuple[int, int]] = []
    shared = total
    common_reach = _reachable(suffix, total)
    if not (common_reach >> total) & 1:
        mirrored = _bit_reverse(common_reach, total + 1)  # bit a ⇔ total - a is common
        mask = (1 << (total + 1)) - 1
        values = sorted({c for _, _, c in regional})
        layers = [1]
        while True:
            layer = 0
            for v in values:
                layer |= layers[-1] << v
            layers.append(layer & mask)
            hits = layers[-1] & mirrored
            if hits:
                amount = (hits & -hits).bit_length() - 1
                break
        shared = total - amount
        remaining = amount
        for step in range(len(layers) - 1, 0, -1):
            for r, k, coin in regional:
                if coin <= remaining and (layers[step - 1] >> (remaining - coin)) & 1:
                    picks.append((r, k))
                    remaining -= coin
                    break
        assert remaining == 0
    common = _table_from_increments(_canonical_increments(suffix, shared), lo)
    tables: dict[str, tuple[int, ...]] = {}
    for r, name in enumerate(regions):
        table = list(common)
        for rr, k in picks:
            if rr == r:
                for g in range(lo + k, hi + 1):
                    table[g - 1] += 1
        tables[name] = tuple(table)
    allocated = sum(
        q * c for r, name in enumerate(regions) for q, c in zip(tables[name], per_region[r], strict=True)
    )
    assert allocated == total
    adjustments = tuple((regions[r], lo + k) for r, k in picks)
    error = allocated - target
    gap = (
        "误差 0 条"
        if error == 0
        else f"{'多' if error > 0 else '少'} {abs(error)} 条（已是最接近目标的结果）"
    )
    detail = (
        "各区域执行同一张档位表。"
        if not adjustments
        else "在共同档位表之外："
        + "；".join(f"{name} D{g} 及以上每户加 1 条" for name, g in adjustments)
        + "。"
    )
    return RegionalGradeAllocation(
        target=target,
        lowest=lo,
        highest=hi,
        regions=regions,
        tables=tables,
        common=common,
        adjustments=adjustments,
        allocated=allocated,
        explanation=f"目标 {target} 条，{len(regions)} 个区域合计 {allocated} 条，{gap}。{detail}"
        f"取舍规则：{REGIONAL_RULE}",
    )


# ----------------------------------------------------------------------------------------------
# Points (积分制)

DEFAULT_CLASS_WEIGHTS = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1}
_LIMIT = 1 << 62


def _exact_fraction(value, what: str) -> Fraction:
    if isinstance(value, bool):
        raise ValueError(f"{what}必须是数字（收到 {value!r}）")
    try:
        frac = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what}必须是数字（收到 {value!r}）") from None
    if frac < 0:
        raise ValueError(f"{what}不能为负数（收到 {value!r}）")
    return frac


def _integer_array(values, n: int | None, what: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1 or (n is not None and len(arr) != n):
        raise ValueError(f"{what}应为一维数组，长度 {n if n is not None else '与客户数相同'}")
    if arr.dtype.kind == "b":
        raise ValueError(f"{what}必须是非负整数")
    if arr.dtype.kind not in "iu":
        try:
            as_float = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{what}必须是非负整数") from None
        if not np.isfinite(as_float).all() or (as_float != np.floor(as_float)).any():
            bad = int(np.flatnonzero(~np.isfinite(as_float) | (as_float != np.floor(as_float)))[0])
            raise ValueError(f"{what}必须是非负整数（第 {bad + 1} 户为 {arr[bad]!r}）")
        if np.abs(as_float).max(initial=0) >= 2.0**62:
            raise ValueError(f"{what}过大")
        arr = as_float
    arr = arr.astype(np.int64)
    if (arr < 0).any():
        bad = int(np.flatnonzero(arr < 0)[0])
        raise ValueError(f"{what}不能为负数（第 {bad + 1} 户为 {int(arr[bad])}）")
    return arr


def _tie_ranks(tie_keys, n: int) -> np.ndarray:
    if tie_keys is None:
        return np.arange(n, dtype=np.int64)
    keys = np.asarray(tie_keys)
    if keys.ndim != 1 or len(keys) != n:
        raise ValueError("并列排序键的个数必须与客户数相同")
    ranks = np.empty(n, dtype=np.int64)
    ranks[np.argsort(keys, kind="stable")] = np.arange(n, dtype=np.int64)
    return ranks


def _exact_sum(values: np.ndarray) -> int:
    """Σ of non-negative int64 values below 2**62 without overflow."""
    return (int((values >> 31).sum()) << 31) + int((values & ((1 << 31) - 1)).sum())


def _seat_counts(points: np.ndarray, mu: float, method: str) -> np.ndarray:
    """Seats with priority ≥ mu per shop, exactly (float, with near-boundary cases redone in Fractions)."""
    y = points / mu
    if method == "webster":
        y = y + 0.5
    counts = np.floor(y).astype(np.int64)
    near = np.flatnonzero(np.abs(y - np.rint(y)) <= 1e-9 * np.maximum(y, 1.0))
    if len(near):
        frac = Fraction(mu)
        a, b = frac.numerator, frac.denominator
        for i in near.tolist():
            p = int(points[i])
            counts[i] = (2 * p * b + a) // (2 * a) if method == "webster" else (p * b) // a
    if method == "adams":
        counts = np.where(points > 0, counts + 1, 0)
    return counts


def _priority_parts(points: np.ndarray, seat: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator of the priority of seat ``seat`` (1-based)."""
    if method == "webster":
        return 2 * points, 2 * seat - 1
    if method == "jefferson":
        return points.copy(), seat.copy()
    return points.copy(), seat - 1  # adams; seat 1 (denominator 0) is never a candidate here


def _order_exactly(num: np.ndarray, den: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Indices sorted by priority num/den descending (exact), then tie rank ascending."""
    value = num / den
    order = np.lexsort((ranks, -value))
    sv = value[order]
    g = np.gcd(num, den)
    rn, rd = (num // g)[order], (den // g)[order]
    clash = (sv[1:] == sv[:-1]) & ((rn[1:] != rn[:-1]) | (rd[1:] != rd[:-1]))
    if clash.any():  # distinct rationals rounded to one float: sort those runs exactly
        same = np.concatenate(([False], sv[1:] == sv[:-1]))
        starts = np.flatnonzero(~same)
        ends = np.append(starts[1:], len(order))
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            if e - s > 1 and clash[s : e - 1].any():
                run = order[s:e].tolist()
                run.sort(key=lambda i: (-Fraction(int(num[i]), int(den[i])), int(ranks[i])))
                order[s:e] = run
    return order


def _divisor_method(points, supply, low, high, ranks, method) -> tuple[np.ndarray, float | None]:
    values, inverse = np.unique(points, return_inverse=True)  # seat counts depend on points only

    def alloc(mu: float) -> np.ndarray:
        return np.clip(_seat_counts(values, mu, method)[inverse], low, high)

    positive = points > 0
    if method == "adams":  # every first seat has infinite priority: ties among them by rank
        first = np.clip(positive.astype(np.int64), low, high)
        if first.sum() >= supply:
            extra = np.flatnonzero(first > low)
            chosen = extra[np.argsort(ranks[extra], kind="stable")][: supply - int(low.sum())]
            result = low.copy()
            result[chosen] += 1
            return result, None
    mu_hi = 4.0 * float(points.max())  # above every finite priority
    mu = float(points[positive].sum()) / supply
    if alloc(mu).sum() >= supply:
        mu_lo = mu
        while mu < mu_hi and alloc(mu).sum() >= supply:
            mu_lo, mu = mu, mu * 2
        mu_hi = min(mu, mu_hi)
    else:
        mu_hi = mu
        while alloc(mu).sum() < supply:
            mu_hi, mu = mu, mu / 2
        mu_lo = mu
    a_hi, a_lo = alloc(mu_hi), alloc(mu_lo)

    def wide() -> bool:
        return int(a_hi.sum()) < supply and int(a_lo.sum()) - int(a_hi.sum()) > 4096

    def levels_between() -> np.ndarray:
        """Distinct seat priorities (as floats) of the point values inside [mu_lo, mu_hi)."""
        top, bottom = _seat_counts(values, mu_hi, method), _seat_counts(values, mu_lo, method)
        extra = bottom - top
        value = np.repeat(values, extra)
        seat = np.repeat(top, extra) + 1 + np.arange(len(value)) - np.repeat(np.cumsum(extra) - extra, extra)
        num, den = _priority_parts(value, seat, method)
        return np.unique(num / den)[::-1]

    while wide() and len(levels := levels_between()) > 50_000:  # halve while many levels remain
        mid = 0.5 * (mu_lo + mu_hi)
        a_mid = alloc(mid)
        if a_mid.sum() >= supply:
            mu_lo, a_lo = mid, a_mid
        else:
            mu_hi, a_hi = mid, a_mid
    if wide():  # binary search between consecutive priority levels (ties make float halving slow)
        levels = levels_between()
        cuts = np.append(0.5 * (levels[:-1] + levels[1:]), mu_lo)  # cut j lies just below level j
        first, last = 0, len(cuts) - 1
        while first < last:
            j = (first + last) // 2
            if alloc(float(cuts[j])).sum() >= supply:
                last = j
            else:
                first = j + 1
        if first > 0:
            mu_hi = float(cuts[first - 1])
            a_hi = alloc(mu_hi)
        mu_lo = float(cuts[first])
        a_lo = alloc(mu_lo)
    need = supply - int(a_hi.sum())
    if need == 0:
        return a_hi, 1.0 / mu_hi
    # Candidates: seats a_hi+1 … a_lo of each shop, all with priority in [mu_lo, mu_hi).
    extra = a_lo - a_hi
    shop = np.repeat(np.arange(len(points)), extra)
    offset = np.arange(len(shop)) - np.repeat(np.cumsum(extra) - extra, extra)
    seat = a_hi[shop] + 1 + offset
    num, den = _priority_parts(points[shop], seat, method)
    order = _order_exactly(num, den, ranks[shop])
    result = a_hi + np.bincount(shop[order[:need]], minlength=len(points))
    # Any divisor between the last seat given and the next one refused reproduces the result;
    # report the plain points-per-carton ratio when it is one of them.
    last = order[need - 1]
    low_div = float(den[last] / num[last])
    open_ = np.flatnonzero((result < high) & positive)
    if len(open_):  # the best refused seat: the next seat of a shop below its cap
        nxt_num, nxt_den = _priority_parts(points[open_], result[open_] + 1, method)
        high_div = float((nxt_den / nxt_num).min())
    else:
        high_div = math.inf
    plain = float(points.sum()) / supply
    return result, plain if low_div <= plain < high_div else 0.5 * (low_div + high_div)


def _largest(idx: np.ndarray, score: np.ndarray, ranks: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` entries of ``idx`` with the largest score, ties to the smaller rank."""
    if count <= 0:
        return idx[:0]
    values = score[idx]
    threshold = np.partition(values, len(values) - count)[len(values) - count]
    above = idx[values > threshold]
    level = idx[values == threshold]
    level = level[np.argsort(ranks[level], kind="stable")][: count - len(above)]
    chosen = np.concatenate((above, level))
    assert len(chosen) == count
    return chosen


def _hamilton(points, supply, low, high, ranks) -> tuple[np.ndarray, float | None]:
    free = points > 0
    value = np.where(free, 0, low)  # zero points: quota 0, so exactly the minimum
    while True:
        num = supply - int(value[~free].sum())
        if not free.any():
            assert num == 0
            return value, None
        den = int(points[free].sum())
        fl, rem = np.divmod(num * points, den)
        over = free & ((fl > high) | ((fl == high) & (rem > 0)))
        under = free & (fl < low)
        if not over.any() and not under.any():
            break
        excess = int((fl - high)[over].sum()) * den + _exact_sum(rem[over])
        deficit = int((low - fl)[under].sum()) * den - _exact_sum(rem[under])
        if excess >= deficit:  # then the exact share t* is ≥ t: these stay capped
            value[over], free = high[over], free & ~over
        else:
            value[under], free = low[under], free & ~under
    result = np.where(free, fl, value)
    short = supply - int(result.sum())
    result[_largest(np.flatnonzero(free & (rem > 0)), rem, ranks, short)] += 1
    return result, den / num if num else None


def apportion_points(
    points, supply: int, *, method: str = "webster", caps=None, minimums=None, tie_keys=None
) -> PointsAllocation:
    """Split ``supply`` cartons among shops in proportion to their integer ``points``.

    ``caps``/``minimums``: per-shop integer bounds (arrays or None). ``tie_keys``: sortable keys
    (e.g. licence numbers) deciding exactly equal claims, smallest first; default = input order.
    Zero-point shops get only their minimum. Supply nobody may take (all capped, or only zero-point
    shops left) is returned as ``leftover``. Minimums above the supply raise ``ValueError``."""
    key = _METHOD_ALIASES.get(str(method).lower())
    if key is None:
        raise ValueError(f"未知的分配方法 {method!r}，可选：{'、'.join(METHODS)}")
    pts = _integer_array(points, None, "积分")
    n = len(pts)
    supply = _check_int(supply, "投放总量")
    low = np.zeros(n, dtype=np.int64) if minimums is None else _integer_array(minimums, n, "最低量")
    high = np.full(n, supply, dtype=np.int64) if caps is None else _integer_array(caps, n, "上限")
    if (low > high).any():
        bad = int(np.flatnonzero(low > high)[0])
        raise ValueError(f"第 {bad + 1} 户的最低量 {int(low[bad])} 条大于上限 {int(high[bad])} 条")
    if int(low.sum()) > supply:
        raise ValueError(f"各户最低量合计 {int(low.sum())} 条，超过投放总量 {supply} 条，无法分配")
    high = np.minimum(high, supply)
    if n and (int(pts.max()) * (2 * supply + 2) >= _LIMIT or _exact_sum(pts) >= _LIMIT):
        raise ValueError("积分或投放总量过大，无法精确计算")
    ranks = _tie_ranks(tie_keys, n)
    ceiling = np.where(pts > 0, high, low)
    divisor: float | None = None
    if int(ceiling.sum()) <= supply:
        quantities = ceiling
    elif key == "hamilton":
        quantities, divisor = _hamilton(pts, supply, low, high, ranks)
    else:
        quantities, divisor = _divisor_method(pts, supply, low, high, ranks, key)
    allocated = int(quantities.sum())
    leftover = supply - allocated
    text = f"{METHODS[key]}：投放 {supply} 条，{n} 户按积分比例分得 {allocated} 条"
    if divisor:
        text += f"，约每 {divisor:.4g} 分 1 条"
    if leftover:
        text += f"；另有 {leftover} 条因各户已达上限或积分为 0 未分出"
    text += "。积分相同、份额相同时按客户排序键（默认名单顺序）靠前者优先。"
    return PointsAllocation(
        quantities=quantities,
        supply=supply,
        allocated=allocated,
        leftover=leftover,
        method=key,
        divisor=divisor,
        explanation=text,
    )


def sales_points(volumes, price_classes=None, *, class_weights=None, volume_weight=1) -> np.ndarray:
    """Integer points per shop: round-half-up of ``volume_weight × Σ_c volume_c × class_weights[c]``.

    ``volumes`` is either shape (shops, classes) — cartons sold per price class 1, 2, … — or shape
    (shops,) together with ``price_classes`` (each shop's class 1–5). Weights are exact (decimals
    such as 1.5 are taken as written); the defaults give price class 1 five times the weight of
    class 5. The formula's weights are settings of the growth app."""
    weights = dict(DEFAULT_CLASS_WEIGHTS if class_weights is None else class_weights)
    exact = {int(c): _exact_fraction(w, f"{c} 类烟权重") for c, w in weights.items()}
    scale = _exact_fraction(volume_weight, "销量权重")
    # the lcm of the products' denominators (weight × scale): 5/2 × 3/2 = 15/4 needs 4, not lcm(2, 2) = 2
    denominator = math.lcm(scale.denominator, *((w * scale).denominator for w in exact.values()))
    vol = np.asarray(volumes)
    if vol.ndim == 2:
        classes = list(range(1, vol.shape[1] + 1))
        missing = [c for c in classes if c not in exact]
        if missing:
            raise ValueError(f"缺少价类 {missing} 的权重")
        flat = _integer_array(vol.reshape(-1), None, "销量").reshape(vol.shape)
        w = np.array([int(exact[c] * scale * denominator) for c in classes], dtype=np.int64)
        total = flat @ w
    elif vol.ndim == 1:
        if price_classes is None:
            raise ValueError("一维销量需要同时给出各户的价类")
        flat = _integer_array(vol, None, "销量")
        cls = _integer_array(price_classes, len(flat), "价类")
        unknown = sorted(set(np.unique(cls).tolist()) - set(exact))
        if unknown:
            raise ValueError(f"缺少价类 {unknown} 的权重")
        lookup = np.zeros(max(exact) + 1, dtype=np.int64)
        for c, wc in exact.items():
            lookup[c] = int(wc * scale * denominator)
        total = flat * lookup[cls]
    else:
        raise ValueError("销量应为一维或二维数组")
    return (2 * total + denominator) // (2 * denominator)
