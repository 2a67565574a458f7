"""Weekly demand forecasts for many shop × product series at once (restock advice, R28).

Pure NumPy — no Django. Every function takes a 2-D array ``y`` of shape (series, weeks) — one row per
shop × product, one column per ISO week, oldest first, cartons ordered in that week (0 when none) — and
works on all rows at once: the loops run over weeks (a few hundred at most), never over series, so a whole
city's chunk of shops costs a few dozen array operations per week.

Methods
-------
``seasonal_naive``  the baseline: the same week a year (52 weeks) ago; with less than a year of history it
                    falls back to the naive forecast (the last week).
``ses``             simple exponential smoothing, for smooth series.
``croston`` / ``sba`` / ``tsb``  for intermittent series (most shop × product series order some weeks only):
                    Croston (1972); SBA, Syntetos–Boylan's bias correction (1 − α/2); TSB (Teunter, Syntetos,
                    Babai 2011), which updates the demand probability every week and so decays for a product
                    the shop stopped ordering.
``backtest_select`` a rolling-origin backtest that picks, per series, the method with the smallest mean
                    absolute error over the last few origins (smooth series choose among SES and the baseline,
                    intermittent ones among Croston, SBA, TSB and the baseline: the Syntetos–Boylan
                    ADI ≥ 1.32 rule says which).
``mase``            mean absolute scaled error against the seasonal naive in-sample error.

Lunar calendar
--------------
Tobacco sales rise sharply in the weeks before 春节 (gifts, stocking up), drop in the holiday week and after
it, and rise around 中秋 / 国庆. 春节 and 中秋 move by up to a month in the Gregorian calendar, so a
52-week season misplaces them. ``festival_classes`` gives each week a class (normal, before 春节, the 春节 week,
after 春节, 中秋/国庆); ``estimate_multipliers`` measures the ratio of each class to normal weeks on a
series (the caller passes an aggregate — the city's or a price class's total — where the class appears in
enough volume); the forecasts are then made on deseasonalised data and multiplied back for the target
week's class. The dates come from a table (no network, no lunar-conversion library needed), tested
against ``chinesecalendar``'s public holidays for the years it covers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

SEASON = 52  # weeks in a "year" for the seasonal naive baseline
ADI_INTERMITTENT = 1.32  # Syntetos–Boylan cut-off on the average inter-demand interval

# Gregorian dates of 春节 (the first day of the first lunar month) and 中秋 (the 15th of the eighth), 2015–2035.
# Hard-coded from the published Chinese calendar (紫金山天文台 tables) so that no network or lunar library
# is needed; test_forecast checks them against chinesecalendar's holidays (to 2026) and against the lunar
# month lengths for the rest (中秋 → next 春节 is 4½ lunar months, 5½ in a year with a leap month after the 8th).
SPRING_FESTIVAL = {
    2015: dt.date(2015, 2, 19), 2016: dt.date(2016, 2, 8), 2017: dt.date(2017, 1, 28),
    2018: dt.date(2018, 2, 16), 2019: dt.date(2019, 2, 5), 2020: dt.date(2020, 1, 25),
    2021: dt.date(2021, 2, 12), 2022: dt.date(2022, 2, 1), 2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10), 2025: dt.date(2025, 1, 29), 2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6), 2028: dt.date(2028, 1, 26), 2029: dt.date(2029, 2, 13),
    2030: dt.date(2030, 2, 3), 2031: dt.date(2031, 1, 23), 2032: dt.date(2032, 2, 11),
    2033: dt.date(2033, 1, 31), 2034: dt.date(2034, 2, 19), 2035: dt.date(2035, 2, 8),
}  # fmt: skip
MID_AUTUMN = {
    2015: dt.date(2015, 9, 27), 2016: dt.date(2016, 9, 15), 2017: dt.date(2017, 10, 4),
    2018: dt.date(2018, 9, 24), 2019: dt.date(2019, 9, 13), 2020: dt.date(2020, 10, 1),
    2021: dt.date(2021, 9, 21), 2022: dt.date(2022, 9, 10), 2023: dt.date(2023, 9, 29),
    2024: dt.date(2024, 9, 17), 2025: dt.date(2025, 10, 6), 2026: dt.date(2026, 9, 25),
    2027: dt.date(2027, 9, 15), 2028: dt.date(2028, 10, 3), 2029: dt.date(2029, 9, 22),
    2030: dt.date(2030, 9, 12), 2031: dt.date(2031, 10, 1), 2032: dt.date(2032, 9, 19),
    2033: dt.date(2033, 9, 8), 2034: dt.date(2034, 9, 27), 2035: dt.date(2035, 9, 16),
}  # fmt: skip

# Week classes (index into a multiplier array).
NORMAL, BEFORE_SPRING, SPRING_WEEK, AFTER_SPRING, AUTUMN = range(5)
N_CLASSES = 5
CLASS_NAMES = ("normal", "before_spring", "spring_week", "after_spring", "autumn")

METHODS = ("seasonal_naive", "ses", "croston", "sba", "tsb")
SNAIVE, SES, CROSTON, SBA, TSB = range(5)
SMOOTH_CANDIDATES = (SNAIVE, SES)
INTERMITTENT_CANDIDATES = (SNAIVE, CROSTON, SBA, TSB)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def festival_class(monday: dt.date) -> int:
    """The class of the ISO week starting on ``monday``.

    Before 春节: the three weeks before the week holding 春节 (shops stock up); the 春节 week; after 春节: the
    two weeks after it (shops sell from stock, many close); 中秋/国庆: the two weeks before the week holding 中秋,
    that week, and the week holding 1 October (gift buying runs from mid-September into the holiday).
    """
    monday = _monday(monday)
    for year in (monday.year - 1, monday.year, monday.year + 1):
        spring = SPRING_FESTIVAL.get(year)
        if spring is not None:
            weeks = (_monday(spring) - monday).days // 7  # > 0: before, 0: the week, < 0: after
            if 1 <= weeks <= 3:
                return BEFORE_SPRING
            if weeks == 0:
                return SPRING_WEEK
            if -2 <= weeks <= -1:
                return AFTER_SPRING
    autumn = MID_AUTUMN.get(monday.year)
    if autumn is not None:
        weeks = (_monday(autumn) - monday).days // 7
        if 0 <= weeks <= 2 or monday == _monday(dt.date(monday.year, 10, 1)):
            return AUTUMN
    return NORMAL


def festival_classes(mondays: Sequence[dt.date]) -> np.ndarray:
    return np.fromiter((festival_class(m) for m in mondays), dtype=np.int8, count=len(mondays))


def estimate_multipliers(total: np.ndarray, classes: np.ndarray, *, floor: float = 0.2) -> np.ndarray:
    """Ratio of each week class's mean to the normal weeks' mean, on one aggregate series.

    A class absent from the history (or with no normal weeks to compare) keeps 1.0; ratios are kept within
    [floor, 1/floor] so that one odd week cannot make a forecast explode.
    """
    total = np.asarray(total, dtype=float)
    classes = np.asarray(classes)
    m = np.ones(N_CLASSES)
    normal = total[classes == NORMAL]
    base = normal.mean() if normal.size else 0.0
    if base <= 0:
        return m
    for c in range(1, N_CLASSES):
        values = total[classes == c]
        if values.size:
            m[c] = float(np.clip(values.mean() / base, floor, 1 / floor))
    return m


# --- the methods: each returns the flat (per-week) level for every series; h-step forecasts repeat it ----


def _as2d(y) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    return y[None, :] if y.ndim == 1 else y


def seasonal_naive(y, h: int = 1, *, season: int = SEASON) -> np.ndarray:
    """Forecasts for the next ``h`` weeks: the value ``season`` weeks earlier (naive: the last value, when the
    history is shorter than a season)."""
    y = _as2d(y)
    n, t = y.shape
    if t == 0:
        return np.zeros((n, h))
    if t < season:
        return np.repeat(y[:, -1:], h, axis=1)
    idx = t - season + (np.arange(h) % season)
    return y[:, idx]


# The paths run in week-major layout — (weeks, series), each week's values contiguous — because the loops go
# week by week: on the (series, weeks) layout every y[:, k] and out[:, k] touched one cache line per series
# (profiled: 2.6 s of 7.9 s in method_paths on 20,000 series × 104 weeks). Every operation is element by
# element, so the floats are the same in either layout (the reductions that are not — TSB's start — are
# taken on the (series, weeks) layout as before).


def _zeros(out, t: int, n: int) -> np.ndarray:
    """A zeroed (t + 1, n) array: ``out`` (a slice of method_paths' result, written in place) or a new one."""
    if out is None:
        return np.zeros((t + 1, n))
    out[...] = 0.0
    return out


def _ses_t(x: np.ndarray, alpha: float = 0.2, out=None, keep_from: int = 0) -> np.ndarray:
    t, n = x.shape
    out = _zeros(out, t - keep_from, n)
    if t == 0:
        return out
    level = x[0].copy()
    if keep_from <= 1:
        out[1 - keep_from] = level
    for k in range(1, t):
        level += alpha * (x[k] - level)
        if k + 1 >= keep_from:
            out[k + 1 - keep_from] = level
    return out


def _ses_path(y, alpha: float = 0.2) -> np.ndarray:
    """One-step forecasts at every origin: column o is the forecast for week o made from weeks < o (column 0
    has no history: 0). Level started at the first value."""
    return _ses_t(np.ascontiguousarray(y.T), alpha).T


def _croston_t(x: np.ndarray, alpha: float = 0.1, out=None, keep_from: int = 0) -> np.ndarray:
    """Croston's size z and interval p, updated at demand weeks only, with masked in-place ufuncs rather than
    boolean fancy indexing (which copied every masked subset each week): the same arithmetic, element by
    element, so the same floats (checked bitwise against the earlier code)."""
    t, n = x.shape
    out = _zeros(out, t - keep_from, n)
    z = np.zeros(n)  # 0 / 1 = 0 until the first demand
    p = np.ones(n)
    seen = np.zeros(n, dtype=bool)
    q = np.ones(n)  # weeks since the last demand (counting this one)
    first = np.empty(n, dtype=bool)
    upd = np.empty(n, dtype=bool)
    nz = np.empty(n, dtype=bool)
    step = np.empty(n)
    for k in range(t):
        d = x[k]
        np.greater(d, 0, out=nz)
        np.greater(nz, seen, out=first)  # nz and not seen
        np.logical_and(nz, seen, out=upd)
        np.copyto(z, d, where=first)
        np.copyto(p, q, where=first)
        np.subtract(d, z, out=step)
        step *= alpha
        np.add(z, step, out=z, where=upd)
        np.subtract(q, p, out=step)
        step *= alpha
        np.add(p, step, out=p, where=upd)
        seen |= nz
        q += 1.0
        np.copyto(q, 1.0, where=nz)
        if k + 1 >= keep_from:
            np.divide(z, p, out=out[k + 1 - keep_from])
    return out


def _croston_path(y, alpha: float = 0.1) -> np.ndarray:
    return _croston_t(np.ascontiguousarray(y.T), alpha).T


TSB_INIT_WEEKS = 13  # TSB's starting probability and size: the first quarter of the history


def _tsb_start(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """TSB's starting probability and size from the first quarter, on the (series, weeks) layout."""
    start = y[:, :TSB_INIT_WEEKS]
    nz_start = start > 0
    count = nz_start.sum(axis=1)
    p = count / start.shape[1]
    z = np.where(count > 0, np.where(nz_start, start, 0).sum(axis=1) / np.maximum(count, 1), 0.0)
    return p, z


def _tsb_t(
    x: np.ndarray,
    p: np.ndarray,
    z: np.ndarray,
    alpha: float = 0.1,
    beta: float = 0.1,
    out=None,
    keep_from: int = 0,
) -> np.ndarray:
    t, n = x.shape
    out = _zeros(out, t - keep_from, n)
    p, z = p.copy(), z.copy()
    nz = np.empty(n, dtype=bool)
    step = np.empty(n)
    for k in range(t):
        d = x[k]
        np.greater(d, 0, out=nz)
        p += beta * (nz - p)
        np.subtract(d, z, out=step)
        step *= alpha
        np.add(z, step, out=z, where=nz)
        if k + 1 >= keep_from:
            np.multiply(p, z, out=out[k + 1 - keep_from])
    return out


def _tsb_path(y, alpha: float = 0.1, beta: float = 0.1) -> np.ndarray:
    n, t = y.shape
    if t == 0:
        return np.zeros((n, 1))
    p, z = _tsb_start(y)
    return _tsb_t(np.ascontiguousarray(y.T), p, z, alpha, beta).T


def _snaive_t(y: np.ndarray, season: int = SEASON, out=None, keep_from: int = 0) -> np.ndarray:
    t, n = y.shape
    out = _zeros(out, t - keep_from, n)
    if t == 0:
        return out
    if keep_from:  # origins keep_from..t only: week o − season, or o − 1 before a season of history
        o = np.arange(max(keep_from, 1), t + 1)
        out[o - keep_from] = y[np.where(o >= season, o - season, o - 1)]
        return out
    out[1 : min(season, t + 1)] = y[: min(season, t + 1) - 1]
    if t >= season:
        out[season:] = y[: t + 1 - season]
    return out


def _snaive_path(y, season: int = SEASON) -> np.ndarray:
    """Column o: the value of week o − season when o ≥ season, else of week o − 1 (naive)."""
    return _snaive_t(np.ascontiguousarray(y.T), season).T


def ses(y, h: int = 1, *, alpha: float = 0.2) -> np.ndarray:
    """Simple exponential smoothing, level started at the first value."""
    return np.repeat(_ses_path(_as2d(y), alpha)[:, -1:], h, axis=1)


def croston(y, h: int = 1, *, alpha: float = 0.1, sba: bool = False) -> np.ndarray:
    """Croston's method: demand size ``z`` and interval ``p`` smoothed at demand weeks only; forecast z/p.

    Started at the first demand (z = its size, p = weeks up to and including it). A series with no demand
    forecasts 0. ``sba`` applies the Syntetos–Boylan approximation's factor (1 − α/2).
    """
    f = _croston_path(_as2d(y), alpha)[:, -1:]
    return np.repeat(f * (1 - alpha / 2) if sba else f, h, axis=1)


def sba(y, h: int = 1, *, alpha: float = 0.1) -> np.ndarray:
    return croston(y, h, alpha=alpha, sba=True)


def tsb(y, h: int = 1, *, alpha: float = 0.1, beta: float = 0.1) -> np.ndarray:
    """Teunter–Syntetos–Babai: demand probability ``p`` smoothed every week (β), size ``z`` at demand weeks
    (α); forecast p·z. Started at the share of demand weeks and the mean non-zero demand of the first
    quarter (13 weeks) of the history."""
    return np.repeat(_tsb_path(_as2d(y), alpha, beta)[:, -1:], h, axis=1)


def intermittent(y) -> np.ndarray:
    """True for series whose average inter-demand interval (weeks / demand weeks) is ≥ 1.32."""
    y = _as2d(y)
    count = (y > 0).sum(axis=1)
    return np.where(count > 0, y.shape[1] / np.maximum(count, 1), np.inf) >= ADI_INTERMITTENT


def _factors(t: int, classes, multipliers) -> np.ndarray | None:
    """Multiplier of every week 0..t (the history and the next one); the last class repeats if short."""
    if classes is None or multipliers is None:
        return None
    classes = np.asarray(classes)
    if len(classes) < t + 1:
        classes = np.concatenate([classes, np.repeat(classes[-1:], t + 1 - len(classes))])
    return np.asarray(multipliers, dtype=float)[classes[: t + 1]]


def method_paths(
    y, *, classes=None, multipliers=None, season: int = SEASON, tail: int | None = None
) -> np.ndarray:
    """One-step forecasts of every method at every origin, one pass over the weeks per method:
    shape (methods, series, T + 1); [m, :, o] is method m's forecast for week o from weeks < o, and
    [m, :, T] the forecast for the next week. With ``classes`` (the weeks' festival classes, T + 1 long) and
    ``multipliers``, the smoothing methods run on the deseasonalised history and are multiplied back by the
    target week's factor; the seasonal naive baseline stays raw.

    ``tail``: only the last ``tail`` origins are kept (shape (methods, series, tail); column j is origin
    T + 1 − tail + j) — all ``forecast`` needs (the backtest's origins and the next week). The recursions
    still run over every week with the same operations, so the kept floats are the same; what is saved is
    writing (and paging in) five (T + 1) × series arrays of which the job read 7 columns (profiled on the
    city bench: 80,000 series × 105 origins × 5 methods = 336 MB a group)."""
    y = _as2d(y)
    n, t = y.shape
    first = 0 if tail is None else max(0, t + 1 - tail)
    m = _factors(t, classes, multipliers)
    yt = np.ascontiguousarray(y.T)
    xt = yt if m is None else yt / m[:t, None]  # y / m, week-major (the same quotients)
    out = np.empty((len(METHODS), t + 1 - first, n))
    _snaive_t(yt, season, out=out[SNAIVE], keep_from=first)
    _ses_t(xt, out=out[SES], keep_from=first)
    _croston_t(xt, out=out[CROSTON], keep_from=first)
    np.multiply(out[CROSTON], 1 - 0.1 / 2, out=out[SBA])
    if t:
        head = y[:, :TSB_INIT_WEEKS]
        _tsb_t(
            xt, *_tsb_start(head if m is None else head / m[: head.shape[1]]), out=out[TSB], keep_from=first
        )
    else:
        out[TSB] = 0.0
    if m is not None:
        out[1:] *= m[first:, None]
    return out.transpose(0, 2, 1)  # (methods, series, T + 1 − first), a view


def method_forecast(
    method: int, y, h: int = 1, *, classes=None, multipliers=None, season: int = SEASON
) -> np.ndarray:
    """One method for every series, ``h`` weeks ahead (the smoothing methods are flat; each target week gets
    its festival factor when ``classes`` covers T + h weeks)."""
    y = _as2d(y)
    t = y.shape[1]
    if method == SNAIVE:
        return seasonal_naive(y, h, season=season)
    funcs = {SES: ses, CROSTON: croston, SBA: sba, TSB: tsb}
    if classes is None or multipliers is None:
        return funcs[method](y, h)
    m = np.asarray(multipliers, dtype=float)[np.asarray(classes)]
    return funcs[method](y / m[:t], h) * m[t : t + h]


def backtest_errors(
    y,
    *,
    h: int = 1,
    origins: int = 6,
    classes=None,
    multipliers=None,
    season: int = SEASON,
    paths=None,
    paths_from: int = 0,
) -> np.ndarray:
    """Mean absolute error of every method on a rolling origin: forecasts made at each of the last
    ``origins`` origins, ``h`` weeks ahead. Shape (series, methods). For h = 1 the one-pass paths are used
    (``paths_from``: the origin of the first column of ``paths``, when only a tail of them was kept)."""
    y = _as2d(y)
    n, t = y.shape
    lo = max(1, t - origins - h + 1)
    if h == 1:
        if paths is None:
            paths = method_paths(y, classes=classes, multipliers=multipliers, season=season)
        if lo >= t:
            return np.zeros((n, len(METHODS)))
        # a C-ordered copy of the few origins (paths is a week-major view): the mean runs as it always did
        kept = paths[:, :, lo - paths_from : t - paths_from]
        return np.abs(y[None, :, lo:t] - np.ascontiguousarray(kept)).mean(axis=2).T
    errors = np.zeros((n, len(METHODS)))
    used = 0
    for o in range(lo, t - h + 1):
        actual = y[:, o : o + h]
        cls = None if classes is None else np.asarray(classes)[: o + h]
        for method in range(len(METHODS)):
            f = method_forecast(method, y[:, :o], h, classes=cls, multipliers=multipliers, season=season)
            errors[:, method] += np.abs(actual - f).mean(axis=1)
        used += 1
    return errors / max(used, 1)


def _choose(y, errors, h) -> np.ndarray:
    allowed = np.zeros_like(errors, dtype=bool)
    inter = intermittent(y)
    allowed[np.ix_(inter, list(INTERMITTENT_CANDIDATES))] = True
    allowed[np.ix_(~inter, list(SMOOTH_CANDIDATES))] = True
    choice = np.argmin(np.where(allowed, errors, np.inf), axis=1)
    if y.shape[1] <= h + 1:
        choice[:] = SNAIVE
    return choice


def backtest_select(
    y, *, h: int = 1, origins: int = 6, classes=None, multipliers=None, season: int = SEASON
) -> np.ndarray:
    """The chosen method per series: the smallest backtest error among the candidates its kind allows
    (ties go to the simpler one, in METHODS order). Series with too little history keep the baseline."""
    y = _as2d(y)
    errors = backtest_errors(y, h=h, origins=origins, classes=classes, multipliers=multipliers, season=season)
    return _choose(y, errors, h)


def forecast(
    y, *, h: int = 1, origins: int = 6, classes=None, multipliers=None, season: int = SEASON
) -> tuple[np.ndarray, np.ndarray]:
    """Forecasts (series, h) by the method each series' backtest chose, and the choice per series.
    ``classes`` covers the history and the ``h`` target weeks. Never negative."""
    y = _as2d(y)
    n = y.shape[0]
    if h == 1:
        paths = method_paths(y, classes=classes, multipliers=multipliers, season=season, tail=origins + 1)
        first = y.shape[1] + 1 - paths.shape[2]
        errors = backtest_errors(y, origins=origins, paths=paths, paths_from=first)
        choice = _choose(y, errors, h)
        return np.maximum(paths[choice, np.arange(n), -1][:, None], 0.0), choice
    choice = backtest_select(y, h=h, origins=origins, classes=classes, multipliers=multipliers, season=season)
    out = np.zeros((n, h))
    for method in np.unique(choice):
        rows = choice == method
        out[rows] = method_forecast(
            int(method), y[rows], h, classes=classes, multipliers=multipliers, season=season
        )
    return np.maximum(out, 0.0), choice


def mase_scale(y, *, season: int = SEASON) -> np.ndarray:
    """In-sample mean absolute error of the seasonal naive forecast (lag 1 when the history is shorter than
    a season and a week). NaN where it is 0 (a constant or empty series)."""
    y = _as2d(y)
    lag = season if y.shape[1] > season else 1
    if y.shape[1] <= lag:
        return np.full(y.shape[0], np.nan)
    scale = np.abs(y[:, lag:] - y[:, :-lag]).mean(axis=1)
    return np.where(scale > 0, scale, np.nan)


def mase(actual, predicted, insample, *, season: int = SEASON) -> np.ndarray:
    """Mean absolute scaled error per series (Hyndman & Koehler 2006): the out-of-sample MAE divided by the
    in-sample MAE of the seasonal naive forecast. NaN for series whose scale is 0."""
    actual, predicted = _as2d(actual), _as2d(predicted)
    return np.abs(actual - predicted).mean(axis=1) / mase_scale(insample, season=season)
