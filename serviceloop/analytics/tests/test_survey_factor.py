"""KMO, Bartlett's test and exploratory factor analysis against published values, independently coded
formulas and a planted factor structure."""

import numpy as np
import pandas as pd
import pytest

from serviceloop.analytics.survey.synthetic import synthetic_survey
from serviceloop.analytics.survey_stats import (
    bartlett_sphericity,
    correlation_matrix,
    exploratory_factor_analysis,
    kmo,
)

# Thurstone (1941) 9 ability tests, n = 213, as shipped in R psych (dataset "Thurstone").
THURSTONE_NAMES = [
    "Sentences",
    "Vocabulary",
    "Sent.Completion",
    "First.Letters",
    "Four.Letter.Words",
    "Suffixes",
    "Letter.Series",
    "Pedigrees",
    "Letter.Group",
]
THURSTONE = pd.DataFrame(
    [
        [1, 0.828, 0.776, 0.439, 0.432, 0.447, 0.447, 0.541, 0.38],
        [0.828, 1, 0.779, 0.493, 0.464, 0.489, 0.432, 0.537, 0.358],
        [0.776, 0.779, 1, 0.46, 0.425, 0.443, 0.401, 0.534, 0.359],
        [0.439, 0.493, 0.46, 1, 0.674, 0.59, 0.381, 0.35, 0.424],
        [0.432, 0.464, 0.425, 0.674, 1, 0.541, 0.402, 0.367, 0.446],
        [0.447, 0.489, 0.443, 0.59, 0.541, 1, 0.288, 0.32, 0.325],
        [0.447, 0.432, 0.401, 0.381, 0.402, 0.288, 1, 0.555, 0.598],
        [0.541, 0.537, 0.534, 0.35, 0.367, 0.32, 0.555, 1, 0.452],
        [0.38, 0.358, 0.359, 0.424, 0.446, 0.325, 0.598, 0.452, 1],
    ],
    index=THURSTONE_NAMES,
    columns=THURSTONE_NAMES,
)

# Harman (1976, p. 166) eight political variables over 147 election areas; Dziuban & Shirkey (1974)
# used it to illustrate the KMO.
HARMAN_NAMES = [
    "Lewis",
    "Roosevelt",
    "Party Voting",
    "Median Rental",
    "Homeownership",
    "Unemployment",
    "Mobility",
    "Education",
]
HARMAN_POLITICAL = pd.DataFrame(
    [
        [1, 0.84, 0.62, -0.53, 0.03, 0.57, -0.33, -0.63],
        [0.84, 1, 0.84, -0.68, -0.05, 0.76, -0.35, -0.73],
        [0.62, 0.84, 1, -0.76, 0.08, 0.81, -0.51, -0.81],
        [-0.53, -0.68, -0.76, 1, -0.25, -0.8, 0.62, 0.88],
        [0.03, -0.05, 0.08, -0.25, 1, 0.25, -0.72, -0.36],
        [0.57, 0.76, 0.81, -0.8, 0.25, 1, -0.58, -0.84],
        [-0.33, -0.35, -0.51, 0.62, -0.72, -0.58, 1, 0.68],
        [-0.63, -0.73, -0.81, 0.88, -0.36, -0.84, 0.68, 1],
    ],
    index=HARMAN_NAMES,
    columns=HARMAN_NAMES,
)


def test_it_reproduces_the_published_kmo_of_thurstones_matrix():
    # R psych::KMO(Thurstone) prints overall MSA 0.88 and per item .86 .86 .90 .86 .88 .92 .85 .93 .87.
    res = kmo(THURSTONE)
    assert res.overall == pytest.approx(0.88, abs=0.005)
    published = [0.86, 0.86, 0.90, 0.86, 0.88, 0.92, 0.85, 0.93, 0.87]
    assert res.items.to_numpy() == pytest.approx(published, abs=0.005)
    assert list(res.items.index) == THURSTONE_NAMES


