"""Forecast functions against values worked out by hand on small series."""

import datetime as dt

import chinese_calendar
import numpy as np
import pytest

from serviceloop.analytics import forecast as fc


def test_seasonal_naive_takes_the_week_a_year_ago_and_falls_back_to_naive():
    y = np.arange(1, 61, dtype=float)[None, :]  # 60 weeks: 1..60
    # next 3 weeks: weeks 61, 62, 63 → a year earlier: weeks 9, 10, 11
    assert fc.seasonal_naive(y, 3).tolist() == [[9.0, 10.0, 11.0]]
    short = np.array([[4.0, 0.0, 7.0]])
    assert fc.seasonal_naive(short, 2).tolist() == [[7.0, 7.0]]
    assert fc.seasonal_naive(np.array([[1.0, 2.0, 3.0, 4.0]]), 3, season=2).tolist() == [[3.0, 4.0, 3.0]]


def test_ses_by_hand():
    # level 2 → 2 + .5·(4−2) = 3 → 3 + .5·(6−3) = 4.5
    assert fc.ses(np.array([[2.0, 4.0, 6.0]]), 2, alpha=0.5).tolist() == [[4.5, 4.5]]


def test_croston_and_sba_by_hand():
    y = np.array([[0.0, 3.0, 0.0, 0.0, 6.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    # first demand at week 2: z=3, p=2; next after 3 weeks: z=3+.5·3=4.5, p=2+.5·(3−2)=2.5 → 1.8
    assert fc.croston(y, 1, alpha=0.5)[:, 0] == pytest.approx([1.8, 0.0])
    assert fc.sba(y, 1, alpha=0.5)[:, 0] == pytest.approx([1.8 * 0.75, 0.0])


def test_tsb_by_hand():
    # p0 = 2/5 = .4, z0 = (3+6)/2 = 4.5; β=α=.5:
    # p: .2, .6, .3, .15, .575; z: 4.5, 3.75, 3.75, 3.75, 4.875 → .575 · 4.875
    y = np.array([[0.0, 3.0, 0.0, 0.0, 6.0]])
    assert fc.tsb(y, 1, alpha=0.5, beta=0.5)[0, 0] == pytest.approx(0.575 * 4.875)


def test_tsb_decays_for_a_product_no_longer_ordered_where_croston_does_not():
    y = np.array([[5.0] * 10 + [0.0] * 20])
    assert fc.tsb(y)[0, 0] < 1.0
    assert fc.croston(y)[0, 0] == pytest.approx(5.0)


def test_methods_are_vectorised_row_by_row():
    rng = np.random.default_rng(1)
    y = rng.poisson(1.0, size=(7, 40)).astype(float)
    for method in range(len(fc.METHODS)):
        together = fc.method_forecast(method, y, 2)
        alone = np.vstack([fc.method_forecast(method, y[i : i + 1], 2) for i in range(len(y))])
        assert together == pytest.approx(alone)


def test_intermittent_by_adi():
    y = np.array([[1.0, 1.0, 1.0, 1.0], [1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    assert fc.intermittent(y).tolist() == [False, True, True]


def test_mase_by_hand():
    insample = np.array([[1.0, 3.0, 2.0, 4.0]])  # lag-1 errors 2, 1, 2 → scale 5/3
    assert fc.mase(np.array([[5.0, 5.0]]), np.array([[4.0, 3.0]]), insample) == pytest.approx([1.5 / (5 / 3)])
    assert np.isnan(fc.mase(np.array([[1.0]]), np.array([[1.0]]), np.array([[2.0, 2.0, 2.0]])))[0]
    # with more than a season, the scale is the seasonal naive's error
    ins = np.array([[1.0, 2.0, 3.0, 5.0, 7.0]])  # season 2: |3−1|, |5−2|, |7−3| → 3
    assert fc.mase_scale(ins, season=2) == pytest.approx([3.0])


def test_backtest_picks_ses_for_a_smooth_level_and_an_intermittent_method_for_sparse_series():
    rng = np.random.default_rng(7)
    smooth = 10 + rng.normal(0, 1, 60)
    sparse = np.where(rng.random(60) < 0.3, 4.0, 0.0)
    choice = fc.backtest_select(np.vstack([smooth, sparse]), origins=8)
    assert fc.METHODS[choice[0]] == "ses"  # a noisy level: smoothing beats last week's value
    assert fc.METHODS[choice[1]] in ("croston", "sba", "tsb")


def test_backtest_errors_by_hand():
    # one origin (week 3 of 4), h=1: naive says 2, actual 4 → error 2; SES (α=.2) on [0,1,2]: 0→.2→.56
    y = np.array([[0.0, 1.0, 2.0, 4.0]])
    errors = fc.backtest_errors(y, origins=1)
    assert errors[0, fc.SNAIVE] == pytest.approx(2.0)
    assert errors[0, fc.SES] == pytest.approx(4 - 0.56)


def test_forecast_uses_the_festival_multiplier_of_the_target_week():
    y = np.full((2, 20), 10.0)
    classes = np.zeros(21, dtype=int)
    classes[20] = fc.BEFORE_SPRING
    m = np.ones(fc.N_CLASSES)
    m[fc.BEFORE_SPRING] = 1.5
    for method in (fc.SES, fc.CROSTON, fc.TSB):
        assert fc.method_forecast(method, y, 1, classes=classes, multipliers=m)[:, 0] == pytest.approx(
            [15.0, 15.0]
        )
    out, _ = fc.forecast(y, classes=classes, multipliers=m)
    assert out.shape == (2, 1) and (out >= 0).all()


def test_estimate_multipliers():
    total = np.array([10.0, 10.0, 20.0, 5.0, 10.0])
    classes = np.array([0, 0, fc.BEFORE_SPRING, fc.AFTER_SPRING, 0])
    m = fc.estimate_multipliers(total, classes)
    assert m[fc.BEFORE_SPRING] == pytest.approx(2.0)
    assert m[fc.AFTER_SPRING] == pytest.approx(0.5)
    assert m[fc.AUTUMN] == 1.0 and m[fc.NORMAL] == 1.0


# --- lunar dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", range(2015, 2027))
def test_festival_table_matches_chinesecalendar_holidays(year):
    spring = fc.SPRING_FESTIVAL[year]
    on_holiday, name = chinese_calendar.get_holiday_detail(spring)
    assert on_holiday and name == chinese_calendar.Holiday.spring_festival.value
    autumn = fc.MID_AUTUMN[year]
    on_holiday, name = chinese_calendar.get_holiday_detail(autumn)
    assert on_holiday
    assert name in (
        chinese_calendar.Holiday.mid_autumn_festival.value,
        chinese_calendar.Holiday.national_day.value,
    )


def test_festival_table_known_dates_and_lunar_month_lengths():
    assert fc.SPRING_FESTIVAL[2024] == dt.date(2024, 2, 10)  # 甲辰年正月初一
    assert fc.MID_AUTUMN[2023] == dt.date(2023, 9, 29)  # 中秋与国庆相连
    assert fc.SPRING_FESTIVAL[2033] == dt.date(2033, 1, 31)
    for year in range(2015, 2036):
        spring, autumn = fc.SPRING_FESTIVAL[year], fc.MID_AUTUMN[year]
        assert dt.date(year, 1, 21) <= spring <= dt.date(year, 2, 20)
        assert dt.date(year, 9, 7) <= autumn <= dt.date(year, 10, 8)
        # 正月初一 → 八月十五: 7 lunar months + 14 days (one more month when a leap month falls in between)
        assert (autumn - spring).days in range(219, 225) or (autumn - spring).days in range(248, 255)
        if year < 2035:
            # 八月十五 → next 正月初一: 4 months + 15 days, or 5 + 15 with a leap month (2033's 闰十一月)
            gap = (fc.SPRING_FESTIVAL[year + 1] - autumn).days
            assert gap in range(131, 137) or (year == 2033 and gap in range(160, 167)), (year, gap)


def test_festival_classes_move_with_the_lunar_date():
    # 2025: 春节 Wed 29 Jan (week of Mon 27 Jan); 2026: 春节 Tue 17 Feb (week of Mon 16 Feb)
    assert fc.festival_class(dt.date(2025, 1, 20)) == fc.BEFORE_SPRING
    assert fc.festival_class(dt.date(2025, 1, 6)) == fc.BEFORE_SPRING
    assert fc.festival_class(dt.date(2024, 12, 30)) == fc.NORMAL
    assert fc.festival_class(dt.date(2025, 1, 27)) == fc.SPRING_WEEK
    assert fc.festival_class(dt.date(2025, 2, 3)) == fc.AFTER_SPRING
    assert fc.festival_class(dt.date(2026, 1, 26)) == fc.BEFORE_SPRING
    assert fc.festival_class(dt.date(2026, 2, 16)) == fc.SPRING_WEEK
    # 2026 中秋 Fri 25 Sep: weeks of 7, 14, 21 Sep, and 国庆's week (28 Sep holds 1 Oct)
    assert [fc.festival_class(dt.date(2026, 9, d)) for d in (7, 14, 21, 28)] == [fc.AUTUMN] * 4
    assert fc.festival_class(dt.date(2026, 8, 31)) == fc.NORMAL
    assert fc.festival_class(dt.date(2026, 10, 5)) == fc.NORMAL
    assert fc.festival_classes([dt.date(2026, 7, 6), dt.date(2026, 2, 9)]).tolist() == [0, fc.BEFORE_SPRING]


def test_one_pass_paths_equal_forecasts_from_each_truncated_history():
    rng = np.random.default_rng(3)
    y = rng.poisson(0.8, size=(5, 30)).astype(float)
    classes = rng.integers(0, fc.N_CLASSES, 31)
    m = np.array([1.0, 1.4, 1.2, 0.7, 1.1])
    paths = fc.method_paths(y, classes=classes, multipliers=m, season=12)
    for o in (14, 20, 29, 30):  # TSB starts from the first 13 weeks: origins after them agree exactly
        for method in range(len(fc.METHODS)):
            direct = fc.method_forecast(
                method, y[:, :o], 1, classes=classes[: o + 1], multipliers=m, season=12
            )
            assert paths[method, :, o] == pytest.approx(direct[:, 0]), (fc.METHODS[method], o)
    # the h=1 backtest through paths equals the origin-by-origin loop (h=2 path kept for comparison)
    loop = np.zeros((5, len(fc.METHODS)))
    for o in range(24, 30):
        for method in range(len(fc.METHODS)):
            f = fc.method_forecast(method, y[:, :o], 1, classes=classes[: o + 1], multipliers=m, season=12)
            loop[:, method] += np.abs(y[:, o] - f[:, 0]) / 6
    fast = fc.backtest_errors(y, origins=6, classes=classes, multipliers=m, season=12)
    assert fast == pytest.approx(loop)
