"""Sample size, stratified allocation and the reproducible draw."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from serviceloop.analytics.survey_stats import (
    allocate_sample,
    margin_of_error,
    sample_size,
    stratified_sample,
)


def test_it_gives_the_textbook_sample_sizes():
    # Cochran: n0 = 1.96² · 0.25 / 0.05² = 384.15 -> 385; with N = 10,000: 384.15 / (1 + 383.15/10,000)
    # = 369.97 -> 370.
    assert sample_size() == 385
    assert sample_size(population=10_000) == 370
    assert sample_size(confidence=0.99, margin=0.05) == 664  # 2.5758² · 0.25 / 0.0025 = 663.49
    assert sample_size(margin=0.05, proportion=0.1) == 139  # 1.96² · 0.09 / 0.0025 = 138.29
    assert sample_size(population=200) == 132  # 384.15 / (1 + 383.15/200) = 131.75
    assert sample_size(population=15_020) == 375  # the real city's licensed shops


def test_it_matches_the_closed_formula_for_any_population():
    z = 1.959963984540054
    for population in (50, 500, 5_000, 50_000, 5_500_000):
        n0 = z * z * 0.25 / 0.05**2
        assert sample_size(population=population) == math.ceil(n0 / (1 + (n0 - 1) / population))


@settings(max_examples=80, deadline=None, database=None)
@given(
    confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
    margin=st.floats(0.01, 0.2),
    population=st.one_of(st.none(), st.integers(2, 200_000)),
    proportion=st.floats(0.05, 0.95),
)
def test_it_reaches_the_margin_with_the_smallest_sample(confidence, margin, population, proportion):
    n = sample_size(confidence=confidence, margin=margin, population=population, proportion=proportion)
    kw = {"confidence": confidence, "population": population, "proportion": proportion}
    assert margin_of_error(n, **kw) <= margin + 1e-9
    if n > 1:
        assert margin_of_error(n - 1, **kw) > margin - 1e-9


def test_it_refuses_impossible_inputs():
    with pytest.raises(ValueError):
        sample_size(margin=0)
    with pytest.raises(ValueError):
        sample_size(confidence=1.0)
    with pytest.raises(ValueError):
        margin_of_error(20, population=10)


def test_it_allocates_in_proportion_with_a_minimum_per_stratum():
    sizes = {"urban": 6_000, "town": 3_000, "rural": 950, "islands": 50}
    alloc = allocate_sample(sizes, 400)
    assert alloc.to_dict() == {"urban": 240, "town": 120, "rural": 38, "islands": 2}
    with_min = allocate_sample(sizes, 400, minimum=20)
    assert with_min["islands"] == 20 and with_min.sum() == 400
    # the other three share the remaining 380 in proportion 6000 : 3000 : 950
    assert with_min[["urban", "town", "rural"]].to_numpy() == pytest.approx(
        np.array([6000, 3000, 950]) * 380 / 9950, abs=1
    )
    tiny = allocate_sample({"a": 1_000, "b": 3}, 100, minimum=10)
    assert tiny.to_dict() == {"a": 97, "b": 3}  # a stratum cannot give more than it has
    assert allocate_sample({"a": 5, "b": 7}, 50).to_dict() == {"a": 5, "b": 7}


@settings(max_examples=100, deadline=None, database=None)
@given(
    sizes=st.lists(st.integers(0, 5_000), min_size=1, max_size=12),
    fraction=st.floats(0.0, 1.2),
    minimum=st.integers(0, 40),
)
def test_it_keeps_allocations_exact_and_feasible(sizes, fraction, minimum):
    strata = pd.Series(sizes, index=[f"s{i}" for i in range(len(sizes))])
    n_total = int(strata.sum() * fraction)
    alloc = allocate_sample(strata, n_total, minimum=minimum)
    assert (alloc >= 0).all() and (alloc <= strata).all()
    assert (alloc >= np.minimum(strata, minimum)).all()
    if n_total >= strata.sum():
        assert alloc.equals(strata)
    elif np.minimum(strata, minimum).sum() <= n_total:
        assert alloc.sum() == n_total
    else:  # the minimums alone are more than asked: they win
        assert alloc.sum() == np.minimum(strata, minimum).sum()


def _shops(n=3_000, seed=61):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "shop_id": rng.permutation(np.arange(10_000, 10_000 + n)),
            "branch": rng.choice(["north", "south", "east", "west"], n, p=[0.4, 0.3, 0.2, 0.1]),
            "market_type": rng.choice(["urban", "town", "rural"], n),
        }
    )


def test_it_draws_a_reproducible_stratified_sample():
    shops = _shops()
    first = stratified_sample(
        shops, strata=["branch", "market_type"], seed=2026, n_total=300, minimum=5, id_column="shop_id"
    )
    again = stratified_sample(
        shops.sample(frac=1, random_state=3),  # the same shops in another order
        strata=["branch", "market_type"],
        seed=2026,
        n_total=300,
        minimum=5,
        id_column="shop_id",
    )
    assert first.ids == again.ids
    other = stratified_sample(
        shops, strata=["branch", "market_type"], seed=2027, n_total=300, minimum=5, id_column="shop_id"
    )
    assert other.ids != first.ids
    assert len(first.ids) == 300 == first.allocation["sample"].sum()
    assert len(set(first.ids)) == 300 and set(first.ids) <= set(shops["shop_id"])
    chosen = shops[shops["shop_id"].isin(first.ids)]
    drawn = chosen.groupby(["branch", "market_type"]).size()
    for (branch, market), count in drawn.items():
        assert first.allocation.loc[f"{branch} / {market}", "sample"] == count


def test_it_sizes_the_sample_itself_when_not_told():
    shops = _shops(n=10_000)
    draw = stratified_sample(shops, strata="branch", seed=1, id_column="shop_id")
    assert len(draw.ids) == 370  # 95 %, ±5 %, N = 10,000
    simple = stratified_sample(shops.set_index("shop_id"), strata=None, seed=1, n_total=50)
    assert len(simple.ids) == 50 and simple.allocation.index.tolist() == ["all"]
