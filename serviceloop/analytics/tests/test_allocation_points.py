"""Points allocation (积分制) — divisor methods and Hamilton against exact reference implementations,
the classic apportionment properties, caps/minimums, edge cases and scale."""

from fractions import Fraction
from math import ceil, floor, inf

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from serviceloop.analytics.allocation import apportion_points, sales_points

SETTINGS = settings(max_examples=400, deadline=None, database=None, derandomize=True)
DIVISORS = ("webster", "jefferson", "adams")


# ---------------------------------------------------------------------------------------------
# Reference implementations: one seat at a time with exact fractions (slow, obviously right)


def reference_divisor(points, supply, method, caps, minimums, keys):
    seats = list(minimums)

    def priority(i):
        if points[i] == 0 or seats[i] >= caps[i]:
            return None
        held = seats[i]
        if method == "webster":
            return Fraction(2 * points[i], 2 * held + 1)
        if method == "jefferson":
            return Fraction(points[i], held + 1)
        return inf if held == 0 else Fraction(points[i], held)

    for _ in range(supply - sum(minimums)):
        claims = [(priority(i), i) for i in range(len(points)) if priority(i) is not None]
        if not claims:
            break
        best = max(claims, key=lambda c: (c[0], [-k for k in [keys[c[1]]]]))
        seats[best[1]] += 1
    return seats


def reference_hamilton(points, supply, caps, minimums, keys):
    n = len(points)
    ceiling = [caps[i] if points[i] > 0 else minimums[i] for i in range(n)]
    if sum(ceiling) <= supply:
        return ceiling

    def share(t):
        return [
            min(max(t * points[i], minimums[i]), caps[i]) if points[i] else Fraction(minimums[i])
            for i in range(n)
        ]

    marks = sorted(
        {Fraction(b, points[i]) for i in range(n) if points[i] for b in (minimums[i], caps[i])} | {0}
    )
    lo_i, hi_i = 0, len(marks) - 1  # the first mark where the shares reach the supply
    while lo_i < hi_i:
        mid = (lo_i + hi_i) // 2
        lo_i, hi_i = (lo_i, mid) if sum(share(marks[mid])) >= supply else (mid + 1, hi_i)
    hi, lo = marks[lo_i], marks[max(lo_i - 1, 0)]
    at_lo, at_hi = share(lo), share(hi)
    slope = sum(points[i] for i in range(n) if at_lo[i] != at_hi[i])
    t = lo + (supply - sum(at_lo)) / slope if slope else hi
    quota = share(t)
    seats = [floor(q) for q in quota]
    order = sorted(range(n), key=lambda i: (-(quota[i] - seats[i]), keys[i]))
    for i in order[: supply - sum(seats)]:
        seats[i] += 1
    return seats


# ---------------------------------------------------------------------------------------------
# Strategies


@st.composite
def instances(draw, *, bounded=True):
    n = draw(st.integers(1, 12))
    points = draw(st.lists(st.integers(0, 60), min_size=n, max_size=n))
    caps = (
        draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
        if bounded and draw(st.booleans())
        else None
    )
    minimums = None
    if bounded and draw(st.booleans()):
        minimums = [draw(st.integers(0, 2 if caps is None else min(2, caps[i]))) for i in range(n)]
    supply = draw(st.integers(sum(minimums or [0]), 70))
    keys = draw(st.permutations(list(range(n))))
    return points, supply, caps, minimums, keys


def call(points, supply, caps, minimums, keys, method):
    result = apportion_points(points, supply, method=method, caps=caps, minimums=minimums, tie_keys=keys)
    return result.quantities.tolist(), result


def full(points, supply, caps, minimums):
    n = len(points)
    return (caps if caps is not None else [supply] * n), (minimums if minimums is not None else [0] * n)


# ---------------------------------------------------------------------------------------------
# Exactness against the references


