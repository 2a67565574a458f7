"""Comparison between two waves: means (Welch t-test, Mann–Whitney, paired tests) and proportions.

Missing answers: each comparison uses every answer of that item/score in each wave (available case); the
paired variants use only respondents (shops) present and answered in both waves.
Differences are always wave B − wave A.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from ._base import Result, SurveySpec, check_confidence, item_matrix, scale_bounds

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


def _welch(ma, va, na, mb, vb, nb, confidence: float) -> dict[str, np.ndarray]:
    """Welch's t-test, its interval for mean_b − mean_a and Hedges' g from per-wave means, variances
    (ddof=1) and counts — vectorised, so a whole questionnaire is one call. The test itself is SciPy's
    ``ttest_ind_from_stats(equal_var=False)``."""
    ma, va, na, mb, vb, nb = (np.asarray(v, dtype=float) for v in (ma, va, na, mb, vb, nb))
    diff = mb - ma
    sa, sb = va / na, vb / nb
    se = np.sqrt(sa + sb)
    degenerate = se == 0  # both waves constant: nothing varies, nothing to test
    with np.errstate(invalid="ignore", divide="ignore"):
        df = (sa + sb) ** 2 / (sa**2 / (na - 1) + sb**2 / (nb - 1))
        res = stats.ttest_ind_from_stats(mb, np.sqrt(vb), nb, ma, np.sqrt(va), na, equal_var=False)
        half = stats.t.ppf(0.5 + confidence / 2, df) * se
        pooled = np.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2))
        g = diff / pooled * (1 - 3 / (4 * (na + nb) - 9))
    statistic = np.where(degenerate, np.where(diff == 0, 0.0, np.copysign(np.inf, diff)), res.statistic)
    p_value = np.where(degenerate, (diff == 0).astype(float), res.pvalue)
    half = np.where(degenerate, 0.0, half)
    return {
        "diff": diff,
        "ci_low": diff - half,
        "ci_high": diff + half,
        "statistic": statistic,
        "df": np.where(degenerate, np.inf, df),
        "p_value": p_value,
        "effect_size": np.where(pooled > 0, g, np.nan),
    }


def _moments(x: np.ndarray) -> tuple[float, float, int]:
    return float(x.mean()), float(x.var(ddof=1)), int(x.size)


def hedges_g(a, b) -> float:
    """(mean_b − mean_a) / pooled sd, times the small-sample correction 1 − 3/(4(n_a + n_b) − 9)."""
    xa, xb = _clean(a), _clean(b)
    return float(_welch(*_moments(xa), *_moments(xb), 0.95)["effect_size"])


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
    w = {k: float(v) for k, v in _welch(*_moments(xa), *_moments(xb), confidence).items()}
    low, high, df, diff = w["ci_low"], w["ci_high"], w["df"], w["diff"]
    if test == "welch":
        statistic, p_value = w["statistic"], w["p_value"]
        effect, effect_name = w["effect_size"], "hedges_g"
    else:
        if xa.var() == 0 and xb.var() == 0 and diff == 0:  # all answers identical
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


def adjust_p_values(p_values, method: str | None = "holm") -> np.ndarray:
    """Multiple-testing correction. Holm is computed here (three lines: statsmodels' ``multipletests``
    runs a full ``gc.collect()`` for Holm, ~50 ms in a large web process); any other method name goes to
    ``statsmodels.stats.multitest.multipletests``; None leaves the p-values as they are."""
    p = np.asarray(p_values, dtype=float)
    if method is None or p.size == 0:
        return p.copy()
    if method == "holm":
        order = np.argsort(p, kind="stable")
        steps = np.maximum.accumulate((p.size - np.arange(p.size)) * p[order])
        out = np.empty_like(p)
        out[order] = np.minimum(steps, 1.0)
        return out
    return multipletests(p, method=method)[1]


def _finish(table: pd.DataFrame, alpha: float, p_adjust: str | None) -> pd.DataFrame:
    if not table.empty:
        table["p_adjusted"] = adjust_p_values(table["p_value"].to_numpy(), p_adjust)
        table["significant"] = table["p_adjusted"] < alpha
    return table


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
    ``respondent_scores``) compared as ``compare_means`` does; one row per column with the fields of
    ``MeanComparison`` (``ci`` as ``ci_low``/``ci_high``). Columns with fewer than two answers in a wave
    are left out. ``p_adjusted`` corrects for testing many columns at once (Holm by default, see
    ``adjust_p_values``) and ``significant`` uses it."""
    check_confidence(confidence)
    if test not in TESTS:
        raise ValueError(f"test must be one of {TESTS}")
    columns = [c for c in wave_a.columns if c in wave_b.columns]
    if test == "welch" and not paired:
        a = wave_a[columns].astype(float)
        b = wave_b[columns].astype(float)
        na, nb = a.count(), b.count()
        keep = [c for c in columns if na[c] >= 2 and nb[c] >= 2]
        ma, va, mb, vb = a.mean(), a.var(ddof=1), b.mean(), b.var(ddof=1)
        w = _welch(ma[keep], va[keep], na[keep], mb[keep], vb[keep], nb[keep], confidence)
        table = pd.DataFrame(
            {
                "test": "welch",
                "n_a": na[keep].astype(int),
                "n_b": nb[keep].astype(int),
                "mean_a": ma[keep],
                "mean_b": mb[keep],
                **{k: w[k] for k in ("diff", "statistic", "df", "p_value", "effect_size")},
                "effect_size_name": "hedges_g",
                "ci_low": w["ci_low"],
                "ci_high": w["ci_high"],
            },
            index=pd.Index(keep, name="score"),
        )
        return _finish(table, alpha, p_adjust)
    rows = {}
    for col in columns:
        try:
            res = compare_means(wave_a[col], wave_b[col], test=test, paired=paired, confidence=confidence)
        except ValueError:
            continue
        row = dataclasses.asdict(res)
        row["ci_low"], row["ci_high"] = row.pop("ci")
        rows[col] = row
    return _finish(pd.DataFrame.from_dict(rows, orient="index").rename_axis("score"), alpha, p_adjust)


