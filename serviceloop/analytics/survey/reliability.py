"""Reliability: Cronbach's alpha (raw and standardised), Feldt interval, item-total statistics.

Missing answers: listwise — a respondent enters only with all items of the scale answered (as SPSS
RELIABILITY does); the number dropped is reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._base import Result, SurveySpec, check_confidence, item_matrix


@dataclass
class AlphaResult(Result):
    """Cronbach's alpha of one scale.

    ``items`` is indexed by item: mean, sd, ``item_total_r`` (corrected: correlation of the item with the
    sum of the other items) and ``alpha_if_deleted``. ``ci`` is Feldt's (1965) F-based interval.
    """

    alpha: float
    standardized_alpha: float
    ci: tuple[float, float]
    n: int
    n_dropped: int
    n_items: int
    mean_inter_item_r: float
    items: pd.DataFrame


def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    total = cov.sum()
    # A total score with (numerically) no variance — items cancelling out — has no reliability.
    if k < 2 or total <= 1e-10 * max(np.trace(cov), 1e-300):
        return math.nan
    return k / (k - 1) * (1.0 - np.trace(cov) / total)


def cronbach_alpha(items: pd.DataFrame, *, confidence: float = 0.95) -> AlphaResult:
    """Cronbach's alpha ``k/(k-1) * (1 - sum(item variances) / variance(total))`` of the columns of
    ``items`` (listwise), with standardised alpha ``k r̄ / (1 + (k-1) r̄)`` from the mean inter-item
    correlation r̄, corrected item-total correlations and alpha-if-item-deleted."""
    check_confidence(confidence)
    frame = pd.DataFrame(items).astype(float)
    complete = frame.dropna()
    n, k = complete.shape
    if k < 2:
        raise ValueError("Cronbach's alpha needs at least two items")
    if n < 2:
        raise ValueError("Cronbach's alpha needs at least two respondents with every item answered")
    x = complete.to_numpy()
    cov = np.cov(x, rowvar=False, ddof=1)
    alpha = _alpha_from_cov(cov)

    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    mean_r = float(corr[~np.eye(k, dtype=bool)].mean())
    denominator = 1 + (k - 1) * mean_r
    std_alpha = k * mean_r / denominator if np.isfinite(mean_r) and denominator != 0 else math.nan

    total = x.sum(axis=1)
    rows = []
    for j in range(k):
        rest = total - x[:, j]
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.corrcoef(x[:, j], rest)[0, 1] if sd[j] > 0 and rest.std() > 0 else math.nan
        keep = [i for i in range(k) if i != j]
        rows.append(
            {
                "mean": float(x[:, j].mean()),
                "sd": float(sd[j]),
                "item_total_r": float(r),
                "alpha_if_deleted": _alpha_from_cov(cov[np.ix_(keep, keep)]),
            }
        )

    if np.isfinite(alpha) and n > 1:
        df1, df2 = n - 1, (n - 1) * (k - 1)
        tail = (1 - confidence) / 2
        ci = (
            1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2),
            1 - (1 - alpha) * stats.f.ppf(tail, df1, df2),
        )
    else:
        ci = (math.nan, math.nan)
    return AlphaResult(
        alpha=float(alpha),
        standardized_alpha=float(std_alpha),
        ci=(float(ci[0]), float(ci[1])),
        n=int(n),
        n_dropped=int(len(frame) - n),
        n_items=int(k),
        mean_inter_item_r=mean_r,
        items=pd.DataFrame(rows, index=pd.Index(list(frame.columns), name="item")),
    )


@dataclass
class ReliabilityReport(Result):
    """``table``: one row per dimension (alpha, standardized_alpha, ci_low, ci_high, n, n_dropped,
    n_items); ``dimensions``: the full AlphaResult per dimension (None where alpha is undefined, e.g. a
    one-item dimension; the reason is in ``table.note``)."""

    table: pd.DataFrame
    dimensions: dict[str, AlphaResult | None]


def reliability_by_dimension(
    answers: pd.DataFrame, spec: SurveySpec, *, confidence: float = 0.95
) -> ReliabilityReport:
    """Cronbach's alpha for each dimension of the questionnaire (listwise within the dimension)."""
    frame = item_matrix(answers, spec)
    rows, details = {}, {}
    for dim in spec.dimensions:
        try:
            res = cronbach_alpha(frame[spec.items_of(dim)], confidence=confidence)
        except ValueError as exc:
            details[dim] = None
            rows[dim] = {"n_items": len(spec.items_of(dim)), "note": str(exc)}
            continue
        details[dim] = res
        rows[dim] = {
            "alpha": res.alpha,
            "standardized_alpha": res.standardized_alpha,
            "ci_low": res.ci[0],
            "ci_high": res.ci[1],
            "n": res.n,
            "n_dropped": res.n_dropped,
            "n_items": res.n_items,
            "note": "",
        }
    columns = ["alpha", "standardized_alpha", "ci_low", "ci_high", "n", "n_dropped", "n_items", "note"]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=columns).rename_axis("dimension")
    return ReliabilityReport(table=table, dimensions=details)
