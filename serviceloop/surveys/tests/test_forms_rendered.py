"""Survey forms filled and submitted as the pages render them (WebTest): the questionnaire editor, new waves (with
the stratified-sample boxes), opening a wave, the sample calculator, progress and reminders, answers entered by
phone and by the shop owner through the public link, acting on low scores, and the list and result filters."""

import datetime as dt

import pytest
from django.utils import timezone

from serviceloop.core.testing import text_of
from serviceloop.surveys.models import (
    Answer,
    Item,
    LowScoreAction,
    Questionnaire,
    Section,
    Wave,
    WaveStatus,
    WaveTarget,
)
from serviceloop.surveys.services import link_code
from serviceloop.tags.models import CustomerTag, ProblemTag

from .conftest import answered_wave, make_wave, trade

pytestmark = pytest.mark.django_db


def answer_everything(form, choice=3):
    """Picks the ``choice``-th point of every scale, the first option of every choice and writes every text box."""
    for name, fields in form.fields.items():
        if not name or name[:2] not in ("v_", "e_", "i_"):
            continue
        field = fields[0]
        if field.tag == "textarea":
            form[name] = "服务很好"
        elif field.tag == "input" and field.attrs.get("type") == "radio":
            values = [value for value, _checked, *_ in field.options]
            scale = values[0].isdigit()  # a 1…k scale: the chosen point; a single choice: its first option
            form[name] = values[min(choice, len(values)) - 1] if scale else values[0]
        else:  # a group of boxes: tick the first
            fields[0].checked = True


def test_the_city_admin_builds_a_questionnaire_on_the_pages(world, app):
    page = app.get("/surveys/questionnaires/", user=world.city_admin)
    form = page.click(href="/surveys/questionnaires/new/").forms["survey-edit"]
    form["code"] = "delivery"
    form["title"] = "送货服务调查"
    form["description"] = "请对送货服务打分"
    page = form.submit().follow()
    q = Questionnaire.objects.get(code="delivery")
    assert "送货服务调查" in text_of(page, "h1")

    form = page.click(href=f"/surveys/questionnaires/{q.pk}/sections/new/").forms["survey-edit"]
    form["order"] = "1"
    form["code"] = "speed"
    form["title"] = "送货及时"
    form["weight"] = "1"
    page = form.submit().follow()
    section = Section.objects.get(questionnaire=q, code="speed")

    form = page.click(href=f"/surveys/sections/{section.pk}/items/new/").forms["survey-edit"]
    form["order"] = "1"
    form["code"] = "on_time"
    form["text"] = "送货是否准时？"
    form["kind"] = "likert"
    form["scale_max"] = "5"
    form["ask_expectation"] = True
    form["is_overall"] = False
    form["weight"] = "1"
    page = form.submit().follow()
    item = Item.objects.get(section=section, code="on_time")
    assert item.ask_expectation and item.required and item.scale_max == 5
    assert "送货是否准时？" in text_of(page)

    form = page.click(href=f"/surveys/sections/{section.pk}/items/new/").forms["survey-edit"]
    form["order"] = "2"
    form["code"] = "which"
    form["text"] = "您希望几点送货？"
    form["kind"] = "single"
    form["options_text"] = "上午\n下午"
    form["required"] = False
    form["weight"] = "0"
    form.submit().follow()
    assert Item.objects.get(code="which", section=section).options == ["上午", "下午"]
    assert not Item.objects.get(code="which", section=section).required

    form = app.get(f"/surveys/sections/{section.pk}/items/{item.pk}/", user=world.city_admin).forms[
        "survey-edit"
    ]
    form.submit("delete").follow()
    assert not Item.objects.filter(pk=item.pk).exists()

    form = app.get(f"/surveys/questionnaires/{q.pk}/", user=world.city_admin).forms["questionnaire-edit"]
    form["title"] = "送货服务满意度调查"
    form.submit().follow()
    q.refresh_from_db()
    assert q.title == "送货服务满意度调查"
    page = (
        app.get(f"/surveys/questionnaires/{q.pk}/", user=world.city_admin)
        .forms["questionnaire-version"]
        .submit()
    )
    assert Questionnaire.objects.filter(code="delivery").count() == 2
    assert "v2" in text_of(page.follow(), "h1")


