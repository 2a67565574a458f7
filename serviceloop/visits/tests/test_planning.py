"""Plan generation against each policy (pure function) and the generator job (database)."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from serviceloop.visits.models import KeyCustomerEntry, Visit, VisitPolicy
from serviceloop.visits.planning import PolicyBook, PolicyInput, ShopInput, add_months, plan_visits, visits_on
from serviceloop.visits.services import job_plan_coming_days, visit_move, visits_generate

TZ = ZoneInfo("Asia/Shanghai")
BOOK = PolicyBook([
    PolicyInput(5, "stars", 8, 5, 5), PolicyInput(34, "stars", 4, 3, 4), PolicyInput(12, "stars", 2, 0, 2),
    PolicyInput(99, "new_shop", 8), PolicyInput(70, "key_list", 4, key_list="care"),
    PolicyInput(71, "key_list", 12, key_list="complaints"),
])  # fmt: skip


def shop(id=1, stars=3, weekday=2, cycle="weekly", joined=None, lists=(), manager=7, status="active"):
    return ShopInput(id, manager, 1, stars, cycle, weekday, joined, frozenset(lists), status)


def month_days(shop_, year, month):
    first = dt.date(year, month, 1)
    last = add_months(first, 1) - dt.timedelta(days=1)
    return [v.day for v in plan_visits([shop_], BOOK, first, last)]


@pytest.mark.parametrize("month", range(1, 13))
def test_it_meets_each_star_policys_monthly_minimum_in_every_month(month):
    for stars, minimum in [(5, 8), (4, 4), (3, 4), (2, 2), (1, 2), (0, 2)]:
        for sid in range(1, 5):
            days = month_days(shop(id=sid, stars=stars), 2027, month)
            assert len(days) >= minimum, (stars, sid, days)
            assert all(d.isoweekday() <= 6 for d in days)


def test_it_visits_on_the_order_day_and_spreads_extra_weekly_visits():
    three = month_days(shop(stars=3, weekday=2), 2027, 3)
    assert {d.isoweekday() for d in three} == {2} and len(three) == 5  # March 2027 has 5 Tuesdays
    five = month_days(shop(stars=5, weekday=2), 2027, 3)
    assert {d.isoweekday() for d in five} == {2, 5}  # Tuesday and three working days later
    low = month_days(shop(stars=1, weekday=4), 2027, 3)
    assert {d.isoweekday() for d in low} == {4} and all(
        (b - a).days == 14 for a, b in zip(low, low[1:], strict=False)
    )


def test_it_plans_new_shops_twice_a_week_for_their_first_three_months_only():
    joined = dt.date(2027, 1, 15)
    s = shop(stars=1, weekday=3, joined=joined)
    visits = plan_visits([s], BOOK, dt.date(2027, 1, 1), dt.date(2027, 5, 31))
    before = [v for v in visits if v.day < joined]
    new = [v for v in visits if joined <= v.day < dt.date(2027, 4, 15)]
    after = [v for v in visits if v.day >= dt.date(2027, 4, 15)]
    assert all(v.policy_id == 12 for v in before + after) and all(v.policy_id == 99 for v in new)
    weeks = Counter(v.day.isocalendar()[:2] for v in new)
    full_weeks = sorted(weeks)[1:-1]  # the weeks of joining and of the anniversary are partial
    assert {weeks[w] for w in full_weeks} == {2} and len(full_weeks) >= 11
    assert add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)


def test_it_gives_key_list_shops_the_more_frequent_policy():
    assert BOOK.choose(shop(stars=1, lists={"care"}), dt.date(2027, 3, 1), 3).id == 70
    assert BOOK.choose(shop(stars=5, lists={"care"}), dt.date(2027, 3, 1), 3).id == 5
    assert (
        BOOK.choose(shop(stars=4, lists={"care"}), dt.date(2027, 3, 1), 3).id == 70
    )  # a tie goes to the list
    days = month_days(shop(stars=1, lists={"complaints"}, weekday=1), 2027, 3)
    assert {d.isoweekday() for d in days} == {1, 3, 5}


def test_it_respects_odd_and_even_order_weeks_and_skips_closed_or_unmanaged_shops():
    odd = month_days(shop(stars=2, weekday=1, cycle="odd"), 2027, 3)
    assert all(d.isocalendar().week % 2 == 1 for d in odd) and len(odd) >= 2
    even = month_days(shop(stars=2, weekday=1, cycle="even"), 2027, 3)
    assert all(d.isocalendar().week % 2 == 0 for d in even) and len(even) >= 2
    assert month_days(shop(status="closed"), 2027, 3) == []
    assert month_days(shop(manager=None), 2027, 3) == []
    sunday = shop(id=9, weekday=7)
    assert not visits_on(sunday, BOOK.by_stars[3], dt.date(2027, 3, 7))  # a Sunday
    assert month_days(sunday, 2027, 3)


@pytest.mark.django_db
def test_the_job_plans_the_coming_week_once_and_keeps_moved_visits(world):
    now = dt.datetime(2027, 3, 1, 6, 0, tzinfo=TZ)  # a Monday
    shop_a = world.shops["张湾1号线"][0]
    shop_a.order_weekday = 3
    shop_a.save()
    assert "planned" in job_plan_coming_days(now)
    first = Visit.objects.count()
    # Only routes with an account manager: 张湾1号线 (account_manager) and 城关1号线 (outsider).
    assert set(Visit.objects.values_list("manager__username", flat=True)) == {"account_manager", "outsider"}
    wednesday = Visit.objects.get(customer=shop_a, planned_on=dt.date(2027, 3, 3))
    visit_move(visit=wednesday, day=dt.date(2027, 3, 4), actor=world.account_manager, now=now)
    job_plan_coming_days(now)
    assert Visit.objects.count() == first
    assert not Visit.objects.filter(customer=shop_a, planned_on=dt.date(2027, 3, 3)).exists()


@pytest.mark.django_db
def test_it_uses_key_list_membership_and_edited_policies(world):
    shop_a = world.shops["张湾1号线"][0]
    KeyCustomerEntry.objects.create(key_list="care", customer=shop_a, since=dt.date(2027, 1, 1),
                                    computed_at=dt.datetime(2027, 1, 1, tzinfo=TZ))  # fmt: skip
    VisitPolicy.objects.filter(key_list="care").update(visits_per_month=12)
    visits_generate(
        start=dt.date(2027, 3, 1), end=dt.date(2027, 3, 7), now=dt.datetime(2027, 3, 1, tzinfo=TZ)
    )
    mine = Visit.objects.filter(customer=shop_a)
    assert mine.count() == 3 and {v.policy.key_list for v in mine} == {"care"}


@pytest.mark.django_db
def test_planned_visits_follow_a_route_handed_to_another_manager_but_done_ones_stay(world):
    from serviceloop.core.testing import make_user
    from serviceloop.visits.services import visit_check_in, visit_record

    now = dt.datetime(2027, 3, 1, 6, 0, tzinfo=TZ)
    job_plan_coming_days(now)
    route = world.route_a1_1
    first = Visit.objects.filter(route=route).order_by("planned_on").first()
    visit_check_in(visit=first, actor=world.account_manager, now=now)
    visit_record(visit=first, outcome="owner_absent", actor=world.account_manager, now=now)
    newcomer = make_user("am_new", "account_manager", company=world.company, branch=world.branch_a,
                         station=world.station_a1)  # fmt: skip
    route.account_manager = newcomer
    route.save()
    assert "reassigned" in job_plan_coming_days(now)
    assert set(Visit.objects.filter(route=route, status="planned").values_list("manager", flat=True)) == {
        newcomer.pk
    }
    first.refresh_from_db()
    assert first.manager == world.account_manager
