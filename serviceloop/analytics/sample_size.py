"""How many respondents a survey needs, and the margin a sample gives: the standard library only.

Kept apart from ``serviceloop.analytics.survey`` (numpy, pandas, SciPy, statsmodels), so that a page that
only shows the recommended sample size of a wave does not load the statistics stack. The survey package
exports both functions too (``serviceloop.analytics.survey.sample_size``).
"""

from __future__ import annotations

import math
from statistics import NormalDist


def z_value(confidence: float) -> float:
    """The two-sided standard-normal quantile: 1.96 for 0.95 (equal to SciPy's ``norm.ppf`` within 1e-15)."""
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1, e.g. 0.95")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def sample_size(
    *,
    confidence: float = 0.95,
    margin: float = 0.05,
    population: int | None = None,
    proportion: float = 0.5,
) -> int:
    """Respondents needed to estimate a proportion within ±``margin`` (Cochran 1977):
    ``n0 = z² p(1 − p) / e²``, and with a finite population N, ``n = n0 / (1 + (n0 − 1)/N)``; rounded up.
    ``proportion=0.5`` is the worst case. 95 %, ±5 %: 385; N = 10,000: 370."""
    z = z_value(confidence)
    if not 0 < margin < 1:
        raise ValueError("margin must be between 0 and 1, e.g. 0.05 for ±5 %")
    if not 0 < proportion < 1:
        raise ValueError("proportion must be between 0 and 1")
    n0 = z * z * proportion * (1 - proportion) / (margin * margin)
    if population is None:
        return math.ceil(n0 - 1e-9)
    if population < 1:
        raise ValueError("population must be at least 1")
    n = n0 / (1 + (n0 - 1) / population)
    return min(int(population), math.ceil(n - 1e-9))


def margin_of_error(
    n: int, *, confidence: float = 0.95, population: int | None = None, proportion: float = 0.5
) -> float:
    """The ± margin a sample of n gives for a proportion (the inverse of ``sample_size``), with the
    finite-population correction ``sqrt((N − n)/(N − 1))`` when N is given."""
    z = z_value(confidence)
    if n < 1:
        raise ValueError("n must be at least 1")
    e = z * math.sqrt(proportion * (1 - proportion) / n)
    if population is not None:
        if n > population:
            raise ValueError("n cannot exceed the population")
        e *= math.sqrt((population - n) / (population - 1)) if population > 1 else 0.0
    return e
