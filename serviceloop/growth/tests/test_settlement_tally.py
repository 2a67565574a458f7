"""The success-rate page's kept day counts (issue 14): any window is summed from ``trade.SettlementTally`` and
``SettlementFailureTally``; the figures equal grouping the settlements themselves for any window, level and scope,
debits near midnight counted on their local day; imports and rollbacks regroup them."""

import datetime as dt
import random

import pytest
from django.db.models import Count, Q, Sum
from django.utils import timezone

from serviceloop.growth import care
from serviceloop.trade.aggregates import settlementtally_refresh
from serviceloop.trade.importing import import_trade_file
from serviceloop.trade.models import (
    BatchStatus,
    Settlement,
    SettlementAttempt,
    SettlementFailureTally,
    SettlementTally,
)
from serviceloop.trade.services import batch_rollback
from serviceloop.trade.testing import ORDER_HEADER, csv_bytes, make_products, order_rows

from .care_helpers import FAIL_BALANCE, FAIL_FROZEN, FAIL_LIMIT, OK, settle

pytestmark = pytest.mark.django_db
TZ = timezone.get_fixed_timezone(8 * 60)
FIRST, LAST = dt.date(2026, 8, 1), dt.date(2026, 11, 30)


@pytest.fixture
def settled(world):
    """Four months of debits on three routes of two stations; one shop moved station in October (its earlier
    settlements keep the route they were paid on); transfers and replaced revisions, which count nowhere."""
    rng = random.Random(11)
    shops = world.shops["张湾1号线"] + world.shops["张湾2号线"] + world.shops["城关1号线"]
    tries = [
        [OK],
        [FAIL_BALANCE, OK],
        [FAIL_FROZEN, FAIL_FROZEN],
        [FAIL_LIMIT],
        [FAIL_BALANCE, FAIL_LIMIT, OK],
    ]
    moved = world.shops["城关1号线"][0]
    for day in range(0, 122, 2):
        # near midnight: 00:30 local is the day before in UTC, 23:30 the same day
        at = dt.datetime.combine(FIRST + dt.timedelta(days=day), dt.time(0, 30) if day % 4 else dt.time(23, 30),
                                 tzinfo=TZ)  # fmt: skip
        for shop in rng.sample(shops, 3):
            settle(shop, at, rng.choice(tries), method=rng.choice(["e", "e", "e", "transfer"]),
                   current=rng.random() > 0.1)  # fmt: skip
        if day == 60:  # the shop moves to Zhangwan's route; what it paid before stays on Chengguan's
            moved.route, moved.station = world.route_a1_1, world.station_a1
            moved.save(update_fields=["route", "station"])
    return world


def _e_settlements(user, start, end):
    """The reference: current e-settlements whose first debit fell in [start, end] (local dates), in the user's
    scope by their own route and station."""
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=TZ)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=TZ)
    return Settlement.objects.filter(
        care._own_scope(user), is_current=True, method="e", first_attempt_at__gte=lo, first_attempt_at__lt=hi
    )


def _raw_rates(user, start, end, level):
    key = {"station": "station_id", "route": "route_id", "manager": "route__account_manager_id"}[level]
    rows = (
        _e_settlements(user, start, end)
        .values(key)
        .annotate(n=Count("id"), paid=Count("id", filter=Q(state="success")), attempts=Sum("attempts"),
                  failed=Sum("failed_attempts"))
    )  # fmt: skip
    return {r[key]: (r["n"], r["paid"], r["attempts"], r["failed"]) for r in rows}


def _raw_pareto(user, start, end):
    settlements = _e_settlements(user, start, end)
    failed = SettlementAttempt.objects.filter(settlement__in=settlements, result="failed")
    return {reason: n for reason, n in failed.values_list("failure_reason").annotate(n=Count("id"))}


def test_the_kept_day_counts_give_the_figures_of_the_settlements(settled):
    world = settled
    assert SettlementTally.objects.exists() and SettlementFailureTally.objects.exists()
    rng = random.Random(5)
    windows = [
        (FIRST, LAST),
        (dt.date(2026, 8, 20), dt.date(2026, 10, 9)),
        (dt.date(2026, 9, 1), dt.date(2026, 9, 30)),
    ]
    windows += [(s, s + dt.timedelta(days=rng.randrange(130))) for s in
                (FIRST + dt.timedelta(days=rng.randrange(120)) for _ in range(12))]  # fmt: skip
    for user in (world.city_admin, world.station_head, world.account_manager):
        for start, end in windows:
            for level in ("station", "route", "manager"):
                rows = care.success_rates(user, start=start, end=end, level=level)
                got = {
                    r["id"]: (r["settlements"], r["paid"], r["attempts"], r["failed_attempts"]) for r in rows
                }
                assert got == _raw_rates(user, start, end, level), (user, start, end, level)
            pareto = care.failure_pareto(user, start=start, end=end)
            assert {p["reason"]: p["count"] for p in pareto} == _raw_pareto(user, start, end)


def test_a_moved_shops_earlier_debits_stay_with_the_station_it_paid_in(settled):
    world = settled
    moved = world.shops["城关1号线"][0]
    rows = care.success_rates(world.station_head, start=FIRST, end=LAST, level="route")
    assert {r["name"] for r in rows} <= {"张湾1号线", "张湾2号线"}
    paid_before = SettlementTally.objects.filter(route__name="城关1号线", day__lt=dt.date(2026, 10, 1))
    assert paid_before.exists() and moved.route == world.route_a1_1


