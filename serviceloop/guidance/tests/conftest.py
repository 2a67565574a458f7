import datetime as dt

import pytest
from django.utils import timezone

NOW = timezone.make_aware(dt.datetime(2026, 11, 25, 9, 0))


@pytest.fixture
def year(world):
    """The account manager's first shop with a year of orders, restock advice and an open tag; the second shop
    of the route is new (nothing at all)."""
    from serviceloop.growth.models import RestockAdvice
    from serviceloop.guidance.testing import import_year
    from serviceloop.tags.models import ProblemTag
    from serviceloop.tags.services import customertag_attach
    from serviceloop.trade.models import Product

    mine = world.shops[world.route_a1_1.name]
    import_year([mine[0], world.shops[world.route_a1_2.name][0]], now=NOW)
    product = Product.objects.get(code="31020002")
    RestockAdvice.objects.create(
        customer=mine[0], product=product, order_day=dt.date(2026, 11, 30), forecast=3.4, recent=2.5,
        suggested=3, cap=3, method="tsb", short=True, computed_at=NOW,
    )  # fmt: skip
    tag = ProblemTag.objects.filter(active=True, strategy__isnull=False).order_by("pk").first()
    customertag_attach(customer=mine[0], tag=tag, source="data", reason="测试", actor=None, now=NOW)
    return world, mine[0], mine[1], tag
