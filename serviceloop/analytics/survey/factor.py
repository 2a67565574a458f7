"""Exploratory factor analysis (statsmodels, principal axis + varimax), KMO and Bartlett's sphericity test.

Missing answers: ``missing="listwise"`` (default) uses respondents who answered every item;
``"pairwise"`` builds each correlation from the respondents who answered both items, and then uses the
smallest pairwise count as n for Bartlett's test (conservative). A pairwise matrix need not be positive
definite; the functions refuse one that is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.multivariate.factor import Factor
from statsmodels.multivariate.factor_rotation import rotate_factors

from ._base import Result

# Orthogonal only: loadings, communalities and explained variance keep their plain meaning.
ORTHOGONAL_ROTATIONS = ("varimax", "quartimax", "equamax", None)


def correlation_matrix(answers: pd.DataFrame, *, missing: str = "listwise") -> tuple[pd.DataFrame, int]:
    """Pearson correlation matrix of the columns and the n behind it (see module doc for ``missing``)."""
    frame = pd.DataFrame(answers).astype(float)
    if missing == "listwise":
        complete = frame.dropna()
        n = len(complete)
        if n < 3:
            raise ValueError("fewer than 3 respondents answered every item")
        x = complete.to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.corrcoef(x, rowvar=False)
        return pd.DataFrame(r, index=frame.columns, columns=frame.columns), n
    if missing == "pairwise":
        answered = frame.notna().to_numpy().astype(float)
        n = int((answered.T @ answered).min())
        if n < 3:
            raise ValueError("some pair of items has fewer than 3 respondents who answered both")
        return frame.corr(), n
    raise ValueError("missing must be 'listwise' or 'pairwise'")


def _checked(corr) -> tuple[np.ndarray, list[str]]:
    r = np.asarray(corr, dtype=float)
    labels = list(corr.columns) if isinstance(corr, pd.DataFrame) else [f"x{i + 1}" for i in range(len(r))]
    if r.ndim != 2 or r.shape[0] != r.shape[1] or r.shape[0] < 2:
        raise ValueError("need a square correlation matrix of at least two items")
    if not np.all(np.isfinite(r)):
        raise ValueError("the correlation matrix has undefined entries (an item without variance?)")
    if np.linalg.eigvalsh(r).min() <= 1e-10:
        raise ValueError("the correlation matrix is singular or not positive definite")
    return r, labels


@dataclass
class KMOResult(Result):
    """Kaiser–Meyer–Olkin measure of sampling adequacy, overall and per item (MSA)."""

    overall: float
    items: pd.Series


def kmo(corr) -> KMOResult:
    """KMO = Σr² / (Σr² + Σq²) over off-diagonal elements, q the anti-image (partial) correlations
    ``-R⁻¹ᵢⱼ / sqrt(R⁻¹ᵢᵢ R⁻¹ⱼⱼ)`` (Kaiser & Rice 1974, as in SPSS and R psych::KMO); per item the same
    sums over that item's row."""
    r, labels = _checked(corr)
    inv = np.linalg.inv(r)
    d = np.sqrt(np.diag(inv))
    q = inv / np.outer(d, d)
    off = ~np.eye(len(r), dtype=bool)
    r2 = np.where(off, r * r, 0.0)
    q2 = np.where(off, q * q, 0.0)
    overall = r2.sum() / (r2.sum() + q2.sum())
    per_item = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    items = pd.Series(per_item, index=pd.Index(labels, name="item"), name="msa")
    return KMOResult(overall=float(overall), items=items)


@dataclass
class BartlettResult(Result):
    """Bartlett's test that the correlation matrix is an identity matrix (H0: items uncorrelated)."""

    statistic: float
    df: int
    p_value: float
    n: int


def bartlett_sphericity(corr, n: int) -> BartlettResult:
    """χ² = −(n − 1 − (2p + 5)/6) · ln|R| with p(p − 1)/2 degrees of freedom (Bartlett 1950)."""
    r, _ = _checked(corr)
    p = r.shape[0]
    if n <= p:
        raise ValueError("Bartlett's test needs more respondents than items")
    _, logdet = np.linalg.slogdet(r)
    statistic = -(n - 1 - (2 * p + 5) / 6) * logdet
    df = p * (p - 1) // 2
    return BartlettResult(
        statistic=float(statistic), df=int(df), p_value=float(stats.chi2.sf(statistic, df)), n=int(n)
    )


