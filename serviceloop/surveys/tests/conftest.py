import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from serviceloop.core.testing import make_customer
from serviceloop.surveys.demo import fill_answers
from serviceloop.surveys.models import Questionnaire, TargetMode, WaveStatus, WaveTarget
from serviceloop.surveys.services import wave_create, wave_draw_targets, wave_transition

NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def trade():
    return Questionnaire.objects.get(code="trade", version=1)


def make_wave(
    world,
    *,
    name="2026年第四季度调查",
    questionnaire=None,
    anonymous=False,
    status=WaveStatus.OPEN,
    start=dt.date(2026, 10, 1),
    mode=TargetMode.ALL,
    **data,
):
    wave = wave_create(
        company=world.company,
        questionnaire=questionnaire or trade(),
        actor=world.city_admin,
        now=NOW,
        data={
            "name": name,
            "period_start": start,
            "period_end": start + dt.timedelta(days=80),
            "anonymous": anonymous,
            "target_mode": mode,
            **data,
        },
    )
    wave_draw_targets(wave=wave, actor=world.city_admin, now=NOW)
    if status != WaveStatus.DRAFT:
        wave_transition(wave=wave, to=WaveStatus.OPEN, actor=world.city_admin, now=NOW)
    if status == WaveStatus.CLOSED:
        wave_transition(wave=wave, to=WaveStatus.CLOSED, actor=world.city_admin, now=NOW)
    wave.refresh_from_db()
    return wave


@pytest.fixture(autouse=True)
def fresh_cache():
    """Results are cached by wave id and answer count; rolled-back tests reuse both."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def wave(world):
    return make_wave(world)


@pytest.fixture
def big_world(world):
    """The test world plus 15 more shops per route (68 in all), so that every analysis has data."""
    for route in (world.route_a1_1, world.route_a1_2, world.route_a2_1, world.route_b1_1):
        for n in range(15):
            make_customer(route, stars=1 + n % 5, market_type="CX"[n % 2], retail_format="BZYS"[n % 4])
    return world


def answered_wave(world, *, seed=1, **kwargs):
    """An open (or closed) wave where every drawn shop has answered from a synthetic survey."""
    status = kwargs.pop("status", WaveStatus.OPEN)
    wave = make_wave(world, status=WaveStatus.OPEN, **kwargs)
    targets = list(WaveTarget.objects.filter(wave=wave).order_by("id"))
    fill_answers(
        wave=wave,
        targets=targets,
        rng=random.Random(seed),
        seed=seed,
        moment=NOW,
        expectation_shift=0.5 if wave.questionnaire.code == "servqual" else None,
    )
    if status == WaveStatus.CLOSED:
        wave_transition(wave=wave, to=WaveStatus.CLOSED, actor=world.city_admin, now=NOW)
    return wave
