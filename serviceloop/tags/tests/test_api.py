"""The tag loop over the API: library read, attach (idempotent), remove → verify / send back; scope and messages
as on the pages."""

import pytest
from rest_framework.test import APIClient

from serviceloop.tags.models import CustomerTag, ProblemTag, TagStatus

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def tag(world):
    return ProblemTag.objects.filter(active=True).select_related("strategy").order_by("pk").first()


def attach(client, shop, tag, **extra):
    body = {"customer": shop.pk, "tag": tag.pk, "source": "data", "reason": "订货量连续下降", **extra}
    return client.post("/api/v1/customer-tags/", body, format="json")


def test_it_reads_the_library_with_strategies(world, tag):
    r = api(world.agent).get("/api/v1/problem-tags/", {"q": tag.name})
    assert r.status_code == 200
    found = [t for t in r.json()["results"] if t["id"] == tag.pk][0]
    assert found["strategy"]["steps"] == tag.strategy.steps


def test_it_attaches_once_per_idempotency_key_and_lists_in_scope(world, tag):
    client, shop = api(world.account_manager), world.shops["张湾1号线"][0]
    body = {"customer": shop.pk, "tag": tag.pk, "source": "data", "reason": "订货量连续下降"}
    one = client.post("/api/v1/customer-tags/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    two = client.post("/api/v1/customer-tags/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert one.status_code == 201 and two.status_code == 201 and two["Idempotent-Replayed"] == "true"
    assert one.json()["id"] == two.json()["id"] and CustomerTag.objects.count() == 1
    other = client.post(
        "/api/v1/customer-tags/", {**body, "reason": "别的"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert other.status_code == 409
    # Without a key, the second attach is the service's own duplicate refusal, in its own words.
    dup = client.post("/api/v1/customer-tags/", body, format="json")
    assert dup.status_code == 400 and tag.name in dup.json()["non_field_errors"][0]
    listed = client.get("/api/v1/customer-tags/", {"status": "attached"}).json()
    assert [t["id"] for t in listed["results"]] == [one.json()["id"]]
    assert api(world.outsider).get("/api/v1/customer-tags/").json()["count"] == 0
    assert api(world.outsider).get(f"/api/v1/customer-tags/{one.json()['id']}/").status_code == 404


def test_an_outsider_cannot_attach_to_a_shop_outside_their_routes(world, tag):
    r = attach(api(world.outsider), world.shops["张湾1号线"][0], tag)
    assert r.status_code == 404 and not CustomerTag.objects.exists()


@pytest.mark.parametrize(
    "change,field",
    [({"reason": ""}, "reason"), ({"reason": "长" * 1001}, "reason"), ({"source": "gossip"}, "source"),
     ({"tag": 999999}, "tag"), ({"customer": "x"}, "customer")],
)  # fmt: skip
def test_it_refuses_bad_input_with_the_forms_messages(world, tag, change, field):
    shop = world.shops["张湾1号线"][0]
    body = {"customer": shop.pk, "tag": tag.pk, "source": "data", "reason": "原因", **change}
    r = api(world.account_manager).post("/api/v1/customer-tags/", body, format="json")
    assert r.status_code == 400 and field in r.json(), r.json()


def test_the_loop_remove_send_back_remove_verify(world, tag):
    shop = world.shops["张湾1号线"][0]
    am, head = api(world.account_manager), api(world.station_head)
    ctag = attach(am, shop, tag).json()
    url = f"/api/v1/customer-tags/{ctag['id']}/"
    assert ctag["allowed_actions"] == ["remove"]
    bad = am.post(url + "remove/", {"note": "做了", "steps": []}, format="json")
    assert bad.status_code == 400 and "non_field_errors" in bad.json()
    assert am.post(url + "verify/", {}, format="json").status_code == 403
    done = am.post(url + "remove/", {"note": "上门讲解", "steps": ["1"]}, format="json")
    assert done.status_code == 200 and done.json()["status"] == TagStatus.REMOVED
    back = head.post(url + "send-back/", {"note": ""}, format="json")
    assert back.status_code == 400
    back = head.post(url + "send-back/", {"note": "没有照片"}, format="json")
    assert back.json()["status"] == TagStatus.SENT_BACK
    am.post(url + "remove/", {"note": "补了照片", "steps": ["1"]}, format="json")
    ok = head.post(url + "verify/", {"note": "核实"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == TagStatus.VERIFIED
    assert [e["action"] for e in ok.json()["events"]] == ["attach", "remove", "send_back", "remove", "verify"]
