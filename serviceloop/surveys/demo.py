"""The demo city's surveys: a closed wave with realistic answers, an open wave in progress, and a small
SERVQUAL gap study. Answers come from ``synthetic.synthetic_survey`` (planted structure: correlated
dimension factors, delivery and complaint handling driving overall satisfaction) mapped onto the
drawn shops, written in bulk. Everything follows the city's seed and ``now``; no actor is recorded, so
``demo_reset`` can remove it all with the company."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np

from serviceloop.analytics.survey.synthetic import synthetic_survey

from .builtin import SERVQUAL, TRADE
from .models import Answer, AnswerStatus, Channel, Questionnaire, TargetMode, WaveStatus, WaveTarget
from .services import questionnaire_items, wave_create, wave_draw_targets, wave_transition

CHANNEL_SHARES = {Channel.QR: 0.5, Channel.PHONE: 0.3, Channel.VISIT: 0.2}


def _quarter(day: dt.date, back: int) -> tuple[dt.date, dt.date]:
    q = (day.month - 1) // 3 - back
    year = day.year + q // 4
    q %= 4
    start = dt.date(year, 3 * q + 1, 1)
    end = (dt.date(year + (q == 3), (3 * q + 3) % 12 + 1, 1)) - dt.timedelta(days=1)
    return start, end


def _label(start: dt.date) -> str:
    return f"{start.year}年第{'一二三四'[(start.month - 1) // 3]}季度"


def fill_answers(
    *,
    wave,
    targets,
    rng: random.Random,
    seed: int,
    moment,
    share: float = 1.0,
    expectation_shift: float | None = None,
) -> int:
    """Submitted answers for ``share`` of ``targets`` from a synthetic survey of the wave's questionnaire.
    Used by the demo and by tests that need realistic data."""
    items = questionnaire_items(wave.questionnaire)
    scored = [i for i in items if i.is_scored]
    dims = list(dict.fromkeys(i.section.code for i in scored))
    per_dim = max(len([i for i in scored if i.section.code == d]) for d in dims)
    scale = scored[0].scale_max
    chosen = [t for t in targets if rng.random() < share]
    if not chosen:
        return 0
    syn = synthetic_survey(
        len(chosen), seed=seed, dimensions=dims, items_per_dimension=per_dim, scale_max=scale
    )
    exp = None
    if expectation_shift is not None:
        level = {d: lv + expectation_shift for d, lv in syn.level.items()}
        exp = synthetic_survey(
            len(chosen),
            seed=seed + 1,
            dimensions=dims,
            items_per_dimension=per_dim,
            scale_max=scale,
            level=level,
        ).answers
    overall = next((i for i in items if i.is_overall), None)
    choice_items = [i for i in items if i.kind in ("single", "multiple")]
    texts = ["送货能再准时一些就好了", "希望紧俏烟多分一点", "客户经理很负责，点赞", "网上订货有时卡顿", ""]
    channels, weights = list(CHANNEL_SHARES), list(CHANNEL_SHARES.values())
    rows = []
    matrix = syn.answers
    for n, target in enumerate(chosen):
        rec = matrix.iloc[n]
        values = {i.code: int(rec[i.code]) for i in scored if i.code in rec and not np.isnan(rec[i.code])}
        if overall is not None:
            values[overall.code] = int(rec["overall_item"])
        for item in choice_items:
            if rng.random() < 0.7:
                values[item.code] = (
                    rng.choice(item.options)
                    if item.kind == "single"
                    else rng.sample(item.options, rng.randint(1, 2))
                )
        text_item = next((i for i in items if i.kind == "text"), None)
        if text_item is not None and rng.random() < 0.15:
            text = rng.choice(texts)
            if text:
                values[text_item.code] = text
        expectations = {}
        if exp is not None:
            erec = exp.iloc[n]
            expectations = {i.code: int(erec[i.code]) for i in scored if i.ask_expectation and i.code in erec}
        at = moment - dt.timedelta(minutes=rng.randrange(60 * 24 * 20))
        rows.append(
            Answer(
                wave=wave,
                target=target,
                customer_id=target.customer_id,
                status=AnswerStatus.SUBMITTED,
                channel=rng.choices(channels, weights=weights)[0],
                values=values,
                expectations=expectations,
                started_at=at,
                updated_at=at,
                submitted_at=at,
            )
        )
    Answer.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def build_surveys(city) -> None:
    """Closed last-quarter wave (stratified by branch), open this-quarter wave, closed SERVQUAL study."""
    if not city.customers:
        return
    rng = city.rng("surveys")
    trade = Questionnaire.objects.filter(code=TRADE["code"]).order_by("-version").first()
    servqual = Questionnaire.objects.filter(code=SERVQUAL["code"]).order_by("-version").first()
    if trade is None:
        return
    today = city.today
    counts = {"survey_waves": 0, "survey_answers": 0}
    last_start, last_end = _quarter(today, 1)
    this_start, this_end = _quarter(today, 0)
    specs = [
        (
            trade,
            f"{_label(last_start)}零售客户满意度调查",
            last_start,
            last_end,
            ["branch"],
            0.05,
            0.88,
            None,
            True,
        ),
        (
            trade,
            f"{_label(this_start)}零售客户满意度调查",
            this_start,
            this_end,
            ["branch"],
            0.05,
            0.35,
            None,
            False,
        ),
    ]
    if servqual is not None:
        specs.append(
            (
                servqual,
                f"{_label(last_start)}服务质量差距专项调查（SERVQUAL）",
                last_start,
                last_end,
                ["market_type"],
                0.08,
                0.9,
                0.6,
                True,
            )
        )
    for n, (q, name, start, end, strata, margin, share, shift, close) in enumerate(specs):
        wave = wave_create(
            company=city.company,
            questionnaire=q,
            actor=None,
            now=city.now,
            data={
                "name": name,
                "period_start": start,
                "period_end": end,
                "target_mode": TargetMode.SAMPLE,
                "strata": strata,
                "margin": margin,
                "seed": city.seed * 100 + n,
                "anonymous": False,
            },
        )
        wave_draw_targets(wave=wave, actor=None, now=city.now)
        wave_transition(wave=wave, to=WaveStatus.OPEN, actor=None, now=city.now)
        targets = list(WaveTarget.objects.filter(wave=wave).order_by("id"))
        moment = min(city.now, dt.datetime.combine(end, dt.time(18), tzinfo=city.tz))
        counts["survey_answers"] += fill_answers(
            wave=wave,
            targets=targets,
            rng=rng,
            seed=city.seed * 1000 + n,
            moment=moment,
            share=share,
            expectation_shift=shift,
        )
        if close:
            wave_transition(wave=wave, to=WaveStatus.CLOSED, actor=None, now=city.now)
        counts["survey_waves"] += 1
    city.counts.update(counts)
