"""Satisfaction index, gaps, descriptives, reliability and segment breakdowns, checked against hand
computations, published worked examples and independent formulas. Tolerances are stated per test."""

import json
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from serviceloop.analytics.survey.synthetic import synthetic_survey
from serviceloop.analytics.survey_stats import (
    OVERALL,
    TOTAL,
    SurveySpec,
    breakdown,
    cronbach_alpha,
    describe_items,
    gap_scores,
    reliability_by_dimension,
    respondent_scores,
    response_distribution,
    satisfaction_index,
    segment_index,
    to_records,
)

EXACT = 1e-9  # for figures that are the same arithmetic done another way

# --------------------------------------------------------------------------- index


def _hand_spec(**kwargs):
    return SurveySpec(
        item_dimension={"a1": "A", "a2": "A", "b1": "B"},
        item_weights={"a1": 2.0, "a2": 1.0},
        dimension_weights={"A": 3.0, "B": 1.0},
        **kwargs,
    )


HAND_ANSWERS = pd.DataFrame(
    {"a1": [5, 3, 1], "a2": [3, 5, 2], "b1": [1, 5, 4]}, index=pd.Index([101, 102, 103], name="shop")
)


def test_it_computes_the_weighted_index_of_a_hand_worked_example():
    # Points (1..5 -> 0..100): r1 = 100, 50, 0; r2 = 50, 100, 100; r3 = 0, 25, 75.
    # A (a1 weight 2, a2 weight 1): 250/3, 200/3, 25/3 -> mean 475/9; B: 0, 100, 75 -> 175/3.
    # overall (A weight 3, B weight 1): 62.5, 75, 25 -> 162.5/3.
    res = satisfaction_index(HAND_ANSWERS, _hand_spec())
    assert res.respondents.loc[101].tolist() == pytest.approx([250 / 3, 0.0, 62.5], abs=EXACT)
    assert res.respondents.loc[103].tolist() == pytest.approx([25 / 3, 75.0, 25.0], abs=EXACT)
    assert res.dimensions.loc["A", "index"] == pytest.approx(475 / 9, abs=EXACT)
    assert res.dimensions.loc["B", "index"] == pytest.approx(175 / 3, abs=EXACT)
    assert res.overall == pytest.approx(162.5 / 3, abs=EXACT)
    assert res.items["index"].tolist() == pytest.approx([50.0, 175 / 3, 175 / 3], abs=EXACT)
    assert res.items["weight"].tolist() == pytest.approx([2 / 3, 1 / 3, 1.0], abs=EXACT)
    assert res.dimensions["weight"].tolist() == pytest.approx([0.75, 0.25], abs=EXACT)
    assert res.n == 3


def test_it_gives_the_overall_t_interval_of_the_respondent_scores():
    res = satisfaction_index(HAND_ANSWERS, _hand_spec(), confidence=0.9)
    low, high = stats.t.interval(0.9, 2, loc=162.5 / 3, scale=stats.sem([62.5, 75.0, 25.0]))
    assert res.overall_ci == pytest.approx((low, high), abs=1e-9)


def test_it_prorates_missing_items_and_drops_scores_below_the_answered_share():
    answers = pd.concat(
        [HAND_ANSWERS, pd.DataFrame({"a1": [np.nan], "a2": [5], "b1": [np.nan]}, index=pd.Index([104]))]
    )
    half = respondent_scores(answers, _hand_spec(min_answered=0.5)).loc[104]
    # A: only a2 answered (1 of 2 = the required half) -> its own 100; B unanswered; overall over A only.
    assert half["A"] == 100.0 and math.isnan(half["B"]) and half[OVERALL] == 100.0
    strict = respondent_scores(answers, _hand_spec(min_answered=0.6)).loc[104]
    assert strict.isna().all()
    res = satisfaction_index(answers, _hand_spec())
    assert res.items.loc["a1", "n"] == 3 and res.items.loc["a2", "n"] == 4
    assert res.dimensions.loc["B", "n"] == 3


