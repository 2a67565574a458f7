"""Comparison between two waves: means (Welch t-test, Mann–Whitney, paired tests) and proportions.

Missing answers: each comparison uses every answer of that item/score in each wave (available case); the
paired variants use only respondents (shops) present and answered in both waves.
Differences are always wave B − wave A.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from ._base import Result, SurveySpec, check_confidence, item_matrix

TESTS = ("welch", "mannwhitney")


@dataclass
class MeanComparison(Result):
    """One score compared between waves. ``effect_size`` is Hedges' g (Welch; pooled-sd standardised
    difference with small-sample correction), the rank-biserial correlation (Mann–Whitney), or d_z = mean
    difference / sd of differences (paired tests). ``ci`` is the interval of ``diff`` (t-based; for
    Mann–Whitney still the Welch interval of the mean difference, for orientation)."""

    test: str
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    diff: float
    ci: tuple[float, float]
    statistic: float
    df: float
    p_value: float
    effect_size: float
    effect_size_name: str


def _clean(values) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    return x[~np.isnan(x)]


def _welch_ci(a: np.ndarray, b: np.ndarray, confidence: float) -> tuple[float, float, float]:
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        d = b.mean() - a.mean()
        return d, d, math.inf
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = stats.t.ppf(0.5 + confidence / 2, df) * se
    d = b.mean() - a.mean()
    return d - half, d + half, df


def hedges_g(a, b) -> float:
    """(mean_b − mean_a) / pooled sd, times the small-sample correction 1 − 3/(4(n_a + n_b) − 9)."""
    a, b = _clean(a), _clean(b)
    na, nb = a.size, b.size
    pooled = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    if pooled == 0:
        return math.nan
    return (b.mean() - a.mean()) / pooled * (1 - 3 / (4 * (na + nb) - 9))


def compare_means(
    a, b, *, test: str = "welch", paired: bool = False, confidence: float = 0.95
) -> MeanComparison:
    """Wave A vs wave B for one score. Independent samples by default (different shops drawn per wave):
    Welch's t-test or Mann–Whitney U. With ``paired=True`` ``a`` and ``b`` must be Series indexed by shop:
    the shops answered in both waves are compared by a paired t-test (``welch``) or Wilcoxon signed-rank
    (``mannwhitney``) — "did the shops we acted on move?"."""
    check_confidence(confidence)
    if test not in TESTS:
        raise ValueError(f"test must be one of {TESTS}")
    if paired:
        return _compare_paired(a, b, test=test, confidence=confidence)
    xa, xb = _clean(a), _clean(b)
    if xa.size < 2 or xb.size < 2:
        raise ValueError("each wave needs at least two answers")
    low, high, df = _welch_ci(xa, xb, confidence)
    diff = float(xb.mean() - xa.mean())
    # Every answer the same in both waves (all "5", say): nothing varies, so there is nothing to test.
    degenerate = xa.var() == 0 and xb.var() == 0 and (test == "welch" or diff == 0)
    if test == "welch":
        if degenerate:
            statistic, p_value = (0.0 if diff == 0 else math.copysign(math.inf, diff)), float(diff == 0)
        else:
            with warnings.catch_warnings():
                # SciPy warns when one wave is constant (all "5"); the Welch test is still well defined.
                warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
                res = stats.ttest_ind(xb, xa, equal_var=False)
            statistic, p_value = float(res.statistic), float(res.pvalue)
        effect, effect_name = hedges_g(xa, xb), "hedges_g"
    else:
        if degenerate:
            statistic, p_value = xa.size * xb.size / 2, 1.0
        else:
            res = stats.mannwhitneyu(xb, xa, alternative="two-sided", method="asymptotic")
            statistic, p_value = float(res.statistic), float(res.pvalue)
        # rank-biserial r = 2U/(n_a n_b) − 1: probability B > A minus probability A > B
        effect, effect_name = 2 * statistic / (xa.size * xb.size) - 1, "rank_biserial"
        df = math.nan
    return MeanComparison(
        test=test,
        n_a=int(xa.size),
        n_b=int(xb.size),
        mean_a=float(xa.mean()),
        mean_b=float(xb.mean()),
        diff=diff,
        ci=(float(low), float(high)),
        statistic=statistic,
        df=float(df),
        p_value=p_value,
        effect_size=float(effect),
        effect_size_name=effect_name,
    )


def _compare_paired(a, b, *, test: str, confidence: float) -> MeanComparison:
    if not isinstance(a, pd.Series) or not isinstance(b, pd.Series):
        raise ValueError("paired comparison needs Series indexed by respondent (shop)")
    both = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").astype(float).dropna()
    n = len(both)
    if n < 2:
        raise ValueError("fewer than two shops answered in both waves")
    d = (both["b"] - both["a"]).to_numpy()
    sd = d.std(ddof=1)
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
    if test == "welch":
        res = stats.ttest_rel(both["b"], both["a"])
        name, df = "paired_t", n - 1
    else:
        res = stats.wilcoxon(both["b"], both["a"]) if np.any(d != 0) else None
        name, df = "wilcoxon", math.nan
    statistic = float(res.statistic) if res is not None else math.nan
    p_value = float(res.pvalue) if res is not None else 1.0
    if not np.isfinite(p_value):
        p_value = 1.0 if d.mean() == 0 else 0.0
    return MeanComparison(
        test=name,
        n_a=n,
        n_b=n,
        mean_a=float(both["a"].mean()),
        mean_b=float(both["b"].mean()),
        diff=float(d.mean()),
        ci=(float(d.mean() - half), float(d.mean() + half)),
        statistic=statistic,
        df=float(df),
        p_value=p_value,
        effect_size=float(d.mean() / sd) if sd > 0 else math.nan,
        effect_size_name="d_z",
    )


def compare_waves(
    wave_a: pd.DataFrame,
    wave_b: pd.DataFrame,
    *,
    test: str = "welch",
    paired: bool = False,
    confidence: float = 0.95,
    alpha: float = 0.05,
    p_adjust: str | None = "holm",
) -> pd.DataFrame:
    """Every column present in both frames (items, or the dimension/overall scores of
    ``respondent_scores``) compared with ``compare_means``; one row per column. ``p_adjusted`` corrects
    for testing many columns at once (Holm by default; any ``statsmodels`` ``multipletests`` method, or
    None) and ``significant`` uses it."""
    columns = [c for c in wave_a.columns if c in wave_b.columns]
    rows = {}
    for col in columns:
        try:
            res = compare_means(wave_a[col], wave_b[col], test=test, paired=paired, confidence=confidence)
        except ValueError:
            continue
        row = dataclasses.asdict(res)
        row["ci_low"], row["ci_high"] = res.ci
        del row["ci"]
        rows[col] = row
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("score")
    if table.empty:
        return table
    if p_adjust:
        table["p_adjusted"] = multipletests(table["p_value"].to_numpy(), method=p_adjust)[1]
    else:
        table["p_adjusted"] = table["p_value"]
    table["significant"] = table["p_adjusted"] < alpha
    return table


@dataclass
class ProportionComparison(Result):
    """Two-proportion z-test (pooled variance under H0), Wald interval of p_b − p_a, Cohen's h."""

    n_a: int
    n_b: int
    p_a: float
    p_b: float
    diff: float
    ci: tuple[float, float]
    z: float
    p_value: float
    cohens_h: float


