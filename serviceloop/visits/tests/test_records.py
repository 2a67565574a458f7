"""Visit records, who may make them, moving plans, and compliance arithmetic."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from serviceloop.visits.models import Visit, VisitPolicy
from serviceloop.visits.selectors import compliance, shops_not_visited, short_visits
from serviceloop.visits.services import visit_add, visit_cancel, visit_check_in, visit_move, visit_record
from serviceloop.visits.tally import visit_change, visittally_add

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2027, 3, 10, 9, 0, tzinfo=TZ)


def planned(world, shop, day, policy="三四星客户"):
    visit = Visit.objects.create(customer=shop, manager=world.account_manager, route=shop.route, planned_on=day,
                                 source="generated", generated_for=day, policy=VisitPolicy.objects.get(name=policy))  # fmt: skip
    visittally_add(
        [visit_change(visit, planned=1)]
    )  # made around the planning services: counted as they count
    return visit


def do(world, visit, minutes=25, outcome="visited", start=NOW, short_reason=""):
    visit_check_in(visit=visit, actor=world.account_manager, now=start, latitude=32.6, longitude=110.8)
    covered = visit.policy.checklist_items[:2] if outcome == "visited" else []
    return visit_record(visit=visit, outcome=outcome, covered=covered, notes="库存正常", actor=world.account_manager,
                        now=start + dt.timedelta(minutes=minutes), short_reason=short_reason)  # fmt: skip


def test_it_records_a_visit_with_times_location_and_checklist(world):
    v = do(world, planned(world, world.shops["张湾1号线"][0], NOW.date()))
    assert v.status == "done" and v.minutes == 25 and str(v.latitude) == "32.600000"
    assert v.covered == ["宣传政策法规", "库存与订货指导"]
    assert list(v.events.values_list("action", flat=True)) == ["check_in", "record"]


def test_it_refuses_bad_records(world):
    v = planned(world, world.shops["张湾1号线"][0], NOW.date())
    with pytest.raises(ValidationError):  # not checked in
        visit_record(visit=v, outcome="visited", covered=[], actor=world.account_manager, now=NOW)
    visit_check_in(visit=v, actor=world.account_manager, now=NOW)
    with pytest.raises(ValidationError):
        visit_check_in(visit=v, actor=world.account_manager, now=NOW)  # twice
    for outcome, covered in [("bogus", []), ("visited", []), ("visited", ["不在清单上"])]:
        with pytest.raises(ValidationError):
            visit_record(visit=v, outcome=outcome, covered=covered, actor=world.account_manager, now=NOW)
    assert (
        visit_record(visit=v, outcome="shop_closed", actor=world.account_manager, now=NOW).outcome
        == "shop_closed"
    )


def test_a_manager_cannot_visit_or_plan_another_routes_shop(world):
    theirs = world.shops["城关1号线"][0]
    with pytest.raises(PermissionDenied):
        visit_add(customer=theirs, day=NOW.date(), actor=world.account_manager, now=NOW)
    with pytest.raises(PermissionDenied):
        visit_add(customer=world.shops["张湾2号线"][0], day=NOW.date(), actor=world.account_manager, now=NOW)
    v = planned(world, world.shops["张湾1号线"][0], NOW.date())
    for user in (world.outsider, world.agent, world.station_head):
        with pytest.raises(PermissionDenied):
            visit_check_in(visit=v, actor=user, now=NOW)
    with pytest.raises(PermissionDenied):
        visit_move(visit=v, day=NOW.date(), actor=world.outsider, now=NOW)
    assert visit_move(visit=v, day=NOW.date() + dt.timedelta(days=1), actor=world.station_head, now=NOW)


def test_it_moves_and_cancels_only_planned_future_visits(world):
    v = planned(world, world.shops["张湾1号线"][0], NOW.date())
    with pytest.raises(ValidationError):
        visit_move(visit=v, day=NOW.date() - dt.timedelta(days=1), actor=world.account_manager, now=NOW)
    with pytest.raises(ValidationError):
        visit_cancel(visit=v, reason=" ", actor=world.account_manager, now=NOW)
    visit_cancel(visit=v, reason="客户外出", actor=world.account_manager, now=NOW)
    with pytest.raises(ValidationError):
        visit_move(visit=v, day=NOW.date(), actor=world.account_manager, now=NOW)
    added = visit_add(
        customer=world.shops["张湾1号线"][1], day=NOW.date(), actor=world.account_manager, now=NOW
    )
    assert added.source == "manual" and added.manager == world.account_manager


def test_compliance_counts_planned_done_visited_and_short_per_manager_and_route(world):
    a, b = world.shops["张湾1号线"]
    days = [dt.date(2027, 3, d) for d in (2, 9, 16, 23)]
    vs = [planned(world, a, d) for d in days] + [planned(world, b, days[0])]
    do(world, vs[0], minutes=25)  # visited, long enough (policy minimum 20)
    do(world, vs[1], minutes=10, short_reason="店主要出门")  # visited, short
    do(world, vs[2], outcome="shop_closed", minutes=1)  # done, not visited, not short
    visit_cancel(visit=vs[4], reason="客户外出", actor=world.station_head, now=NOW)  # not counted as planned
    planned(world, a, dt.date(2027, 4, 1))  # another month
    month = {"first": dt.date(2027, 3, 1), "last": dt.date(2027, 3, 31)}
    rows = compliance(user=world.city_admin, **month, today=dt.date(2027, 4, 1))
    assert [(r.name, r.planned, r.due, r.done, r.visited, r.short, r.rate) for r in rows] == [
        ("account_manager", 4, 4, 3, 2, 1, 75.0)
    ]
    # on 20 March three of the four were due: the one still ahead does not count against the rate
    rows = compliance(user=world.city_admin, **month, today=dt.date(2027, 3, 20))
    assert [(r.planned, r.due, r.done, r.rate) for r in rows] == [(4, 3, 3, 100.0)]
    by_route = compliance(user=world.city_admin, **month, by="route")
    assert [(r.name, r.planned) for r in by_route] == [("张湾1号线", 4)]
    assert compliance(user=world.outsider, first=dt.date(2027, 3, 1), last=dt.date(2027, 3, 31)) == []
    assert [v.pk for v in short_visits(user=world.station_head, first=days[0], last=days[-1])] == [vs[1].pk]


def test_it_lists_shops_not_visited_for_longer_than_their_policy_allows(world):
    a, b = world.shops["张湾1号线"]  # 3 stars: longest gap 10 days
    do(world, planned(world, a, dt.date(2027, 3, 1)), start=dt.datetime(2027, 3, 1, 9, tzinfo=TZ))
    do(world, planned(world, b, dt.date(2027, 2, 27)), start=dt.datetime(2027, 2, 27, 9, tzinfo=TZ))
    rows = shops_not_visited(user=world.account_manager, now=dt.datetime(2027, 3, 11, 9, tzinfo=TZ))
    assert [(r["id"], r["days"]) for r in rows] == [(b.pk, 12)]  # a: exactly 10 days is still allowed


def test_it_files_a_service_request_from_inside_the_visit_once_per_submission(world, login):
    from serviceloop.servicedesk.models import Category, ServiceRequest

    v = planned(world, world.shops["张湾1号线"][0], timezone.localdate())
    client = login(world.account_manager)
    data = {"step": "request", "sr-kind": "request", "sr-category": Category.objects.filter(active=True).first().pk,
            "sr-urgency": "normal", "sr-text": "店主反映送货时间不稳定", "sr-token": "7b0c6b52-3c52-4c0e-9a44-0e7f1b8f3a10"}  # fmt: skip
    r = client.post(f"/visits/{v.pk}/", data)
    assert r.status_code == 200 and ServiceRequest.objects.count() == 0  # not checked in yet
    client.post(f"/visits/{v.pk}/", {"step": "check_in"})
    assert client.post(f"/visits/{v.pk}/", data).status_code == 302
    assert client.post(f"/visits/{v.pk}/", data).status_code == 302  # a double submission files nothing new
    sr = ServiceRequest.objects.get()
    assert sr.channel == "visit" and sr.shop_id == v.customer_id
    assert sr.reference in client.get(f"/visits/{v.pk}/").content.decode()
    r = client.post(
        f"/visits/{v.pk}/", {**data, "sr-text": "", "sr-token": "0b0c6b52-3c52-4c0e-9a44-0e7f1b8f3a10"}
    )
    assert r.status_code == 200 and ServiceRequest.objects.count() == 1
    assert login(world.outsider).post(f"/visits/{v.pk}/", data).status_code == 404


def test_the_shop_page_shows_tags_visits_and_visible_requests_as_one_timeline(world, login):
    from serviceloop.servicedesk.models import Category
    from serviceloop.servicedesk.services import servicerequest_file
    from serviceloop.tags.models import ProblemTag
    from serviceloop.tags.services import customertag_attach

    shop = world.shops["张湾1号线"][0]
    now = timezone.now()
    customertag_attach(customer=shop, tag=ProblemTag.objects.get(name="陈列不规范"), source="visit", reason="乱",
                       actor=world.account_manager, now=now)  # fmt: skip
    do(world, planned(world, shop, timezone.localdate(now)), start=now)
    category = Category.objects.filter(active=True).first()
    asked, _ = servicerequest_file(customer=shop, channel="phone", kind="request", category=category, text="送货晚",
                                   now=now)  # fmt: skip
    tip, _ = servicerequest_file(customer=shop, channel="hotline_12313", kind="report", category=category,
                                 text="疑似售假", now=now)  # fmt: skip
    page = login(world.account_manager).get(f"/customers/{shop.pk}/").content.decode()
    assert (
        "陈列不规范" in page and asked.reference in page and tip.reference not in page
    )  # tip-offs stay hidden
    assert tip.reference in login(world.city_admin).get(f"/customers/{shop.pk}/").content.decode()
    cycle = login(world.account_manager).get("/visits/cycle/").content.decode()
    assert asked.reference in cycle and tip.reference not in cycle


def test_a_visit_shorter_than_the_policy_minimum_needs_a_reason_which_is_kept(world):
    v = planned(world, world.shops["张湾1号线"][0], NOW.date())
    visit_check_in(visit=v, actor=world.account_manager, now=NOW)
    with pytest.raises(ValidationError) as refused:
        visit_record(visit=v, outcome="visited", covered=["宣传政策法规"], actor=world.account_manager,
                     now=NOW + dt.timedelta(minutes=19))  # fmt: skip
    assert refused.value.code == "short_visit"
    v.refresh_from_db()
    assert v.status == "in_progress"
    done = visit_record(visit=v, outcome="visited", covered=["宣传政策法规"], short_reason="  店主要去进货 ",
                        actor=world.account_manager, now=NOW + dt.timedelta(minutes=19))  # fmt: skip
    assert done.status == "done" and done.short_reason == "店主要去进货"
    assert done.events.get(action="record").data["short_reason"] == "店主要去进货"
    long_enough = do(world, planned(world, world.shops["张湾1号线"][1], NOW.date()), minutes=20,
                     short_reason="不需要")  # fmt: skip
    assert long_enough.short_reason == ""  # a reason is kept only for a short visit


def test_the_not_visited_list_follows_the_daily_job_and_each_completed_visit(world):
    """The list reads VisitDue rows: the job writes one per active shop with a policy, a completed visit moves
    its shop's due date at once; scope still applies."""
    from serviceloop.visits.models import VisitDue
    from serviceloop.visits.services import visitdue_refresh

    a, b = world.shops["张湾1号线"]
    a.joined_on = b.joined_on = dt.date(2027, 1, 1)
    a.save(update_fields=["joined_on"])
    b.save(update_fields=["joined_on"])
    now = dt.datetime(2027, 3, 11, 9, tzinfo=TZ)
    assert visitdue_refresh(now=now) == VisitDue.objects.count() > 2
    listed = {r["id"]: r["days"] for r in shops_not_visited(user=world.account_manager, now=now)}
    assert listed[a.pk] == listed[b.pk] == 69  # never visited: counted from the join date

    do(world, planned(world, a, dt.date(2027, 3, 11)), start=now)

    listed = {r["id"]: r["days"] for r in shops_not_visited(user=world.account_manager, now=now)}
    assert a.pk not in listed and listed[b.pk] == 69
    assert not {a.pk, b.pk} & {r["id"] for r in shops_not_visited(user=world.outsider, now=now)}