def test_it_equals_the_weighted_mean_of_item_indices_when_nothing_is_missing():
    s = synthetic_survey(500, seed=3, items_per_dimension=4)
    spec = SurveySpec(
        item_dimension=s.spec.item_dimension,
        item_weights={item: 1 + (i % 3) for i, item in enumerate(s.spec.items)},
        dimension_weights={d: 1 + i for i, d in enumerate(s.spec.dimensions)},
    )
    res = satisfaction_index(s.answers, spec)
    points = (s.answers[spec.items] - 1) * 25.0  # independent rescaling, 1..5 -> 0..100
    for dim in spec.dimensions:
        items = spec.items_of(dim)
        w = np.array([spec.item_weight(i) for i in items])
        expected = float(points[items].mean().to_numpy() @ w / w.sum())
        assert res.dimensions.loc[dim, "index"] == pytest.approx(expected, abs=EXACT)
    dw = np.array([spec.dimension_weight(d) for d in spec.dimensions])
    assert res.overall == pytest.approx(float(res.dimensions["index"].to_numpy() @ dw / dw.sum()), abs=EXACT)


def test_it_maps_each_item_on_its_own_scale():
    spec = SurveySpec(item_dimension={"q5": "D", "q7": "D"}, item_scales={"q7": (1, 7)})
    answers = pd.DataFrame({"q5": [1, 5, 3], "q7": [7, 1, 4]})
    res = satisfaction_index(answers, spec)
    assert res.respondents["D"].tolist() == pytest.approx([50.0, 50.0, 50.0])
    assert res.items["index"].tolist() == pytest.approx([50.0, 50.0])


@settings(max_examples=60, deadline=None, database=None)
@given(
    data=st.data(),
    n=st.integers(1, 12),
    scale_max=st.sampled_from([5, 7]),
    weights=st.lists(st.floats(0.01, 10), min_size=4, max_size=4),
)
def test_it_keeps_every_index_between_0_and_100(data, n, scale_max, weights):
    spec = SurveySpec(
        item_dimension={"a": "X", "b": "X", "c": "Y", "d": "Y"},
        scale_max=scale_max,
        item_weights=dict(zip("abcd", weights, strict=True)),
        dimension_weights={"X": weights[0], "Y": weights[3]},
    )
    cell = st.one_of(st.integers(1, scale_max).map(float), st.just(math.nan))
    rows = data.draw(st.lists(st.lists(cell, min_size=4, max_size=4), min_size=n, max_size=n))
    answers = pd.DataFrame(rows, columns=list("abcd"))
    res = satisfaction_index(answers, spec)
    values = pd.concat([res.respondents.stack(), res.items["index"], res.dimensions["index"]]).dropna()
    assert ((values >= -EXACT) & (values <= 100 + EXACT)).all()
    if not math.isnan(res.overall):
        assert -EXACT <= res.overall <= 100 + EXACT


def test_it_scores_all_lowest_answers_0_and_all_highest_100():
    spec = _hand_spec()
    assert satisfaction_index(HAND_ANSWERS * 0 + 1, spec).overall == 0.0
    assert satisfaction_index(HAND_ANSWERS * 0 + 5, spec).overall == 100.0


def test_it_refuses_answers_outside_the_scale_naming_the_item():
    bad = HAND_ANSWERS.assign(a2=[3, 6, 2])
    with pytest.raises(ValueError, match="a2"):
        satisfaction_index(bad, _hand_spec())
    with pytest.raises(ValueError, match="b1"):
        satisfaction_index(HAND_ANSWERS.drop(columns="b1"), _hand_spec())


def test_it_refuses_a_questionnaire_with_unknown_or_negative_weights():
    with pytest.raises(ValueError, match="unknown"):
        SurveySpec(item_dimension={"a": "X"}, item_weights={"zz": 1.0})
    with pytest.raises(ValueError, match="non-negative"):
        SurveySpec(item_dimension={"a": "X"}, dimension_weights={"X": -1.0})
    with pytest.raises(ValueError, match="reserved"):
        SurveySpec(item_dimension={"a": OVERALL})


