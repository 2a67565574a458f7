"""Visit pages: bad input, duplicates, policy editing, query counts of the lists."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from serviceloop.visits.models import KeyCustomerEntry, Visit, VisitPolicy

pytestmark = pytest.mark.django_db


def planned(world, shop, day=None):
    return Visit.objects.create(customer=shop, manager=world.account_manager, route=shop.route, source="generated",
                                planned_on=day or timezone.localdate(), policy=VisitPolicy.objects.get(name="三四星客户"))  # fmt: skip


def test_it_refuses_bad_record_input_and_a_second_check_out(world, login):
    v = planned(world, world.shops["张湾1号线"][0])
    client = login(world.account_manager)
    client.post(f"/visits/{v.pk}/", {"step": "check_in"})
    for bad in [{"outcome": "visited", "covered": ["宣传政策法规"], "notes": "长" * 2001},
                {"outcome": "", "covered": []}, {"outcome": "visited", "covered": ["随便写的"]}]:  # fmt: skip
        r = client.post(f"/visits/{v.pk}/", {"step": "record", **bad})
        assert r.status_code == 200
    v.refresh_from_db()
    assert v.status == "in_progress"
    ok = {"step": "record", "outcome": "owner_absent", "notes": "店主外出"}
    assert client.post(f"/visits/{v.pk}/", ok).status_code == 302
    r = client.post(f"/visits/{v.pk}/", ok)  # the same form sent twice
    assert r.status_code == 200 and "请先签到" in r.content.decode()
    assert Visit.objects.get(pk=v.pk).events.filter(action="record").count() == 1


def test_it_moves_with_a_valid_future_date_only(world, login):
    v = planned(world, world.shops["张湾1号线"][0])
    client = login(world.account_manager)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    for day in ["2020-01-01", "not-a-date", ""]:
        client.post(f"/visits/{v.pk}/", {"step": "move", "move-day": day})
        v.refresh_from_db()
        assert v.planned_on == timezone.localdate()
    assert (
        client.post(f"/visits/{v.pk}/", {"step": "move", "move-day": tomorrow.isoformat()}).status_code == 302
    )
    v.refresh_from_db()
    assert v.planned_on == tomorrow
    assert client.post(f"/visits/{v.pk}/", {"step": "cancel", "reason": ""}).status_code == 200
    assert (
        login(world.outsider).post(f"/visits/{v.pk}/", {"step": "cancel", "reason": "x"}).status_code == 404
    )


def test_only_city_admins_edit_policies_and_bad_values_are_refused(world, login):
    policy = VisitPolicy.objects.get(name="五星客户")
    client = login(world.city_admin)
    data = {"name": policy.name, "kind": "stars", "stars_min": 5, "stars_max": 5, "key_list": "",
            "visits_per_month": 12, "min_minutes": 30, "max_gap_days": 7, "checklist": "引荐新品", "active": "on"}  # fmt: skip
    for bad in [{"visits_per_month": 0}, {"visits_per_month": "x"}, {"stars_min": 5, "stars_max": 3},
                {"name": ""}, {"checklist": "长" * 2001}]:  # fmt: skip
        assert client.post(f"/visits/policies/{policy.pk}/", {**data, **bad}).status_code == 200
    assert client.post(f"/visits/policies/{policy.pk}/", data).status_code == 302
    policy.refresh_from_db()
    assert policy.visits_per_month == 12
    for user in (world.account_manager, world.station_head, world.outsider):
        assert login(user).post(f"/visits/policies/{policy.pk}/", data).status_code == 403


def test_list_pages_use_a_fixed_number_of_queries(world, login):
    shops = [s for route in world.shops.values() for s in route]
    client = login(world.city_admin)
    planned(world, shops[0])
    KeyCustomerEntry.objects.create(key_list="care", customer=shops[0], since=timezone.localdate(),
                                    computed_at=timezone.now())  # fmt: skip
    with CaptureQueriesContext(connection) as one_visits:
        client.get("/visits/")
    with CaptureQueriesContext(connection) as one_entries:
        client.get("/visits/key-lists/", {"list": "care"})
    for i, shop in enumerate(shops[1:]):
        Visit.objects.create(customer=shop, manager=world.account_manager, route=shop.route, source="manual",
                             planned_on=timezone.localdate() - dt.timedelta(days=i))  # fmt: skip
        KeyCustomerEntry.objects.create(key_list="care", customer=shop, since=timezone.localdate(),
                                        computed_at=timezone.now())  # fmt: skip
    with CaptureQueriesContext(connection) as many_visits:
        r = client.get("/visits/")
    assert len(r.context["page"]) == 8 and len(many_visits) == len(one_visits)
    # read keys first, then the page's rows: the order survives the second query
    order = [(v.planned_on, v.customer.name) for v in r.context["page"]]
    assert order == sorted(order, key=lambda o: (-o[0].toordinal(), o[1]))
    with CaptureQueriesContext(connection) as many_entries:
        r = client.get("/visits/key-lists/", {"list": "care"})
    assert len(r.context["page"]) == 8 and len(many_entries) == len(one_entries)