def test_the_not_visited_list_costs_the_same_queries_whatever_the_city(world, django_assert_max_num_queries):
    from serviceloop.visits.services import visitdue_refresh

    visitdue_refresh(now=dt.datetime(2027, 3, 11, 9, tzinfo=TZ))
    with django_assert_max_num_queries(
        2
    ):  # the oldest overdue shops' ids, then the user's among them (issue 14)
        shops_not_visited(user=world.city_admin, now=dt.datetime(2027, 3, 11, 9, tzinfo=TZ), limit=50)


def test_a_stations_not_visited_list_is_one_query_and_the_head_of_the_whole_list(
    world, django_assert_num_queries
):
    """A station's area or less reads its own shops' rows (one query in any city); a city user reads a window of
    the city's oldest overdue shops. Both give the head of the list the page would give without a limit."""
    from serviceloop.visits.services import visitdue_refresh

    now = dt.datetime(2027, 3, 11, 9, tzinfo=TZ)
    for shop in [s for shops in world.shops.values() for s in shops]:
        shop.joined_on = dt.date(2027, 1, 1) + dt.timedelta(days=shop.pk % 7)  # overdue, by different spans
        shop.save(update_fields=["joined_on"])
    visitdue_refresh(now=now)
    for user in (world.station_head, world.account_manager, world.market_manager, world.outsider):
        whole = [r["id"] for r in shops_not_visited(user=user, now=now)]
        with django_assert_num_queries(1):
            head = [r["id"] for r in shops_not_visited(user=user, now=now, limit=2)]
        assert whole and head == whole[:2], user
    whole = [r["id"] for r in shops_not_visited(user=world.city_admin, now=now)]
    assert len(whole) == 8
    assert [r["id"] for r in shops_not_visited(user=world.city_admin, now=now, limit=3)] == whole[:3]