def test_it_reports_stated_importance_per_item_and_dimension():
    importance = pd.DataFrame({"a1": [5, 5, 3], "a2": [1, 1, 1], "b1": [4, 4, 4]}, index=HAND_ANSWERS.index)
    res = satisfaction_index(HAND_ANSWERS, _hand_spec(), importance=importance)
    assert res.items["importance"].tolist() == pytest.approx([250 / 3, 0.0, 75.0])
    # A per respondent: (2*100 + 0)/3, same, (2*50 + 0)/3 -> mean 500/9
    assert res.dimensions.loc["A", "importance"] == pytest.approx(500 / 9)


# --------------------------------------------------------------------------- gaps


def test_it_computes_servqual_gaps_and_tests_them_against_zero():
    spec = SurveySpec.from_dimensions({"tangibles": ["t1", "t2"], "empathy": ["e1"]}, scale_max=7)
    p = pd.DataFrame({"t1": [5, 6, 4, 7], "t2": [4, 4, 5, 6], "e1": [3, 2, 4, np.nan]})
    e = pd.DataFrame({"t1": [7, 7, 6, 7], "t2": [6, 5, 6, 6], "e1": [6, 6, 5, 5]})
    res = gap_scores(p, e, spec)
    # t1 gaps in scale points: -2, -1, -2, 0 -> mean -1.25; e1 only where P answered: -3, -4, -1.
    assert res.items.loc["t1", "gap_scale"] == pytest.approx(-1.25)
    assert res.items.loc["t1", "gap"] == pytest.approx(-1.25 * 100 / 6)
    assert res.items.loc["e1", "n"] == 3
    assert res.items.loc["e1", "gap_scale"] == pytest.approx(-8 / 3)
    assert res.items.loc["t1", "p_value"] == pytest.approx(stats.ttest_rel([5, 6, 4, 7], [7, 7, 6, 7]).pvalue)
    # tangibles per respondent = mean of its two item gaps: -2, -1, -1.5, 0 -> -1.125 scale points
    assert res.dimensions.loc["tangibles", "gap_scale"] == pytest.approx(-1.125)
    index = satisfaction_index(p, spec, expectation=e)
    assert index.items.loc["t1", "gap"] == pytest.approx(res.items.loc["t1", "gap"])
    assert index.dimensions.loc["empathy", "gap_p"] == pytest.approx(res.dimensions.loc["empathy", "p_value"])


def test_it_matches_expectation_rows_to_perception_rows_by_respondent():
    spec = SurveySpec.from_dimensions({"D": ["q"]})
    p = pd.DataFrame({"q": [5, 1]}, index=["shop_a", "shop_b"])
    e = pd.DataFrame({"q": [1, 5]}, index=["shop_b", "shop_a"])
    assert gap_scores(p, e, spec).items.loc["q", "gap_scale"] == 0.0


# --------------------------------------------------------------------------- descriptives


def test_it_describes_items_like_an_independent_computation():
    s = synthetic_survey(300, seed=5, missing_rate=0.1)
    table = describe_items(s.answers, s.spec, confidence=0.95)
    for item in ("supply_1", "delivery_3"):
        x = s.answers[item].dropna()
        row = table.loc[item]
        assert row["n"] == len(x) and row["missing"] == 300 - len(x)
        assert row["mean"] == pytest.approx(x.mean(), abs=EXACT)
        assert row["sd"] == pytest.approx(x.std(), abs=EXACT)
        assert row["median"] == x.median()
        low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), abs=1e-9)
        top = int((x >= 4).sum())
        assert row["top_box"] == pytest.approx(top / len(x))
        wl, wh = proportion_confint(top, len(x), alpha=0.05, method="wilson")
        assert (row["top_box_ci_low"], row["top_box_ci_high"]) == pytest.approx((wl, wh), abs=1e-9)
        assert row["bottom_box"] == pytest.approx((x <= 2).mean())
        assert row["index"] == pytest.approx((x.mean() - 1) * 25)


def test_it_counts_the_answer_distribution_per_item():
    s = synthetic_survey(200, seed=6, missing_rate=0.05)
    dist = response_distribution(s.answers, s.spec)
    assert dist.loc["ordering_2"].tolist() == [int((s.answers["ordering_2"] == c).sum()) for c in range(1, 6)]
    shares = response_distribution(s.answers, s.spec, share=True)
    assert shares.sum(axis=1).to_numpy() == pytest.approx(np.ones(len(s.spec.items)))