def test_the_city_admin_creates_a_stratified_sample_wave_by_ticking_the_strata(world, app):
    page = app.get("/surveys/", user=world.city_admin)
    form = page.click(href="/surveys/new/").forms["survey-edit"]
    strata = form.fields["strata"]
    assert [box._value for box in strata] == ["branch", "market_type", "retail_format", "stars"]
    form["questionnaire"] = str(trade().pk)
    form["name"] = "2027年一季度抽样调查"
    form["period_start"] = "2027-01-01"
    form["period_end"] = "2027-03-31"
    form["target_mode"] = "sample"
    form.get("strata", index=1).checked = True  # market type
    form.get("strata", index=3).checked = True  # stars
    form["margin"] = "0.1"
    form["seed"] = "42"
    page = form.submit().follow()
    wave = Wave.objects.get(name="2027年一季度抽样调查")
    assert wave.strata == ["market_type", "stars"] and wave.seed == 42 and wave.status == WaveStatus.DRAFT
    shown = text_of(page, "dl")
    assert "市场类型" in shown and "星级" in shown and "market_type" not in shown  # the strata in words


def test_a_wave_whose_period_has_not_started_opens_only_when_confirmed(world, app):
    start = timezone.localdate() + dt.timedelta(days=10)
    wave = make_wave(world, status=WaveStatus.DRAFT, start=start)
    page = app.get(f"/surveys/{wave.pk}/", user=world.city_admin)
    assert start.isoformat() in text_of(page, "[data-testid=opens-early]")
    result = page.forms["wave-open"].submit().follow()
    wave.refresh_from_db()
    assert wave.status == WaveStatus.DRAFT and start.isoformat() in text_of(result, ".alert")
    form = result.forms["wave-open"]
    form["before_period"] = True
    page = form.submit().follow()
    wave.refresh_from_db()
    assert wave.status == WaveStatus.OPEN
    assert "进行中" in text_of(page)
    assert wave.events.get(to_status="open").note  # the early opening is on the record


def test_a_wave_in_its_period_opens_and_closes_with_the_buttons(world, app):
    wave = make_wave(world, status=WaveStatus.DRAFT, start=timezone.localdate() - dt.timedelta(days=1))
    page = app.get(f"/surveys/{wave.pk}/", user=world.city_admin)
    assert "before_period" not in page.forms["wave-open"].fields
    page = page.forms["wave-draw"].submit().follow()
    assert WaveTarget.objects.filter(wave=wave).count() == 8
    page = page.forms["wave-open"].submit().follow()
    page = page.forms["wave-close"].submit().follow()
    wave.refresh_from_db()
    assert wave.status == WaveStatus.CLOSED


def test_the_sample_calculator_computes_on_the_wave_page(world, app):
    wave = make_wave(world)
    form = app.get(f"/surveys/{wave.pk}/", user=world.station_head).forms["sample-calculator"]
    form["confidence"] = "0.9"
    form["margin"] = "0.1"
    page = form.submit()
    assert page.context["calculated"] is not None and page.context["calc"].is_valid()
    form = page.forms["sample-calculator"]
    form["margin"] = "0.5"
    assert form.submit().context["calc"].errors


def test_the_station_head_filters_progress_and_records_a_reminder(world, app):
    wave = make_wave(world)
    form = app.get(f"/surveys/{wave.pk}/progress/", user=world.station_head).forms["progress-filter"]
    form["route"] = str(world.route_a1_1.pk)
    page = form.submit()
    rows = page.html.select("[data-testid=target-table] tbody tr")
    assert len(rows) == 2
    target = WaveTarget.objects.filter(wave=wave, customer__route=world.route_a1_1).order_by("pk").first()
    page = page.forms[f"remind-{target.pk}"].submit().follow()
    assert target.reminders.get().actor == world.station_head
    assert f"route={world.route_a1_1.pk}" in page.request.query_string  # back to the same filtered list
    assert target.customer.name in text_of(page, ".alert-success")


def test_the_city_admin_picks_a_station_then_one_of_its_routes_on_the_progress_page(world, app):
    wave = make_wave(world)
    page = app.get(f"/surveys/{wave.pk}/progress/", user=world.city_admin)
    form = page.forms["progress-filter"]
    assert [label for _v, _s, label in form["route"].options] == [
        "全部线路"
    ]  # a city's routes: a station first
    form["station"] = str(world.station_a1.pk)
    form = form.submit().forms["progress-filter"]
    assert [label for _v, _s, label in form["route"].options] == ["全部线路", "张湾1号线", "张湾2号线"]
    form["route"] = str(world.route_a1_2.pk)
    rows = form.submit().html.select("[data-testid=target-table] tbody tr")
    assert len(rows) == WaveTarget.objects.filter(wave=wave, customer__route=world.route_a1_2).count() == 2
    fragment = app.get(f"/surveys/{wave.pk}/progress/", {"station": world.station_a2.pk}, user=world.city_admin,
                       headers={"HX-Request": "true"})  # fmt: skip
    swapped = fragment.html.select_one("#id_route[hx-swap-oob=innerHTML]")
    assert [o.get_text() for o in swapped.select("option")] == ["全部线路", "茅箭1号线"]


