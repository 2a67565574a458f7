"""Shared pieces of the survey statistics: the questionnaire layout, validation, rescaling, records.

Conventions used by every module of this package:

* answers are a DataFrame, one row per respondent (the index is the respondent/shop id), one column per
  item; ``NaN`` means "not answered";
* Likert answers ``lo..hi`` are mapped linearly to index points ``0..100``: ``100 * (x - lo) / (hi - lo)``;
* each function says in its docstring how it treats missing answers (listwise = drop respondents with any
  missing answer among the columns used; available-case/pairwise = use every answer there is).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

OVERALL = "overall"


@dataclass(frozen=True)
class SurveySpec:
    """The layout of a questionnaire: which item belongs to which dimension, scales and weights.

    ``item_dimension`` maps item column -> dimension code, in questionnaire order. Weights default to 1
    and are renormalised (within a dimension for items, across dimensions for dimensions), so only their
    ratios matter. ``item_scales`` overrides ``(scale_min, scale_max)`` for single items (a 1–7 item in
    a 1–5 questionnaire). ``min_answered`` is the share of a dimension's items a respondent must have
    answered to get a score for that dimension (and the share of dimensions for the overall score).
    """

    item_dimension: Mapping[str, str]
    scale_min: int = 1
    scale_max: int = 5
    item_weights: Mapping[str, float] = field(default_factory=dict)
    dimension_weights: Mapping[str, float] = field(default_factory=dict)
    item_scales: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    min_answered: float = 0.5

    def __post_init__(self):
        if not self.item_dimension:
            raise ValueError("a questionnaire needs at least one item")
        if OVERALL in self.dimensions:
            raise ValueError(f"'{OVERALL}' is reserved for the overall index and cannot name a dimension")
        for item, (lo, hi) in {i: self.scale(i) for i in self.items}.items():
            if not hi > lo:
                raise ValueError(f"item {item}: scale maximum {hi} must exceed minimum {lo}")
        for name, weights, known in (
            ("item", self.item_weights, set(self.items)),
            ("dimension", self.dimension_weights, set(self.dimensions)),
        ):
            unknown = set(weights) - known
            if unknown:
                raise ValueError(f"{name} weights given for unknown {name}s: {sorted(unknown)}")
            bad = {k: w for k, w in weights.items() if not (math.isfinite(w) and w >= 0)}
            if bad:
                raise ValueError(f"{name} weights must be finite and non-negative: {bad}")
        for dim in self.dimensions:
            if sum(self.item_weight(i) for i in self.items_of(dim)) <= 0:
                raise ValueError(f"dimension {dim}: item weights sum to zero")
        if sum(self.dimension_weight(d) for d in self.dimensions) <= 0:
            raise ValueError("dimension weights sum to zero")
        if not 0 < self.min_answered <= 1:
            raise ValueError("min_answered must be in (0, 1]")

    @classmethod
    def from_dimensions(cls, dimensions: Mapping[str, Iterable[str]], **kwargs) -> SurveySpec:
        """``SurveySpec.from_dimensions({"supply": ["q1", "q2"], "delivery": ["q3"]}, scale_max=7)``."""
        return cls(
            item_dimension={item: dim for dim, items in dimensions.items() for item in items}, **kwargs
        )

    @property
    def items(self) -> list[str]:
        return list(self.item_dimension)

    @property
    def dimensions(self) -> list[str]:
        return list(dict.fromkeys(self.item_dimension.values()))

    def items_of(self, dimension: str) -> list[str]:
        return [i for i, d in self.item_dimension.items() if d == dimension]

    def scale(self, item: str) -> tuple[int, int]:
        return tuple(self.item_scales.get(item, (self.scale_min, self.scale_max)))

    def item_weight(self, item: str) -> float:
        return float(self.item_weights.get(item, 1.0))

    def dimension_weight(self, dimension: str) -> float:
        return float(self.dimension_weights.get(dimension, 1.0))


def item_matrix(answers: pd.DataFrame, spec: SurveySpec) -> pd.DataFrame:
    """The spec's item columns as floats, checked: every item present, every answer inside its scale."""
    missing = [i for i in spec.items if i not in answers.columns]
    if missing:
        raise ValueError(f"answers lack the items {missing}")
    frame = answers[spec.items]
    if not all(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes):
        try:
            frame = frame.apply(pd.to_numeric, errors="raise")
        except (ValueError, TypeError) as exc:
            raise ValueError(f"answers must be numbers: {exc}") from exc
    values = frame.to_numpy(dtype=float)
    frame = pd.DataFrame(values, index=answers.index, columns=spec.items)
    lo, hi = scale_bounds(spec)
    with np.errstate(invalid="ignore"):
        outside = (values < lo) | (values > hi)
    if outside.any():
        bad = [spec.items[j] for j in np.flatnonzero(outside.any(axis=0))]
        raise ValueError(f"answers outside their scale in items {bad}")
    return frame


def scale_bounds(spec: SurveySpec) -> tuple[np.ndarray, np.ndarray]:
    lo = np.array([spec.scale(i)[0] for i in spec.items], dtype=float)
    hi = np.array([spec.scale(i)[1] for i in spec.items], dtype=float)
    return lo, hi


def to_points(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Likert ``lo..hi`` -> index points ``0..100`` (columns may have different scales)."""
    return (values - lo) * (100.0 / (hi - lo))


def weighted_group_means(
    values: np.ndarray, membership: np.ndarray, min_share: float
) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise weighted means of column groups, ignoring NaN, with weights renormalised per row.

    ``membership`` is columns x groups holding each column's weight in its group (0 elsewhere). A row gets
    a group mean only when it answered at least ``min_share`` of the group's columns; this "prorating"
    treats a missing item as if it had the respondent's mean of the answered items of that group.
    Returns (means, answered counts), both rows x groups.
    """
    answered = ~np.isnan(values)
    filled = np.where(answered, values, 0.0)
    numerator = filled @ membership
    denominator = answered.astype(float) @ membership
    in_group = (membership > 0).astype(float)
    counts = answered.astype(float) @ in_group
    size = in_group.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = numerator / denominator
    ok = (counts >= min_share * size - 1e-9) & (denominator > 0)
    return np.where(ok, means, np.nan), counts


def t_interval(mean: float, sd: float, n: int, confidence: float) -> tuple[float, float]:
    """Two-sided Student t interval for a mean; NaN when n < 2."""
    if n < 2 or not np.isfinite(sd):
        return (math.nan, math.nan)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return (float(mean - half), float(mean + half))


def wilson_interval(successes: int, n: int, confidence: float) -> tuple[float, float]:
    """Wilson score interval for a proportion (behaves well near 0 and 1, unlike the Wald interval)."""
    if n == 0:
        return (math.nan, math.nan)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (centre - half, centre + half)


def check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1, e.g. 0.95")


def _plain(value: Any) -> Any:
    """numpy/pandas scalars -> Python; NaN/NaT -> None (JSON and Django templates both like that)."""
    if isinstance(value, pd.DataFrame):
        return to_records(value)
    if isinstance(value, pd.Series):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def to_records(frame: pd.DataFrame, index_name: str | None = None) -> list[dict[str, Any]]:
    """A result table as a list of plain dicts (index first), ready for a template or an ECharts dataset."""
    out = frame.rename_axis(index_name or frame.index.name or "key").reset_index()
    return [{str(k): _plain(v) for k, v in row.items()} for row in out.to_dict(orient="records")]


class Result:
    """Mixin for result dataclasses: ``as_dict()`` turns the whole result into JSON-ready plain data."""

    def as_dict(self) -> dict[str, Any]:
        return _plain(self)