def test_it_returns_results_a_view_can_serialise():
    res = satisfaction_index(HAND_ANSWERS, _hand_spec())
    data = json.loads(json.dumps(res.as_dict()))
    assert data["overall"] == pytest.approx(162.5 / 3)
    assert data["dimensions"][0]["dimension"] == "A"
    records = to_records(res.items, index_name="item")
    assert records[0]["item"] == "a1" and isinstance(records[0]["n"], int)


# --------------------------------------------------------------------------- reliability

# Published worked example: 10 customers, 3 items, 1..3 (statology.org "How to Calculate Cronbach's
# Alpha in Python"): alpha = 0.7734375 and 95 % interval [0.336, 0.939].
STATOLOGY = pd.DataFrame(
    {
        "Q1": [1, 2, 2, 3, 2, 2, 3, 3, 2, 3],
        "Q2": [1, 1, 1, 2, 3, 3, 2, 3, 3, 3],
        "Q3": [1, 1, 2, 1, 2, 3, 3, 3, 2, 3],
    }
)


def test_it_reproduces_the_published_cronbach_alpha_example():
    res = cronbach_alpha(STATOLOGY)
    assert res.alpha == pytest.approx(0.7734375, abs=1e-12)
    assert res.ci == pytest.approx((0.336, 0.939), abs=5e-4)  # published to 3 decimals (Feldt)
    assert res.n == 10 and res.n_items == 3


def test_it_matches_the_variance_formula_in_exact_arithmetic():
    # alpha = k/(k-1) * (1 - sum of item variances / variance of the total score), by fractions.
    def var(xs):
        xs = [Fraction(x) for x in xs]
        m = sum(xs) / len(xs)
        return sum((x - m) ** 2 for x in xs) / (len(xs) - 1)

    cols = [STATOLOGY[c].tolist() for c in STATOLOGY]
    totals = [sum(row) for row in zip(*cols, strict=True)]
    k = Fraction(len(cols))
    exact = k / (k - 1) * (1 - sum(var(c) for c in cols) / var(totals))
    assert exact == Fraction(99, 128)  # = 0.7734375, the published value
    assert cronbach_alpha(STATOLOGY).alpha == pytest.approx(float(exact), abs=1e-12)


def test_it_matches_another_librarys_scale_analysis():
    # statsample (Ruby, BSD) test suite, ScaleAnalysis: alpha 0.980, standardised 0.999 (3 decimals).
    ds = pd.DataFrame(
        {
            "x1": [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 30],
            "x2": [1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 50],
            "x3": [2, 2, 1, 1, 1, 2, 2, 2, 3, 4, 5, 40],
            "x4": [1, 2, 3, 4, 4, 4, 4, 3, 4, 4, 5, 30],
        }
    )
    res = cronbach_alpha(ds)
    assert res.alpha == pytest.approx(0.980, abs=1e-3)
    assert res.standardized_alpha == pytest.approx(0.999, abs=1e-3)


def test_it_computes_item_statistics_by_their_definitions():
    s = synthetic_survey(400, seed=8)
    items = s.answers[s.spec.items_of("delivery")]
    res = cronbach_alpha(items)
    for item in items:
        rest = items.drop(columns=item)
        assert res.items.loc[item, "item_total_r"] == pytest.approx(
            items[item].corr(rest.sum(axis=1)), abs=EXACT
        )
        assert res.items.loc[item, "alpha_if_deleted"] == pytest.approx(cronbach_alpha(rest).alpha, abs=EXACT)
    # standardised alpha is the raw alpha of z-scored items
    z = (items - items.mean()) / items.std()
    assert res.standardized_alpha == pytest.approx(cronbach_alpha(z).alpha, abs=EXACT)


def test_it_drops_incomplete_respondents_listwise():
    with_gap = pd.concat([STATOLOGY, pd.DataFrame({"Q1": [3], "Q2": [np.nan], "Q3": [1]})], ignore_index=True)
    res = cronbach_alpha(with_gap)
    assert res.alpha == pytest.approx(0.7734375, abs=1e-12)
    assert (res.n, res.n_dropped) == (10, 1)