def test_it_reproduces_the_published_kmo_of_harmans_political_matrix():
    # R psych::KMO(Harman.political): overall 0.81; per item .73 .76 .84 .87 .53 .93 .78 .86.
    res = kmo(HARMAN_POLITICAL)
    assert res.overall == pytest.approx(0.81, abs=0.005)
    published = [0.73, 0.76, 0.84, 0.87, 0.53, 0.93, 0.78, 0.86]
    assert res.items.to_numpy() == pytest.approx(published, abs=0.005)


def _partial_correlations_by_regression(data: np.ndarray) -> np.ndarray:
    """Partial correlation of i and j given all other columns = correlation of the residuals of i and j
    regressed (least squares) on the others. Independent of the inverse-matrix route used in kmo()."""
    n, p = data.shape
    out = np.eye(p)
    for i in range(p):
        for j in range(i + 1, p):
            others = np.column_stack([np.ones(n), np.delete(data, [i, j], axis=1)])
            ri = data[:, i] - others @ np.linalg.lstsq(others, data[:, i], rcond=None)[0]
            rj = data[:, j] - others @ np.linalg.lstsq(others, data[:, j], rcond=None)[0]
            out[i, j] = out[j, i] = np.corrcoef(ri, rj)[0, 1]
    return out


def test_it_matches_an_independently_coded_kmo_on_generated_data():
    s = synthetic_survey(800, seed=21, dimensions=("a", "b", "c"), items_per_dimension=3)
    data = s.answers[s.spec.items].to_numpy()
    r = np.corrcoef(data, rowvar=False)
    q = _partial_correlations_by_regression(data)
    off = ~np.eye(len(r), dtype=bool)
    r2, q2 = (r**2)[off].sum(), (q**2)[off].sum()
    res = kmo(pd.DataFrame(r, index=s.spec.items, columns=s.spec.items))
    assert res.overall == pytest.approx(r2 / (r2 + q2), abs=1e-10)
    row_r2 = np.where(off, r**2, 0).sum(axis=1)
    row_q2 = np.where(off, q**2, 0).sum(axis=1)
    assert res.items.to_numpy() == pytest.approx(row_r2 / (row_r2 + row_q2), abs=1e-10)


def test_it_reproduces_a_published_bartlett_test():
    # statsample (Ruby, BSD) test suite: three variables, n = 14 -> chi² 9.477, df 3, p 0.024.
    data = pd.DataFrame(
        {
            "v1": [1, 2, 3, 4, 7, 8, 9, 10, 14, 15, 20, 50, 60, 70],
            "v2": [5, 6, 11, 12, 13, 16, 17, 18, 19, 20, 30, 0, 0, 0],
            "v3": [10, 3, 20, 30, 40, 50, 80, 10, 20, 30, 40, 2, 3, 4],
        }
    )
    corr, n = correlation_matrix(data)
    res = bartlett_sphericity(corr, n)
    assert res.statistic == pytest.approx(9.477, abs=1e-3)
    assert res.df == 3
    assert res.p_value == pytest.approx(0.024, abs=1e-3)


def test_it_computes_bartlett_from_the_eigenvalues_too():
    # ln|R| as the sum of log eigenvalues; p-value of chi² with p(p-1)/2 df by its survival function.
    from scipy import stats

    eig = np.linalg.eigvalsh(THURSTONE.to_numpy())
    chi2 = -(213 - 1 - (2 * 9 + 5) / 6) * np.log(eig).sum()
    res = bartlett_sphericity(THURSTONE, 213)
    assert res.statistic == pytest.approx(chi2, rel=1e-12)
    assert res.df == 36
    assert res.p_value == pytest.approx(stats.chi2.sf(chi2, 36), rel=1e-9)


def test_it_refuses_a_singular_correlation_matrix():
    r = np.ones((3, 3))
    with pytest.raises(ValueError, match="singular"):
        kmo(r)


