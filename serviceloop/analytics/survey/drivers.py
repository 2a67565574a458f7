"""Drivers of overall satisfaction and the importance–performance matrix (what to fix first).

Missing answers: listwise over the outcome and all predictors (one sample for correlations and the
regression, so their figures are comparable); performance uses every available score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.linear_model import OLS  # not statsmodels.api: it imports all of statsmodels
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.tools.tools import add_constant

from ._base import Result, check_confidence

# Martilla & James (1977) quadrants, named for what the company should do.
FIX_FIRST = "fix_first"  # high importance, low performance: concentrate here
KEEP_UP = "keep_up"  # high importance, high performance: keep up the good work
LOW_PRIORITY = "low_priority"  # low importance, low performance
POSSIBLE_OVERKILL = "possible_overkill"  # low importance, high performance


@dataclass
class DriverResult(Result):
    """``table`` indexed by predictor (dimension): ``pearson_r``/``pearson_p``, ``spearman_rho``/
    ``spearman_p``, OLS ``coef``, ``se``, ``p_value``, ``ci_low``/``ci_high``, standardised ``beta``,
    ``vif``, then ``importance``, ``performance``, ``quadrant`` and ``priority`` (z(importance) −
    z(performance); larger = more urgent). ``fix_first`` lists the fix-first quadrant, most urgent first.
    ``importance_split``/``performance_split`` are the quadrant cross-hairs for the chart."""

    n: int
    r_squared: float
    adj_r_squared: float
    f_p_value: float
    intercept: float
    importance_measure: str
    table: pd.DataFrame
    importance_split: float
    performance_split: float
    fix_first: list[str]


def _z(values: pd.Series) -> pd.Series:
    sd = values.std(ddof=0)
    return (values - values.mean()) / sd if sd > 0 else values * 0.0


def driver_analysis(
    predictors: pd.DataFrame,
    outcome: pd.Series,
    *,
    performance: pd.Series | Mapping[str, float] | None = None,
    importance: str | pd.Series | Mapping[str, float] = "beta",
    split: str = "mean",
    confidence: float = 0.95,
) -> DriverResult:
    """Correlation (Pearson, Spearman) and OLS regression of ``outcome`` (overall satisfaction, e.g. the
    "overall, how satisfied are you" item) on ``predictors`` (e.g. dimension scores from
    ``respondent_scores``), turned into an importance–performance matrix.

    ``importance`` is ``"beta"`` (standardised regression coefficient), ``"pearson"``, ``"spearman"``,
    or stated importance per predictor. ``performance`` defaults to the predictors' means (the dimension
    index when predictors are dimension scores). ``split`` places the cross-hairs at the ``"mean"`` or
    ``"median"`` of importance and performance over the predictors. Do not regress the composite index
    on its own components: that only recovers the weights.
    """
    check_confidence(confidence)
    x_all = pd.DataFrame(predictors).astype(float)
    y_all = pd.Series(outcome, dtype=float)
    if not y_all.index.equals(x_all.index):
        y_all = y_all.reindex(x_all.index)
    data = pd.concat([x_all, y_all.rename("__y__")], axis=1).dropna()
    k = x_all.shape[1]
    n = len(data)
    if k < 1:
        raise ValueError("need at least one predictor")
    if n < k + 2:
        raise ValueError(f"need more than {k + 1} respondents with every score answered, got {n}")
    x = data[x_all.columns]
    y = data["__y__"]
    constant = [c for c in x.columns if x[c].std() == 0]
    if constant or y.std() == 0:
        raise ValueError(f"scores without variance cannot drive anything: {constant or ['outcome']}")

    fit = OLS(y.to_numpy(), add_constant(x.to_numpy(), has_constant="add")).fit()
    ci = fit.conf_int(alpha=1 - confidence)
    coef = fit.params[1:]
    beta = coef * x.std(ddof=1).to_numpy() / y.std(ddof=1)
    exog = add_constant(x.to_numpy(), has_constant="add")
    vif = [variance_inflation_factor(exog, j + 1) for j in range(k)] if k > 1 else [1.0]

    rows = {}
    for j, name in enumerate(x.columns):
        pr = stats.pearsonr(x[name], y)
        sr = stats.spearmanr(x[name], y)
        rows[name] = {
            "pearson_r": float(pr.statistic),
            "pearson_p": float(pr.pvalue),
            "spearman_rho": float(sr.statistic),
            "spearman_p": float(sr.pvalue),
            "coef": float(coef[j]),
            "se": float(fit.bse[j + 1]),
            "p_value": float(fit.pvalues[j + 1]),
            "ci_low": float(ci[j + 1, 0]),
            "ci_high": float(ci[j + 1, 1]),
            "beta": float(beta[j]),
            "vif": float(vif[j]),
        }
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("predictor")

    if isinstance(importance, str):
        column = {"beta": "beta", "pearson": "pearson_r", "spearman": "spearman_rho"}.get(importance)
        if column is None:
            raise ValueError("importance must be 'beta', 'pearson', 'spearman' or values per predictor")
        table["importance"] = table[column]
        measure = importance
    else:
        table["importance"] = pd.Series(importance, dtype=float).reindex(table.index)
        measure = "stated"
    if performance is None:
        table["performance"] = x_all.mean()
    else:
        table["performance"] = pd.Series(performance, dtype=float).reindex(table.index)
    if table[["importance", "performance"]].isna().any().any():
        raise ValueError("importance and performance are needed for every predictor")

    if split not in ("mean", "median"):
        raise ValueError("split must be 'mean' or 'median'")
    imp_split = float(getattr(table["importance"], split)())
    perf_split = float(getattr(table["performance"], split)())
    high_imp = table["importance"] >= imp_split
    high_perf = table["performance"] >= perf_split
    table["quadrant"] = np.select(
        [high_imp & ~high_perf, high_imp & high_perf, ~high_imp & ~high_perf],
        [FIX_FIRST, KEEP_UP, LOW_PRIORITY],
        default=POSSIBLE_OVERKILL,
    )
    table["priority"] = _z(table["importance"]) - _z(table["performance"])
    fix_first = table[table["quadrant"] == FIX_FIRST].sort_values("priority", ascending=False).index.tolist()
    return DriverResult(
        n=int(n),
        r_squared=float(fit.rsquared),
        adj_r_squared=float(fit.rsquared_adj),
        f_p_value=float(fit.f_pvalue) if k else math.nan,
        intercept=float(fit.params[0]),
        importance_measure=measure,
        table=table,
        importance_split=imp_split,
        performance_split=perf_split,
        fix_first=fix_first,
    )