@SETTINGS
@given(instances(), st.sampled_from(DIVISORS))
def test_it_matches_seat_by_seat_divisor_apportionment(instance, method):
    points, supply, caps, minimums, keys = instance
    got, result = call(points, supply, caps, minimums, keys, method)
    cap_list, min_list = full(points, supply, caps, minimums)
    assert got == reference_divisor(points, supply, method, cap_list, min_list, keys)
    assert result.allocated + result.leftover == supply


@SETTINGS
@given(instances())
def test_it_matches_exact_largest_remainder_apportionment(instance):
    points, supply, caps, minimums, keys = instance
    got, result = call(points, supply, caps, minimums, keys, "hamilton")
    cap_list, min_list = full(points, supply, caps, minimums)
    assert got == reference_hamilton(points, supply, cap_list, min_list, keys)


@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(st.integers(1, 3000), st.integers(0, 5000), st.sampled_from((*DIVISORS, "hamilton")))
def test_it_matches_the_references_on_bigger_random_instances(n, supply, method):
    rng = np.random.default_rng(n * 7919 + supply)
    points = rng.integers(0, 40, n).tolist()  # few distinct values: many exact ties
    caps = rng.integers(0, 6, n).tolist()
    supply = min(supply, 400)
    keys = rng.permutation(n).tolist()
    got, _ = call(points, supply, caps, None, keys, method)
    if method == "hamilton":
        expected = reference_hamilton(points, supply, caps, [0] * n, keys)
    else:
        expected = sorted_reference(points, supply, method, caps, keys)
    assert got == expected


def sorted_reference(points, supply, method, caps, keys):
    """Top ``supply`` seats by exact priority, then key — a second, sort-based reference."""
    seats = []
    for i, p in enumerate(points):
        for k in range(1, caps[i] + 1):
            if p == 0:
                break
            signpost = {
                "webster": Fraction(2 * k - 1, 2),
                "jefferson": Fraction(k),
                "adams": Fraction(k - 1),
            }[method]
            seats.append((-(inf if signpost == 0 else Fraction(p) / signpost), keys[i], i))
    seats.sort()
    out = [0] * len(points)
    for _, _, i in seats[:supply]:
        out[i] += 1
    return out


# ---------------------------------------------------------------------------------------------
# Apportionment properties


@SETTINGS
@given(instances(), st.sampled_from(DIVISORS))
def test_it_has_no_alabama_paradox_with_divisor_methods(instance, method):
    points, supply, caps, minimums, keys = instance
    smaller, _ = call(points, supply, caps, minimums, keys, method)
    larger, _ = call(points, supply + 1, caps, minimums, keys, method)
    assert all(b >= a for a, b in zip(smaller, larger, strict=True))
    assert sum(larger) - sum(smaller) in (0, 1)


def test_it_shows_why_webster_is_the_default_hamilton_can_lose_a_carton_when_supply_grows():
    rng = np.random.default_rng(3)
    for _ in range(5000):  # find an Alabama paradox for Hamilton; Webster must not have one
        points = rng.integers(1, 30, 4).tolist()
        supply = int(rng.integers(1, 30))
        h1, _ = call(points, supply, None, None, None, "hamilton")
        h2, _ = call(points, supply + 1, None, None, None, "hamilton")
        if any(b < a for a, b in zip(h1, h2, strict=True)):
            w1, _ = call(points, supply, None, None, None, "webster")
            w2, _ = call(points, supply + 1, None, None, None, "webster")
            assert all(b >= a for a, b in zip(w1, w2, strict=True))
            return
    pytest.fail("no Alabama paradox found for Hamilton")


@SETTINGS
@given(
    st.lists(st.integers(1, 10**6), min_size=2, max_size=10),
    st.integers(1, 40),
    st.data(),
    st.sampled_from(DIVISORS),
)
def test_it_has_no_population_paradox_with_divisor_methods(points, supply, data, method):
    i, j = data.draw(st.permutations(range(len(points))))[:2]
    grown = list(points)
    grown[i] = data.draw(st.integers(points[i], 2 * 10**6))
    grown[j] = data.draw(st.integers(1, points[j]))
    if Fraction(grown[i], grown[j]) <= Fraction(points[i], points[j]):
        return
    before, _ = call(points, supply, None, None, None, method)
    after, _ = call(grown, supply, None, None, None, method)
    assert not (after[i] < before[i] and after[j] > before[j])


