"""Sample size, stratified allocation and a reproducible draw of the shops a wave targets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Sample size and margin need no numpy: they live apart, so a page showing a sample size stays light.
from serviceloop.analytics.sample_size import margin_of_error, sample_size  # noqa: F401 (re-exported)

from ._base import Result


def allocate_sample(strata_sizes: Mapping | pd.Series, n_total: int, *, minimum: int = 0) -> pd.Series:
    """Split ``n_total`` over strata in proportion to their sizes, every stratum getting at least
    ``minimum`` (or all its units when smaller). Rounding by largest remainder keeps the total exact; if
    the minimums alone exceed ``n_total`` the minimums win and the total is larger. A stratum never gets
    more than its size; ``n_total`` at or above the population takes everyone."""
    sizes = pd.Series(strata_sizes).astype(int)
    if (sizes < 0).any():
        raise ValueError("stratum sizes cannot be negative")
    if n_total < 0 or minimum < 0:
        raise ValueError("n_total and minimum cannot be negative")
    if n_total >= sizes.sum():
        return sizes.copy()
    floor = np.minimum(sizes, minimum)
    fixed = pd.Series(False, index=sizes.index)
    while True:
        remaining = n_total - floor[fixed].sum()
        free = ~fixed
        if remaining <= 0:
            fixed[:] = True
            break
        share = remaining * sizes[free] / sizes[free].sum() if sizes[free].sum() else sizes[free] * 0.0
        under = share < floor[free]
        if not under.any():
            break
        fixed[under[under].index] = True
    alloc = floor.where(fixed, 0).astype(int)
    if (~fixed).any():
        share = remaining * sizes[~fixed] / sizes[~fixed].sum()
        base = np.floor(share).astype(int)
        leftover = int(remaining - base.sum())
        # Largest remainder; ties go to the larger stratum, then to the stratum listed first.
        order = pd.DataFrame({"frac": share - base, "size": sizes[~fixed]}).sort_values(
            ["frac", "size"], ascending=False, kind="stable"
        )
        base.loc[order.index[:leftover]] += 1
        alloc[~fixed] = base
    return np.minimum(alloc, sizes).astype(int)


@dataclass
class SampleDraw(Result):
    """``ids``: the chosen respondents (sorted); ``allocation``: per stratum its population and sample."""

    seed: int
    ids: list
    allocation: pd.DataFrame


def stratified_sample(
    frame: pd.DataFrame,
    *,
    strata: str | list[str] | None,
    seed: int,
    n_total: int | None = None,
    minimum: int = 0,
    confidence: float = 0.95,
    margin: float = 0.05,
    id_column: str | None = None,
) -> SampleDraw:
    """Draw a stratified random sample of shops (rows of ``frame``; ids from ``id_column`` or the index).

    ``strata`` names the column(s) to stratify by (branch, market type, format, stars), or None for a
    simple random sample. ``n_total`` defaults to ``sample_size(confidence, margin, population)``.
    The draw depends only on the set of ids, their strata and ``seed`` — not on row order: strata are
    taken in sorted order and ids sorted within each before ``numpy.random.default_rng(seed)`` chooses.
    Store the drawn ids with the wave; NumPy does not promise identical streams across major versions.
    """
    ids = frame[id_column] if id_column else frame.index.to_series()
    if not ids.is_unique:
        raise ValueError("ids must be unique")
    if n_total is None:
        n_total = sample_size(confidence=confidence, margin=margin, population=len(frame))
    if strata is None:
        keys = pd.Series("all", index=frame.index)
    else:
        cols = [strata] if isinstance(strata, str) else list(strata)
        parts = [frame[c].astype(object).where(frame[c].notna(), None).map(str) for c in cols]
        keys = parts[0] if len(parts) == 1 else pd.Series(list(zip(*parts, strict=True)), index=frame.index)
        keys = keys.map(lambda k: " / ".join(k) if isinstance(k, tuple) else k)
    groups = {key: np.sort(ids.to_numpy()[pos]) for key, pos in keys.groupby(keys, sort=True).indices.items()}
    sizes = pd.Series({key: len(v) for key, v in groups.items()})
    alloc = allocate_sample(sizes, int(n_total), minimum=minimum)
    rng = np.random.default_rng(seed)
    chosen = []
    for key in sorted(groups):
        if alloc[key]:
            chosen.extend(rng.choice(groups[key], size=int(alloc[key]), replace=False).tolist())
    table = pd.DataFrame({"population": sizes, "sample": alloc})
    table.index.name = "stratum"
    return SampleDraw(seed=seed, ids=sorted(chosen), allocation=table)
