"""The import's column and value mappings over the API: city admins only (a read-only token may read, not write),
the page's forms, services, messages and audit rows."""

import pytest
from django.test import Client
from django.utils import timezone

from serviceloop.core.models import AuditEvent
from serviceloop.integrations.services import apitoken_create
from serviceloop.trade.models import ColumnAlias, ValueAlias

pytestmark = pytest.mark.django_db
COLUMNS = "/api/v1/trade/column-mappings/"
VALUES = "/api/v1/trade/value-mappings/"


def client_of(user, scope="write"):
    _t, secret = apitoken_create(
        user=user, name="t", scope=scope, expires_at=None, actor=user, now=timezone.now()
    )
    return Client(HTTP_AUTHORIZATION=f"Token {secret}")


def post(client, path, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(path, body, content_type="application/json", **headers)


def test_a_column_mapping_is_added_listed_and_removed_with_audit_rows(world):
    admin = client_of(world.city_admin)
    made = post(admin, COLUMNS, {"target": "orders:order_no", "header": "单据号"}, key="C-1")
    assert made.status_code == 201, made.content
    assert made.json() | {"id": 0} == {"id": 0, "kind": "orders", "field": "order_no", "header": "单据号"}
    assert (
        post(admin, COLUMNS, {"target": "orders:order_no", "header": "单据号"}, key="C-1").status_code == 201
    )
    assert ColumnAlias.objects.count() == 1
    again = post(admin, COLUMNS, {"target": "orders:order_no", "header": " 单据号 "})
    assert again.status_code == 400 and "header" in again.json()
    listed = admin.get(f"{COLUMNS}?kind=orders&q=单据").json()
    assert [r["header"] for r in listed["results"]] == ["单据号"]
    assert admin.get(f"{COLUMNS}?kind=deliveries").json()["count"] == 0
    pk = made.json()["id"]
    assert admin.delete(f"{COLUMNS}{pk}/").status_code == 204
    assert not ColumnAlias.objects.exists()
    assert admin.delete(f"{COLUMNS}{pk}/").status_code == 404
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"trade.columnalias.add", "trade.columnalias.delete"} <= actions


def test_a_value_mapping_is_added_and_removed(world):
    admin = client_of(world.city_admin)
    made = post(admin, VALUES, {"target": "channel:online", "alias": "云订货"})
    assert made.status_code == 201, made.content
    assert made.json()["code"] == "online" and made.json()["field"] == "channel"
    assert admin.get(VALUES).json()["results"][0]["alias"] == "云订货"
    assert admin.delete(f"{VALUES}{made.json()['id']}/").status_code == 204
    assert AuditEvent.objects.filter(action="trade.valuealias.delete").count() == 1
    assert not ValueAlias.objects.exists()


def test_bad_bodies_get_the_forms_messages(world):
    admin = client_of(world.city_admin)
    assert post(admin, COLUMNS, {}).json().keys() >= {"target", "header"}
    assert "target" in post(admin, COLUMNS, {"target": "orders:nope", "header": "x"}).json()
    assert "target" in post(admin, COLUMNS, {"target": 12, "header": "x"}).json()
    assert "header" in post(admin, COLUMNS, {"target": "orders:order_no", "header": "长" * 61}).json()
    assert "header" in post(admin, COLUMNS, {"target": "orders:order_no", "header": ["a"]}).json()
    assert "alias" in post(admin, VALUES, {"target": "channel:online", "alias": "长" * 51}).json()
    assert "target" in post(admin, VALUES, {"target": "channel:teleport", "alias": "x"}).json()
    assert admin.delete(f"{VALUES}abc/").status_code == 404
    assert not ColumnAlias.objects.exists() and not ValueAlias.objects.exists()


def test_only_city_admins_with_a_write_token_change_mappings(world):
    row = ColumnAlias.objects.create(kind="orders", field="order_no", header="单据号")
    body = {"target": "orders:order_no", "header": "订单号码"}
    reader = client_of(world.city_admin, "read")
    assert reader.get(COLUMNS).json()["count"] == 1
    assert post(reader, COLUMNS, body).status_code == 403
    assert reader.delete(f"{COLUMNS}{row.pk}/").status_code == 403
    for user in (world.outsider, world.account_manager, world.branch_manager):
        other = client_of(user)
        assert other.get(COLUMNS).status_code == 403
        assert post(other, COLUMNS, body).status_code == 403
        assert other.delete(f"{COLUMNS}{row.pk}/").status_code == 403
    assert ColumnAlias.objects.count() == 1
    assert Client().get(COLUMNS).status_code == 401