def test_an_agent_finds_a_shop_and_enters_its_phone_answer_as_rendered(world, app):
    wave = make_wave(world)
    shop = world.shops["茅箭1号线"][1]
    form = app.get(f"/surveys/{wave.pk}/entry/", user=world.agent).forms["entry-filter"]
    form["q"] = shop.licence_no
    page = form.submit()
    target = WaveTarget.objects.get(wave=wave, customer=shop)
    page = page.click(href=f"/surveys/{wave.pk}/entry/{target.pk}/")
    form = page.forms["answer-form"]
    answer_everything(form, choice=4)
    page = form.submit("save").follow()  # save half-way, continue later
    assert Answer.objects.get(target=target).status == "in_progress"
    page = page.forms["answer-form"].submit("submit").follow()
    answer = Answer.objects.get(target=target)
    assert answer.status == "submitted" and answer.channel == "phone" and answer.entered_by == world.agent
    assert all(v == 4 for k, v in answer.values.items() if isinstance(v, int))
    assert shop.name not in text_of(page, "[data-testid=entry-table]")  # no longer waiting


def test_a_missing_answer_is_marked_and_what_was_chosen_is_kept(world, app):
    wave = make_wave(world)
    target = WaveTarget.objects.filter(wave=wave, customer__route=world.route_a1_1).first()
    form = app.get(f"/surveys/{wave.pk}/entry/{target.pk}/", user=world.account_manager).forms["answer-form"]
    first = next(name for name in form.fields if name and name.startswith("v_"))
    form[first] = form.fields[first][0].options[0][0]
    result = form.submit("submit", status=400)
    assert result.html.select("[data-testid=item-error]")
    assert result.forms["answer-form"][first].value == form.fields[first][0].options[0][0]


def test_a_shop_owner_answers_part_by_part_through_the_public_link(world, app):
    wave = make_wave(world)
    target = WaveTarget.objects.filter(wave=wave).first()
    page = app.get(f"/q/{link_code(target)}/")
    for _part in range(20):
        form = page.forms["answer-form"]
        answer_everything(form, choice=5)
        page = form.submit()
        page = page.follow() if page.status_code == 302 else page
        if "answer-form" not in page.forms:
            break
    answer = Answer.objects.get(target=target)
    assert answer.status == "submitted" and answer.channel == "qr"
    assert "感谢" in text_of(page, "body")


def test_the_account_manager_withdraws_a_link_and_issues_a_new_one(world, app):
    wave = make_wave(world)
    target = WaveTarget.objects.filter(wave=wave, customer__route=world.route_a1_1).first()
    old = link_code(target)
    page = app.get(f"/surveys/{wave.pk}/entry/{target.pk}/", user=world.account_manager)
    page.forms["reissue"].submit().follow()
    target.refresh_from_db()
    assert link_code(target) != old
    withdrawn = app.get(f"/q/{old}/", status=404)
    assert "作废" in text_of(withdrawn, "[data-testid=public-message]")


def test_the_supervisor_tags_every_shop_below_a_threshold_and_files_a_request_for_one(world, app):
    wave = answered_wave(world, seed=3)
    page = app.get(f"/surveys/{wave.pk}/low-scores/", user=world.city_admin)
    form = page.forms["low-filter"]
    form["threshold"] = "100"
    page = form.submit()
    rows = page.html.select("[data-testid=low-table] tbody tr")
    assert len(rows) == 8
    form = page.forms["low-act"]
    tag = ProblemTag.objects.get(name="对服务不满意")
    form["tag"] = str(tag.pk)
    page = form.submit("kind", value="tag").follow()
    assert CustomerTag.objects.filter(tag=tag).count() == 8
    shop = world.shops["张湾1号线"][0]
    page = app.get(f"/surveys/{wave.pk}/low-scores/?threshold=100", user=world.city_admin)
    page.forms[f"low-act-{shop.pk}"].submit("kind", value="request").follow()
    assert LowScoreAction.objects.filter(customer=shop, kind="request").exists()


def test_the_wave_questionnaire_and_result_filters_work_as_rendered(world, app):
    make_wave(world, name="旧批次", status=WaveStatus.CLOSED)
    wave = answered_wave(world, name="新批次", seed=2)
    form = app.get("/surveys/", user=world.city_admin).forms["wave-filter"]
    form["status"] = "closed"
    page = form.submit()
    assert "旧批次" in text_of(page, "#wave-table") and "新批次" not in text_of(page, "#wave-table")
    form = app.get("/surveys/questionnaires/", user=world.city_admin).forms["questionnaire-filter"]
    form["q"] = "不存在的问卷"
    assert "trade" not in text_of(form.submit(), "#q-table")
    form = app.get(f"/surveys/{wave.pk}/results/", user=world.station_head).forms["results-filter"]
    form["segment"] = form["segment"].options[-1][0]
    assert form.submit().status_code == 200
