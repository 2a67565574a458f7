"""Live progress by branch/station/route (scoped), the reminder list with phones, the reminder action."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from serviceloop.customers.models import Customer
from serviceloop.surveys.models import Channel, Reminder, WaveStatus, WaveTarget
from serviceloop.surveys.selectors import due_reminders
from serviceloop.surveys.services import answer_save, wave_transition

from .conftest import NOW

pytestmark = pytest.mark.django_db


def answer(world, wave, shop):
    target = WaveTarget.objects.get(wave=wave, customer=shop)
    values = {"supply_1": 4}
    return answer_save(
        target=target, channel=Channel.PHONE, values=values, actor=world.agent, now=NOW, submit=False
    )


def submit_all(world, wave, shop):
    from serviceloop.surveys.services import parse_answer_post, questionnaire_items

    from .test_answers import full_post

    class Post(dict):
        def getlist(self, key):
            v = self.get(key)
            return v if isinstance(v, list) else [v] if v is not None else []

    values, exp, imp, _ = parse_answer_post(questionnaire_items(wave.questionnaire), Post(full_post(wave)))
    target = WaveTarget.objects.get(wave=wave, customer=shop)
    return answer_save(
        target=target,
        channel=Channel.PHONE,
        values=values,
        expectations=exp,
        actor=world.agent,
        now=NOW,
        submit=True,
    )


def test_it_shows_participation_within_the_users_scope(world, wave, login):
    submit_all(world, wave, world.shops["张湾1号线"][0])
    submit_all(world, wave, world.shops["城关1号线"][0])
    answer(world, wave, world.shops["张湾2号线"][0])  # started, not submitted: does not count
    head = login(world.station_head).get(f"/surveys/{wave.pk}/progress/").content.decode()
    assert 'data-testid="answered">1<' in head and "张湾服务站" in head and "城关服务站" not in head
    city = login(world.city_admin).get(f"/surveys/{wave.pk}/progress/").content.decode()
    assert 'data-testid="answered">2<' in city and "城关1号线" in city and "电话访问" in city


def test_it_lists_shops_to_remind_with_phones_by_role(world, wave, login):
    done = world.shops["张湾1号线"][0]
    submit_all(world, wave, done)
    pending = world.shops["张湾1号线"][1]
    text = (
        login(world.station_head).get(f"/surveys/{wave.pk}/progress/", {"state": "pending"}).content.decode()
    )
    assert pending.name in text and done.name not in text and pending.phone in text
    text = login(world.supervisor).get(f"/surveys/{wave.pk}/progress/", {"state": "pending"}).content.decode()
    assert pending.phone not in text and pending.phone[-4:] in text  # masked for roles that see no phones
    r = login(world.station_head).get(f"/surveys/{wave.pk}/progress/", {"state": "pending", "export": "1"})
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_it_records_a_reminder_and_refuses_one_outside_scope(world, wave, login):
    shop = world.shops["张湾1号线"][1]
    target = WaveTarget.objects.get(wave=wave, customer=shop)
    client = login(world.station_head)
    r = client.post(f"/surveys/{wave.pk}/targets/{target.pk}/remind/", {"note": "已电话提醒"})
    assert r.status_code == 302
    reminder = Reminder.objects.get(target=target)
    assert reminder.actor == world.station_head and reminder.note == "已电话提醒"
    other = WaveTarget.objects.get(wave=wave, customer=world.shops["城关1号线"][0])
    assert client.post(f"/surveys/{wave.pk}/targets/{other.pk}/remind/").status_code == 404
    assert login(world.outsider).post(f"/surveys/{wave.pk}/targets/{target.pk}/remind/").status_code == 404
    assert Reminder.objects.count() == 1
    submit_all(world, wave, shop)
    client = login(world.station_head)
    r = client.post(f"/surveys/{wave.pk}/targets/{target.pk}/remind/", follow=True)
    assert "该客户已经作答" in r.content.decode() and Reminder.objects.count() == 1


def test_it_lists_due_reminders_for_the_job(world, wave):
    assert due_reminders(wave=wave, now=NOW).count() == 8
    submit_all(world, wave, world.shops["张湾1号线"][0])
    Reminder.objects.create(
        target=WaveTarget.objects.get(wave=wave, customer=world.shops["张湾1号线"][1]), at=NOW
    )
    assert due_reminders(wave=wave, now=NOW).count() == 6
    wave_transition(wave=wave, to=WaveStatus.CLOSED, actor=world.city_admin, now=NOW)
    assert due_reminders(wave=wave, now=NOW).count() == 0


def test_it_keeps_the_progress_queries_flat_as_the_page_grows(world, wave, login):
    client = login(world.city_admin)
    with CaptureQueriesContext(connection) as small:
        client.get(f"/surveys/{wave.pk}/progress/")
    from serviceloop.core.testing import make_customer

    for _ in range(12):
        shop = make_customer(world.route_a1_1)
        WaveTarget.objects.create(
            wave=wave,
            customer=shop,
            station=shop.station,
            route=shop.route,
            branch=shop.branch,
            token=f"t{shop.pk}",
        )
    with CaptureQueriesContext(connection) as large:
        client.get(f"/surveys/{wave.pk}/progress/")
    assert len(large) == len(small)
    assert Customer.objects.count() == 20