@SETTINGS
@given(instances(bounded=False))
def test_it_keeps_hamilton_within_floor_and_ceiling_of_the_exact_quota(instance):
    points, supply, _, _, keys = instance
    got, _ = call(points, supply, None, None, keys, "hamilton")
    total = sum(points)
    if total == 0:
        assert got == [0] * len(points)
        return
    for p, a in zip(points, got, strict=True):
        quota = Fraction(supply * p, total)
        assert floor(quota) <= a <= ceil(quota)


@SETTINGS
@given(instances(bounded=False))
def test_it_keeps_jefferson_above_and_adams_below_the_quota(instance):
    points, supply, _, _, keys = instance
    total = sum(points)
    if total == 0:
        return
    jefferson, _ = call(points, supply, None, None, keys, "jefferson")
    adams, _ = call(points, supply, None, None, keys, "adams")
    for p, lower, upper in zip(points, jefferson, adams, strict=True):
        quota = Fraction(supply * p, total)
        assert lower >= floor(quota)
        assert upper <= ceil(quota)


@SETTINGS
@given(instances(), st.sampled_from((*DIVISORS, "hamilton")))
def test_it_respects_caps_and_minimums_and_hands_out_all_it_can(instance, method):
    points, supply, caps, minimums, keys = instance
    got, result = call(points, supply, caps, minimums, keys, method)
    cap_list, min_list = full(points, supply, caps, minimums)
    assert all(lo <= a <= hi for a, lo, hi in zip(got, min_list, cap_list, strict=True))
    ceiling = sum(c if p else m for p, c, m in zip(points, cap_list, min_list, strict=True))
    assert result.allocated == min(supply, ceiling)
    assert result.leftover == supply - result.allocated
    assert all(a == m for a, p, m in zip(got, points, min_list, strict=True) if p == 0)


@SETTINGS
@given(instances(), st.sampled_from((*DIVISORS, "hamilton")), st.randoms(use_true_random=False))
def test_it_is_deterministic_under_reordering_when_keys_travel_with_shops(instance, method, rnd):
    points, supply, caps, minimums, keys = instance
    got, _ = call(points, supply, caps, minimums, keys, method)
    order = list(range(len(points)))
    rnd.shuffle(order)

    def pick(values):
        return None if values is None else [values[i] for i in order]

    shuffled, _ = call(pick(points), supply, pick(caps), pick(minimums), pick(keys), method)
    assert shuffled == [got[i] for i in order]


def test_it_breaks_exact_ties_by_the_shop_key():
    # Three equal shops, two cartons: the two smallest keys win, wherever they are in the list.
    got, _ = call([5, 5, 5], 2, None, None, ["C", "A", "B"], "webster")
    assert got == [0, 1, 1]
    got, _ = call([5, 5, 5], 2, None, None, None, "hamilton")
    assert got == [1, 1, 0]


# ---------------------------------------------------------------------------------------------
# Edge cases, explanations, bad input


def test_it_returns_unusable_supply_as_leftover():
    result = apportion_points([0, 0, 0], 10, minimums=[1, 0, 0])
    assert result.quantities.tolist() == [1, 0, 0] and result.leftover == 9
    assert "未分出" in result.explanation
    capped = apportion_points([3, 1], 100, caps=[5, 7])
    assert capped.quantities.tolist() == [5, 7] and capped.leftover == 88


def test_it_explains_the_method_and_the_divisor():
    result = apportion_points([5, 3, 2], 10)
    assert result.quantities.tolist() == [5, 3, 2]
    assert result.divisor == pytest.approx(1.0)
    assert "韦伯斯特法" in result.explanation and "约每 1 分 1 条" in result.explanation


