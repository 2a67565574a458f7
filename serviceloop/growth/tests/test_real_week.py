"""The real week end to end against the real archive: every product, regions mapped, stored, re-run."""

import pytest

from serviceloop.growth.services import allocationrun_create, allocationrun_rerun, same_answer

from .conftest import NOW, REAL_SHEET

pytestmark = pytest.mark.django_db


def test_it_allocates_the_real_week_exactly_and_reruns_to_the_same_answer(real_archive):
    run = allocationrun_create(
        content=REAL_SHEET.read_bytes(), filename=REAL_SHEET.name, actor=real_archive, now=NOW
    )
    products = list(run.products.all())
    assert len(products) == 86
    handled = [p for p in products if p.handled]
    assert len(handled) == 49
    by_type = {}
    for p in handled:
        by_type.setdefault(p.method, []).append(abs(p.error))
    print({k: (len(v), sum(v)) for k, v in by_type.items()})
    # per-shop rows add up to every product's allocated total
    for p in handled[:10]:
        assert sum(p.shops.values_list("quantity", flat=True)) == p.allocated
    again = allocationrun_rerun(run=run, actor=real_archive, now=NOW)
    assert same_answer(run, again)
