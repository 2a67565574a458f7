"""Every answer path — the public link/QR, phone interviews by agents, visits by account managers — and
its validation: missing required item, out-of-range value, second answer, tampered or withdrawn link,
closed wave; plus resuming a half-answered questionnaire."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from serviceloop.surveys.models import Answer, AnswerStatus, Channel, WaveStatus, WaveTarget
from serviceloop.surveys.services import (
    answer_save,
    link_code,
    questionnaire_items,
    target_reissue_link,
    target_revoke_link,
    wave_transition,
)

from .conftest import NOW

pytestmark = pytest.mark.django_db


def full_post(wave, *, value=4, skip=()):
    """A complete, valid form post for the wave's questionnaire."""
    data = {}
    for item in questionnaire_items(wave.questionnaire):
        if item.code in skip:
            continue
        if item.kind == "likert":
            data[f"v_{item.code}"] = str(value)
            if item.ask_expectation:
                data[f"e_{item.code}"] = str(value)
        elif item.kind == "single":
            data[f"v_{item.code}"] = item.options[0]
        elif item.kind == "multiple":
            data[f"v_{item.code}"] = item.options[:2]
        else:
            data[f"v_{item.code}"] = "很好"
    return data


def target_of(wave, shop):
    return WaveTarget.objects.get(wave=wave, customer=shop)


def sections_of(wave):
    return list(wave.questionnaire.sections.order_by("order"))


def step_post(wave, step, **kw):
    section = sections_of(wave)[step]
    codes = {i.code for i in section.items.all()}
    post = {k: v for k, v in full_post(wave, **kw).items() if k.split("_", 1)[1] in codes}
    return {"step": str(step), **post}


# --- public link / QR -----------------------------------------------------------------------------
def test_it_takes_a_whole_questionnaire_section_by_section_on_the_public_page(world, wave, client):
    target = target_of(wave, world.shops["张湾1号线"][0])
    url = f"/q/{link_code(target)}/"
    page = client.get(url)
    assert (
        page.status_code == 200
        and "货源供应" in page.content.decode()
        and "非常满意" in page.content.decode()
    )
    n = len(sections_of(wave))
    for step in range(n):
        r = client.post(url, step_post(wave, step))
        if step < n - 1:
            assert r.status_code == 302 and r["Location"].endswith(f"?step={step + 1}")
    assert "提交成功" in r.content.decode()
    answer = Answer.objects.get(target=target)
    assert answer.status == AnswerStatus.SUBMITTED and answer.channel == Channel.QR
    assert answer.values["supply_1"] == 4 and answer.values["order_channels"] == ["电话订货", "网上订货"]
    assert answer.entered_by is None


def test_it_resumes_where_the_owner_stopped(world, wave, client):
    target = target_of(wave, world.shops["张湾1号线"][0])
    url = f"/q/{link_code(target)}/"
    client.post(url, step_post(wave, 0))
    client.post(url, step_post(wave, 1))
    answer = Answer.objects.get(target=target)
    assert answer.status == AnswerStatus.IN_PROGRESS and "ordering_1" in answer.values
    page = client.get(url).content.decode()  # a new visit, e.g. the next day, with the same QR code
    assert 'name="step" value="2"' in page and "送货服务" in page


def test_it_refuses_a_section_with_a_required_item_missing(world, wave, client):
    target = target_of(wave, world.shops["张湾1号线"][0])
    r = client.post(f"/q/{link_code(target)}/", step_post(wave, 0, skip={"supply_2"}))
    assert r.status_code == 400
    text = r.content.decode()
    assert "请回答这道题" in text and "请回答标红的题目" in text
    assert not Answer.objects.filter(target=target).exists()


@pytest.mark.parametrize("bad", ["9", "0", "-1", "abc", "3.5"])
def test_it_refuses_out_of_range_or_non_numeric_values(world, wave, client, bad):
    target = target_of(wave, world.shops["张湾1号线"][0])
    post = step_post(wave, 0)
    post["v_supply_1"] = bad
    r = client.post(f"/q/{link_code(target)}/", post)
    assert r.status_code == 400 and "请在 1 到 5 分之间选择" in r.content.decode()
    assert not Answer.objects.filter(target=target).exists()


def test_it_refuses_an_option_not_offered_and_oversize_text(world, wave, client):
    target = target_of(wave, world.shops["张湾1号线"][0])
    last = len(sections_of(wave)) - 1
    post = step_post(wave, last)
    post["v_improve_first"] = "送烟上门还包邮"
    post["v_suggestion"] = "很" * 1001
    r = client.post(f"/q/{link_code(target)}/", post)
    text = r.content.decode()
    assert r.status_code == 400 and "请从给出的选项中选择一项" in text and "1000 字以内" in text