@settings(max_examples=60, deadline=None, database=None)
@given(
    rows=st.lists(st.lists(st.integers(1, 5), min_size=4, max_size=4), min_size=3, max_size=25),
    shift=st.integers(-50, 50),
    item_shifts=st.lists(st.integers(-5, 5), min_size=4, max_size=4),
)
def test_it_keeps_alpha_unchanged_when_constants_are_added(rows, shift, item_shifts):
    frame = pd.DataFrame(rows, columns=list("abcd"), dtype=float)
    base = cronbach_alpha(frame).alpha
    moved = cronbach_alpha(frame + shift).alpha
    each = cronbach_alpha(frame + np.array(item_shifts)).alpha
    if math.isnan(base):
        assert math.isnan(moved) and math.isnan(each)
    else:
        # alpha is unbounded below (items that cancel out), so the tolerance is relative there
        assert moved == pytest.approx(base, rel=1e-9, abs=1e-9)
        assert each == pytest.approx(base, rel=1e-9, abs=1e-9)


def test_it_reports_alpha_per_dimension_and_explains_a_one_item_dimension():
    s = synthetic_survey(300, seed=9, items_per_dimension=3)
    spec = SurveySpec(item_dimension={**s.spec.item_dimension, "overall_item": "single"})
    report = reliability_by_dimension(s.answers, spec)
    assert report.table.loc["supply", "alpha"] == pytest.approx(
        cronbach_alpha(s.answers[spec.items_of("supply")]).alpha
    )
    assert report.dimensions["single"] is None
    assert "two items" in report.table.loc["single", "note"]
    # a planted loading of .75 on 3 items: alpha ≈ 3·.5625/(1 + 2·.5625) ≈ .79 before categorising
    assert 0.7 < report.table.loc["supply", "alpha"] < 0.85


# --------------------------------------------------------------------------- segments


def test_it_breaks_the_index_down_by_segment_flagging_small_groups():
    s = synthetic_survey(1000, seed=10)
    answers = s.answers.copy()
    answers.loc[answers.index[:5], "market_type"] = None
    table = segment_index(answers, s.spec, "branch", min_n=30)
    scores = respondent_scores(answers, s.spec)
    expected = scores.groupby(answers["branch"]).mean()
    for branch, row in expected.iterrows():
        assert table.loc[branch, OVERALL] == pytest.approx(row[OVERALL], abs=EXACT)
        assert table.loc[branch, "delivery"] == pytest.approx(row["delivery"], abs=EXACT)
    tiny = table.loc["branch_08"]
    assert tiny["n"] < 30 and bool(tiny["small"])  # flagged, not hidden
    assert table.loc[TOTAL, OVERALL] == pytest.approx(satisfaction_index(answers, s.spec).overall)
    assert table.loc[TOTAL, "n"] == 1000
    by_market = segment_index(answers, s.spec, "market_type")
    assert by_market["n"].drop(TOTAL).sum() == 1000
    assert by_market.index.isna().sum() == 1 and by_market[by_market.index.isna()]["n"].iloc[0] == 5


def test_it_applies_any_analysis_per_segment_and_keeps_failed_groups():
    s = synthetic_survey(600, seed=11)
    items = s.spec.items_of("ordering")
    result = breakdown(s.answers, "branch", lambda g: cronbach_alpha(g[items]).alpha, min_n=30)
    assert result.results["branch_01"] == pytest.approx(
        cronbach_alpha(s.answers.loc[s.answers["branch"] == "branch_01", items]).alpha
    )
    groups = result.groups
    assert groups["n"].sum() == 600
    assert groups.loc[groups["n"] < 30, "small"].all()
    assert result.total == pytest.approx(cronbach_alpha(s.answers[items]).alpha)
    # a one-shop segment cannot have an alpha: its row stays, with the reason
    lonely = s.answers.assign(branch=["solo", *s.answers["branch"].iloc[1:]])
    result = breakdown(lonely, "branch", lambda g: cronbach_alpha(g[items]).alpha)
    assert result.results["solo"] is None
    assert result.groups.loc["solo", "n"] == 1 and bool(result.groups.loc["solo", "small"])
    assert "respondents" in result.groups.loc["solo", "error"]
