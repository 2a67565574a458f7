"""Points from sales (积分制, R26; reference 004): "根据每个客户卷烟的销售量、销售档次等进行积分，每个周期都积，下个访销周期
根据上周期的积分情况进行紧俏卷烟的分配".

Each order cycle (an ISO week) every shop that bought earns points from the cartons it was supplied, weighted by
price class (销售档次) — the formula is a setting with history (``PointsFormula``). The cartons per class come
from the per shop-week aggregates (``ShopWeek.qty_class1..5``, kept by every import), never from order lines:
a city's cycle is one indexed read of ≤ 80,000 aggregate rows. The allocation of the next cycle
(``growth.services.points_allocate`` with ``source="computed"``) reads the stored points.

A shop on an every-other-week cycle (单周/双周) orders once in two weeks; its cycle ending in week W counts the
weeks W−1 and W (``weeks`` = 2), so it is not scored on half a cycle. Weekly shops count week W only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.core.background import exportable

from .models import PointsFormula, ShopPoints, ShopWeek
from .services import may_import

MAX_WEIGHT = Decimal("1000")


def _check(actor) -> None:
    if actor is not None and not may_import(actor):
        raise PermissionDenied(_("Only the city administrator may change or compute points."))


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def cycle_of(label: str) -> dt.date:
    """'2026-W48' (or any date in the week, 2026-11-25) → the Monday of that ISO week."""
    text = (label or "").strip()
    try:
        if "-W" in text.upper():
            year, week = text.upper().split("-W", 1)
            return dt.date.fromisocalendar(int(year), int(week), 1)
        return monday(dt.date.fromisoformat(text))
    except ValueError:
        raise ValidationError(
            _("Unknown cycle “%(cycle)s”: write it as 2026-W48 or a date.") % {"cycle": text}
        ) from None


def cycle_label(day: dt.date) -> str:
    year, week, _d = day.isocalendar()
    return f"{year}-W{week:02d}"


def _weight(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("%(what)s must be a number.") % {"what": what}) from None
    if not number.is_finite() or number < 0 or number > MAX_WEIGHT:
        raise ValidationError(_("%(what)s must be between 0 and 1000.") % {"what": what})
    if number.as_tuple().exponent < -3:
        raise ValidationError(_("%(what)s: at most three decimals.") % {"what": what})
    return number


@transaction.atomic
def pointsformula_save(*, volume_weight, class_weights: dict, note: str = "", actor, now) -> PointsFormula:
    """Adds a version of the formula (the earlier ones stay as its history) and writes an audit row."""
    _check(actor)
    volume = _weight(volume_weight, _("Volume weight"))
    weights = {}
    for c in range(1, 6):
        raw = class_weights.get(c, class_weights.get(str(c)))
        if raw is None or str(raw).strip() == "":
            raise ValidationError(_("The weight of price class %(c)s is missing.") % {"c": c})
        weights[str(c)] = str(_weight(raw, _("Weight of price class %(c)s") % {"c": c}).normalize())
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError(_("The reason is too long (200 characters at most)."))
    before = PointsFormula.current()
    if before.pk is not None and before.volume_weight == volume and before.class_weights == weights:
        return before  # the same formula again (a double submission): no new version
    formula = PointsFormula.objects.create(
        volume_weight=volume, class_weights=weights, note=note, saved_at=now, saved_by=actor
    )
    audit_record(actor=actor, action="trade.points_formula", obj=formula, now=now, summary=formula.text,
                 data={"before": before.text, "after": formula.text, "note": note})  # fmt: skip
    return formula


def _stored_formula(now) -> PointsFormula:
    """The formula in force, saved once as the first version if the administrator never changed it (a points
    row must name the exact weights it was made with)."""
    formula = PointsFormula.current()
    if formula.pk is None:
        formula.saved_at = now
        formula.note = "默认公式"
        formula.save()
    return formula


@transaction.atomic
def shoppoints_compute(*, cycle: dt.date, actor, now) -> dict[str, int]:
    """Points of every active shop with sales in the cycle (the week starting ``cycle``), replacing the
    cycle's earlier rows. One aggregate read, integer maths in NumPy (``analytics.allocation.sales_points``),
    bulk writes."""
    import numpy as np

    from serviceloop.analytics.allocation import sales_points
    from serviceloop.customers.models import Customer

    _check(actor)
    cycle = monday(cycle)
    formula = _stored_formula(now)
    rows = list(
        ShopWeek.objects.filter(
            week__gte=cycle - dt.timedelta(weeks=1), week__lte=cycle, customer__status="active"
        ).values_list(
            "customer_id", "week", "qty_class1", "qty_class2", "qty_class3", "qty_class4", "qty_class5"
        )
    )
    biweekly = set(
        Customer.objects.filter(pk__in={r[0] for r in rows if r[1] < cycle}, order_cycle__in=["odd", "even"])
        .values_list("pk", flat=True)
    )  # fmt: skip
    totals: dict[int, list[int]] = {}
    for customer_id, week, *classes in rows:
        if week < cycle and customer_id not in biweekly:
            continue
        into = totals.setdefault(customer_id, [0] * 5)
        for i, q in enumerate(classes):
            into[i] += q or 0
    ShopPoints.objects.filter(cycle=cycle).delete()
    ids = sorted(totals)
    volumes = np.array([totals[c] for c in ids], dtype=np.int64).reshape(-1, 5)
    weights = {c: formula.class_weights.get(str(c), "0") for c in range(1, 6)}
    points = (
        sales_points(volumes, class_weights=weights, volume_weight=str(formula.volume_weight)) if ids else []
    )
    ShopPoints.objects.bulk_create(
        [
            ShopPoints(
                customer_id=c,
                cycle=cycle,
                weeks=2 if c in biweekly else 1,
                volume=int(v.sum()),
                qty_class1=int(v[0]),
                qty_class2=int(v[1]),
                qty_class3=int(v[2]),
                qty_class4=int(v[3]),
                qty_class5=int(v[4]),
                points=int(p),
                formula=formula,
                computed_at=now,
            )  # fmt: skip
            for c, v, p in zip(ids, volumes, points, strict=True)
        ],
        batch_size=5000,
    )
    audit_record(actor=actor, action="trade.points_compute", obj=formula, now=now,
                 summary=f"{cycle_label(cycle)}：{len(ids)} 户", data={"cycle": cycle.isoformat(), "shops": len(ids)})  # fmt: skip
    return {"shops": len(ids), "points": int(np.sum(points)) if ids else 0}


def job_points(now) -> str:
    """Each week: the points of the cycle that ended (last week), for the next cycle's allocation."""
    from django.utils import timezone

    last = monday(timezone.localdate(now)) - dt.timedelta(weeks=1)
    counts = shoppoints_compute(cycle=last, actor=None, now=now)
    return f"points of {cycle_label(last)}: {counts['shops']} shop(s)"


def _sheet_count(user, params) -> int:
    from .selectors import shoppoints_list

    return shoppoints_list(user=user, params=params).count()


@exportable(count=_sheet_count)
def points_sheets(user, params):
    """The filtered points list as one sheet (background export), with each row's breakdown."""
    from .selectors import shoppoints_list

    qs = shoppoints_list(user=user, params=params)
    headers = [_("cycle"), _("licence number"), _("customer"), _("route"), _("cartons supplied")]
    headers += [_("Price class %(c)s") % {"c": c} for c in range(1, 6)] + [
        _("points"),
        _("how the points were made"),
    ]

    def rows():
        for p in qs.iterator(chunk_size=2000):
            yield [p.cycle_label, p.customer.licence_no, p.customer.name, str(p.customer.route or ""), p.volume,
                   p.qty_class1, p.qty_class2, p.qty_class3, p.qty_class4, p.qty_class5, p.points, p.how]  # fmt: skip

    return [(_("points"), headers, rows())]