def _two_proportions(xa, na, xb, nb, confidence: float) -> dict[str, np.ndarray]:
    """Two-proportion z-test with the pooled variance under H0 (the textbook test, as statsmodels'
    ``proportions_ztest``), unpooled Wald interval of p_b − p_a and Cohen's h — vectorised over items."""
    xa, na, xb, nb = (np.asarray(v, dtype=float) for v in (xa, na, xb, nb))
    pa, pb = xa / na, xb / nb
    pooled = (xa + xb) / (na + nb)
    se0 = np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se0 > 0, (pb - pa) / se0, 0.0)  # everyone (or no one) in both waves: nothing to test
    half = stats.norm.ppf(0.5 + confidence / 2) * np.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    return {
        "p_a": pa,
        "p_b": pb,
        "diff": pb - pa,
        "ci_low": pb - pa - half,
        "ci_high": pb - pa + half,
        "z": z,
        "p_value": 2 * stats.norm.sf(np.abs(z)),
        "cohens_h": 2 * np.arcsin(np.sqrt(pb)) - 2 * np.arcsin(np.sqrt(pa)),
    }


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
    r = {k: float(v) for k, v in _two_proportions(successes_a, n_a, successes_b, n_b, confidence).items()}
    return ProportionComparison(
        n_a=int(n_a),
        n_b=int(n_b),
        p_a=r["p_a"],
        p_b=r["p_b"],
        diff=r["diff"],
        ci=(r["ci_low"], r["ci_high"]),
        z=r["z"],
        p_value=r["p_value"],
        cohens_h=r["cohens_h"],
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
    """Top-box share (answers in the top ``top_box`` categories) per item, wave A vs B, z-tested like
    ``compare_proportions``; items unanswered in a wave are left out."""
    check_confidence(confidence)
    fa, fb = item_matrix(wave_a, spec), item_matrix(wave_b, spec)
    _, hi = scale_bounds(spec)
    threshold = pd.Series(hi - top_box, index=spec.items)
    na, nb = fa.count(), fb.count()
    xa, xb = fa.gt(threshold, axis=1).sum(), fb.gt(threshold, axis=1).sum()
    keep = [i for i in spec.items if na[i] > 0 and nb[i] > 0]
    r = _two_proportions(xa[keep], na[keep], xb[keep], nb[keep], confidence)
    table = pd.DataFrame(
        {"n_a": na[keep].astype(int), "n_b": nb[keep].astype(int), **r}, index=pd.Index(keep, name="item")
    )
    return _finish(table, alpha, p_adjust)
