"""Each key-customer list's rule at its boundary, and the daily refresh."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from serviceloop.customers.models import CustomerChange
from serviceloop.tags.models import ProblemTag
from serviceloop.tags.services import customertag_attach, customertag_transition
from serviceloop.visits.keylists import compute_lists, grade_at, job_keylists
from serviceloop.visits.models import KeyCustomerEntry, KeyListSettings, Visit

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2027, 3, 31, 12, 0, tzinfo=TZ)


def lists(now=NOW):
    return compute_lists(now)


def test_it_lists_quality_terminals_and_care_owners(world):
    a, b = world.shops["张湾1号线"]
    a.quality_terminal = True
    a.save()
    b.care_flag, b.care_note = True, "店主腿脚不便"
    b.save()
    got = lists()
    assert set(got["quality_terminal"]) == {a.pk} and got["care"] == {b.pk: "店主腿脚不便"}


def test_it_lists_a_grade_drop_exactly_within_the_window(world):
    a, b = world.shops["张湾1号线"]
    days = KeyListSettings.current().grade_drop_days
    edge = NOW - dt.timedelta(days=days)
    CustomerChange.objects.create(customer=a, field="grade", old_value="12", new_value="9", changed_at=edge,
                                  source="manual")  # fmt: skip
    CustomerChange.objects.create(customer=b, field="grade", old_value="12", new_value="9",
                                  changed_at=edge - dt.timedelta(seconds=1), source="manual")  # fmt: skip
    c = world.shops["张湾2号线"][0]
    CustomerChange.objects.create(customer=c, field="grade", old_value="9", new_value="12", changed_at=NOW,
                                  source="manual")  # a rise  # fmt: skip
    d = world.shops["张湾2号线"][1]
    CustomerChange.objects.create(customer=d, field="grade", old_value="", new_value="5", changed_at=NOW,
                                  source="manual")  # no old value  # fmt: skip
    assert set(lists()["grade_dropped"]) == {a.pk}


def test_it_reads_a_past_grade_from_the_first_change_after_that_moment(world):
    a = world.shops["张湾1号线"][0]  # grade 10 now
    CustomerChange.objects.create(customer=a, field="grade", old_value="14", new_value="12",
                                  changed_at=NOW - dt.timedelta(days=20), source="manual")  # fmt: skip
    CustomerChange.objects.create(customer=a, field="grade", old_value="12", new_value="10",
                                  changed_at=NOW - dt.timedelta(days=5), source="manual")  # fmt: skip
    assert grade_at(a.pk, NOW - dt.timedelta(days=30), a.grade) == "14"
    assert grade_at(a.pk, NOW - dt.timedelta(days=10), a.grade) == "12"
    assert grade_at(a.pk, NOW - dt.timedelta(days=1), a.grade) == "10"


def closed_visits(world, shop, n, start):
    for i in range(n):
        at = start + dt.timedelta(days=i)
        Visit.objects.create(customer=shop, manager=world.account_manager, route=shop.route, planned_on=at.date(),
                             source="manual", status="done", outcome="shop_closed", check_in_at=at,
                             check_out_at=at)  # fmt: skip


def test_it_lists_frequently_closed_shops_at_the_threshold_inside_the_window(world):
    cfg = KeyListSettings.current()
    a, b = world.shops["张湾1号线"]
    window_start = NOW - dt.timedelta(days=cfg.closed_window_days)
    closed_visits(world, a, cfg.closed_min_visits, window_start)
    closed_visits(world, b, cfg.closed_min_visits, window_start - dt.timedelta(days=1))  # one falls outside
    assert set(lists()["frequently_closed"]) == {a.pk}


def test_it_lists_capital_pressure_from_live_capital_tags_only(world):
    a, b = world.shops["张湾1号线"]
    cash = ProblemTag.objects.get(name="资金周转困难")
    customertag_attach(
        customer=a, tag=cash, source="data", reason="少订", actor=world.account_manager, now=NOW
    )
    ct = customertag_attach(
        customer=b, tag=cash, source="data", reason="少订", actor=world.account_manager, now=NOW
    )
    customertag_attach(customer=b, tag=ProblemTag.objects.get(name="陈列不规范"), source="visit", reason="乱",
                       actor=world.account_manager, now=NOW)  # fmt: skip
    customertag_transition(
        ctag=ct, action="remove", actor=world.account_manager, now=NOW, note="ok", steps=[1]
    )
    assert set(lists()["capital_pressure"]) == {a.pk, b.pk}  # removed, awaiting verification: still live
    customertag_transition(ctag=ct, action="verify", actor=world.station_head, now=NOW)
    assert set(lists()["capital_pressure"]) == {a.pk}


def test_it_lists_new_shops_until_the_end_of_their_third_month(world):
    a, b = world.shops["张湾1号线"]
    c = world.shops["张湾2号线"][0]
    a.joined_on = dt.date(2027, 1, 1)  # 3 months end on 1 April: still new on 31 March
    a.save()
    b.joined_on = dt.date(2026, 12, 31)  # anniversary 31 March: no longer new
    b.save()
    c.joined_on = dt.date(2027, 4, 1)  # not joined yet
    c.save()
    assert set(lists()["new_shop"]) == {a.pk}


def test_the_daily_job_keeps_since_dates_and_drops_shops_that_leave(world):
    a, b = world.shops["张湾1号线"]
    a.care_flag = b.care_flag = True
    a.save()
    b.save()
    assert "care=2" in job_keylists(NOW)
    b.care_flag = False
    b.save()
    job_keylists(NOW + dt.timedelta(days=1))
    entry = KeyCustomerEntry.objects.get(key_list="care")
    assert entry.customer_id == a.pk and entry.since == NOW.date()


def test_only_city_admins_change_the_thresholds_and_bad_values_are_refused(world, login):
    assert login(world.station_head).post("/visits/key-lists/", {"grade_drop_days": 30}).status_code == 403
    client = login(world.city_admin)
    good = {"grade_drop_days": 30, "closed_window_days": 60, "closed_min_visits": 2, "complaint_days": 90,
            "new_shop_months": 3}  # fmt: skip
    assert client.post("/visits/key-lists/", {**good, "closed_min_visits": "x"}).status_code == 200
    assert client.post("/visits/key-lists/", {**good, "new_shop_months": 0}).status_code == 200
    assert KeyListSettings.current().grade_drop_days == 90
    assert client.post("/visits/key-lists/", good).status_code == 302
    assert KeyListSettings.current().grade_drop_days == 30
