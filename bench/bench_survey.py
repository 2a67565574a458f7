"""Full satisfaction-survey analysis of one wave: 10,000 answers x 30 items (6 dimensions x 5 items).

Synthetic answers with a planted structure (fixed seeds), two waves. Steps: satisfaction index (with
respondent scores), Cronbach's alpha per dimension, EFA (principal axis + varimax, Kaiser criterion) with
KMO and Bartlett, drivers (correlations + OLS -> importance-performance), index by 3 segment columns
(branch, market type, retail format), wave comparison (Welch per dimension/overall score and per item,
top-2-box z-tests). Median of RUNS runs per step, BLAS on one thread; also 1,000 answers for the ratio.

Run: .venv/bin/python bench/bench_survey.py
"""

import os

# Before numpy is imported anywhere: one BLAS thread, as in the web workers (two were slower here).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy  # noqa: E402
import statsmodels  # noqa: E402

from serviceloop.analytics.survey.synthetic import synthetic_survey  # noqa: E402
from serviceloop.analytics.survey_stats import (  # noqa: E402
    compare_top_box,
    compare_waves,
    driver_analysis,
    exploratory_factor_analysis,
    reliability_by_dimension,
    respondent_scores,
    satisfaction_index,
    segment_index,
)

RUNS = 7
SIZES = (1_000, 10_000)
SEGMENTS = ("branch", "market_type", "retail_format")


def analyse(wave_a, wave_b, spec, timings: dict[str, list[float]]) -> dict:
    out = {}

    def step(name, fn):
        t0 = time.perf_counter()
        out[name] = fn()
        timings.setdefault(name, []).append(time.perf_counter() - t0)

    answers = wave_a.answers
    step("index (overall/dimension/item)", lambda: satisfaction_index(answers, spec))
    scores = out["index (overall/dimension/item)"].respondents
    step("alpha per dimension (6)", lambda: reliability_by_dimension(answers, spec))
    step("EFA + KMO + Bartlett", lambda: exploratory_factor_analysis(answers[spec.items]))
    step(
        "drivers (r, rho, OLS, IPA)",
        lambda: driver_analysis(scores[spec.dimensions], answers["overall_item"]),
    )
    step(
        "breakdown by 3 segments",
        lambda: [segment_index(answers, spec, col, scores=scores) for col in SEGMENTS],
    )

    def waves():
        scores_b = respondent_scores(wave_b.answers, spec)
        return (
            compare_waves(scores, scores_b),
            compare_waves(answers[spec.items], wave_b.answers[spec.items]),
            compare_top_box(answers, wave_b.answers, spec),
        )

    step("wave comparison (scores, items, top-2)", waves)
    return out


def run(n: int) -> tuple[dict[str, float], dict]:
    wave_a = synthetic_survey(n, seed=20261, missing_rate=0.01)
    level_b = {**wave_a.level, "delivery": wave_a.level["delivery"] + 0.15}
    wave_b = synthetic_survey(n, seed=20262, missing_rate=0.01, level=level_b, id_start=n + 1)
    timings: dict[str, list[float]] = {}
    analyse(wave_a, wave_b, wave_a.spec, {})  # warm-up (imports, caches)
    for _ in range(RUNS):
        t0 = time.perf_counter()
        result = analyse(wave_a, wave_b, wave_a.spec, timings)
        timings.setdefault("total", []).append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in timings.items()}, result


def main() -> None:
    print(
        f"survey analysis benchmark — median of {RUNS} runs, OPENBLAS_NUM_THREADS="
        f"{os.environ['OPENBLAS_NUM_THREADS']}; Python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, scipy {scipy.__version__}, statsmodels {statsmodels.__version__}"
    )
    medians, results = {}, {}
    for n in SIZES:
        medians[n], results[n] = run(n)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (other work on the machine inflates figures)")
    small, big = SIZES
    width = max(len(k) for k in medians[big])
    print(f"\n{'step':<{width}}  {f'{small:,} ms':>10}  {f'{big:,} ms':>10}  {'ratio':>6}")
    print("-" * (width + 32))
    for name in medians[big]:
        a, b = medians[small][name] * 1000, medians[big][name] * 1000
        print(f"{name:<{width}}  {a:>10.1f}  {b:>10.1f}  {b / a:>5.1f}x")
    r = results[big]
    efa = r["EFA + KMO + Bartlett"]
    drivers = r["drivers (r, rho, OLS, IPA)"]
    print(
        f"\n{big:,} answers x 30 items: index {r['index (overall/dimension/item)'].overall:.1f}; "
        f"EFA n={efa.n} (listwise), {efa.n_factors} factors (Kaiser), KMO {efa.kmo.overall:.3f}, "
        f"Bartlett chi2 {efa.bartlett.statistic:,.0f} (df {efa.bartlett.df}); "
        f"drivers R2 {drivers.r_squared:.3f}, fix first: {', '.join(drivers.fix_first) or '-'}"
    )


if __name__ == "__main__":
    main()
