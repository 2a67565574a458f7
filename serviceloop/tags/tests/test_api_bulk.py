"""Bulk tag attach over the API: one tag, many shops (ids or licence numbers), all or nothing with each bad row's
position, shops already carrying the tag skipped, a dry run, an Idempotency-Key, the page's roles and scope."""

import pytest
from django.test import Client
from django.utils import timezone

from serviceloop.core.models import AuditEvent
from serviceloop.integrations.services import apitoken_create
from serviceloop.tags.models import CustomerTag, ProblemTag
from serviceloop.tags.services import customertag_attach

pytestmark = pytest.mark.django_db
PATH = "/api/v1/customer-tags/bulk/"


def client_of(user, scope="write"):
    _t, secret = apitoken_create(
        user=user, name="t", scope=scope, expires_at=None, actor=user, now=timezone.now()
    )
    return Client(HTTP_AUTHORIZATION=f"Token {secret}")


def post(client, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(PATH, body, content_type="application/json", **headers)


@pytest.fixture
def tag(db):
    return ProblemTag.objects.filter(active=True).order_by("pk").first()


def body(tag, shops, **extra):
    return {"tag": tag.pk, "source": "data", "reason": "订货量连续下降", "shops": shops, **extra}


def test_many_shops_one_tag_all_or_nothing(world, tag):
    mine = world.shops["张湾1号线"]
    customertag_attach(
        customer=mine[0], tag=tag, source="data", reason="已有", actor=None, now=timezone.now()
    )
    am = client_of(world.account_manager)
    rows = [mine[0].licence_no, str(mine[1].pk), mine[1].licence_no]  # the same shop twice counts once
    dry = post(am, body(tag, rows, dry_run=True))
    assert dry.status_code == 200 and dry.json()["skipped"] == 1 and dry.json()["attached"] == 0
    assert CustomerTag.objects.filter(tag=tag).count() == 1
    other = world.shops["城关1号线"][0]
    refused = post(am, body(tag, [*rows, other.licence_no, "no-such-shop"]))
    assert refused.status_code == 422
    assert [(e["row"], e["shop"]) for e in refused.json()["errors"]] == [
        (4, other.licence_no),
        (5, "no-such-shop"),
    ]
    assert CustomerTag.objects.filter(tag=tag).count() == 1  # nothing attached
    made = post(am, body(tag, rows), key="BULK-1")
    assert made.status_code == 201 and made.json()["attached"] == 1 and made.json()["skipped"] == 1
    again = post(am, body(tag, rows), key="BULK-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert CustomerTag.objects.filter(tag=tag).count() == 2
    assert post(am, body(tag, rows[:1]), key="BULK-1").status_code == 409
    assert AuditEvent.objects.filter(action="tag.bulk_attach").count() == 1


@pytest.mark.parametrize(
    "change,field",
    [
        ({"shops": []}, "shops"),
        ({"shops": "x"}, "shops"),
        ({"reason": ""}, "reason"),
        ({"reason": "长" * 1001}, "reason"),
        ({"source": "guess"}, "source"),
        ({"tag": "abc"}, "tag"),
        ({"tag": 999999}, "tag"),
    ],
)  # fmt: skip
def test_bad_bodies_get_the_forms_messages(world, tag, change, field):
    response = post(
        client_of(world.account_manager), {**body(tag, [world.shops["张湾1号线"][0].licence_no]), **change}
    )
    assert response.status_code == 400 and field in response.json(), response.content
    assert not CustomerTag.objects.exists()


def test_roles_scope_and_read_tokens(world, tag):
    rows = [world.shops["张湾1号线"][0].licence_no]
    assert post(client_of(world.agent), body(tag, rows)).status_code == 403  # may attach one, not in bulk
    assert post(client_of(world.account_manager, "read"), body(tag, rows)).status_code == 403
    assert post(client_of(world.outsider), body(tag, rows)).status_code == 422  # not in their area
    assert post(client_of(world.account_manager), body(tag, ["a\x00"])).status_code == 400
    assert Client().post(PATH, body(tag, rows), content_type="application/json").status_code == 401


def test_a_bulk_attach_sends_one_tag_attached_event_per_shop(world, tag):
    """Integrators wait for "tag.attached": a bulk attach sends one per shop attached, as a single attach does, in
    two inserts whatever the number of shops."""
    from serviceloop.integrations.models import Delivery, OutboxEvent, Subscription

    Subscription.objects.create(name="营销系统", url="http://127.0.0.1:9/hook", secret="s", kinds=["tag.attached"],
                                created_at=timezone.now())  # fmt: skip
    mine = world.shops["张湾1号线"]
    customertag_attach(
        customer=mine[0], tag=tag, source="data", reason="已有", actor=None, now=timezone.now()
    )
    before = OutboxEvent.objects.count()
    made = post(client_of(world.account_manager), body(tag, [s.licence_no for s in mine]))
    assert made.status_code == 201 and made.json()["attached"] == len(mine) - 1
    events = list(OutboxEvent.objects.order_by("pk")[before:])
    assert [e.kind for e in events] == ["tag.attached"] * (len(mine) - 1)
    assert {e.payload["licence_no"] for e in events} == {s.licence_no for s in mine[1:]}
    assert all(e.payload["tag"] == tag.pk and e.payload["status"] == "attached" for e in events)
    assert Delivery.objects.filter(event__in=events).count() == len(events)
