"""Points from sales (R26): hand-computed points, the formula's history, allocation by computed points, the
pages (forms as rendered), scope and the API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from serviceloop.core.testing import make_customer, work_file
from serviceloop.trade.models import PointsFormula, ShopPoints, ShopWeek
from serviceloop.trade.points import pointsformula_save, shoppoints_compute

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2026, 11, 25, 9, 0))
CYCLE = dt.date(2026, 11, 16)  # ISO week 2026-W47


def week(shop, monday, **classes):
    volume = sum(classes.values())
    return ShopWeek.objects.create(
        customer=shop, week=monday, route=shop.route, qty_supplied=volume, **classes
    )


@pytest.fixture
def sales(world):
    """A weekly shop (W47: 2 cartons of class 1, 4 of class 3), an odd-week shop (W46: 10 of class 5, W47: 1 of
    class 2 — two weeks counted), a weekly shop that bought in W46 only (no points in W47), and the outsider's
    shop (W47: 3 of class 4)."""
    a = world.shops["张湾1号线"][0]
    b = make_customer(world.route_a1_1, order_cycle="odd")
    c = world.shops["张湾2号线"][0]
    d = world.shops["城关1号线"][0]
    week(a, CYCLE, qty_class1=2, qty_class3=4)
    week(b, CYCLE - dt.timedelta(weeks=1), qty_class5=10)
    week(b, CYCLE, qty_class2=1)
    week(c, CYCLE - dt.timedelta(weeks=1), qty_class1=9)
    week(d, CYCLE, qty_class4=3)
    return a, b, c, d


def test_points_by_hand_with_the_default_formula(world, sales):
    a, b, c, d = sales
    counts = shoppoints_compute(cycle=CYCLE + dt.timedelta(days=2), actor=world.city_admin, now=NOW)
    got = {p.customer_id: (p.points, p.weeks, p.volume) for p in ShopPoints.objects.all()}
    # default weights 5, 4, 3, 2, 1: a = 2×5 + 4×3 = 22; b = 10×1 + 1×4 = 14 over two weeks; d = 3×2 = 6
    assert got == {a.pk: (22, 1, 6), b.pk: (14, 2, 11), d.pk: (6, 1, 3)}
    assert counts == {"shops": 3, "points": 42}
    row = ShopPoints.objects.get(customer=a)
    assert row.cycle_label == "2026-W47" and row.how == "2026-W47：1类烟 2 条×5，3类烟 4 条×3，合计 22 分"
    assert "隔周订货，计 2 周" in ShopPoints.objects.get(customer=b).how


def test_a_formula_change_is_a_new_version_and_old_points_keep_theirs(world, sales):
    a, *_ = sales
    shoppoints_compute(cycle=CYCLE, actor=world.city_admin, now=NOW)
    first = ShopPoints.objects.get(customer=a).formula
    pointsformula_save(volume_weight="1.5", class_weights={1: "2.5", 2: 4, 3: 3, 4: 2, 5: 1}, note="一类烟降权",
                       actor=world.city_admin, now=NOW + dt.timedelta(hours=1))  # fmt: skip
    assert PointsFormula.objects.count() == 2 and PointsFormula.current().note == "一类烟降权"
    again = pointsformula_save(volume_weight="1.500", class_weights={1: "2.50", 2: 4, 3: 3, 4: 2, 5: 1},
                               actor=world.city_admin, now=NOW + dt.timedelta(hours=1, seconds=5))  # fmt: skip
    assert again == PointsFormula.current() and PointsFormula.objects.count() == 2  # a double submission
    assert first.weight(1) == Decimal("5")  # the history keeps the old weights
    shoppoints_compute(cycle=CYCLE, actor=world.city_admin, now=NOW + dt.timedelta(hours=2))
    row = ShopPoints.objects.get(customer=a)
    assert row.points == 26  # 1.5 × (2×2.5 + 4×3) = 25.5, rounded half up
    assert "再乘销量权重 1.5" in row.how and row.formula == PointsFormula.current()
    with pytest.raises(ValidationError):
        pointsformula_save(volume_weight="-1", class_weights={1: 1, 2: 1, 3: 1, 4: 1, 5: 1}, actor=world.city_admin,
                           now=NOW)  # fmt: skip
    with pytest.raises(ValidationError):
        pointsformula_save(volume_weight="1", class_weights={1: "0.0001", 2: 1, 3: 1, 4: 1, 5: 1},
                           actor=world.city_admin, now=NOW)  # fmt: skip
    with pytest.raises(ValidationError):
        pointsformula_save(volume_weight="1", class_weights={1: 1}, actor=world.city_admin, now=NOW)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        pointsformula_save(volume_weight="1", class_weights={1: 1, 2: 1, 3: 1, 4: 1, 5: 1},
                           actor=world.account_manager, now=NOW)  # fmt: skip


def test_allocation_from_computed_points_and_the_shops_explanation(world, sales):
    from serviceloop.growth.models import ShopAllocation
    from serviceloop.growth.services import allocationrun_rerun, points_allocate, same_answer

    a, b, c, d = sales
    shoppoints_compute(cycle=CYCLE, actor=world.city_admin, now=NOW)
    run = points_allocate(cycle="2026-W47", product_code="X1", product_name="紧俏烟", supply=21, source="computed",
                          actor=world.city_admin, now=NOW)  # fmt: skip
    q = dict(ShopAllocation.objects.filter(run=run).values_list("customer_id", "quantity"))
    assert q == {a.pk: 11, b.pk: 7, d.pk: 3}  # 22 : 14 : 6 of 21 (Webster), exactly proportional
    row = ShopAllocation.objects.get(run=run, customer=a)
    assert "您的积分这样算来：2026-W47：1类烟 2 条×5，3类烟 4 条×3，合计 22 分" in row.why_for_shop
    assert "积分按 2026-W47 销量计算" in row.why
    assert same_answer(run, allocationrun_rerun(run=run, actor=world.city_admin, now=NOW))
    with pytest.raises(ValidationError):
        points_allocate(cycle="2026-W30", product_code="X1", product_name="紧俏烟", supply=5, source="computed",
                        actor=world.city_admin, now=NOW)  # fmt: skip


def test_pages_formula_form_as_rendered_list_filters_export_and_scope(
    world, sales, app, login, django_assert_max_num_queries
):
    a, b, c, d = sales
    page = app.get("/trade/points/", user=world.city_admin)
    form = page.forms["points-compute"]
    form["cycle"] = "2026-W47"
    work = form.submit().follow()  # a whole city's cycle runs in the background; its page links to the list
    listed = work.click(href="/trade/points/")
    assert "合计 22 分" in listed.text and "合计 6 分" in listed.text
    formula = app.get("/trade/points/formula/", user=world.city_admin).forms["points-formula"]
    formula["class1"] = "-3"
    assert formula.submit(status=400).status_code == 400
    formula = app.get("/trade/points/formula/", user=world.city_admin).forms["points-formula"]
    formula["class1"], formula["note"] = "6", "提高一类烟权重"
    after = formula.submit().follow()
    assert "提高一类烟权重" in after.text and PointsFormula.objects.count() == 2
    # the account manager sees the shops of their routes only; the outsider only theirs; no formula page
    mine = app.get("/trade/points/?q=&cycle=2026-11-16", user=world.account_manager).text
    assert a.name in mine and d.name not in mine
    theirs = app.get("/trade/points/", user=world.outsider).text
    assert d.name in theirs and a.name not in theirs
    app.get("/trade/points/formula/", user=world.outsider, status=403)
    app.post("/trade/points/compute/", {"cycle": "2026-W47"}, user=world.account_manager, status=403, xhr=False,
             expect_errors=True)  # fmt: skip
    bad = app.get("/trade/points/?cycle=not-a-week", user=world.city_admin)
    assert "暂无积分" in bad.text or "No points yet" in bad.text
    client = login(world.city_admin)
    with django_assert_max_num_queries(12):
        assert client.get("/trade/points/?station=" + str(world.station_a1.pk)).status_code == 200
    data = work_file(client, client.get("/trade/points/?export=xlsx&cycle=2026-W47"))
    assert data[:2] == b"PK"


def test_api_reads_a_shops_points_within_scope(world, sales, client, login):
    a, b, c, d = sales
    shoppoints_compute(cycle=CYCLE, actor=world.city_admin, now=NOW)
    client = login(world.account_manager)
    body = client.get(f"/api/v1/trade/points/?customer={a.pk}").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [(r["cycle_label"], r["points"], r["cartons_by_price_class"]["1"]) for r in rows] == [
        ("2026-W47", 22, 2)
    ]
    other = client.get(f"/api/v1/trade/points/?customer={d.pk}").json()
    assert (other["results"] if isinstance(other, dict) else other) == []


def test_the_job_computes_last_weeks_cycle(world, sales):
    from serviceloop.core.jobs import run_due_jobs, schedule

    assert "shop_points" in [j.name for j in schedule()]
    result = run_due_jobs(NOW, force=True)["shop_points"]  # NOW is in W48: the cycle W47 ended
    assert result == "points of 2026-W47: 3 shop(s)"
    assert ShopPoints.objects.filter(cycle=CYCLE).count() == 3