def test_a_missed_visit_is_moved_or_cancelled_only_by_the_station_head_or_market_manager(world):
    """Once its day has passed a planned visit counts as not done; its own manager cannot take it out of the plan
    (cancelled visits count nowhere), while moving or cancelling it before or on its day stays theirs."""
    shop = world.shops["张湾1号线"][0]
    yesterday = NOW.date() - dt.timedelta(days=1)
    missed = planned(world, shop, yesterday)
    for change in (
        lambda v, who: visit_cancel(visit=v, reason="忘了去", actor=who, now=NOW),
        lambda v, who: visit_move(visit=v, day=NOW.date() + dt.timedelta(days=1), actor=who, now=NOW),
    ):
        with pytest.raises(ValidationError) as refused:
            change(missed, world.account_manager)
        assert refused.value.code == "missed_visit"
    missed.refresh_from_db()
    assert (missed.status, missed.planned_on) == ("planned", yesterday) and not missed.events.exists()
    with pytest.raises(PermissionDenied):  # an outsider is refused before being told anything about the visit
        visit_cancel(visit=missed, reason="x", actor=world.outsider, now=NOW)
    assert (
        visit_move(visit=missed, day=NOW.date(), actor=world.station_head, now=NOW).planned_on == NOW.date()
    )
    other = planned(world, shop, yesterday - dt.timedelta(days=1))
    assert (
        visit_cancel(visit=other, reason="客户停业", actor=world.market_manager, now=NOW).status
        == "cancelled"
    )
    today = planned(world, shop, NOW.date())  # its day has not passed: still the manager's to change
    assert (
        visit_cancel(visit=today, reason="店主外出", actor=world.account_manager, now=NOW).status
        == "cancelled"
    )


