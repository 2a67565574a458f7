"""Ranks among the units of a level: 1 is best, ties share a rank, units without a value have none; a unit's own
page computes its rank alone (``rank_of``), and must give what ranking everyone (``ranks``) gives."""

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from serviceloop.kpis.selectors import rank_of, ranks

HIGHER = SimpleNamespace(higher_is_better=True)
LOWER = SimpleNamespace(higher_is_better=False)


def test_ties_share_a_rank_and_units_without_a_value_have_none():
    values = {1: 90.0, 2: 95.5, 3: 90.0, 4: None, 5: 80.25}
    assert ranks(HIGHER, values) == {2: 1, 1: 2, 3: 2, 5: 4}
    assert ranks(LOWER, values) == {5: 1, 1: 2, 3: 2, 2: 4}
    assert [rank_of(HIGHER, values, u) for u in (1, 2, 3, 4, 5, 6)] == [2, 1, 2, None, 4, None]
    assert [rank_of(LOWER, values, u) for u in (1, 2, 3, 4, 5)] == [2, 4, 2, None, 1]


@given(
    st.dictionaries(
        st.integers(1, 60), st.one_of(st.none(), st.sampled_from([0.0, 12.5, 33.33, 50.0, 99.99, 100.0]))
    ),
    st.booleans(),
)
def test_one_units_rank_is_the_rank_among_everyone(values, higher):
    kpi = HIGHER if higher else LOWER
    everyone = ranks(kpi, values)
    for unit in list(values) + [0]:
        assert rank_of(kpi, values, unit) == everyone.get(unit)