def test_it_accepts_method_aliases():
    a = apportion_points([7, 3], 5, method="dhondt").quantities.tolist()
    b = apportion_points([7, 3], 5, method="jefferson").quantities.tolist()
    assert a == b
    assert apportion_points([7, 3], 5, method="sainte-lague").method == "webster"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"points": [1, 2], "supply": 3, "minimums": [2, 2]}, "最低量合计 4 条，超过投放总量 3 条"),
        (
            {"points": [1, 2], "supply": 3, "minimums": [2, 0], "caps": [1, 5]},
            "第 1 户的最低量 2 条大于上限 1 条",
        ),
        ({"points": [1.5, 2], "supply": 3}, "积分必须是非负整数"),
        ({"points": [-1, 2], "supply": 3}, "积分不能为负数"),
        ({"points": [1, 2], "supply": -3}, "投放总量不能小于 0"),
        ({"points": [1, 2], "supply": 3, "method": "lottery"}, "未知的分配方法"),
        ({"points": [1, 2], "supply": 3, "caps": [1]}, "上限应为一维数组"),
        ({"points": [1, 2], "supply": 3, "tie_keys": ["a"]}, "并列排序键的个数"),
    ],
)
def test_it_refuses_impossible_requests_with_a_chinese_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        apportion_points(**kwargs)


@pytest.mark.parametrize("method", ["webster", "hamilton"])
def test_it_apportions_half_a_million_shops(method):
    rng = np.random.default_rng(0)
    points = rng.integers(0, 5000, 500_000)
    caps = rng.integers(1, 20, 500_000)
    result = apportion_points(points, 300_000, method=method, caps=caps)  # speed: bench/bench_allocation.py
    assert result.allocated == 300_000
    assert (result.quantities <= caps).all()


# ---------------------------------------------------------------------------------------------
# Points from sales


def test_it_computes_points_from_volume_per_price_class():
    volumes = [[10, 0, 5, 0, 0], [0, 3, 0, 0, 1]]  # cartons of class 1…5 sold this cycle
    assert sales_points(volumes).tolist() == [10 * 5 + 5 * 3, 3 * 4 + 1]


def test_it_computes_points_from_volume_and_one_class_with_exact_decimal_weights():
    points = sales_points([1, 2, 1], [1, 2, 3], class_weights={1: 2.675, 2: 1.25, 3: 0.5}, volume_weight=1)
    assert points.tolist() == [3, 3, 1]  # 2.675 → 3, 2.5 → 3 and 0.5 → 1 (half up, no float drift)


def test_it_refuses_bad_sales_data():
    with pytest.raises(ValueError, match="缺少价类"):
        sales_points([1, 2], [1, 6])
    with pytest.raises(ValueError, match="销量必须是非负整数"):
        sales_points([1.5, 2], [1, 1])
    with pytest.raises(ValueError, match="不能为负数"):
        sales_points([1], [1], class_weights={1: -1})


@SETTINGS
@given(st.integers(1, 10**9), st.integers(1, 10**6), st.sampled_from(DIVISORS), st.integers(-2, 2))
def test_it_counts_seats_exactly_when_the_divisor_sits_on_a_seat_boundary(points, seat, method, nudge):
    from serviceloop.analytics.allocation import _seat_counts

    signpost = {"webster": Fraction(2 * seat - 1, 2), "jefferson": Fraction(seat), "adams": Fraction(seat)}[
        method
    ]
    mu = float(Fraction(points) / signpost)  # the float nearest to a seat's exact priority …
    mu = float(np.nextafter(mu, inf if nudge > 0 else 0)) if nudge else mu  # … or a neighbour
    exact = Fraction(mu)
    if method == "webster":
        expected = floor(points / exact + Fraction(1, 2))
    elif method == "jefferson":
        expected = floor(points / exact)
    else:
        expected = floor(points / exact) + 1
    assert _seat_counts(np.array([points], dtype=np.int64), mu, method).tolist() == [expected]