def _varimax_reference(loadings: np.ndarray, normalize: bool, eps: float = 1e-12) -> np.ndarray:
    """Kaiser's varimax by the SVD iteration of R's stats::varimax, coded here independently of the
    gradient-projection algorithm statsmodels uses."""
    x = loadings.copy()
    p, k = x.shape
    if normalize:
        h = np.sqrt((x**2).sum(axis=1, keepdims=True))
        x = x / h
    rot = np.eye(k)
    d = 0.0
    for _ in range(5000):
        z = x @ rot
        u, s, vt = np.linalg.svd(x.T @ (z**3 - z @ np.diag((z**2).sum(axis=0)) / p))
        rot = u @ vt
        d_old, d = d, s.sum()
        if d < d_old * (1 + eps):
            break
    z = x @ rot
    return z * h if normalize else z


def _match_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """b with columns reordered and sign-flipped to line up with a (factors have no natural order/sign)."""
    out = np.empty_like(b)
    free = list(range(b.shape[1]))
    for j in range(a.shape[1]):
        best = max(free, key=lambda c: abs(a[:, j] @ b[:, c]))
        free.remove(best)
        out[:, j] = b[:, best] * np.sign(a[:, j] @ b[:, best])
    return out


@pytest.mark.parametrize("normalize", [True, False])
def test_it_rotates_like_an_independent_varimax(normalize):
    from statsmodels.multivariate.factor import Factor

    unrotated = Factor(corr=THURSTONE.to_numpy(), n_factor=3, method="pa", nobs=213).fit(maxiter=1000)
    expected = _varimax_reference(unrotated.loadings_no_rot, normalize)
    res = exploratory_factor_analysis_from_corr(THURSTONE, 3, normalize)
    assert _match_columns(expected, res) == pytest.approx(expected, abs=2e-5)  # GPA stops at ~1e-6