def test_it_refuses_a_second_answer_from_the_same_shop(world, wave, client):
    target = target_of(wave, world.shops["张湾1号线"][0])
    url = f"/q/{link_code(target)}/"
    for step in range(len(sections_of(wave))):
        client.post(url, step_post(wave, step))
    r = client.post(url, step_post(wave, 0, value=1))
    assert "已经完成本次调查" in r.content.decode()
    assert Answer.objects.get(target=target).values["supply_1"] == 4
    with pytest.raises(ValidationError, match="已经提交过"):
        answer_save(
            target=target,
            channel=Channel.PHONE,
            values={"supply_1": 1},
            actor=world.agent,
            now=NOW,
            submit=True,
        )
    # and the database itself holds one answer per shop and wave
    with pytest.raises(IntegrityError):
        Answer.objects.create(
            wave=wave,
            target=WaveTarget.objects.exclude(pk=target.pk).filter(wave=wave).first(),
            customer=target.customer,
            channel="qr",
            started_at=NOW,
            updated_at=NOW,
        )


def test_it_refuses_a_tampered_link(world, wave, client):
    target = target_of(wave, world.shops["张湾1号线"][0])
    code = link_code(target)
    for bad in (
        code[:-1] + ("A" if code[-1] != "A" else "B"),
        target.token,
        "nonsense",
        code.replace(":", "x"),
    ):
        r = client.get(f"/q/{bad}/")
        assert r.status_code == 404 and "问卷链接无效" in r.content.decode()
        assert client.post(f"/q/{bad}/", step_post(wave, 0)).status_code == 404
    assert not Answer.objects.exists()


def test_it_refuses_a_withdrawn_link_and_accepts_the_new_one(world, wave, client):
    target = target_of(wave, world.shops["张湾1号线"][0])
    old = link_code(target)
    target_revoke_link(target=target, actor=world.city_admin, now=NOW)
    r = client.get(f"/q/{old}/")
    assert r.status_code == 404 and "已作废" in r.content.decode()
    target_reissue_link(target=target, actor=world.city_admin, now=NOW)
    assert client.get(f"/q/{old}/").status_code == 404
    assert client.get(f"/q/{link_code(target)}/").status_code == 200


def test_it_refuses_answers_to_a_closed_wave(world, wave, client):
    target = target_of(wave, world.shops["张湾1号线"][0])
    wave_transition(wave=wave, to=WaveStatus.CLOSED, actor=world.city_admin, now=NOW)
    r = client.post(f"/q/{link_code(target)}/", step_post(wave, 0))
    assert r.status_code == 410 and "本次调查已结束" in r.content.decode()
    assert not Answer.objects.exists()


# --- phone interviews by agents -------------------------------------------------------------------
def test_it_lets_an_agent_enter_a_phone_interview(world, wave, login):
    client = login(world.agent)
    shop = world.shops["城关1号线"][0]
    target = target_of(wave, shop)
    found = client.get(f"/surveys/{wave.pk}/entry/", {"q": shop.name}).content.decode()
    assert shop.name in found and world.shops["张湾1号线"][0].name not in found
    r = client.post(f"/surveys/{wave.pk}/entry/{target.pk}/", {**full_post(wave), "submit": "1"})
    assert r.status_code == 302
    answer = Answer.objects.get(target=target)
    assert answer.channel == Channel.PHONE and answer.entered_by == world.agent
    assert answer.status == AnswerStatus.SUBMITTED
    r = client.post(f"/surveys/{wave.pk}/entry/{target.pk}/", {**full_post(wave, value=1), "submit": "1"})
    assert "已经提交过本次调查" in r.content.decode()
    assert Answer.objects.get(target=target).values["supply_1"] == 4


def test_it_shows_the_agent_every_missing_and_out_of_range_answer(world, wave, login):
    client = login(world.agent)
    target = target_of(wave, world.shops["城关1号线"][0])
    post = {**full_post(wave, skip={"delivery_2", "overall"}), "submit": "1"}
    post["v_supply_3"] = "6"
    r = client.post(f"/surveys/{wave.pk}/entry/{target.pk}/", post)
    text = r.content.decode()
    assert r.status_code == 400 and text.count('data-testid="item-error"') == 3
    assert "请回答这道题" in text and "请在 1 到 5 分之间选择" in text
    assert not Answer.objects.filter(target=target).exists()