def test_imports_and_rollbacks_regroup_the_months_they_touch(world):
    make_products()
    shop = world.shops["张湾1号线"][0]
    day = dt.date(2025, 9, 15)
    ordered = import_trade_file(file=csv_bytes(ORDER_HEADER, order_rows(shop, "A1", day, [("31020002", 2, 2)])),
                                kind="orders", now=timezone.now())  # fmt: skip
    assert ordered.status == BatchStatus.COMMITTED, ordered.errors
    header = ["订单编号", "结算方式", "扣款时间", "扣款结果", "失败原因", "扣款金额"]
    rows = [["A1", "电子结算", "2025-09-16 08:00", "失败", "余额不足", "1240"],
            ["A1", "电子结算", "2025-09-17 08:00", "成功", "", "1240"]]  # fmt: skip
    batch = import_trade_file(file=csv_bytes(header, rows), kind="settlements", now=timezone.now())
    assert batch.status == BatchStatus.COMMITTED, batch.errors
    kept = SettlementTally.objects.get(day=dt.date(2025, 9, 16))  # the first debit's day
    assert (kept.route, kept.settlements, kept.paid, kept.attempts, kept.failed_attempts) == (
        shop.route,
        1,
        1,
        2,
        1,
    )
    september = {"day__range": (dt.date(2025, 9, 1), dt.date(2025, 9, 30))}
    assert list(
        SettlementFailureTally.objects.filter(**september).values_list("reason", "failed_attempts")
    ) == [("余额不足", 1)]
    batch_rollback(batch=batch, actor=None, now=timezone.now())
    assert not SettlementTally.objects.filter(**september).exists()
    assert not SettlementFailureTally.objects.filter(**september).exists()
    settlementtally_refresh([dt.date(2025, 9, 1)])  # a recount of what is there changes nothing
    assert not SettlementTally.objects.filter(**september).exists()


def test_the_rebuild_command_restores_counts_written_around_the_imports(settled):
    from serviceloop.core.counts import counts_rebuild

    world = settled
    before = care.success_rates(world.city_admin, start=FIRST, end=LAST, level="route")
    SettlementTally.objects.filter(day__month=9).delete()
    SettlementFailureTally.objects.update(failed_attempts=0)
    assert care.success_rates(world.city_admin, start=FIRST, end=LAST, level="route") != before
    assert "e-settlement counts of 4 month(s)" in counts_rebuild()
    assert care.success_rates(world.city_admin, start=FIRST, end=LAST, level="route") == before
    assert {
        p["reason"]: p["count"] for p in care.failure_pareto(world.city_admin, start=FIRST, end=LAST)
    } == (_raw_pareto(world.city_admin, FIRST, LAST))


def test_the_rates_page_through_its_form(settled, app):
    """The page as rendered, with a window of four whole months and one of parts of three: its total and its
    Pareto are the settlements' own."""
    from django.urls import reverse

    world = settled
    page = app.get(reverse("growth:settlement-rates"), user=world.station_head)
    for start, end in ((FIRST, LAST), (dt.date(2026, 8, 20), dt.date(2026, 10, 9))):
        form = page.forms["rates-filter"]
        form["start"], form["end"], form["level"] = start.isoformat(), end.isoformat(), "route"
        result = form.submit()
        total = result.html.select_one('[data-testid="rates-total"]').get_text(strip=True)
        assert int(total) == _e_settlements(world.station_head, start, end).count() > 0
        pareto = {
            row.select("td")[0].get_text(strip=True): int(row.select("td")[1].get_text(strip=True))
            for row in result.html.select('[data-testid="pareto-table"] tbody tr')
        }
        assert pareto == {r or "未说明": n for r, n in _raw_pareto(world.station_head, start, end).items()}


def _routes_with_counts(world, numbers, day: dt.date) -> None:
    from serviceloop.org.models import Route

    station = world.station_a1
    for i in numbers:
        route = Route.objects.create(
            station=station, name=f"测试线{i:03d}", account_manager=world.account_manager
        )
        SettlementTally.objects.create(day=day, route=route, station=station, branch=station.branch,
                                       settlements=10, paid=10 - i % 10, attempts=12, failed_attempts=2)  # fmt: skip


def test_the_rates_page_shows_a_page_of_units_and_the_totals_of_all(
    world, app, django_assert_max_num_queries
):
    """A province's 2,000 routes are not drawn on one page: a page of them, worst first, with the totals of all;
    the page's queries do not grow with the number of units."""
    from django.urls import reverse

    day = timezone.localdate() - dt.timedelta(days=3)
    _routes_with_counts(world, range(12), day)
    url = reverse("growth:settlement-rates") + "?level=route&size=10"
    page = app.get(url, user=world.city_admin)
    rows = page.html.select('[data-testid="rates-table"] tbody tr')
    assert (
        len(rows) == 10 and rows[0].select("td")[0].get_text(strip=True) == "测试线009"
    )  # 1 paid of 10: worst
    assert page.html.select_one('[data-testid="rates-total"]').get_text(strip=True) == "120"
    second = page.click(linkid=None, href="page=2", index=0)
    names = [
        r.select("td")[0].get_text(strip=True)
        for r in second.html.select('[data-testid="rates-table"] tbody tr')
    ]
    assert names == ["测试线000", "测试线010"]  # 10 of 10 paid: the best, ties by name
    with django_assert_max_num_queries(40) as few:
        app.get(url, user=world.city_admin)
    _routes_with_counts(world, range(12, 42), day)
    with django_assert_max_num_queries(len(few.captured_queries)):
        app.get(url, user=world.city_admin)
