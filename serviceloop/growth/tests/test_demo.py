import datetime as dt

import pytest
from django.utils import timezone

from serviceloop.growth.models import AllocationRun, ShopAllocation

pytestmark = pytest.mark.django_db


def test_it_builds_a_demo_week_and_a_points_run_with_the_demo_city():
    from serviceloop.core.demo import demo_build

    demo_build(customers=300, seed=3, now=timezone.make_aware(dt.datetime(2025, 9, 12, 9)))
    sheet_run, points_run = AllocationRun.objects.order_by("id")
    assert sheet_run.kind == "sheet" and points_run.kind == "points"
    products = list(sheet_run.products.all())
    assert len(products) == 7 and all(p.handled for p in products)  # the price-band row too (R26)
    assert {p.table["regions"][0] for p in products if p.extension} >= {"城区", "城网"}
    assert ShopAllocation.objects.filter(run=sheet_run).exists() and points_run.total_allocated == 100


def test_it_deletes_the_demo_runs_with_the_demo_company():
    from serviceloop.core.demo import demo_build, demo_reset

    demo_build(customers=120, seed=4, now=timezone.make_aware(dt.datetime(2025, 9, 12, 9)))
    assert AllocationRun.objects.count() == 2
    demo_reset()
    assert not AllocationRun.objects.exists() and not ShopAllocation.objects.exists()
