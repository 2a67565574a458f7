"""Tag and visit pages over HTTP: scope, permissions, bad input, export, query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from serviceloop.tags.models import CustomerTag, ProblemTag
from serviceloop.tags.services import customertag_attach
from serviceloop.visits.models import Visit, VisitPolicy

pytestmark = pytest.mark.django_db


def tag_on(world, shop):
    return customertag_attach(customer=shop, tag=ProblemTag.objects.get(name="不会网上订货"), source="visit",
                              reason="不会下单", actor=world.account_manager, now=timezone.now())  # fmt: skip


def test_it_attaches_through_the_page_and_refuses_another_routes_shop(world, login):
    client = login(world.account_manager)
    mine, theirs = world.shops["张湾1号线"][0], world.shops["城关1号线"][0]
    t = ProblemTag.objects.get(name="陈列不规范")
    r = client.post(f"/tags/attach/{mine.pk}/", {"tag": t.pk, "source": "visit", "reason": "价签缺失"})
    assert r.status_code == 302 and CustomerTag.objects.filter(customer=mine, tag=t).exists()
    r = client.post(f"/tags/attach/{mine.pk}/", {"tag": t.pk, "source": "visit", "reason": "价签缺失"})
    assert "已带有" in r.content.decode() or "already" in r.content.decode()  # duplicate refused
    for bad in [{"tag": "abc", "source": "visit", "reason": "x"}, {"tag": t.pk, "source": "x", "reason": "x"},
                {"tag": t.pk, "source": "visit", "reason": "长" * 1001}, {}]:  # fmt: skip
        assert client.post(f"/tags/attach/{mine.pk}/", bad).status_code == 200
    assert (
        client.post(f"/tags/attach/{theirs.pk}/", {"tag": t.pk, "source": "visit", "reason": "x"}).status_code
        == 404
    )
    assert CustomerTag.objects.count() == 1


def test_it_removes_and_verifies_through_the_detail_page_only_for_allowed_people(world, login):
    ct = tag_on(world, world.shops["张湾1号线"][0])
    assert login(world.outsider).get(f"/tags/{ct.pk}/").status_code == 404
    client = login(world.account_manager)
    assert client.post(f"/tags/{ct.pk}/", {"action": "verify"}).status_code == 403
    r = client.post(f"/tags/{ct.pk}/", {"action": "remove", "note": "", "steps": ["1"]})
    assert r.status_code == 200 and "form-errors" in r.content.decode()
    assert (
        client.post(
            f"/tags/{ct.pk}/", {"action": "remove", "note": "教会了", "steps": ["1", "2"]}
        ).status_code
        == 302
    )
    client = login(world.station_head)
    assert client.post(f"/tags/{ct.pk}/", {"action": "verify"}).status_code == 302
    ct.refresh_from_db()
    assert ct.status == "verified"


def test_the_tag_list_export_and_board_work_and_list_queries_do_not_grow(world, login):
    for shop in world.shops["张湾1号线"]:
        tag_on(world, shop)
    client = login(world.city_admin)
    with CaptureQueriesContext(connection) as small:
        client.get("/tags/")
    with CaptureQueriesContext(connection) as board_small:
        client.get("/tags/board/", {"group": "month"})
    for route in ("张湾2号线", "茅箭1号线", "城关1号线"):
        for shop in world.shops[route]:
            customertag_attach(customer=shop, tag=ProblemTag.objects.get(name="陈列不规范"), source="visit",
                               reason="乱", actor=world.city_admin, now=timezone.now())  # fmt: skip
    with CaptureQueriesContext(connection) as big:
        r = client.get("/tags/")
    assert len(r.context["page"]) == 8 and len(big) == len(small)
    with CaptureQueriesContext(connection) as board_big:
        client.get("/tags/board/", {"group": "month"})
    assert len(board_big) == len(board_small)  # the board's queries do not grow with its tags either
    assert "/work/" in client.get("/tags/export/")["Location"]  # queued, see test_export
    for group in ("station", "strategy", "month"):
        r = client.get("/tags/board/", {"group": group})
        assert r.status_code == 200 and r.context["data"]["totals"]["attached"] == 8
    assert client.get("/tags/board/", {"export": "1"}).status_code == 200
    assert login(world.outsider).get("/tags/board/").context["data"]["totals"]["attached"] == 2


def test_bulk_attach_confirms_the_count_of_the_customer_filter(world, login):
    client = login(world.city_admin)
    t = ProblemTag.objects.get(name="不会网上订货")
    r = client.get("/tags/bulk/", {"station": world.station_a1.pk})
    assert r.context["count"] == 4
    r = client.post(f"/tags/bulk/?station={world.station_a1.pk}", {"tag": t.pk, "source": "data", "reason": "未开通",
                                                                  "expected": 3})  # fmt: skip
    assert r.status_code == 200 and CustomerTag.objects.count() == 0  # the count changed: confirm again
    r = client.post(f"/tags/bulk/?station={world.station_a1.pk}", {"tag": t.pk, "source": "data", "reason": "未开通",
                                                                  "expected": 4})  # fmt: skip
    assert r.status_code == 302 and CustomerTag.objects.count() == 4


def test_only_city_admins_edit_the_library_and_each_save_is_a_version(world, login):
    t = ProblemTag.objects.select_related("strategy").get(name="不会网上订货")
    assert login(world.station_head).get(f"/tags/library/{t.pk}/").status_code == 403
    client = login(world.city_admin)
    data = {"category": "ordering", "name": t.name, "description": "d", "discovery_source": "visit", "severity": 2,
            "active": "on", "actions": "步骤一\n步骤二", "responsible_role": "account_manager",
            "time_limit_days": 9, "materials": "", "version": 1}  # fmt: skip
    assert client.post(f"/tags/library/{t.pk}/", data).status_code == 302
    assert client.post(f"/tags/library/{t.pk}/", data).status_code == 200  # stale version refused
    assert (
        client.post(f"/tags/library/{t.pk}/", {**data, "version": 2, "time_limit_days": "x"}).status_code
        == 200
    )
    assert t.edits.count() == 2
    assert client.get("/tags/library/").status_code == 200


def test_visit_pages_today_record_compliance_keylists_policies_and_cycle(world, login):
    shop = world.shops["张湾1号线"][0]
    v = Visit.objects.create(customer=shop, manager=world.account_manager, route=shop.route, source="generated",
                             planned_on=timezone.localdate(), policy=VisitPolicy.objects.get(name="三四星客户"))  # fmt: skip
    client = login(world.account_manager)
    assert shop.name in client.get("/visits/today/").content.decode()
    assert client.post(f"/visits/{v.pk}/", {"step": "check_in", "latitude": "abc"}).status_code == 200
    assert client.post(f"/visits/{v.pk}/", {"step": "check_in"}).status_code == 302
    record = {"step": "record", "outcome": "visited", "covered": ["宣传政策法规"], "notes": "好"}
    r = client.post(f"/visits/{v.pk}/", record)
    assert (
        r.status_code == 200 and "少于策略要求的 20 分钟" in r.content.decode()
    )  # checked out at once: too short
    r = client.post(f"/visits/{v.pk}/", {**record, "short_reason": "店主要出门"})
    assert r.status_code == 302
    v.refresh_from_db()
    assert v.status == "done"
    assert login(world.outsider).get(f"/visits/{v.pk}/").status_code == 404
    client = login(world.account_manager)
    for url in ("/visits/", "/visits/compliance/", "/visits/key-lists/", "/visits/key-lists/?list=care",
                "/visits/policies/", "/visits/cycle/", f"/customers/{shop.pk}/"):  # fmt: skip
        assert client.get(url).status_code == 200, url
    for url in (
        "/visits/?export=1",
        "/visits/compliance/?export=1&by=route",
    ):  # queued, see visits/tests/test_export
        assert "/work/" in client.get(url)["Location"], url
    assert client.post("/visits/cycle/", {"analysis": "订货下降", "plan": "", "evaluation": "",
                                          "improvement": "多走访"}).status_code == 302  # fmt: skip
    # a station head reads any account manager's 135 page in the station, but writes nothing there
    assert login(world.station_head).get("/visits/cycle/").status_code == 200
    assert login(world.station_head).post("/visits/cycle/", {"analysis": "x"}).status_code == 403
    assert (
        login(world.station_head).get(f"/visits/policies/{VisitPolicy.objects.first().pk}/").status_code
        == 403
    )
    r = login(world.account_manager).post(f"/visits/add/{world.shops['城关1号线'][0].pk}/",
                                           {"day": dt.date.today().isoformat()})  # fmt: skip
    assert r.status_code == 404


def test_the_django_admin_edits_the_library_through_the_service_and_keeps_history(world, client):
    from serviceloop.org.models import User

    admin_user = User.objects.create_superuser("root", "root@example.com", "pw-12345678")
    client.force_login(admin_user)
    t = ProblemTag.objects.select_related("strategy").get(name="不会网上订货")
    data = {"category": "ordering", "name": t.name, "description": "新", "discovery_source": "visit", "severity": 2,
            "active": "on", "strategy-TOTAL_FORMS": 1, "strategy-INITIAL_FORMS": 1, "strategy-MIN_NUM_FORMS": 1,
            "strategy-MAX_NUM_FORMS": 1, "strategy-0-id": t.strategy.pk, "strategy-0-tag": t.pk,
            "strategy-0-actions": "一\n二", "strategy-0-responsible_role": "account_manager",
            "strategy-0-time_limit_days": 5, "strategy-0-materials": ""}  # fmt: skip
    r = client.post(f"/admin/tags/problemtag/{t.pk}/change/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    t.refresh_from_db()
    assert t.version == 2 and t.strategy.time_limit_days == 5 and t.edits.count() == 2


def test_the_bulk_page_filters_like_the_customer_list_and_refuses_bad_filters(world, login):
    shop = world.shops["张湾1号线"][0]
    shop.online_ordering = True
    shop.save()
    client = login(world.account_manager)
    assert client.get("/tags/bulk/").context["count"] == 2  # only the manager's own shops
    assert client.get("/tags/bulk/", {"online_ordering": "false"}).context["count"] == 1
    assert (
        client.get("/tags/bulk/", {"station": world.station_b1.pk}).context["count"] == 0
    )  # not theirs: no rows
    assert client.get("/tags/bulk/", {"grade_min": "abc"}).context["count"] == 0


def test_the_tag_list_counts_overdue_and_waiting_tags_in_scope(world, login):
    from serviceloop.tags.services import customertag_transition

    old = timezone.now() - dt.timedelta(days=30)
    overdue = tag_on(world, world.shops["张湾1号线"][0])
    CustomerTag.objects.filter(pk=overdue.pk).update(attached_at=old, due_at=old)
    waiting = tag_on(world, world.shops["张湾1号线"][1])
    customertag_transition(ctag=waiting, action="remove", actor=world.account_manager, now=timezone.now(),
                           note="ok", steps=[1])  # fmt: skip
    r = login(world.station_head).get("/tags/")
    assert r.context["counts"] == {"overdue": 1, "to_verify": 1, "to_sample": 0}
    assert [t.pk for t in login(world.station_head).get("/tags/", {"overdue": "1"}).context["page"]] == [
        overdue.pk
    ]
    assert login(world.outsider).get("/tags/").context["counts"] == {
        "overdue": 0,
        "to_verify": 0,
        "to_sample": 0,
    }
    customertag_transition(ctag=waiting, action="verify", actor=world.station_head, now=timezone.now())
    r = login(world.branch_manager).get("/tags/", {"to_sample": "1"})
    assert r.context["samples"] and [t.pk for t in r.context["page"]] == [waiting.pk]
    customertag_transition(ctag=waiting, action="sample_pass", actor=world.branch_manager, now=timezone.now())
    assert login(world.branch_manager).get("/tags/").context["counts"]["to_sample"] == 0
    assert not login(world.station_head).get("/tags/").context["samples"]
