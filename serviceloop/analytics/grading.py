"""Grades (档位), star levels and segments from sales: pure NumPy, no Django.

* ``quota_counts(n, shares)`` — how many of n shops each grade gets: shares in proportion, largest remainder,
  so the counts always add up to n and match the configured shares as closely as whole shops allow.
* ``assign_by_shares(scores, shares)`` — grade 1 to the lowest scores … grade K to the highest.
* ``rank_percent(values)`` — 0–100 by rank (ties share their mean rank), so volume in cartons and amount in
  yuan can be weighed against each other.
* ``star_levels(points, cutoffs)`` — 1–5 stars from weighted points and four ascending cut-offs.
* ``volume_price_groups(volume, unit_price)`` — 003's "销量单价" groups: low/middle/high by terciles of each.
* ``describe_cluster(centre, overall, names)`` — a cluster's centre in words a manager reads.
"""

from collections.abc import Sequence

import numpy as np


def quota_counts(n: int, shares: Sequence[float]) -> np.ndarray:
    weights = np.asarray(shares, dtype=float)
    if n <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=int)
    exact = n * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    remainder = n - counts.sum()
    order = np.lexsort((np.arange(len(weights)), -(exact - counts)))  # largest remainder, earlier first
    counts[order[:remainder]] += 1
    return counts


def assign_by_shares(scores: Sequence[float], shares: Sequence[float]) -> np.ndarray:
    """Levels 1..len(shares), level 1 to the lowest scores; ties broken by position (stable)."""
    scores = np.asarray(scores, dtype=float)
    counts = quota_counts(len(scores), shares)
    order = np.argsort(scores, kind="stable")
    levels = np.empty(len(scores), dtype=int)
    levels[order] = np.repeat(np.arange(1, len(shares) + 1), counts)
    return levels


def rank_percent(values: Sequence[float]) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n == 0:
        return values
    if n == 1:
        return np.array([100.0])
    order = np.argsort(values, kind="stable")
    ranks = np.empty(n, dtype=float)
    ranks[order] = np.arange(n, dtype=float)
    # ties: the mean rank of their group
    sorted_values = values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_values)) + 1]
    ends = np.r_[starts[1:], n]
    for start, end in zip(starts, ends, strict=True):
        if end - start > 1:
            ranks[order[start:end]] = (start + end - 1) / 2
    return ranks * 100.0 / (n - 1)


def star_levels(points: Sequence[float], cutoffs: Sequence[float]) -> np.ndarray:
    """1 star below cutoffs[0], 2 from cutoffs[0], … 5 from cutoffs[3]."""
    return (
        np.searchsorted(np.asarray(cutoffs, dtype=float), np.asarray(points, dtype=float), side="right") + 1
    )


def terciles(values: Sequence[float]) -> np.ndarray:
    """0, 1 or 2: the third of the shops (by rank) each value falls in."""
    pct = rank_percent(values)
    return np.minimum((pct / (100.0 / 3)).astype(int), 2)


def volume_price_groups(volume: Sequence[float], unit_price: Sequence[float]) -> np.ndarray:
    """Group number 3 × volume tercile + unit-price tercile (0 = low volume, low price … 8 = high, high)."""
    return terciles(volume) * 3 + terciles(unit_price)


LEVEL_WORDS = ("低", "中", "高")


def describe_cluster(centre: Sequence[float], overall_mean: Sequence[float], overall_std: Sequence[float],
                     words: Sequence[tuple[str, str]], *, threshold: float = 0.5, limit: int = 3) -> str:  # fmt: skip
    """The features where the cluster stands out (|z| ≥ threshold), strongest first, each as its word for
    "high" or "low": e.g. "订货频繁、高价位烟占比高、品牌集中"; "各项接近全市平均" when none stands out."""
    centre, mean, std = (np.asarray(a, dtype=float) for a in (centre, overall_mean, overall_std))
    z = (centre - mean) / np.where(std > 0, std, 1.0)
    order = np.argsort(-np.abs(z), kind="stable")
    parts = [words[i][0] if z[i] > 0 else words[i][1] for i in order[:limit] if abs(z[i]) >= threshold]
    return "、".join(parts) if parts else "各项接近全市平均"
