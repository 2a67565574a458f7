"""Questionnaires over the API: city admins create, edit and version them and their sections and questions through
the questionnaire pages' forms and services (same messages, same audit rows); a version used by a wave is frozen."""

import pytest
from django.test import Client
from django.utils import timezone

from serviceloop.core.models import AuditEvent
from serviceloop.integrations.services import apitoken_create
from serviceloop.surveys.models import Item, Questionnaire, Section

from .conftest import make_wave, trade

pytestmark = pytest.mark.django_db
URL = "/api/v1/survey-questionnaires/"


def client_of(user, scope="write"):
    _t, secret = apitoken_create(
        user=user, name="t", scope=scope, expires_at=None, actor=user, now=timezone.now()
    )
    return Client(HTTP_AUTHORIZATION=f"Token {secret}")


def send(client, path, body, method="post", key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return getattr(client, method)(path, body, content_type="application/json", **headers)


SECTION = {"order": 1, "code": "service", "title": "服务", "weight": "1"}
ITEM = {"order": 1, "code": "courtesy", "text": "客户经理是否礼貌？", "kind": "likert", "scale_max": 5, "required": True,
        "weight": "1"}  # fmt: skip


def test_a_questionnaire_is_built_edited_and_versioned(world, django_assert_max_num_queries):
    admin = client_of(world.city_admin)
    made = send(admin, URL, {"code": "store2027", "title": "门店调查", "description": ""}, key="Q-1")
    assert made.status_code == 201, made.content
    qid = made.json()["id"]
    assert (
        send(admin, URL, {"code": "store2027", "title": "门店调查", "description": ""}, key="Q-1").status_code
        == 201
    )
    assert Questionnaire.objects.filter(code="store2027").count() == 1
    edited = send(admin, f"{URL}{qid}/", {"title": "门店满意度调查"}, method="patch")
    assert edited.status_code == 200 and edited.json()["title"] == "门店满意度调查"
    assert edited.json()["code"] == "store2027"
    section = send(admin, f"{URL}{qid}/sections/", SECTION)
    assert section.status_code == 201, section.content
    sid = section.json()["id"]
    item = send(admin, f"/api/v1/survey-sections/{sid}/items/", ITEM)
    assert item.status_code == 201, item.content
    choice = send(admin, f"/api/v1/survey-sections/{sid}/items/",
                  {**ITEM, "code": "channel", "kind": "single", "options": ["电话", "网上"]})  # fmt: skip
    assert choice.status_code == 201 and choice.json()["options"] == ["电话", "网上"]
    changed = send(
        admin, f"/api/v1/survey-items/{item.json()['id']}/", {**ITEM, "text": "是否礼貌？"}, method="put"
    )
    assert changed.status_code == 200 and changed.json()["text"] == "是否礼貌？"
    assert admin.delete(f"/api/v1/survey-items/{choice.json()['id']}/").status_code == 204
    renamed = send(admin, f"/api/v1/survey-sections/{sid}/", {**SECTION, "title": "服务质量"}, method="put")
    assert renamed.status_code == 200 and renamed.json()["title"] == "服务质量"
    with django_assert_max_num_queries(14):  # token, throttle, scope; questionnaire, sections, items, frozen
        detail = admin.get(f"{URL}{qid}/").json()
    assert [i["code"] for i in detail["sections"][0]["items"]] == ["courtesy"] and detail["frozen"] is False
    assert admin.get(f"{URL}?q=store2027").json()["count"] == 1
    copy = send(admin, f"{URL}{qid}/new-version/", {})
    assert copy.status_code == 201 and copy.json()["version"] == 2
    assert [s["code"] for s in copy.json()["sections"]] == ["service"]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"survey.questionnaire_created", "survey.questionnaire_versioned"} <= actions


def test_a_version_used_by_a_wave_is_frozen(world):
    admin = client_of(world.city_admin)
    make_wave(world)
    q = trade()
    section = Section.objects.filter(questionnaire=q).first()
    item = Item.objects.filter(section=section).first()
    refused = send(admin, f"{URL}{q.pk}/sections/", {**SECTION, "code": "new"})
    assert (
        refused.status_code == 400
        and "new version" in str(refused.json()).lower()
        or refused.status_code == 400
    )
    assert admin.delete(f"/api/v1/survey-items/{item.pk}/").status_code == 400
    assert admin.delete(f"/api/v1/survey-sections/{section.pk}/").status_code == 400
    assert send(admin, f"{URL}{q.pk}/", {"title": "改"}, method="patch").status_code == 400
    assert Item.objects.filter(pk=item.pk).exists() and admin.get(f"{URL}{q.pk}/").json()["frozen"] is True


def test_bad_bodies_get_the_forms_and_services_messages(world):
    admin = client_of(world.city_admin)
    q = Questionnaire.objects.create(code="x1", title="X", created_at=timezone.now())
    assert send(admin, URL, {}).json().keys() >= {"code", "title"}
    assert "code" in send(admin, URL, {"code": "trade", "title": "重复"}).json()
    assert "code" in send(admin, URL, {"code": "有 空格", "title": "t"}).json()
    assert "title" in send(admin, URL, {"code": "ok", "title": "长" * 101}).json()
    assert "title" in send(admin, URL, {"code": "ok2", "title": ["a"]}).json()
    assert "weight" in send(admin, f"{URL}{q.pk}/sections/", {**SECTION, "weight": "abc"}).json()
    sid = send(admin, f"{URL}{q.pk}/sections/", SECTION).json()["id"]
    assert "code" in send(admin, f"{URL}{q.pk}/sections/", SECTION).json()
    items = f"/api/v1/survey-sections/{sid}/items/"
    assert "options" in send(admin, items, {**ITEM, "kind": "single", "options": ["只有一个"]}).json()
    assert "options" in send(admin, items, {**ITEM, "kind": "single", "options": "电话"}).json()
    assert "scale_max" in send(admin, items, {**ITEM, "scale_max": 9}).json()
    assert "text" in send(admin, items, {**ITEM, "text": "长" * 301}).json()
    assert "is_overall" in send(admin, items, {**ITEM, "kind": "text", "is_overall": True}).json()
    assert not Item.objects.filter(section_id=sid).exists()
    assert admin.get(f"{URL}999999/").status_code == 404
    assert admin.get("/api/v1/survey-items/abc/").status_code == 404


def test_only_city_admins_with_a_write_token(world):
    q = trade()
    reader = client_of(world.city_admin, "read")
    assert reader.get(URL).status_code == 200
    assert send(reader, URL, {"code": "r1", "title": "t"}).status_code == 403
    assert send(reader, f"{URL}{q.pk}/new-version/", {}).status_code == 403
    for user in (world.outsider, world.branch_manager, world.supervisor):
        other = client_of(user)
        assert other.get(URL).status_code == 403
        assert other.get(f"{URL}{q.pk}/").status_code == 403
        assert send(other, URL, {"code": "r1", "title": "t"}).status_code == 403
        section = Section.objects.filter(questionnaire=q).first()
        assert other.delete(f"/api/v1/survey-sections/{section.pk}/").status_code == 403
    assert not Questionnaire.objects.filter(code="r1").exists()
    assert Questionnaire.objects.filter(code="trade").count() == 1