@dataclass
class EFAResult(Result):
    """Exploratory factor analysis.

    ``loadings``: items x factors (F1, F2, … ordered by variance explained, signs chosen so each factor's
    loadings sum to a positive number); ``communalities``; ``explained``: per factor ``ss_loadings``,
    ``proportion`` of total variance and ``cumulative``; ``eigenvalues``: of the correlation matrix (the
    scree plot and the Kaiser criterion); ``primary_factor``: the factor each item loads on most.
    """

    n: int
    n_factors: int
    method: str
    rotation: str
    loadings: pd.DataFrame
    communalities: pd.Series
    explained: pd.DataFrame
    eigenvalues: pd.Series
    primary_factor: pd.Series
    kmo: KMOResult
    bartlett: BartlettResult
    dropped_items: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def exploratory_factor_analysis(
    answers: pd.DataFrame,
    *,
    n_factors: int | None = None,
    missing: str = "listwise",
    rotation: str | None = "varimax",
    kaiser_normalize: bool = True,
    method: str = "pa",
) -> EFAResult:
    """EFA of the answer columns with statsmodels ``Factor`` (principal axis with squared multiple
    correlations as starting communalities by default; ``method="ml"`` for maximum likelihood) and a
    varimax rotation (or ``"quartimax"``, ``"equamax"``; ``None`` for none).

    ``n_factors=None`` picks the number by the Kaiser criterion (eigenvalues of the correlation matrix
    above 1). ``kaiser_normalize`` rotates the row-normalised loadings, as SPSS and R's ``varimax`` do by
    default; with False the statsmodels ``FactorResults.rotate`` is used unchanged. Items without variance
    cannot be correlated: they are dropped and listed in ``dropped_items``.
    """
    frame = pd.DataFrame(answers).astype(float)
    dropped = [c for c in frame.columns if frame[c].nunique(dropna=True) < 2]
    frame = frame.drop(columns=dropped)
    if frame.shape[1] < 3:
        raise ValueError("factor analysis needs at least three items with variance")
    corr, n = correlation_matrix(frame, missing=missing)
    r, labels = _checked(corr)
    p = len(labels)

    eigenvalues = np.sort(np.linalg.eigvalsh(r))[::-1]
    if n_factors is None:
        n_factors = max(1, int((eigenvalues > 1.0).sum()))
    if not 1 <= n_factors < p:
        raise ValueError(f"n_factors must be between 1 and {p - 1}")

    if method not in ("pa", "ml"):
        raise ValueError("method must be 'pa' (principal axis) or 'ml' (maximum likelihood)")
    if rotation not in ORTHOGONAL_ROTATIONS:
        raise ValueError(f"rotation must be one of {ORTHOGONAL_ROTATIONS}")
    warnings: list[str] = []
    fit = Factor(corr=r, n_factor=n_factors, method="pa", nobs=n).fit(maxiter=1000)
    if method == "ml":
        # Started from the principal-axis solution so the result does not depend on a random start.
        start = fit.loadings_no_rot
        uniqueness = np.clip(1.0 - (start**2).sum(axis=1), 0.005, 1.0)
        fit = Factor(corr=r, n_factor=n_factors, method="ml", nobs=n).fit(start=(start, uniqueness))
    if fit.loadings_no_rot.shape[1] < n_factors:
        warnings.append(f"only {fit.loadings_no_rot.shape[1]} factors have positive eigenvalues")
    unrotated = fit.loadings_no_rot
    if rotation is None or unrotated.shape[1] == 1:
        loadings = unrotated
    elif kaiser_normalize:
        h = np.sqrt((unrotated**2).sum(axis=1))[:, None]
        rotated, _ = rotate_factors(unrotated / h, rotation)
        loadings = rotated * h
    else:
        fit.rotate(rotation)
        loadings = fit.loadings

    ss = (loadings**2).sum(axis=0)
    order = np.argsort(-ss, kind="stable")
    loadings = loadings[:, order]
    ss = ss[order]
    signs = np.where(loadings.sum(axis=0) < 0, -1.0, 1.0)
    loadings = loadings * signs
    communalities = (loadings**2).sum(axis=1)
    if np.any(communalities >= 1.0):
        heywood = [labels[i] for i in np.flatnonzero(communalities >= 1.0)]
        warnings.append(f"Heywood case (communality >= 1) in items {heywood}")

    names = [f"F{j + 1}" for j in range(loadings.shape[1])]
    load_df = pd.DataFrame(loadings, index=pd.Index(labels, name="item"), columns=names)
    explained = pd.DataFrame({"ss_loadings": ss, "proportion": ss / p}, index=pd.Index(names, name="factor"))
    explained["cumulative"] = explained["proportion"].cumsum()
    return EFAResult(
        n=int(n),
        n_factors=int(loadings.shape[1]),
        method=method,
        rotation=rotation or "none",
        loadings=load_df,
        communalities=pd.Series(communalities, index=load_df.index, name="communality"),
        explained=explained,
        eigenvalues=pd.Series(eigenvalues, index=pd.RangeIndex(1, p + 1, name="number"), name="eigenvalue"),
        primary_factor=load_df.abs().idxmax(axis=1).rename("factor"),
        kmo=kmo(corr),
        bartlett=bartlett_sphericity(corr, n),
        dropped_items=dropped,
        warnings=warnings,
    )
