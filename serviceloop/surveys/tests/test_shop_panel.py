"""The shop page's survey panel, the menu entry and the reminders job."""

import pytest

from serviceloop.core.jobs import schedule
from serviceloop.surveys.jobs import survey_reminders_due

from .conftest import NOW, answered_wave, make_wave

pytestmark = pytest.mark.django_db


def test_it_shows_the_shops_waves_on_its_page(world, login):
    answered_wave(world, name="第四季度调查")
    shop = world.shops["张湾1号线"][0]
    text = login(world.station_head).get(f"/customers/{shop.pk}/").content.decode()
    assert 'data-testid="survey-panel"' in text and "第四季度调查" in text and "已提交" in text


def test_it_hides_an_anonymous_answer_on_the_shop_page_below_the_city(world, login):
    answered_wave(world, name="匿名调查", anonymous=True)
    shop = world.shops["张湾1号线"][0]
    text = login(world.station_head).get(f"/customers/{shop.pk}/").content.decode()
    assert "匿名调查" in text and "已提交" not in text
    text = login(world.city_admin).get(f"/customers/{shop.pk}/").content.decode()
    assert "已提交" in text


def test_it_offers_the_menu_entry_to_staff(world, login):
    text = login(world.account_manager).get("/").content.decode()
    assert 'href="/surveys/"' in text


def test_it_lists_due_reminders_in_the_job(world):
    assert any(job.name == "survey_reminders_due" for job in schedule())
    assert survey_reminders_due(NOW) == "reminders due — none"
    make_wave(world, name="第四季度调查")
    assert survey_reminders_due(NOW) == "reminders due — 第四季度调查: 8"
