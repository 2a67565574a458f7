import datetime as dt
import random

import pytest

from serviceloop.core.testing import make_customer
from serviceloop.customers.models import Customer, CustomerChange
from serviceloop.trade.demo import generate_trade
from serviceloop.trade.derive import grades_compute, run_apply, segments_refresh, stars_compute
from serviceloop.trade.models import DerivationSettings, Proposal, RunState, Segment, ShopWeek

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 9, 19, 12, tzinfo=dt.UTC)


@pytest.fixture
def year(world):
    rng = random.Random(7)
    routes = [world.route_a1_1, world.route_a1_2, world.route_a2_1, world.route_b1_1]
    for i in range(112):
        make_customer(routes[i % 4], grade=rng.randint(1, 30), e_settlement=i % 3 != 0)
    shops = list(Customer.objects.order_by("pk"))
    counts = generate_trade(shops=shops, weeks=52, end=NOW.date(), seed=3, now=NOW, lines_scale=0.3)
    assert counts["orders"] > 100 * 40
    return world, shops


def test_grade_shares_equal_the_configured_shares_on_a_generated_year(year):
    world, shops = year
    cfg = DerivationSettings.current()
    cfg.grade_shares = [1] * 10 + [3] * 10 + [6] * 10  # 100 %, in tens
    cfg.save()
    run = grades_compute(actor=world.city_admin, now=NOW)
    n = run.summary["shops"]
    assert n == Proposal.objects.filter(run=run).count() > 100
    from serviceloop.analytics.grading import quota_counts

    expected = quota_counts(n, cfg.grade_shares)
    assert [row["count"] for row in run.summary["levels"]] == list(expected)
    # the best-selling shop is in grade 30, the weakest in grade 1
    top = Proposal.objects.filter(run=run).order_by("-score").first()
    assert top.new_value == 30


def test_applying_grades_writes_history_so_grade_dropped_comes_from_data(year):
    world, shops = year
    run = grades_compute(actor=world.city_admin, now=NOW)
    changed = run_apply(run=run, actor=world.city_admin, now=NOW)
    run.refresh_from_db()
    assert run.state == RunState.APPLIED and changed > 0
    rows = CustomerChange.objects.filter(field="grade", source="computed")
    assert rows.count() == changed and all(r.reason.startswith("近52周销量") for r in rows[:5])
    drop = rows.extra(where=["CAST(new_value AS INTEGER) < CAST(old_value AS INTEGER)"]).first()
    from serviceloop.visits.keylists import compute_lists

    assert drop.customer_id in compute_lists(NOW)["grade_dropped"]
    with pytest.raises(Exception, match="已经应用或放弃"):
        run_apply(run=run, actor=world.city_admin, now=NOW)


def test_stars_come_from_the_configured_rules(year):
    world, shops = year
    run = stars_compute(actor=world.city_admin, now=NOW)
    levels = {row["level"]: row["count"] for row in run.summary["levels"]}
    assert sum(levels.values()) == run.summary["shops"] and len([c for c in levels.values() if c]) >= 3
    p = Proposal.objects.filter(run=run).first()
    assert "综合得分" in p.reason and "销量" in p.reason


def test_segments_are_described_in_words_and_filter_the_customer_list(app, year):
    world, shops = year
    result = segments_refresh(now=NOW)
    assert result["shops"] > 100
    clusters = Segment.objects.filter(kind="cluster")
    assert clusters.count() == 6 and all(s.description and s.size for s in clusters)
    group = Segment.objects.filter(kind="volume_price", size__gt=0).first()
    assert "销量" in group.name and "单价" in group.name
    page = app.get("/customers/", user=world.city_admin)
    form = page.forms["customer-filter"]
    form["segment"] = str(group.pk)
    shown = form.submit()
    assert f"{group.size}" in shown.html.select('[data-testid="result-count"]')[0].text


def test_the_generated_year_lands_in_weekly_aggregates(year):
    world, shops = year
    assert ShopWeek.objects.values("week").distinct().count() == 52
    assert not Customer.objects.filter(pk__in=[s.pk for s in shops]).filter(grade__isnull=True).exists()
