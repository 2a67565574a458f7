"""Results broken down by a segment (branch, station, market type, retail format, stars, account manager).

Small groups are flagged (``small``), never dropped: the reader decides how far to trust them.
Respondents whose segment is unknown (NaN/None) form their own group, labelled None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._base import OVERALL, Result, SurveySpec, check_confidence
from .index import respondent_scores

TOTAL = "__total__"
DEFAULT_MIN_N = 30


def _labels(data: pd.DataFrame, by: str | pd.Series) -> pd.Series:
    if isinstance(by, str):
        if by not in data.columns:
            raise ValueError(f"no segment column {by!r}")
        return data[by]
    labels = pd.Series(by)
    if not labels.index.equals(data.index):
        labels = labels.reindex(data.index)
    return labels


def _groups(labels: pd.Series):
    # dropna=False keeps "segment unknown" visible as its own group.
    for key, positions in labels.groupby(labels, dropna=False, sort=True).indices.items():
        label = None if (isinstance(key, float) and np.isnan(key)) or key is None else key
        yield label, positions


@dataclass
class Breakdown(Result):
    """``groups``: one row per segment (n, small); ``results``: the function's result per segment
    (None where it failed, with the reason in ``groups.error``); ``total``: the result on everyone."""

    by: str
    min_n: int
    groups: pd.DataFrame
    results: dict[Any, Any]
    total: Any


def breakdown(
    data: pd.DataFrame,
    by: str | pd.Series,
    func: Callable[[pd.DataFrame], Any],
    *,
    min_n: int = DEFAULT_MIN_N,
    name: str | None = None,
) -> Breakdown:
    """Apply ``func`` (any analysis of this package taking a frame of respondents) to each segment.

    ``by`` is a column of ``data`` or a Series aligned with it. A segment where ``func`` raises
    ``ValueError`` (e.g. alpha on two respondents) keeps its row with the error text.
    """
    labels = _labels(data, by)
    rows, results = [], {}
    for label, positions in _groups(labels):
        part = data.iloc[positions]
        try:
            results[label] = func(part)
            error = ""
        except ValueError as exc:
            results[label] = None
            error = str(exc)
        rows.append({"segment": label, "n": len(part), "small": len(part) < min_n, "error": error})
    return Breakdown(
        by=name or (by if isinstance(by, str) else str(labels.name)),
        min_n=min_n,
        groups=pd.DataFrame(rows, columns=["segment", "n", "small", "error"]).set_index("segment"),
        results=results,
        total=func(data),
    )


def segment_index(
    answers: pd.DataFrame,
    spec: SurveySpec,
    by: str | pd.Series,
    *,
    min_n: int = DEFAULT_MIN_N,
    confidence: float = 0.95,
    scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Satisfaction index per segment: one row per segment plus a ``__total__`` row, columns ``n``
    (respondents), ``small`` (n < min_n; kept, not hidden), ``overall``, ``overall_ci_low``/``overall_ci_high`` (t interval)
    and one column per dimension (0–100). Pass ``scores`` (from ``respondent_scores``) to reuse them."""
    check_confidence(confidence)
    if scores is None:
        scores = respondent_scores(answers, spec)
    labels = _labels(answers, by)
    cols = [OVERALL, *spec.dimensions]
    key = labels.astype(object).where(labels.notna(), None)
    # A Series key, not an ndarray: pandas first tries an array as a column label, and formatting the
    # resulting KeyError of a 10,000-element array costs ~10 ms.
    key = pd.Series(key.to_numpy(), index=scores.index, name="segment")
    grouped = scores[cols].groupby(key, dropna=False, sort=True)
    means = pd.concat([grouped.mean(), scores[cols].mean().to_frame(TOTAL).T])
    counts = pd.concat([grouped.size(), pd.Series({TOTAL: len(scores)})])
    overall_n = pd.concat([grouped[OVERALL].count(), pd.Series({TOTAL: scores[OVERALL].count()})])
    overall_sd = pd.concat([grouped[OVERALL].std(ddof=1), pd.Series({TOTAL: scores[OVERALL].std(ddof=1)})])
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + confidence / 2, overall_n - 1) * overall_sd / np.sqrt(overall_n)
    out = pd.DataFrame({"n": counts.astype(int), "small": counts < min_n})
    out["overall"] = means[OVERALL]
    out["overall_ci_low"] = means[OVERALL] - half
    out["overall_ci_high"] = means[OVERALL] + half
    for dim in spec.dimensions:
        out[dim] = means[dim]
    out.index.name = "segment"
    return out
