"""Acting on results (R21): low scores become problem tags on the shop (with the tag's strategy) or
service requests; the next wave reports whether the shops acted on moved (paired comparison)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from serviceloop.customers.models import Customer
from serviceloop.org.models import Role

from .analysis import wave_data
from .models import ActionKind, LowScoreAction, Wave

if TYPE_CHECKING:
    import pandas as pd

ACTOR_ROLES = {Role.CITY_ADMIN, Role.BRANCH_MANAGER, Role.STATION_HEAD, Role.MARKET_MANAGER}
# Where a low dimension score goes in the service desk (categories seeded by servicedesk 0002).
REQUEST_CATEGORY = {
    "supply": "supply",
    "ordering": "ordering",
    "delivery": "delivery",
    "settlement": "settlement",
    "account_manager": "attitude",
    "complaints": "other",
    "market": "policy",
}


def may_act(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in ACTOR_ROLES))


def wave_scores(wave: Wave, user) -> tuple[pd.DataFrame, dict]:
    """Respondent scores (0–100 per dimension and overall) of the shops in the user's scope."""
    import pandas as pd

    from serviceloop.analytics.survey import respondent_scores

    data = wave_data(wave, user)
    if data.spec is None or data.n == 0:
        return pd.DataFrame(), {}
    titles = {i.section.code: i.section.title for i in data.scored}
    return respondent_scores(data.perception, data.spec), titles


def low_scores(*, wave: Wave, user, dimension: str, threshold: float) -> pd.DataFrame:
    """Shops (index) whose score on ``dimension`` (a section code or ``overall``) is below ``threshold``."""
    if wave.anonymous:
        raise ValidationError(_("An anonymous wave's answers cannot be traced back to shops."))
    scores, _titles = wave_scores(wave, user)
    if scores.empty:
        return scores
    if dimension not in scores.columns:
        raise ValidationError(_("Unknown dimension."))
    col = scores[dimension]
    return scores[col < threshold].sort_values(dimension)


@transaction.atomic
def lowscore_act(
    *, wave: Wave, dimension: str, threshold: float, kind: str, actor, now, tag=None, customer_ids=None
) -> tuple[int, int]:
    """Attaches ``tag`` (kind "tag") or files a service request (kind "request", channel "survey") for every
    shop in the actor's scope scoring below ``threshold`` on ``dimension`` — or only for ``customer_ids``
    among them (one click on a row). Returns (acted, skipped: already acted on or already tagged)."""
    if not may_act(actor):
        raise PermissionDenied
    if kind not in ActionKind.values:
        raise ValidationError(_("Choose a tag or a service request."))
    if kind == ActionKind.TAG and tag is None:
        raise ValidationError(_("Choose the problem tag to attach."))
    if not 0 <= threshold <= 100:
        raise ValidationError(_("The threshold is a score from 0 to 100."))
    low = low_scores(wave=wave, user=actor, dimension=dimension, threshold=threshold)
    if customer_ids is not None:
        low = low[low.index.isin([int(i) for i in customer_ids])]
    from serviceloop.analytics.survey import OVERALL

    titles = dict(wave.questionnaire.sections.values_list("code", "title"))
    label = _("overall") if dimension == OVERALL else titles.get(dimension, dimension)
    done = set(
        LowScoreAction.objects.filter(
            wave=wave, dimension=dimension, kind=kind, customer_id__in=list(low.index)
        ).values_list("customer_id", flat=True)
    )
    customers = Customer.objects.visible_to(actor).in_bulk([i for i in low.index if i not in done])
    acted, skipped = 0, len(done)
    for shop_id, score in low[dimension].items():
        customer = customers.get(shop_id)
        if customer is None:
            continue
        reason = _("%(wave)s: %(dim)s scored %(score).0f (below %(t).0f).") % {
            "wave": wave.name,
            "dim": label,
            "score": score,
            "t": threshold,
        }
        row = LowScoreAction(
            wave=wave,
            customer=customer,
            dimension=dimension,
            score=float(score),
            threshold=float(threshold),
            kind=kind,
            actor=actor,
            at=now,
        )
        if kind == ActionKind.TAG:
            from serviceloop.tags.services import customertag_attach

            try:
                with transaction.atomic():
                    row.customer_tag = customertag_attach(
                        customer=customer, tag=tag, source="survey", reason=reason, actor=actor, now=now
                    )
            except ValidationError:  # the shop carries this tag already
                skipped += 1
                continue
        else:
            from serviceloop.servicedesk.services import servicerequest_file

            row.service_request, _created = servicerequest_file(
                customer=customer,
                channel="survey",
                kind="request",
                category=REQUEST_CATEGORY.get(dimension, "other"),
                text=reason,
                actor=actor,
                now=now,
                idempotency_key=f"survey:{wave.pk}:{customer.pk}:{dimension}",
            )
        row.save()
        acted += 1
    return acted, skipped


def acted_shops_moved(*, wave: Wave, user) -> list[dict]:
    """For shops acted on after earlier waves of this questionnaire and answering this wave too: their score
    on the dimension acted on, then and now, with a paired t-test (did they move?)."""
    earlier = Wave.objects.filter(
        company=wave.company, questionnaire__code=wave.questionnaire.code, period_start__lt=wave.period_start
    ).exclude(pk=wave.pk)
    actions = list(
        LowScoreAction.objects.filter(wave__in=earlier).values_list(
            "wave_id", "dimension", "kind", "customer_id"
        )
    )
    if not actions:
        return []
    import pandas as pd

    from serviceloop.analytics.survey import compare_means

    now_scores, titles = wave_scores(wave, user)
    if now_scores.empty:
        return []
    out = []
    groups: dict[tuple, list[int]] = {}
    for wave_id, dimension, kind, customer_id in actions:
        groups.setdefault((wave_id, dimension, kind), []).append(customer_id)
    for (wave_id, dimension, kind), ids in sorted(groups.items()):
        before_wave = Wave.objects.get(pk=wave_id)
        before, _t = wave_scores(before_wave, user)
        if before.empty or dimension not in before or dimension not in now_scores:
            continue
        a = before[dimension].reindex(ids)
        b = now_scores[dimension].reindex(ids)
        both = pd.concat([a, b], axis=1).dropna()
        row = {
            "wave": before_wave.name,
            "dimension": titles.get(dimension, _("overall")),
            "kind": kind,
            "kind_label": ActionKind(kind).label,
            "n_acted": len(ids),
            "n": len(both),
            "before": float(both.iloc[:, 0].mean()) if len(both) else None,
            "after": float(both.iloc[:, 1].mean()) if len(both) else None,
            "diff": None,
            "p_value": None,
        }
        if len(both) >= 2:
            try:
                res = compare_means(a.dropna(), b.dropna(), paired=True)
                row["diff"], row["p_value"] = res.diff, res.p_value if math.isfinite(res.p_value) else None
            except ValueError:
                pass
        out.append(row)
    return out