def test_the_visit_compliance_kpi_counts_the_plan_as_the_compliance_page_does(world):
    """Both leave cancelled visits out: the same route and month show the same rate on both pages."""
    from serviceloop.kpis.compute import kpivalues_compute
    from serviceloop.kpis.models import KpiValue

    shop = world.shops["张湾1号线"][0]
    days = [dt.date(2027, 3, d) for d in (2, 3, 4, 5)]
    vs = [planned(world, shop, d) for d in days]
    do(world, vs[0], start=dt.datetime(2027, 3, 2, 9, tzinfo=TZ))
    do(world, vs[1], start=dt.datetime(2027, 3, 3, 9, tzinfo=TZ))
    visit_cancel(visit=vs[2], reason="店铺装修停业", actor=world.station_head, now=NOW)  # its day had passed
    kpivalues_compute(
        months=[dt.date(2027, 3, 1)], now=dt.datetime(2027, 4, 2, 1, tzinfo=TZ), codes=["visit_compliance"]
    )
    kpi = KpiValue.objects.get(kpi__code="visit_compliance", level="route", unit_id=shop.route_id)
    [row] = compliance(user=world.city_admin, first=days[0].replace(day=1), last=dt.date(2027, 3, 31), by="route",
                       today=dt.date(2027, 4, 1))  # fmt: skip
    assert (kpi.numerator, kpi.denominator) == (row.done, row.due) == (2, 3)
    assert round(kpi.value, 1) == row.rate == 66.7
