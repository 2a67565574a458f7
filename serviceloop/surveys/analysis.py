"""A wave's answers as the analytics core's frames, and the full analysis for the results pages.

Only submitted answers count. Results are scoped by target (a station head gets their station's shops)
and cached per wave, scope, answer count and last submission, so a page view after the first costs a
cache read; the cache empties itself when a new answer arrives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from serviceloop.customers.models import MarketType, RetailFormat
from serviceloop.org.scope import is_city_level

from .models import Answer, AnswerStatus, Item, ItemKind, Wave, WaveStatus, WaveTarget
from .selectors import ANONYMITY_MIN_N  # one rule for the pages, the analyses and the exports
from .services import questionnaire_items

# The statistics stack (numpy, pandas, SciPy, statsmodels) is imported by the functions that compute, not
# here: this module is on the URLconf's import path, and a cached results page needs none of it.
if TYPE_CHECKING:
    import pandas as pd

    from serviceloop.analytics.survey import SurveySpec

SEGMENTS = {
    "branch": gettext_lazy("branch"),
    "station": gettext_lazy("station"),
    "market_type": gettext_lazy("market type"),
    "retail_format": gettext_lazy("retail format"),
    "stars": gettext_lazy("stars"),
    "account_manager": gettext_lazy("account manager"),
}
SMALL_GROUP_N = 30


@dataclass
class WaveData:
    spec: SurveySpec | None
    items: list[Item]
    scored: list[Item]
    overall_item: Item | None
    perception: pd.DataFrame
    expectation: pd.DataFrame | None
    importance: pd.DataFrame | None
    outcome: pd.Series | None  # overall item on 0–100
    segments: pd.DataFrame
    values: list[dict]

    @property
    def n(self) -> int:
        return len(self.perception)


def build_spec(items: list[Item]) -> SurveySpec | None:
    from serviceloop.analytics.survey import SurveySpec

    scored = [i for i in items if i.is_scored]
    if not scored:
        return None
    return SurveySpec(
        item_dimension={i.code: i.section.code for i in scored},
        scale_min=1,
        scale_max=5,
        item_scales={i.code: (1, i.scale_max) for i in scored if i.scale_max != 5},
        item_weights={i.code: float(i.weight) for i in scored},
        dimension_weights={i.section.code: float(i.section.weight) for i in scored},
    )


def submitted_answers(wave: Wave, user):
    targets = WaveTarget.objects.filter(wave=wave).visible_to(user)
    return Answer.objects.filter(wave=wave, status=AnswerStatus.SUBMITTED, target__in=targets)


def wave_data(wave: Wave, user) -> WaveData:
    import numpy as np
    import pandas as pd

    items = questionnaire_items(wave.questionnaire)
    scored = [i for i in items if i.is_scored]
    overall_item = next((i for i in items if i.is_overall), None)
    ask_e = any(i.ask_expectation for i in scored)
    ask_i = any(i.ask_importance for i in scored)
    # Only the JSON columns the questionnaire uses are fetched (decoding them is most of the cost).
    rows = list(
        submitted_answers(wave, user)
        .order_by("customer_id")
        .values_list(
            "customer_id",
            "values",
            "expectations" if ask_e else "customer_id",
            "importances" if ask_i else "customer_id",
            "target__branch__name",
            "target__station__name",
            "target__market_type",
            "target__retail_format",
            "target__stars",
            "target__account_manager__full_name",
        )
    )
    ids = pd.Index([r[0] for r in rows], name="shop_id")
    codes = [i.code for i in scored]

    def frame(pos: int) -> pd.DataFrame:
        records = (
            pd.DataFrame.from_records([r[pos] for r in rows], columns=codes, index=ids) if rows else None
        )
        if records is None:
            return pd.DataFrame(np.empty((0, len(codes))), index=ids, columns=codes)
        # validated answers are whole numbers; anything else (never expected) counts as not answered
        return records.apply(pd.to_numeric, errors="coerce").astype(float)

    perception = frame(1)
    expectation = frame(2) if ask_e else None
    importance = frame(3) if ask_i else None
    outcome = None
    if overall_item is not None:
        raw = pd.to_numeric(
            pd.Series([r[1].get(overall_item.code) for r in rows], index=ids, dtype=object), errors="coerce"
        ).astype(float)
        outcome = (raw - 1) * 100.0 / (overall_item.scale_max - 1)
    # Labels are translated once, not once per answer.
    mt = {k: str(v) for k, v in MarketType.choices}
    rf = {k: str(v) for k, v in RetailFormat.choices}
    unrated = str(_("not rated"))
    segments = pd.DataFrame(
        {
            "branch": [r[4] for r in rows],
            "station": [r[5] for r in rows],
            "market_type": [mt.get(r[6], r[6]) or None for r in rows],
            "retail_format": [rf.get(r[7], r[7]) or None for r in rows],
            "stars": [f"{r[8]}★" if r[8] else unrated for r in rows],
            "account_manager": [r[9] for r in rows],
        },
        index=ids,
    )
    return WaveData(
        spec=build_spec(items),
        items=items,
        scored=scored,
        overall_item=overall_item,
        perception=perception,
        expectation=expectation,
        importance=importance,
        outcome=outcome,
        segments=segments,
        values=[r[1] for r in rows],
    )


def _scope_key(user) -> str:
    return "city" if is_city_level(user) else f"u{user.pk}"


def _fingerprint(wave: Wave, user) -> str:
    agg = submitted_answers(wave, user).aggregate(n=Count("id"), last=Max("updated_at"))
    return f"{agg['n']}:{agg['last'].timestamp() if agg['last'] else 0}"


def _safe(func, *args, **kwargs):
    import numpy as np

    try:
        return func(*args, **kwargs), ""
    except (ValueError, np.linalg.LinAlgError) as exc:
        return None, str(exc)


def previous_wave(wave: Wave) -> Wave | None:
    return (
        Wave.objects.filter(
            company=wave.company,
            questionnaire__code=wave.questionnaire.code,
            period_start__lt=wave.period_start,
        )
        .exclude(pk=wave.pk)
        .exclude(status=WaveStatus.DRAFT)
        .order_by("-period_start", "-id")
        .first()
    )


def wave_results(wave: Wave, user, *, segment: str = "branch", compare: Wave | None = None) -> dict:
    """Everything the results page, the report and the export show, as plain data (cached)."""
    if segment not in SEGMENTS:
        segment = "branch"
    key = f"surveys:results:{wave.pk}:{_scope_key(user)}:{_fingerprint(wave, user)}:{segment}:" + (
        f"{compare.pk}:{_fingerprint(compare, user)}" if compare else "-"
    )
    result = cache.get(key)
    if result is None:
        result = _compute(wave, user, segment=segment, compare=compare)
        cache.set(key, result, 3600)
    return result


def _compute(wave: Wave, user, *, segment: str, compare: Wave | None) -> dict:
    from serviceloop.analytics.survey import (
        FIX_FIRST,
        OVERALL,
        compare_waves,
        describe_items,
        driver_analysis,
        exploratory_factor_analysis,
        reliability_by_dimension,
        respondent_scores,
        satisfaction_index,
        segment_index,
        to_records,
    )

    data = wave_data(wave, user)
    out: dict = {"n": data.n, "errors": {}, "segment": segment}
    titles = {i.code: i.text for i in data.items}
    dim_titles = {i.section.code: i.section.title for i in data.items}
    out["item_titles"], out["dimension_titles"] = titles, dim_titles
    out["choices"] = _choices(data)
    if data.spec is None or data.n == 0:
        out["empty"] = True
        return out
    spec = data.spec
    index, err = _safe(
        satisfaction_index, data.perception, spec, expectation=data.expectation, importance=data.importance
    )
    if index is None:
        out["errors"]["index"] = err
        out["empty"] = True
        return out
    out["overall"], out["overall_ci"] = _num(index.overall), [_num(v) for v in index.overall_ci]
    out["dimensions"] = to_records(index.dimensions)
    items = index.items.join(describe_items(data.perception, spec)[["mean", "top_box", "bottom_box"]])
    out["items"] = to_records(items)
    out["has_gap"] = data.expectation is not None and "gap" in index.dimensions
    rel, err = _safe(reliability_by_dimension, data.perception, spec)
    if rel is not None:
        out["reliability"] = to_records(rel.table)
        out["item_total"] = [
            {"dimension": dim, **row}
            for dim, res in rel.dimensions.items()
            if res is not None
            for row in to_records(res.items)
        ]
    else:
        out["errors"]["reliability"] = err
    efa, err = _safe(exploratory_factor_analysis, data.perception)
    if efa is not None:
        d = efa.as_dict()
        out["efa"] = {
            "n": d["n"],
            "n_factors": d["n_factors"],
            "kmo": d["kmo"]["overall"],
            "bartlett": d["bartlett"],
            "loadings": to_records(efa.loadings),
            "explained": to_records(efa.explained),
            "eigenvalues": [_num(v) for v in efa.eigenvalues],
            "factors": list(efa.loadings.columns),
            "warnings": efa.warnings,
            "dropped": efa.dropped_items,
        }
    else:
        out["errors"]["efa"] = err
    scores = index.respondents
    if data.outcome is not None:
        drivers, err = _safe(driver_analysis, scores[spec.dimensions], data.outcome)
        if drivers is not None:
            out["drivers"] = {
                "n": drivers.n,
                "r_squared": _num(drivers.r_squared),
                "table": to_records(drivers.table),
                "importance_split": _num(drivers.importance_split),
                "performance_split": _num(drivers.performance_split),
                "fix_first": drivers.fix_first,
                "fix_first_code": FIX_FIRST,
            }
        else:
            out["errors"]["drivers"] = err
    else:
        out["errors"]["drivers"] = _("The questionnaire has no overall satisfaction item.")
    table = segment_index(data.segments, spec, segment, scores=scores, min_n=SMALL_GROUP_N)
    rows = to_records(table)
    masked = wave.anonymous and not is_city_level(user)
    for row in rows:
        row["masked"] = bool(masked and row["n"] < ANONYMITY_MIN_N and row["segment"] != "__total__")
        if row["masked"]:
            for col in [OVERALL, "overall_ci_low", "overall_ci_high", *spec.dimensions]:
                row[col] = None
    out["segments"] = rows
    out["compare"] = None
    if compare is not None:
        other = wave_data(compare, user)
        if other.spec is not None and other.n >= 2:
            other_scores = respondent_scores(other.perception, other.spec)
            cols = [c for c in [OVERALL, *spec.dimensions] if c in other_scores.columns]
            table, err = _safe(compare_waves, other_scores[cols], scores[cols])
            if table is not None:
                out["compare"] = {"wave": compare.name, "table": to_records(table)}
            else:
                out["errors"]["compare"] = err
        else:
            out["errors"]["compare"] = _("The wave compared with has too few answers.")
    out["empty"] = False
    return out


def _choices(data: WaveData) -> list[dict]:
    out = []
    for item in data.items:
        if item.kind in (ItemKind.SINGLE, ItemKind.MULTIPLE):
            counts = dict.fromkeys(item.options, 0)
            n = 0
            for v in data.values:
                got = v.get(item.code)
                if got is None:
                    continue
                n += 1
                for choice in got if isinstance(got, list) else [got]:
                    if choice in counts:
                        counts[choice] += 1
            out.append(
                {
                    "code": item.code,
                    "text": item.text,
                    "kind": item.kind,
                    "n": n,
                    "counts": [{"name": k, "value": c} for k, c in counts.items()],
                }
            )
        elif item.kind == ItemKind.TEXT:
            texts = [v[item.code] for v in data.values if v.get(item.code)]
            out.append(
                {
                    "code": item.code,
                    "text": item.text,
                    "kind": item.kind,
                    "n": len(texts),
                    "texts": texts[-50:],
                }
            )
    return out


def _num(v):
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None