def exploratory_factor_analysis_from_corr(corr: pd.DataFrame, k: int, normalize: bool) -> np.ndarray:
    # Data whose correlation matrix is exactly `corr`: EFA takes answers, so build answers with it.
    p = len(corr)
    rng = np.random.default_rng(0)
    z = rng.standard_normal((500, p))
    z = (z - z.mean(axis=0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)
    x = z @ np.linalg.cholesky(corr.to_numpy()).T
    data = pd.DataFrame(x, columns=corr.columns)
    assert np.corrcoef(x, rowvar=False) == pytest.approx(corr.to_numpy(), abs=1e-10)
    return exploratory_factor_analysis(data, n_factors=k, kaiser_normalize=normalize).loadings.to_numpy()


def test_it_matches_another_librarys_varimax_example():
    # statsample (Ruby, BSD) test suite: varimax of a 4x3 matrix (Kaiser-normalised), to 3 decimals.
    from statsmodels.multivariate.factor_rotation import rotate_factors

    a = np.array(
        [
            [0.4320, 0.8129, 0.3872],
            [0.7950, -0.5416, 0.2565],
            [0.5944, 0.7234, -0.3441],
            [0.8945, -0.3921, -0.1863],
        ]
    )
    expected = np.array(
        [
            [-0.0204423, 0.938674, -0.340334],
            [0.983662, 0.0730206, 0.134997],
            [0.0826106, 0.435975, -0.893379],
            [0.939901, -0.0965213, -0.309596],
        ]
    )
    # the same normalise-rotate-denormalise steps exploratory_factor_analysis applies
    h = np.sqrt((a**2).sum(axis=1, keepdims=True))
    rotated, _ = rotate_factors(a / h, "varimax")
    assert _match_columns(expected, rotated * h) == pytest.approx(expected, abs=1e-3)
    assert _varimax_reference(a, normalize=True) == pytest.approx(expected, abs=1e-3)


def _planted_two_factors(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    lam = np.array([0.8, 0.75, 0.7, 0.65])
    f = rng.standard_normal((n, 2))
    cols = {}
    for g in range(2):
        for i, li in enumerate(lam):
            cols[f"g{g + 1}_{i + 1}"] = li * f[:, g] + np.sqrt(1 - li**2) * rng.standard_normal(n)
    truth = np.zeros((8, 2))
    truth[:4, 0] = lam
    truth[4:, 1] = lam
    return pd.DataFrame(cols), truth


def test_it_recovers_a_planted_two_factor_structure():
    data, truth = _planted_two_factors(4000, seed=31)
    res = exploratory_factor_analysis(data)
    assert res.n_factors == 2  # Kaiser criterion
    loadings = _match_columns(truth, res.loadings.to_numpy())
    assert loadings == pytest.approx(truth, abs=0.05)  # sampling error at n = 4000 is ~0.015
    assert res.communalities.to_numpy() == pytest.approx((truth**2).sum(axis=1), abs=0.05)
    groups = res.primary_factor.groupby(lambda item: item[:2]).nunique()
    assert (groups == 1).all() and res.primary_factor.nunique() == 2
    assert res.kmo.overall > 0.7 and res.bartlett.p_value < 1e-10


def test_it_reports_explained_variance_consistently():
    data, _ = _planted_two_factors(1000, seed=32)
    res = exploratory_factor_analysis(data, n_factors=3)
    ex = res.explained
    assert res.n_factors == 3
    assert ex["ss_loadings"].sum() == pytest.approx(res.communalities.sum(), abs=1e-10)
    assert ex["proportion"].to_numpy() == pytest.approx(ex["ss_loadings"].to_numpy() / 8)
    assert ex["cumulative"].iloc[-1] == pytest.approx(ex["proportion"].sum())
    assert list(ex["ss_loadings"]) == sorted(ex["ss_loadings"], reverse=True)
    assert (res.loadings.sum(axis=0) > 0).all()
    assert res.eigenvalues.sum() == pytest.approx(8.0)  # trace of a correlation matrix


def test_it_recovers_the_six_dimensions_of_the_trade_questionnaire():
    s = synthetic_survey(3000, seed=33)
    res = exploratory_factor_analysis(s.answers[s.spec.items])
    assert res.n_factors == 6
    by_dimension = res.primary_factor.groupby(s.spec.item_dimension).nunique()
    assert (by_dimension == 1).all() and res.primary_factor.nunique() == 6


def test_it_drops_items_without_variance_and_handles_missing_answers():
    data, _ = _planted_two_factors(600, seed=34)
    data["constant"] = 3.0
    rng = np.random.default_rng(1)
    holes = data.mask(rng.random(data.shape) < 0.05)
    listwise = exploratory_factor_analysis(holes)
    pairwise = exploratory_factor_analysis(holes, missing="pairwise")
    assert listwise.dropped_items == ["constant"]
    assert listwise.n == len(holes.drop(columns="constant").dropna())
    assert pairwise.n > listwise.n
    assert _match_columns(pairwise.loadings.to_numpy(), listwise.loadings.to_numpy()) == pytest.approx(
        pairwise.loadings.to_numpy(), abs=0.1
    )


def test_it_fits_maximum_likelihood_deterministically():
    data, truth = _planted_two_factors(2000, seed=35)
    first = exploratory_factor_analysis(data, method="ml")
    again = exploratory_factor_analysis(data, method="ml")
    assert first.loadings.to_numpy() == pytest.approx(again.loadings.to_numpy(), abs=1e-12)
    assert _match_columns(truth, first.loadings.to_numpy()) == pytest.approx(truth, abs=0.06)


def test_it_refuses_oblique_rotations_and_unknown_methods():
    data, _ = _planted_two_factors(300, seed=36)
    with pytest.raises(ValueError, match="rotation"):
        exploratory_factor_analysis(data, rotation="promax")
    with pytest.raises(ValueError, match="method"):
        exploratory_factor_analysis(data, method="minres")
    unrotated = exploratory_factor_analysis(data, rotation=None)
    # without rotation the first factor takes the most variance: its SS loading is the largest eigenvalue
    # of the reduced correlation matrix, so it exceeds that of the varimax solution's first factor
    rotated = exploratory_factor_analysis(data)
    assert unrotated.explained["ss_loadings"].iloc[0] > rotated.explained["ss_loadings"].iloc[0]
    assert unrotated.communalities.to_numpy() == pytest.approx(rotated.communalities.to_numpy(), abs=1e-9)
