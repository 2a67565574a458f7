"""The tag loop: attach → remove → verify / send back, sampling, scope, deadlines, libraries."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from serviceloop.customers.models import Customer
from serviceloop.tags.models import CustomerTag, CustomerTagEvent, LibraryEdit, ProblemTag, TagStatus
from serviceloop.tags.services import (
    customertag_attach,
    customertag_transition,
    customertags_attach_bulk,
    due_at_for,
    library_save,
)

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=TZ)


def tag(name="不会网上订货"):
    return ProblemTag.objects.select_related("strategy").get(name=name)


def attach(world, shop=None, actor=None, name="不会网上订货", now=NOW):
    shop = shop or world.shops["张湾1号线"][0]
    return customertag_attach(customer=shop, tag=tag(name), source="visit", reason="店主不会登录平台",
                              actor=actor or world.account_manager, now=now)  # fmt: skip


def test_it_ships_a_starter_library_of_at_least_25_tags_each_with_a_strategy_and_history():
    tags = ProblemTag.objects.select_related("strategy")
    assert tags.count() >= 25
    for t in tags:
        assert t.strategy.steps and t.strategy.time_limit_days >= 1
    assert LibraryEdit.objects.filter(version=1).count() == tags.count()
    assert {"资金周转困难", "电子结算余额经常不足", "防假防盗意识薄弱", "新店需要指导"} <= set(
        tags.values_list("name", flat=True)
    )


def test_it_keeps_a_version_per_library_edit_and_refuses_stale_edits_and_non_admins(world):
    t = tag()
    library_save(tag=t, data={"time_limit_days": 10, "description": "新说明"}, actor=world.city_admin, now=NOW,
                 expected_version=1)  # fmt: skip
    t.refresh_from_db()
    assert t.version == 2 and t.strategy.time_limit_days == 10
    assert list(t.edits.order_by("version").values_list("version", flat=True)) == [1, 2]
    assert t.edits.get(version=2).snapshot["time_limit_days"] == 10
    with pytest.raises(ValidationError):
        library_save(tag=t, data={"description": "x"}, actor=world.city_admin, now=NOW, expected_version=1)
    with pytest.raises(PermissionDenied):
        library_save(tag=t, data={"description": "x"}, actor=world.station_head, now=NOW)
    with pytest.raises(ValidationError):
        library_save(tag=t, data={"time_limit_days": 0}, actor=world.city_admin, now=NOW)


def test_it_runs_the_full_loop_with_an_event_per_step(world):
    ct = attach(world)
    assert ct.status == TagStatus.ATTACHED
    ct = customertag_transition(ctag=ct, action="remove", actor=world.account_manager, now=NOW, note="教会网上订货",
                                steps=[1, 2], evidence="截图")  # fmt: skip
    assert ct.status == TagStatus.REMOVED and ct.removed_by == world.account_manager
    ct = customertag_transition(
        ctag=ct, action="send_back", actor=world.station_head, now=NOW, note="未独立下单"
    )
    assert ct.status == TagStatus.SENT_BACK
    ct = customertag_transition(ctag=ct, action="remove", actor=world.account_manager, now=NOW, note="再次指导",
                                steps=[3, 4])  # fmt: skip
    ct = customertag_transition(ctag=ct, action="verify", actor=world.station_head, now=NOW)
    assert ct.status == TagStatus.VERIFIED and ct.verified_by == world.station_head
    ct = customertag_transition(ctag=ct, action="sample_pass", actor=world.branch_manager, now=NOW)
    ct = customertag_transition(
        ctag=ct, action="overturn", actor=world.city_admin, now=NOW, note="抽查发现仍不会"
    )
    assert ct.status == TagStatus.SENT_BACK
    actions = list(
        CustomerTagEvent.objects.filter(customer_tag=ct).values_list("action", "from_status", "to_status")
    )
    assert actions == [
        ("attach", "", "attached"), ("remove", "attached", "removed"), ("send_back", "removed", "sent_back"),
        ("remove", "sent_back", "removed"), ("verify", "removed", "verified"),
        ("sample_pass", "verified", "verified"), ("overturn", "verified", "sent_back"),
    ]  # fmt: skip
    assert CustomerTagEvent.objects.get(customer_tag=ct, action="remove", from_status="attached").data[
        "steps"
    ] == [1, 2]


@pytest.mark.parametrize(
    "action,status", [("verify", "attached"), ("send_back", "attached"), ("remove", "removed"),
                      ("sample_pass", "attached"), ("overturn", "removed"), ("remove", "verified")]
)  # fmt: skip
def test_it_refuses_moves_not_in_the_table(world, action, status):
    ct = attach(world)
    CustomerTag.objects.filter(pk=ct.pk).update(status=status)
    with pytest.raises(ValidationError):
        customertag_transition(ctag=ct, action=action, actor=world.city_admin, now=NOW, note="x", steps=[1])


def test_it_requires_what_was_done_valid_steps_and_reasons(world):
    ct = attach(world)
    for kwargs in [{"note": "", "steps": [1]}, {"note": "做了", "steps": []}, {"note": "做了", "steps": [99]},
                   {"note": "做了", "steps": ["a"]}]:  # fmt: skip
        with pytest.raises(ValidationError):
            customertag_transition(ctag=ct, action="remove", actor=world.account_manager, now=NOW, **kwargs)
    customertag_transition(
        ctag=ct, action="remove", actor=world.account_manager, now=NOW, note="做了", steps=[1]
    )
    with pytest.raises(ValidationError):
        customertag_transition(ctag=ct, action="send_back", actor=world.station_head, now=NOW, note=" ")


def test_it_lets_a_manager_tag_only_their_routes_shops(world):
    with pytest.raises(PermissionDenied):
        attach(world, shop=world.shops["张湾2号线"][0])
    with pytest.raises(PermissionDenied):
        attach(world, actor=world.outsider)
    assert attach(world, shop=world.shops["城关1号线"][0], actor=world.outsider).pk


def test_it_lets_only_the_shops_station_head_or_a_supervisor_verify(world):
    from serviceloop.core.testing import make_user

    ct = attach(world)
    customertag_transition(
        ctag=ct, action="remove", actor=world.account_manager, now=NOW, note="ok", steps=[1]
    )
    other_head = make_user("head_a2", "station_head", company=world.company, branch=world.branch_a,
                           station=world.station_a2)  # fmt: skip
    for user in (other_head, world.account_manager, world.outsider, world.agent, world.market_manager):
        with pytest.raises(PermissionDenied):
            customertag_transition(ctag=ct, action="verify", actor=user, now=NOW)
    assert (
        customertag_transition(ctag=ct, action="verify", actor=world.supervisor, now=NOW).status == "verified"
    )


def test_it_does_not_let_the_remover_verify_nor_the_verifier_sample(world):
    ct = attach(world, actor=world.station_head)
    customertag_transition(ctag=ct, action="remove", actor=world.station_head, now=NOW, note="ok", steps=[1])
    with pytest.raises(PermissionDenied):
        customertag_transition(ctag=ct, action="verify", actor=world.station_head, now=NOW)
    customertag_transition(ctag=ct, action="verify", actor=world.supervisor, now=NOW)
    with pytest.raises(PermissionDenied):
        customertag_transition(ctag=ct, action="overturn", actor=world.supervisor, now=NOW, note="x")
    with pytest.raises(PermissionDenied):  # station level does not sample
        customertag_transition(ctag=ct, action="sample_pass", actor=world.station_head, now=NOW)
    assert customertag_transition(
        ctag=ct, action="sample_pass", actor=world.branch_manager, now=NOW
    ).sampled_at


def test_it_refuses_a_duplicate_live_tag_but_allows_it_again_after_verification(world):
    ct = attach(world)
    with pytest.raises(ValidationError):
        attach(world)
    customertag_transition(
        ctag=ct, action="remove", actor=world.account_manager, now=NOW, note="ok", steps=[1]
    )
    with pytest.raises(ValidationError):
        attach(world)
    customertag_transition(ctag=ct, action="verify", actor=world.station_head, now=NOW)
    assert attach(world).pk != ct.pk


def test_it_sets_deadlines_by_calendar_days_ending_at_local_midnight():
    late = dt.datetime(2026, 11, 23, 23, 50, tzinfo=TZ)
    assert due_at_for(late, 1) == dt.datetime(2026, 11, 25, 0, 0, tzinfo=TZ)
    assert due_at_for(dt.datetime(2026, 11, 23, 0, 5, tzinfo=TZ), 1) == dt.datetime(2026, 11, 25, tzinfo=TZ)
    # A UTC moment that is already the next day in Shanghai counts from the Shanghai day.
    utc = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)  # 01:00 on 1 December in Shanghai
    assert due_at_for(utc, 7) == dt.datetime(2026, 12, 9, tzinfo=TZ)


def test_it_marks_tags_overdue_after_their_deadline_and_resets_it_on_send_back(world):
    ct = attach(world, name="缺少明码标价")  # 3 days
    assert ct.due_at == dt.datetime(2026, 11, 27, tzinfo=TZ)
    assert not ct.is_overdue(dt.datetime(2026, 11, 26, 23, 59, tzinfo=TZ))
    assert ct.is_overdue(dt.datetime(2026, 11, 27, 0, 1, tzinfo=TZ))
    later = dt.datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
    customertag_transition(
        ctag=ct, action="remove", actor=world.account_manager, now=later, note="ok", steps=[1]
    )
    ct.refresh_from_db()
    assert not ct.is_overdue(later + dt.timedelta(days=30))  # removed: the clock stops
    ct = customertag_transition(
        ctag=ct, action="send_back", actor=world.station_head, now=later, note="价签不全"
    )
    assert ct.due_at == dt.datetime(2026, 12, 4, tzinfo=TZ)


def test_it_attaches_in_bulk_only_to_visible_shops_and_skips_those_already_tagged(world):
    attach(world)
    all_shops = Customer.objects.all()
    made, skipped = customertags_attach_bulk(customers=all_shops, tag=tag(), source="data", reason="未开通网上订货",
                                             actor=world.account_manager, now=NOW)  # fmt: skip
    assert (made, skipped) == (1, 1)  # the manager sees only their route's two shops
    made, skipped = customertags_attach_bulk(customers=all_shops, tag=tag(), source="data", reason="未开通",
                                             actor=world.city_admin, now=NOW)  # fmt: skip
    assert (made, skipped) == (6, 2)
    assert CustomerTagEvent.objects.filter(action="attach").count() == 8
    with pytest.raises(ValidationError):
        customertags_attach_bulk(customers=all_shops, tag=tag(), source="data", reason="", actor=world.city_admin,
                                 now=NOW)  # fmt: skip
