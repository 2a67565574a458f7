"""Satisfaction index (0–100), SERVQUAL gaps P − E, stated importance, item descriptives.

Missing answers: item figures use every answer to that item (available case). Dimension and overall
figures are means of respondent-level scores; a respondent's dimension score is the weighted mean of the
items they answered (weights renormalised over those items) provided they answered at least
``spec.min_answered`` of the dimension, otherwise it is missing; the overall score likewise over
dimensions. With complete answers the dimension index equals the weighted mean of its item indices and
the overall index the weighted mean of the dimension indices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._base import (
    OVERALL,
    Result,
    SurveySpec,
    check_confidence,
    item_matrix,
    scale_bounds,
    t_interval,
    to_points,
    weighted_group_means,
    wilson_interval,
)


def _membership(spec: SurveySpec) -> np.ndarray:
    dims = spec.dimensions
    m = np.zeros((len(spec.items), len(dims)))
    for j, item in enumerate(spec.items):
        m[j, dims.index(spec.item_dimension[item])] = spec.item_weight(item)
    return m


def _dimension_weights(spec: SurveySpec) -> np.ndarray:
    return np.array([[spec.dimension_weight(d)] for d in spec.dimensions])


def _scores_from_points(points: np.ndarray, spec: SurveySpec, index) -> pd.DataFrame:
    dims, _ = weighted_group_means(points, _membership(spec), spec.min_answered)
    overall, _ = weighted_group_means(dims, _dimension_weights(spec), spec.min_answered)
    out = pd.DataFrame(dims, index=index, columns=spec.dimensions)
    out[OVERALL] = overall[:, 0]
    return out


def respondent_scores(answers: pd.DataFrame, spec: SurveySpec) -> pd.DataFrame:
    """One row per respondent: a 0–100 score per dimension and ``overall`` (NaN when too little answered).

    These are the scores to compare between waves, break down by segment, feed to the drivers analysis
    and to turn low scores into tags.
    """
    lo, hi = scale_bounds(spec)
    points = to_points(item_matrix(answers, spec).to_numpy(), lo, hi)
    return _scores_from_points(points, spec, answers.index)


def _summary(values: np.ndarray, confidence: float) -> dict[str, float]:
    x = values[~np.isnan(values)]
    n = int(x.size)
    mean = float(x.mean()) if n else math.nan
    sd = float(x.std(ddof=1)) if n > 1 else math.nan
    low, high = t_interval(mean, sd, n, confidence)
    return {"n": n, "index": mean, "sd": sd, "ci_low": low, "ci_high": high}


def _summaries(matrix: np.ndarray, labels: list[str], confidence: float, name: str) -> pd.DataFrame:
    rows = [_summary(matrix[:, j], confidence) for j in range(matrix.shape[1])]
    return pd.DataFrame(rows, index=pd.Index(labels, name=name))


@dataclass
class IndexResult(Result):
    """Satisfaction index on 0–100.

    ``dimensions`` and ``items`` are tables indexed by dimension / item with n, index, sd and a t
    confidence interval, the normalised weight, and — when expectation or importance answers were given —
    ``expectation``, ``gap`` (P − E in index points), ``gap_p`` (paired t-test of gap = 0) and
    ``importance`` (mean stated importance, 0–100). ``respondents`` holds the respondent-level scores.
    """

    overall: float
    overall_ci: tuple[float, float]
    n: int
    dimensions: pd.DataFrame
    items: pd.DataFrame
    respondents: pd.DataFrame
    confidence: float


def satisfaction_index(
    answers: pd.DataFrame,
    spec: SurveySpec,
    *,
    expectation: pd.DataFrame | None = None,
    importance: pd.DataFrame | None = None,
    confidence: float = 0.95,
) -> IndexResult:
    """Weighted satisfaction index overall, per dimension and per item (see module doc for missing data).

    ``expectation`` and ``importance`` are answer frames with the same item columns and respondent index
    as ``answers`` (the paired E and importance questions of a SERVQUAL questionnaire).
    """
    check_confidence(confidence)
    lo, hi = scale_bounds(spec)
    points = to_points(item_matrix(answers, spec).to_numpy(), lo, hi)
    scores = _scores_from_points(points, spec, answers.index)

    items = _summaries(points, spec.items, confidence, "item")
    items.insert(0, "dimension", [spec.item_dimension[i] for i in spec.items])
    item_w = pd.Series({i: spec.item_weight(i) for i in spec.items})
    items.insert(1, "weight", item_w / item_w.groupby(items["dimension"]).transform("sum"))

    dims = _summaries(scores[spec.dimensions].to_numpy(), spec.dimensions, confidence, "dimension")
    dim_w = pd.Series({d: spec.dimension_weight(d) for d in spec.dimensions})
    dims.insert(0, "weight", dim_w / dim_w.sum())
    dims.insert(1, "n_items", [len(spec.items_of(d)) for d in spec.dimensions])

    if expectation is not None:
        gaps = gap_scores(answers, expectation, spec, confidence=confidence)
        for table, gap in ((items, gaps.items), (dims, gaps.dimensions)):
            table["expectation"] = gap["expectation"]
            table["gap"] = gap["gap"]
            table["gap_p"] = gap["p_value"]
    if importance is not None:
        imp = to_points(item_matrix(_aligned(importance, answers), spec).to_numpy(), lo, hi)
        items["importance"] = pd.DataFrame(imp, columns=spec.items).mean().to_numpy()
        imp_scores = _scores_from_points(imp, spec, answers.index)
        dims["importance"] = imp_scores[spec.dimensions].mean().to_numpy()

    overall = _summary(scores[OVERALL].to_numpy(), confidence)
    return IndexResult(
        overall=overall["index"],
        overall_ci=(overall["ci_low"], overall["ci_high"]),
        n=overall["n"],
        dimensions=dims,
        items=items,
        respondents=scores,
        confidence=confidence,
    )


def _aligned(other: pd.DataFrame, answers: pd.DataFrame) -> pd.DataFrame:
    if not other.index.equals(answers.index):
        if not other.index.is_unique or not set(other.index) >= set(answers.index):
            raise ValueError("expectation/importance answers must cover the same respondents as the answers")
        other = other.loc[answers.index]
    return other


@dataclass
class GapResult(Result):
    """SERVQUAL gaps P − E. Tables indexed by item / dimension with n (respondents with both answers),
    ``perception``, ``expectation`` and ``gap`` in index points (0–100), ``gap_scale`` in scale points,
    sd of the respondent gaps, t confidence interval of the gap and a paired t-test of gap = 0."""

    overall: float
    overall_p: float
    items: pd.DataFrame
    dimensions: pd.DataFrame


def gap_scores(
    perception: pd.DataFrame, expectation: pd.DataFrame, spec: SurveySpec, *, confidence: float = 0.95
) -> GapResult:
    """Gap P − E per item, dimension and overall, on pairs answered on both sides (pairwise per item).

    Dimension gaps are means of respondent-level gaps, each the weighted mean of that respondent's item
    gaps (same prorating rule as the index). ``gap_scale`` for a dimension is in scale points and assumes
    its items share one scale.
    """
    check_confidence(confidence)
    lo, hi = scale_bounds(spec)
    p = item_matrix(perception, spec).to_numpy()
    e = item_matrix(_aligned(expectation, perception), spec).to_numpy()
    both = ~np.isnan(p) & ~np.isnan(e)
    p = np.where(both, p, np.nan)
    e = np.where(both, e, np.nan)
    p_pts, e_pts = to_points(p, lo, hi), to_points(e, lo, hi)
    per = 100.0 / (hi - lo)

    def table(pp, ee, labels: list[str], scale_per_point: np.ndarray, name: str) -> pd.DataFrame:
        rows = []
        for j in range(len(labels)):
            d = pp[:, j] - ee[:, j]
            d = d[~np.isnan(d)]
            s = _summary(d, confidence)
            if s["n"] > 1 and s["sd"] > 0:
                p_value = float(stats.ttest_1samp(d, 0.0).pvalue)
            elif s["n"] > 1:
                p_value = 1.0 if s["index"] == 0 else 0.0
            else:
                p_value = math.nan
            rows.append(
                {
                    "n": s["n"],
                    "perception": float(np.nanmean(pp[:, j])) if s["n"] else math.nan,
                    "expectation": float(np.nanmean(ee[:, j])) if s["n"] else math.nan,
                    "gap": s["index"],
                    "gap_scale": s["index"] / scale_per_point[j],
                    "sd": s["sd"],
                    "ci_low": s["ci_low"],
                    "ci_high": s["ci_high"],
                    "p_value": p_value,
                }
            )
        return pd.DataFrame(rows, index=pd.Index(labels, name=name))

    items = table(p_pts, e_pts, spec.items, per, "item")
    items.insert(0, "dimension", [spec.item_dimension[i] for i in spec.items])
    p_scores = _scores_from_points(p_pts, spec, perception.index)
    e_scores = _scores_from_points(e_pts, spec, perception.index)
    labels = [*spec.dimensions, OVERALL]
    dim_per = np.array([per[spec.items.index(spec.items_of(d)[0])] for d in spec.dimensions] + [math.nan])
    dims = table(p_scores[labels].to_numpy(), e_scores[labels].to_numpy(), labels, dim_per, "dimension")
    return GapResult(
        overall=float(dims.loc[OVERALL, "gap"]),
        overall_p=float(dims.loc[OVERALL, "p_value"]),
        items=items,
        dimensions=dims.drop(index=OVERALL),
    )


def describe_items(
    answers: pd.DataFrame, spec: SurveySpec, *, confidence: float = 0.95, top_box: int = 2
) -> pd.DataFrame:
    """Per item: n, missing, mean (scale points), sd, t CI of the mean, median, min, max, top-box share
    (answers in the top ``top_box`` categories) with a Wilson CI, bottom-box share, and index (0–100).
    Each item uses all its answers (available case)."""
    check_confidence(confidence)
    frame = item_matrix(answers, spec)
    rows = []
    for item in spec.items:
        lo, hi = spec.scale(item)
        col = frame[item].to_numpy()
        x = col[~np.isnan(col)]
        n = int(x.size)
        mean = float(x.mean()) if n else math.nan
        sd = float(x.std(ddof=1)) if n > 1 else math.nan
        ci = t_interval(mean, sd, n, confidence)
        top = int((x > hi - top_box).sum())
        bottom = int((x < lo + top_box).sum())
        top_ci = wilson_interval(top, n, confidence)
        rows.append(
            {
                "dimension": spec.item_dimension[item],
                "n": n,
                "missing": int(col.size - n),
                "mean": mean,
                "sd": sd,
                "ci_low": ci[0],
                "ci_high": ci[1],
                "median": float(np.median(x)) if n else math.nan,
                "min": float(x.min()) if n else math.nan,
                "max": float(x.max()) if n else math.nan,
                "top_box": top / n if n else math.nan,
                "top_box_ci_low": top_ci[0],
                "top_box_ci_high": top_ci[1],
                "bottom_box": bottom / n if n else math.nan,
                "index": (mean - lo) * 100.0 / (hi - lo),
            }
        )
    return pd.DataFrame(rows, index=pd.Index(spec.items, name="item"))


def response_distribution(answers: pd.DataFrame, spec: SurveySpec, *, share: bool = False) -> pd.DataFrame:
    """Items x answer categories (1..k of the widest scale): counts, or shares of answered if ``share``.
    Made for stacked-bar charts; categories outside an item's own scale are 0."""
    frame = item_matrix(answers, spec)
    lo = min(spec.scale(i)[0] for i in spec.items)
    hi = max(spec.scale(i)[1] for i in spec.items)
    cats = list(range(lo, hi + 1))
    counts = pd.DataFrame(
        {c: (frame == c).sum(axis=0) for c in cats},
        index=pd.Index(spec.items, name="item"),
        columns=cats,
        dtype=float,
    )
    if share:
        return counts.div(frame.notna().sum(axis=0).replace(0, np.nan), axis=0)
    return counts.astype(int)