def test_it_saves_a_partial_phone_interview_and_finishes_it_later(world, wave, login):
    client = login(world.agent)
    target = target_of(wave, world.shops["城关1号线"][0])
    r = client.post(f"/surveys/{wave.pk}/entry/{target.pk}/", {"v_supply_1": "2", "save": "1"})
    assert r.status_code == 302
    assert Answer.objects.get(target=target).status == AnswerStatus.IN_PROGRESS
    page = client.get(f"/surveys/{wave.pk}/entry/{target.pk}/").content.decode()
    assert 'name="v_supply_1" id="v_supply_1_2" value="2" checked' in page


def test_it_refuses_phone_entry_into_a_closed_wave(world, wave, login):
    wave_transition(wave=wave, to=WaveStatus.CLOSED, actor=world.city_admin, now=NOW)
    client = login(world.agent)
    target = target_of(wave, world.shops["城关1号线"][0])
    r = client.post(f"/surveys/{wave.pk}/entry/{target.pk}/", {**full_post(wave), "submit": "1"})
    assert "本次调查已结束" in r.content.decode()
    assert not Answer.objects.exists()


# --- visits by account managers -------------------------------------------------------------------
def test_it_lets_an_account_manager_answer_for_shops_on_their_routes_only(world, wave, login):
    client = login(world.account_manager)
    own = target_of(wave, world.shops["张湾1号线"][0])
    other = target_of(wave, world.shops["张湾2号线"][0])
    listing = client.get(f"/surveys/{wave.pk}/entry/").content.decode()
    assert world.shops["张湾1号线"][0].name in listing and world.shops["张湾2号线"][0].name not in listing
    assert (
        client.post(f"/surveys/{wave.pk}/entry/{own.pk}/", {**full_post(wave), "submit": "1"}).status_code
        == 302
    )
    assert Answer.objects.get(target=own).channel == Channel.VISIT
    # someone else's shop id: not found, nothing stored
    assert client.get(f"/surveys/{wave.pk}/entry/{other.pk}/").status_code == 404
    assert (
        client.post(f"/surveys/{wave.pk}/entry/{other.pk}/", {**full_post(wave), "submit": "1"}).status_code
        == 404
    )
    assert not Answer.objects.filter(target=other).exists()


def test_it_refuses_entry_to_outsiders_and_roles_without_a_channel(world, wave, login):
    target = target_of(wave, world.shops["张湾1号线"][0])
    r = login(world.outsider).post(
        f"/surveys/{wave.pk}/entry/{target.pk}/", {**full_post(wave), "submit": "1"}
    )
    assert r.status_code == 404
    for user in (world.inspector, world.station_head, world.supervisor):
        assert login(user).get(f"/surveys/{wave.pk}/entry/{target.pk}/").status_code == 403
    assert not Answer.objects.exists()


def test_it_shows_the_qr_code_and_reissues_the_link_on_a_visit(world, wave, login):
    client = login(world.account_manager)
    target = target_of(wave, world.shops["张湾1号线"][0])
    svg = client.get(f"/surveys/{wave.pk}/targets/{target.pk}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    old = link_code(target)
    client.post(f"/surveys/{wave.pk}/targets/{target.pk}/reissue/")
    target.refresh_from_db()
    assert link_code(target) != old
    other = target_of(wave, world.shops["城关1号线"][0])
    assert client.get(f"/surveys/{wave.pk}/targets/{other.pk}/qr.svg").status_code == 404


def test_it_sends_an_owner_who_jumped_ahead_back_to_the_unanswered_part(world, wave, client):
    target = target_of(wave, world.shops["张湾1号线"][0])
    url = f"/q/{link_code(target)}/"
    client.post(url, step_post(wave, 0))
    last = len(sections_of(wave)) - 1
    r = client.post(url, step_post(wave, last))
    assert r.status_code == 400 and "前面部分还有题目没有回答" in r.content.decode()
    assert "?step=1" in r.content.decode()
    assert Answer.objects.get(target=target).status == AnswerStatus.IN_PROGRESS


def test_it_hides_a_half_answered_anonymous_sheet_from_staff_below_the_city(world, login, client):
    from .conftest import make_wave

    wave = make_wave(world, name="匿名调查", anonymous=True)
    target = target_of(wave, world.shops["张湾1号线"][0])
    client.post(f"/q/{link_code(target)}/", step_post(wave, 0, value=1))  # the owner starts on the phone
    manager = login(world.account_manager)
    page = manager.get(f"/surveys/{wave.pk}/entry/{target.pk}/").content.decode()
    assert 'data-testid="hidden"' in page and 'value="1" checked' not in page
    r = manager.post(f"/surveys/{wave.pk}/entry/{target.pk}/", {**full_post(wave), "submit": "1"})
    assert r.status_code == 403
    answer = Answer.objects.get(target=target)
    assert answer.status == AnswerStatus.IN_PROGRESS and answer.values["supply_1"] == 1