def compare_proportions(
    successes_a: int, n_a: int, successes_b: int, n_b: int, *, confidence: float = 0.95
) -> ProportionComparison:
    """E.g. top-2-box share in wave A vs wave B."""
    check_confidence(confidence)
    if n_a < 1 or n_b < 1:
        raise ValueError("each wave needs at least one answer")
    if not (0 <= successes_a <= n_a and 0 <= successes_b <= n_b):
        raise ValueError("successes must lie between 0 and n")
    pa, pb = successes_a / n_a, successes_b / n_b
    pooled = (successes_a + successes_b) / (n_a + n_b)
    if 0 < pooled < 1:
        z, p_value = proportions_ztest([successes_b, successes_a], [n_b, n_a], value=0)
    else:  # everyone (or no one) in both waves: no difference to test
        z, p_value = 0.0, 1.0
    se = math.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b)
    half = stats.norm.ppf(0.5 + confidence / 2) * se
    h = 2 * math.asin(math.sqrt(pb)) - 2 * math.asin(math.sqrt(pa))
    return ProportionComparison(
        n_a=int(n_a),
        n_b=int(n_b),
        p_a=pa,
        p_b=pb,
        diff=pb - pa,
        ci=(pb - pa - half, pb - pa + half),
        z=float(z),
        p_value=float(p_value),
        cohens_h=h,
    )


def compare_top_box(
    wave_a: pd.DataFrame,
    wave_b: pd.DataFrame,
    spec: SurveySpec,
    *,
    top_box: int = 2,
    confidence: float = 0.95,
    alpha: float = 0.05,
    p_adjust: str | None = "holm",
) -> pd.DataFrame:
    """Top-box share (answers in the top ``top_box`` categories) per item, wave A vs B, z-tested."""
    fa, fb = item_matrix(wave_a, spec), item_matrix(wave_b, spec)
    rows = {}
    for item in spec.items:
        hi = spec.scale(item)[1]
        a, b = _clean(fa[item]), _clean(fb[item])
        if a.size == 0 or b.size == 0:
            continue
        res = compare_proportions(
            int((a > hi - top_box).sum()),
            a.size,
            int((b > hi - top_box).sum()),
            b.size,
            confidence=confidence,
        )
        row = dataclasses.asdict(res)
        row["ci_low"], row["ci_high"] = res.ci
        del row["ci"]
        rows[item] = row
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("item")
    if not table.empty:
        table["p_adjusted"] = (
            multipletests(table["p_value"].to_numpy(), method=p_adjust)[1] if p_adjust else table["p_value"]
        )
        table["significant"] = table["p_adjusted"] < alpha
    return table
