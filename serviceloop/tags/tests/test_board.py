"""The loop board's arithmetic: counts per group and median stage durations."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from serviceloop.tags.models import ProblemTag
from serviceloop.tags.selectors import board_period, loop_board
from serviceloop.tags.services import customertag_attach, customertag_transition

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=TZ)


def run(world, shop, name, remove_after_h=None, verify_after_h=None, send_back=False):
    ct = customertag_attach(customer=shop, tag=ProblemTag.objects.get(name=name), source="visit", reason="r",
                            actor=world.city_admin, now=T0)  # fmt: skip
    if remove_after_h is not None:
        removed = T0 + dt.timedelta(hours=remove_after_h)
        customertag_transition(
            ctag=ct, action="remove", actor=world.city_admin, now=removed, note="ok", steps=[1]
        )
        if send_back:
            customertag_transition(
                ctag=ct, action="send_back", actor=world.supervisor, now=removed, note="不到位"
            )
        elif verify_after_h is not None:
            customertag_transition(ctag=ct, action="verify", actor=world.supervisor,
                                   now=removed + dt.timedelta(hours=verify_after_h))  # fmt: skip
    return ct


def test_it_counts_each_step_and_takes_medians_per_station_and_strategy(world):
    a1, a2 = world.shops["张湾1号线"]
    b1 = world.shops["茅箭1号线"][0]
    run(world, a1, "不会网上订货", remove_after_h=10, verify_after_h=2)
    run(world, a2, "不会网上订货", remove_after_h=30, verify_after_h=6)
    run(world, b1, "陈列不规范", remove_after_h=20, send_back=True)
    run(world, world.shops["茅箭1号线"][1], "陈列不规范")  # still attached; due after 7 days
    now = T0 + dt.timedelta(days=30)
    board = loop_board(user=world.city_admin, now=now, group="station")
    rows = {r["key"]: r for r in board["rows"]}
    assert rows["张湾服务站"] == {"key": "张湾服务站", "attached": 2, "removed": 2, "verified": 2, "sent_back": 0,
                                 "overdue": 0, "hours_to_remove": 20.0, "hours_to_verify": 4.0}  # fmt: skip
    assert rows["茅箭服务站"]["sent_back"] == 1 and rows["茅箭服务站"]["overdue"] == 2
    assert board["totals"]["attached"] == 4 and board["totals"]["hours_to_remove"] == 20.0
    by_strategy = {r["key"]: r for r in loop_board(user=world.city_admin, now=now, group="strategy")["rows"]}
    assert by_strategy["陈列不规范"]["removed"] == 1
    by_month = loop_board(user=world.city_admin, now=now, group="month")["rows"]
    assert [r["key"] for r in by_month] == ["2027-03"]
    station_only = loop_board(user=world.station_head, now=now)
    assert [r["key"] for r in station_only["rows"]] == ["张湾服务站"]
    assert loop_board(user=world.outsider, now=now)["rows"] == []


def test_the_period_selects_tags_by_attaching_but_overdue_counts_every_open_tag_past_its_time(world):
    march = run(world, world.shops["茅箭1号线"][0], "陈列不规范")  # left open: overdue since 8 March
    april = T0 + dt.timedelta(days=31)
    customertag_attach(customer=world.shops["张湾1号线"][0], tag=ProblemTag.objects.get(name="不会网上订货"),
                       source="visit", reason="r", actor=world.city_admin, now=april)  # fmt: skip
    now = T0 + dt.timedelta(days=45)
    board = loop_board(user=world.city_admin, now=now, group="month", date_from=dt.date(2027, 4, 1))
    rows = {r["key"]: r for r in board["rows"]}
    # March is before the period: no attaching counted, but its neglected tag stays in sight
    assert rows["2027-03"]["attached"] == 0 and rows["2027-03"]["overdue"] == 1
    assert rows["2027-04"]["attached"] == 1 and rows["2027-04"]["overdue"] == 0
    assert board["totals"]["attached"] == 1 and board["totals"]["overdue"] == 1
    # the bounds are whole local days, both included
    assert loop_board(user=world.city_admin, now=now, date_from=april.date(), date_to=april.date())["totals"][
        "attached"] == 1  # fmt: skip
    assert loop_board(user=world.city_admin, now=now, date_to=dt.date(2027, 2, 28))["totals"]["attached"] == 0
    # a station narrows both halves; a station outside the user's area shows nothing
    by_station = loop_board(user=world.city_admin, now=now, station=march.customer.station_id)
    assert by_station["totals"]["attached"] == 1 and by_station["totals"]["overdue"] == 1
    assert loop_board(user=world.station_head, now=now, station=march.customer.station_id)["rows"] == []


def test_the_default_period_is_this_month_and_the_eleven_before():
    assert board_period({}, today=dt.date(2027, 3, 15)) == (dt.date(2026, 4, 1), None)
    assert board_period({}, today=dt.date(2027, 12, 31)) == (dt.date(2027, 1, 1), None)
    # a field sent empty means no bound; a malformed date is no bound either
    assert board_period({"date_from": "", "date_to": "2027-02-30"}, today=dt.date(2027, 3, 15)) == (
        None,
        None,
    )
    assert board_period({"date_from": "2027-01-05", "date_to": "2027-02-01"}, today=dt.date(2027, 3, 15)) == (
        dt.date(2027, 1, 5), dt.date(2027, 2, 1))  # fmt: skip
