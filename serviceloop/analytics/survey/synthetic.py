"""Synthetic survey answers with a known (planted) structure, for tests, benchmarks and demo data.

Each dimension has a latent satisfaction factor (correlated across dimensions); each item loads on its
dimension's factor only; answers are the latent item value cut into Likert categories. Overall
satisfaction depends on the factors through known driver weights. Segments shift the latent level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._base import SurveySpec

TRADE_DIMENSIONS = ("supply", "ordering", "delivery", "account_manager", "settlement", "complaints")
MARKET_TYPES = ("urban", "town", "rural")
RETAIL_FORMATS = ("convenience", "supermarket", "grocery", "tobacco_liquor", "entertainment", "other")


@dataclass
class SyntheticSurvey:
    """``answers``: items + ``overall_item`` + segment columns (branch, market_type, retail_format);
    ``spec``: the questionnaire; ``loading``, ``drivers`` (weight of each dimension factor in overall
    satisfaction) and ``level`` (latent mean per dimension) are the planted truth."""

    answers: pd.DataFrame
    spec: SurveySpec
    loading: float
    drivers: dict[str, float]
    level: dict[str, float]


def synthetic_survey(
    n: int,
    *,
    seed: int,
    dimensions: Sequence[str] = TRADE_DIMENSIONS,
    items_per_dimension: int = 5,
    scale_max: int = 5,
    loading: float = 0.75,
    factor_correlation: float = 0.3,
    drivers: dict[str, float] | None = None,
    level: dict[str, float] | None = None,
    missing_rate: float = 0.0,
    n_branches: int = 8,
    id_start: int = 1,
) -> SyntheticSurvey:
    rng = np.random.default_rng(seed)
    dims = list(dimensions)
    k = len(dims)
    if drivers is None:
        # delivery and complaint handling matter most; supply least
        base = [0.15, 0.25, 0.45, 0.30, 0.10, 0.40, 0.2, 0.2, 0.2, 0.2]
        drivers = {d: base[i % len(base)] for i, d in enumerate(dims)}
    if level is None:
        base_level = [0.6, 0.4, -0.2, 0.5, 0.7, -0.3, 0.0, 0.1, 0.2, 0.3]
        level = {d: base_level[i % len(base_level)] for i, d in enumerate(dims)}

    phi = np.full((k, k), factor_correlation) + (1 - factor_correlation) * np.eye(k)
    factors = rng.standard_normal((n, k)) @ np.linalg.cholesky(phi).T

    # Segments: branches of unequal size (the last one tiny, to exercise the small-group flag).
    weights = np.linspace(3, 1, n_branches - 1)
    branch_idx = rng.choice(n_branches - 1, size=n, p=weights / weights.sum())
    branch_idx[rng.choice(n, size=min(n, max(3, n // 400)), replace=False)] = n_branches - 1
    branch = np.array([f"branch_{i + 1:02d}" for i in range(n_branches)])[branch_idx]
    market = rng.choice(MARKET_TYPES, size=n, p=[0.4, 0.35, 0.25])
    fmt = rng.choice(RETAIL_FORMATS, size=n, p=[0.3, 0.1, 0.35, 0.15, 0.05, 0.05])
    shift = (branch_idx - n_branches / 2) * 0.03 + np.where(market == "rural", -0.2, 0.0)

    cuts = np.linspace(-1.5, 1.5, scale_max - 1)
    columns, item_dimension = {}, {}
    for d_i, dim in enumerate(dims):
        latent = factors[:, d_i] + level[dim] + shift
        for j in range(items_per_dimension):
            item = f"{dim}_{j + 1}"
            value = loading * latent + np.sqrt(1 - loading**2) * rng.standard_normal(n)
            columns[item] = np.searchsorted(cuts, value).astype(float) + 1
            item_dimension[item] = dim
    beta = np.array([drivers[d] for d in dims])
    overall_latent = (factors + np.array([level[d] for d in dims]) + shift[:, None]) @ beta
    overall_latent = overall_latent / max(np.std(overall_latent), 1e-9) + 0.4 * rng.standard_normal(n)
    columns["overall_item"] = np.searchsorted(cuts, overall_latent).astype(float) + 1

    answers = pd.DataFrame(columns, index=pd.RangeIndex(id_start, id_start + n, name="shop_id"))
    if missing_rate > 0:
        item_cols = list(item_dimension)
        mask = rng.random((n, len(item_cols))) < missing_rate
        answers[item_cols] = answers[item_cols].mask(mask)
    answers["branch"] = branch
    answers["market_type"] = market
    answers["retail_format"] = fmt
    spec = SurveySpec(item_dimension=item_dimension, scale_max=scale_max)
    return SyntheticSurvey(answers=answers, spec=spec, loading=loading, drivers=drivers, level=level)
