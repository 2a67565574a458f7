"""Drivers (correlation, OLS, importance–performance) and wave comparisons, against numpy/scipy and
hand formulas."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from serviceloop.analytics.survey.synthetic import synthetic_survey
from serviceloop.analytics.survey_stats import (
    FIX_FIRST,
    KEEP_UP,
    LOW_PRIORITY,
    OVERALL,
    POSSIBLE_OVERKILL,
    adjust_p_values,
    compare_means,
    compare_proportions,
    compare_top_box,
    compare_waves,
    driver_analysis,
    hedges_g,
    respondent_scores,
)

# --------------------------------------------------------------------------- drivers


def _regression_data(n=400, seed=41):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(
        rng.normal(60, 15, size=(n, 4)), columns=["supply", "ordering", "delivery", "complaints"]
    )
    x["delivery"] += 0.5 * x["ordering"]  # correlated predictors, as dimension scores are
    y = 0.1 * x["supply"] + 0.2 * x["ordering"] + 0.6 * x["delivery"] + 0.3 * x["complaints"]
    return x, y + rng.normal(0, 8, n)


def test_it_fits_the_same_regression_as_numpy_least_squares():
    x, y = _regression_data()
    res = driver_analysis(x, y)
    design = np.column_stack([np.ones(len(x)), x.to_numpy()])
    coef, *_ = np.linalg.lstsq(design, y.to_numpy(), rcond=None)
    assert res.intercept == pytest.approx(coef[0], abs=1e-8)
    assert res.table["coef"].to_numpy() == pytest.approx(coef[1:], abs=1e-10)
    resid = y.to_numpy() - design @ coef
    r2 = 1 - (resid @ resid) / ((y - y.mean()) @ (y - y.mean()))
    assert res.r_squared == pytest.approx(r2, abs=1e-12)
    # standardised betas = least squares on z-scores
    zx = (x - x.mean()) / x.std()
    zy = (y - y.mean()) / y.std()
    beta, *_ = np.linalg.lstsq(zx.to_numpy(), zy.to_numpy(), rcond=None)
    assert res.table["beta"].to_numpy() == pytest.approx(beta, abs=1e-10)
    # standard errors from sigma² (X'X)^-1
    sigma2 = resid @ resid / (len(x) - 5)
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(design.T @ design)))
    assert res.table["se"].to_numpy() == pytest.approx(se[1:], rel=1e-8)


def test_it_correlates_each_driver_with_the_outcome():
    x, y = _regression_data()
    res = driver_analysis(x, y)
    for col in x:
        assert res.table.loc[col, "pearson_r"] == pytest.approx(np.corrcoef(x[col], y)[0, 1], abs=1e-12)
        # Spearman = Pearson of the ranks
        assert res.table.loc[col, "spearman_rho"] == pytest.approx(
            np.corrcoef(x[col].rank(), y.rank())[0, 1], abs=1e-12
        )
    # VIF_j = 1 / (1 - R²_j of predictor j on the others)
    others = np.column_stack([np.ones(len(x)), x.drop(columns="delivery").to_numpy()])
    fitted = others @ np.linalg.lstsq(others, x["delivery"].to_numpy(), rcond=None)[0]
    r2 = 1 - ((x["delivery"] - fitted) ** 2).sum() / ((x["delivery"] - x["delivery"].mean()) ** 2).sum()
    assert res.table.loc["delivery", "vif"] == pytest.approx(1 / (1 - r2), rel=1e-9)


def test_it_places_drivers_in_quadrants_and_lists_what_to_fix_first():
    x = pd.DataFrame({k: np.arange(10.0) for k in "abcd"})
    y = pd.Series(np.arange(10.0))
    stated = {"a": 9.0, "b": 8.0, "c": 2.0, "d": 1.0}  # mean 5
    performance = {"a": 40.0, "b": 80.0, "c": 30.0, "d": 90.0}  # mean 60
    res = driver_analysis(
        x + np.random.default_rng(0).normal(0, 1, (10, 4)), y, importance=stated, performance=performance
    )
    assert res.table["quadrant"].to_dict() == {
        "a": FIX_FIRST,
        "b": KEEP_UP,
        "c": LOW_PRIORITY,
        "d": POSSIBLE_OVERKILL,
    }
    assert res.fix_first == ["a"]
    assert (res.importance_split, res.performance_split) == (5.0, 60.0)
    assert res.importance_measure == "stated"


def test_it_ranks_fix_first_by_importance_over_performance():
    x = pd.DataFrame({k: np.arange(10.0) for k in "abcde"})
    noise = np.random.default_rng(1).normal(0, 1, (10, 5))
    stated = {"a": 9.0, "b": 10.0, "c": 1.0, "d": 1.0, "e": 1.0}
    performance = {"a": 10.0, "b": 40.0, "c": 80.0, "d": 80.0, "e": 80.0}
    res = driver_analysis(x + noise, pd.Series(np.arange(10.0)), importance=stated, performance=performance)
    # z(imp) - z(perf): a is a little less important than b but far worse performing
    assert res.fix_first == ["a", "b"]


def test_it_finds_the_planted_weak_and_important_dimensions():
    s = synthetic_survey(4000, seed=42)
    scores = respondent_scores(s.answers, s.spec)
    res = driver_analysis(scores[s.spec.dimensions], s.answers["overall_item"])
    # planted: delivery (.45) and complaints (.40) matter most and have the lowest latent level
    assert set(res.fix_first) == {"delivery", "complaints"}
    assert res.table["beta"].idxmax() == "delivery"
    assert res.table["performance"].to_numpy() == pytest.approx(scores[s.spec.dimensions].mean().to_numpy())
    by_r = driver_analysis(scores[s.spec.dimensions], s.answers["overall_item"], importance="pearson")
    assert by_r.table["importance"].equals(by_r.table["pearson_r"])


def test_it_uses_only_complete_cases_and_says_how_many():
    x, y = _regression_data(n=100)
    x.iloc[:7, 1] = np.nan
    y.iloc[95:] = np.nan
    res = driver_analysis(x, y)
    assert res.n == 88
    ok = x.notna().all(axis=1) & y.notna()
    assert res.table.loc["supply", "pearson_r"] == pytest.approx(
        np.corrcoef(x.loc[ok, "supply"], y[ok])[0, 1]
    )


def test_it_refuses_too_few_respondents_or_a_constant_driver():
    x, y = _regression_data(n=5)
    with pytest.raises(ValueError, match="respondents"):
        driver_analysis(x, y)
    x, y = _regression_data(n=50)
    with pytest.raises(ValueError, match="variance"):
        driver_analysis(x.assign(supply=70.0), y)


# --------------------------------------------------------------------------- waves


def _two_waves(seed=51):
    rng = np.random.default_rng(seed)
    return rng.normal(70, 12, 180), rng.normal(73, 18, 240)


def test_it_matches_scipy_and_statsmodels_for_welch():
    a, b = _two_waves()
    res = compare_means(a, b, test="welch", confidence=0.95)
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert res.statistic == pytest.approx(ref.statistic, abs=1e-12)
    assert res.p_value == pytest.approx(ref.pvalue, abs=1e-12)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    welch_df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    assert res.df == pytest.approx(welch_df, rel=1e-12)
    low, high = CompareMeans(DescrStatsW(b), DescrStatsW(a)).tconfint_diff(alpha=0.05, usevar="unequal")
    assert res.ci == pytest.approx((low, high), abs=1e-10)
    assert res.diff == pytest.approx(b.mean() - a.mean())


def test_it_computes_hedges_g_by_the_formula():
    a, b = _two_waves()
    na, nb = a.size, b.size
    sp = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    j = 1 - 3 / (4 * (na + nb) - 9)
    assert hedges_g(a, b) == pytest.approx((b.mean() - a.mean()) / sp * j, abs=1e-12)
    assert compare_means(a, b).effect_size == pytest.approx(hedges_g(a, b))


def test_it_matches_scipy_for_mann_whitney_with_a_rank_biserial_effect():
    rng = np.random.default_rng(52)
    a = rng.integers(1, 6, 150).astype(float)
    b = np.clip(rng.integers(1, 6, 170) + rng.integers(0, 2, 170), 1, 5).astype(float)
    res = compare_means(a, b, test="mannwhitney")
    ref = stats.mannwhitneyu(b, a, alternative="two-sided", method="asymptotic")
    assert res.statistic == ref.statistic and res.p_value == pytest.approx(ref.pvalue, abs=1e-12)
    # rank-biserial = P(B > A) - P(A > B) over all pairs
    greater = (b[:, None] > a[None, :]).mean()
    less = (b[:, None] < a[None, :]).mean()
    assert res.effect_size == pytest.approx(greater - less, abs=1e-12)


def test_it_compares_the_same_shops_pairwise_regardless_of_order():
    rng = np.random.default_rng(53)
    shops = [f"s{i}" for i in range(60)]
    before = pd.Series(rng.normal(60, 10, 60), index=shops)
    after = (before + rng.normal(4, 5, 60)).sample(frac=1, random_state=1)  # shuffled order
    after["new_shop"] = 90.0  # answered only in wave B: not part of a paired comparison
    res = compare_means(before, after, paired=True)
    ref = stats.ttest_rel(after[shops], before)
    assert (
        res.n_a == 60
        and res.statistic == pytest.approx(ref.statistic)
        and res.p_value == pytest.approx(ref.pvalue)
    )
    d = after[shops] - before
    assert res.effect_size == pytest.approx(d.mean() / d.std())
    w = compare_means(before, after, paired=True, test="mannwhitney")
    assert w.p_value == pytest.approx(stats.wilcoxon(after[shops], before).pvalue)


@settings(max_examples=40, deadline=None, database=None)
@given(
    a=st.lists(st.integers(1, 5), min_size=2, max_size=30),
    b=st.lists(st.integers(1, 5), min_size=2, max_size=30),
)
def test_it_flips_the_sign_when_the_waves_are_swapped(a, b):
    ab, ba = compare_means(a, b), compare_means(b, a)
    assert ab.diff == pytest.approx(-ba.diff)
    assert ab.p_value == pytest.approx(ba.p_value)
    assert ab.ci == pytest.approx((-ba.ci[1], -ba.ci[0]))
    assert 0.0 <= ab.p_value <= 1.0


def test_it_z_tests_two_proportions_by_the_textbook_formula():
    res = compare_proportions(312, 400, 354, 420)
    pa, pb = 312 / 400, 354 / 420
    pooled = (312 + 354) / 820
    z = (pb - pa) / math.sqrt(pooled * (1 - pooled) * (1 / 400 + 1 / 420))
    assert res.z == pytest.approx(z, abs=1e-12)
    assert res.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), abs=1e-12)
    half = 1.959963984540054 * math.sqrt(pa * (1 - pa) / 400 + pb * (1 - pb) / 420)
    assert res.ci == pytest.approx((pb - pa - half, pb - pa + half), abs=1e-9)
    assert res.cohens_h == pytest.approx(2 * math.asin(math.sqrt(pb)) - 2 * math.asin(math.sqrt(pa)))
    z_sm, p_sm = proportions_ztest([354, 312], [420, 400])
    assert (res.z, res.p_value) == pytest.approx((z_sm, p_sm), abs=1e-12)
    assert compare_proportions(10, 10, 20, 20).p_value == 1.0  # everyone satisfied twice: nothing to test


def _holm_by_definition(p):
    """Holm (1979) step-down: the i-th smallest p times (m - i), made monotone, capped at 1."""
    m = len(p)
    out, running = [0.0] * m, 0.0
    for rank, idx in enumerate(sorted(range(m), key=lambda i: p[i])):
        running = max(running, min(1.0, (m - rank) * p[idx]))
        out[idx] = running
    return out


@settings(max_examples=200, deadline=None, database=None)
@given(p=st.lists(st.floats(0, 1), min_size=1, max_size=40))
def test_it_adjusts_p_values_by_holms_definition(p):
    assert adjust_p_values(p, "holm") == pytest.approx(_holm_by_definition(p), abs=1e-12)
    assert adjust_p_values(p, None).tolist() == p


def test_it_adjusts_p_values_like_statsmodels():
    # statsmodels' Holm runs gc.collect() on every call, so a few fixed cases rather than a search
    rng = np.random.default_rng(56)
    for p in ([0.01, 0.04, 0.03, 0.005], [0.5, 0.5, 0.5], rng.random(30), rng.random(7) ** 4):
        assert adjust_p_values(p, "holm") == pytest.approx(multipletests(p, method="holm")[1], abs=1e-12)
        assert adjust_p_values(p, "fdr_bh") == pytest.approx(multipletests(p, method="fdr_bh")[1], abs=1e-12)


def test_it_compares_every_score_between_waves_with_holm_adjustment():
    s1 = synthetic_survey(1500, seed=54)
    s2 = synthetic_survey(1500, seed=55, level={**s1.level, "delivery": s1.level["delivery"] + 0.4})
    a, b = respondent_scores(s1.answers, s1.spec), respondent_scores(s2.answers, s2.spec)
    table = compare_waves(a, b)
    assert list(table.index) == [*s1.spec.dimensions, OVERALL]
    assert table.loc["delivery", "p_value"] == pytest.approx(
        compare_means(a["delivery"], b["delivery"]).p_value
    )
    # Holm by hand
    p = table["p_value"].to_numpy()
    order = np.argsort(p)
    m = len(p)
    adjusted = np.maximum.accumulate(np.minimum(1, (m - np.arange(m)) * p[order]))
    expected = np.empty(m)
    expected[order] = adjusted
    assert table["p_adjusted"].to_numpy() == pytest.approx(expected)
    assert bool(table.loc["delivery", "significant"])
    assert table.loc["delivery", "diff"] > 0
    # the table is the per-score comparison, done for all columns at once
    for col in ("supply", OVERALL):
        one = compare_means(a[col], b[col])
        row = table.loc[col]
        assert (row["statistic"], row["p_value"], row["effect_size"]) == pytest.approx(
            (one.statistic, one.p_value, one.effect_size), abs=1e-12
        )
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(one.ci, abs=1e-12)
        assert (row["n_a"], row["n_b"]) == (one.n_a, one.n_b)
    mw = compare_waves(a, b, test="mannwhitney")
    assert mw.loc["delivery", "p_value"] == pytest.approx(
        compare_means(a["delivery"], b["delivery"], test="mannwhitney").p_value
    )
    top = compare_top_box(s1.answers, s2.answers, s1.spec)
    x = s1.answers["delivery_1"]
    y = s2.answers["delivery_1"]
    assert top.loc["delivery_1", "p_a"] == pytest.approx((x >= 4).mean())
    assert top.loc["delivery_1", "p_value"] == pytest.approx(
        compare_proportions(int((x >= 4).sum()), len(x), int((y >= 4).sum()), len(y)).p_value
    )
