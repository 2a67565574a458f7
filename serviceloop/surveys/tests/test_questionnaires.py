"""Questionnaires: the two built-in templates, versioning (a version in use is frozen), the editor pages."""

import pytest
from django.core.exceptions import ValidationError

from serviceloop.surveys.analysis import build_spec
from serviceloop.surveys.models import Item, Questionnaire, Section
from serviceloop.surveys.services import item_save, questionnaire_items, questionnaire_new_version

from .conftest import NOW, make_wave, trade

pytestmark = pytest.mark.django_db


def test_it_ships_the_trade_questionnaire_with_the_industrys_dimensions():
    q = trade()
    titles = list(q.sections.values_list("title", flat=True))
    assert titles == [
        "货源供应",
        "订货服务",
        "送货服务",
        "客户经理服务",
        "结算服务",
        "投诉处理",
        "市场管理（专卖）",
        "总体评价",
    ]
    items = questionnaire_items(q)
    overall = [i for i in items if i.is_overall]
    assert len(overall) == 1 and overall[0].kind == "likert"
    assert {i.kind for i in items} == {"likert", "single", "multiple", "text"}
    spec = build_spec(items)
    assert spec.dimensions == [
        "supply",
        "ordering",
        "delivery",
        "account_manager",
        "settlement",
        "complaints",
        "market",
    ]
    assert "overall" not in spec.items and len(spec.items) == 26


def test_it_ships_a_servqual_questionnaire_with_expectation_and_perception():
    q = Questionnaire.objects.get(code="servqual", version=1)
    spec = build_spec(questionnaire_items(q))
    assert spec.dimensions == ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]
    scored = [i for i in questionnaire_items(q) if i.is_scored]
    assert all(i.ask_expectation and i.scale_max == 7 for i in scored)
    assert spec.scale("tangibles_1") == (1, 7)


def test_it_freezes_a_version_in_use_and_edits_a_new_version(world):
    q = trade()
    item = q.sections.first().items.first()
    data = {
        "order": 1,
        "code": item.code,
        "text": "改过的题目",
        "kind": "likert",
        "scale_max": 5,
        "required": True,
        "weight": 1,
        "is_overall": False,
    }
    make_wave(world)
    assert q.is_frozen
    with pytest.raises(ValidationError, match="cannot change|不能修改"):
        item_save(section=item.section, item=item, data=data, actor=world.city_admin, now=NOW)
    copy = questionnaire_new_version(questionnaire=q, actor=world.city_admin, now=NOW)
    assert copy.version == 2 and not copy.is_frozen
    assert (
        Item.objects.filter(section__questionnaire=copy).count()
        == Item.objects.filter(section__questionnaire=q).count()
    )
    new_item = Item.objects.get(section__questionnaire=copy, code=item.code)
    item_save(section=new_item.section, item=new_item, data=data, actor=world.city_admin, now=NOW)
    item.refresh_from_db()
    assert item.text != "改过的题目"  # the old version is untouched


def test_it_lets_the_city_admin_build_a_questionnaire_in_the_editor(world, login):
    client = login(world.city_admin)
    r = client.post(
        "/surveys/questionnaires/new/", {"code": "key-shops", "title": "重点客户调查", "description": ""}
    )
    q = Questionnaire.objects.get(code="key-shops")
    assert r.status_code == 302
    r = client.post(
        f"/surveys/questionnaires/{q.pk}/sections/new/",
        {"order": 1, "code": "delivery", "title": "送货服务", "weight": "1"},
    )
    section = Section.objects.get(questionnaire=q)
    base = {
        "order": 1,
        "code": "d1",
        "text": "送货准时",
        "kind": "likert",
        "scale_max": 7,
        "required": "on",
        "weight": "1",
        "ask_expectation": "on",
    }
    assert client.post(f"/surveys/sections/{section.pk}/items/new/", base).status_code == 302
    # bad input: duplicate code, a choice question with one option, out-of-range scale, negative weight
    r = client.post(f"/surveys/sections/{section.pk}/items/new/", base)
    assert r.status_code == 200 and "d1" in r.content.decode()
    assert Item.objects.filter(section=section).count() == 1
    r = client.post(
        f"/surveys/sections/{section.pk}/items/new/",
        {**base, "code": "c1", "kind": "single", "options_text": "只有一个"},
    )
    assert Item.objects.filter(section=section).count() == 1 and "两个选项" in r.content.decode()
    r = client.post(f"/surveys/sections/{section.pk}/items/new/", {**base, "code": "c2", "scale_max": 9})
    assert Item.objects.filter(section=section).count() == 1
    r = client.post(f"/surveys/sections/{section.pk}/items/new/", {**base, "code": "c3", "weight": "-1"})
    assert Item.objects.filter(section=section).count() == 1
    page = client.get(f"/surveys/questionnaires/{q.pk}/").content.decode()
    assert "送货准时" in page
    listing = client.get("/surveys/questionnaires/", {"q": "重点"}).content.decode()
    assert "重点客户调查" in listing and "零售客户满意度调查问卷" not in listing
    assert client.get("/surveys/questionnaires/", {"export": "1"})["Content-Type"].startswith(
        "application/vnd"
    )


def test_it_refuses_the_editor_to_everyone_but_the_city_admin(world, login):
    q = trade()
    for user in (world.outsider, world.station_head, world.agent):
        client = login(user)
        assert client.get("/surveys/questionnaires/").status_code == 403
        assert client.get(f"/surveys/questionnaires/{q.pk}/").status_code == 403
        assert client.post(f"/surveys/questionnaires/{q.pk}/new-version/").status_code == 403
    assert Questionnaire.objects.filter(code="trade").count() == 1


def test_it_edits_through_the_page_only_when_not_frozen(world, login):
    q = trade()
    make_wave(world)
    client = login(world.city_admin)
    page = client.get(f"/surveys/questionnaires/{q.pk}/").content.decode()
    assert 'data-testid="frozen"' in page
    section = q.sections.first()
    item = section.items.first()
    client.post(
        f"/surveys/sections/{section.pk}/items/{item.pk}/",
        {"order": 1, "code": item.code, "text": "偷改", "kind": "likert", "scale_max": 5, "weight": "1"},
    )
    item.refresh_from_db()
    assert item.text != "偷改"
    r = client.post(f"/surveys/questionnaires/{q.pk}/new-version/")
    copy = Questionnaire.objects.get(code="trade", version=2)
    assert r.status_code == 302 and r["Location"].endswith(f"/surveys/questionnaires/{copy.pk}/")


def test_it_opens_the_survey_models_in_the_django_admin(world, client):
    from serviceloop.org.models import User

    admin = User.objects.create_superuser("root", "root@example.com", "root-pass-123")
    client.force_login(admin)
    make_wave(world)
    q = trade()
    for url in (
        "/admin/surveys/questionnaire/",
        f"/admin/surveys/questionnaire/{q.pk}/change/",
        "/admin/surveys/wave/",
        "/admin/surveys/wavetarget/",
        "/admin/surveys/answer/",
        "/admin/surveys/item/",
    ):
        assert client.get(url).status_code == 200, url
