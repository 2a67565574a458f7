"""E-settlement care (R29): which shops are likely to fail their next debit, and how well debits go.

The risk rule is additive so that an account manager can read why a shop is listed (each part is a line of
the explanation). Over the last ``DerivationSettings.failed_settlement_days`` days of current settlements:

- 20 points per failed debit attempt, at most 60;
- +20 when a failure was for want of money (余额不足): the account ran dry before and may again;
- +40 when a failure was a blocked card or account (冻结, 挂失, 销户, 账户状态异常 …): it fails every time
  until the owner goes to the bank;
- +20 when a settlement of the window ended unpaid (final state "failed").

Capped at 100. A shop is *likely to fail* at ``threshold()`` = 20 × ``failed_settlement_min`` points (40 by
default: two failed attempts, or one blocked-card failure). The trade data holds no balance history (no system
exports balances); the insufficient-balance failures are what stands for it.

The same rule feeds the capital-pressure key list (``serviceloop.visits.keylists``): one rule, not two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

PER_FAILED, FAILED_CAP = 20, 60
BALANCE_POINTS, BLOCKED_POINTS, UNPAID_POINTS = 20, 40, 20
MAX_SCORE = 100
BALANCE_WORDS = ("余额不足", "余额", "资金不足", "insufficient")
BLOCKED_WORDS = ("冻结", "挂失", "销户", "注销", "状态异常", "止付", "frozen", "closed", "blocked")
DEFAULT_TARGET = 95.0
KPI_CODE = "e_settlement_success"


def reason_class(reason: str) -> str:
    """ "blocked", "balance" or "other" for a failure reason as the bank wrote it."""
    text = (reason or "").lower()
    if any(w in text for w in BLOCKED_WORDS):
        return "blocked"
    if any(w in text for w in BALANCE_WORDS):
        return "balance"
    return "other"


@dataclass
class Risk:
    customer_id: int
    score: int = 0
    failed: int = 0
    unpaid: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    parts: list[tuple[int, str]] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        return "；".join(f"{text}（+{points}）" for points, text in self.parts)


def score(*, reasons: dict[str, int], unpaid: int, days: int) -> tuple[int, list[tuple[int, str]]]:
    """The score and its parts from a shop's failed attempts by reason and its unpaid settlements."""
    failed = sum(reasons.values())
    parts = []
    if failed:
        listed = "、".join(
            f"{r or '未说明'}{n}次" for r, n in sorted(reasons.items(), key=lambda x: (-x[1], x[0]))
        )
        parts.append((min(FAILED_CAP, PER_FAILED * failed), f"近{days}天扣款失败{failed}次：{listed}"))
    classes = {reason_class(r) for r in reasons}
    if "balance" in classes:
        parts.append((BALANCE_POINTS, "曾因余额不足扣款失败"))
    if "blocked" in classes:
        parts.append((BLOCKED_POINTS, "银行卡或账户被冻结、挂失或状态异常"))
    if unpaid:
        parts.append((UNPAID_POINTS, f"{unpaid}笔结算最终未扣款成功"))
    return min(MAX_SCORE, sum(p for p, _t in parts)), parts


def rule() -> tuple[int, int]:
    """(window in days, threshold in points) from the city's derivation settings, in one query."""
    from serviceloop.trade.models import DerivationSettings

    cfg = DerivationSettings.current()
    return cfg.failed_settlement_days, PER_FAILED * cfg.failed_settlement_min


def window_days() -> int:
    return rule()[0]


def threshold() -> int:
    return rule()[1]


def settlement_risks(customers, *, now, days: int | None = None) -> dict[int, Risk]:
    """{customer id: Risk} for the shops of ``customers`` (a queryset) with any failure in the window; two
    grouped queries whatever the number of shops."""
    from serviceloop.trade.models import AttemptResult, Settlement, SettlementAttempt, SettlementState

    days = window_days() if days is None else days
    since = now - dt.timedelta(days=days)
    ids = customers.values("pk")
    risks: dict[int, Risk] = {}
    for cid, reason, n in (
        SettlementAttempt.objects.filter(
            settlement__is_current=True, settlement__customer__in=ids, settlement__first_attempt_at__gte=since,
            result=AttemptResult.FAILED,
        ).values_list("settlement__customer_id", "failure_reason").annotate(n=Count("id")).order_by()
    ):  # fmt: skip
        risk = risks.setdefault(cid, Risk(cid))
        risk.reasons[reason.strip()] = risk.reasons.get(reason.strip(), 0) + n
        risk.failed += n
    for cid, n in (
        Settlement.objects.filter(is_current=True, customer__in=ids, first_attempt_at__gte=since,
                                  state=SettlementState.FAILED)
        .values_list("customer_id").annotate(n=Count("id")).order_by()
    ):  # fmt: skip
        risks.setdefault(cid, Risk(cid)).unpaid = n
    for risk in risks.values():
        risk.score, risk.parts = score(reasons=risk.reasons, unpaid=risk.unpaid, days=days)
    return risks


def likely_to_fail(customers, *, now) -> dict[int, Risk]:
    """The shops at or over the threshold (the care list, the settlement reminders, capital pressure)."""
    days, line = rule()
    return {cid: r for cid, r in settlement_risks(customers, now=now, days=days).items() if r.score >= line}


# ------------------------------------------------------------------------------------------- success rates

LEVELS = {
    "station": ("station_id", ("station__name",), _("Station")),
    "route": ("route_id", ("route__name",), _("Route")),
    "manager": ("route__account_manager_id", ("route__account_manager__full_name",
                                              "route__account_manager__username"), _("Account manager")),
}  # fmt: skip


def target_for(level: str) -> float:
    """The e-settlement success target from the KPI catalogue (the level's newest target, else the city's),
    else 95 %."""
    from django.apps import apps

    if not apps.is_installed("serviceloop.kpis"):  # pragma: no cover - the KPI app is part of the project
        return DEFAULT_TARGET
    from serviceloop.kpis.models import KpiTarget

    kpi_level = {"station": "station", "route": "route", "manager": "manager"}.get(level, "city")
    rows = KpiTarget.objects.filter(kpi__code=KPI_CODE, level__in=[kpi_level, "city"]).order_by(
        "-set_at", "-id"
    )
    found = {}
    for t_level, value in rows.values_list("level", "target"):
        found.setdefault(t_level, float(value))
    return found.get(kpi_level, found.get("city", DEFAULT_TARGET))


def e_settlements_visible_to(user, *, start: dt.date, end: dt.date, station=None, route=None):
    """Current e-settlements whose first debit fell in [start, end] (local dates), in the user's scope."""
    from django.utils import timezone

    from serviceloop.trade.models import Settlement, SettlementMethod

    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    qs = Settlement.objects.visible_to(user).filter(
        is_current=True,
        method=SettlementMethod.E_SETTLEMENT,
        first_attempt_at__gte=lo,
        first_attempt_at__lt=hi,
    )
    if station is not None:
        qs = qs.filter(station=station)
    if route is not None:
        qs = qs.filter(route=route)
    return qs


def success_rates(settlements, *, level: str) -> list[dict]:
    """Per unit: e-settlements, paid, unpaid, attempts, failed attempts, the success rate (paid ÷ settlements,
    the KPI's definition) and whether it meets the target; worst first."""
    from django.db.models import Sum

    key, names, _label = LEVELS[level]
    target = target_for(level)
    rows = (
        settlements.values(key, *names)
        .annotate(
            n=Count("id"),
            paid=Count("id", filter=Q(state="success")),
            attempts=Sum("attempts"),
            failed_attempts=Sum("failed_attempts"),
        )
        .order_by()
    )
    out = []
    for r in rows:
        rate = round(100 * r["paid"] / r["n"], 2) if r["n"] else None
        out.append({
            "id": r[key], "name": next((r[n] for n in names if r[n]), "—"), "settlements": r["n"], "paid": r["paid"],
            "unpaid": r["n"] - r["paid"], "attempts": r["attempts"] or 0, "failed_attempts": r["failed_attempts"] or 0,
            "rate": rate, "target": target, "met": rate is not None and rate >= target,
        })  # fmt: skip
    return sorted(out, key=lambda r: (r["rate"] if r["rate"] is not None else 101, str(r["name"])))


def failure_pareto(settlements) -> list[dict]:
    """Failed attempts of these settlements by reason, most frequent first, with the cumulative share (%)."""
    from serviceloop.trade.models import AttemptResult, SettlementAttempt

    rows = (
        SettlementAttempt.objects.filter(settlement__in=settlements.values("pk"), result=AttemptResult.FAILED)
        .values_list("failure_reason")
        .annotate(n=Count("id"))
        .order_by("-n", "failure_reason")
    )
    total = sum(n for _r, n in rows)
    out, running = [], 0
    for reason, n in rows:
        running += n
        out.append({"reason": reason or "未说明", "count": n, "cumulative": round(100 * running / total, 1)})
    return out


# ------------------------------------------------------------------------------------------- the care list


def care_shops_visible_to(user, *, now, q: str = "", route=None, show_all: bool = False, rule_=None):
    """The user's shops with settlement failures in the window — only those likely to fail unless
    ``show_all`` — highest score first (a ``CareList``), each with ``risk``, ``next_order_day``,
    ``reminder_state`` and ``shown_phone`` set."""
    from django.utils import timezone

    from serviceloop.customers.models import Customer

    from .selectors import may_see_runs

    if not may_see_runs(user):
        return []
    shops = Customer.objects.visible_to(user)
    if route is not None:
        shops = shops.filter(route=route)
    if q:
        shops = shops.filter(Q(name__icontains=q) | Q(licence_no__icontains=q) | Q(owner_name__icontains=q))
    days, line = rule_ or rule()
    risks = settlement_risks(shops, now=now, days=days)
    if not show_all:
        risks = {cid: r for cid, r in risks.items() if r.score >= line}
    licences = Customer.objects.filter(pk__in=list(risks)).values_list("pk", "licence_no")
    ids = [pk for pk, licence in sorted(licences, key=lambda row: (-risks[row[0]].score, row[1]))]
    return CareList(user=user, ids=ids, risks=risks, today=timezone.localdate(now))


class CareList(Sequence):
    """The care list in its order; each shop is read only when asked for. A page reads its 30 shops and the
    export reads 1,000 at a time: building the city admin's 5,800 shops on every view cost 0.6 s of CPU at
    40,000 shops (issue 14)."""

    CHUNK = 1000

    def __init__(self, *, user, ids: list[int], risks: dict, today: dt.date):
        self._user, self._ids, self._risks, self._today = user, ids, risks, today

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._shops(self._ids[index])
        return self._shops([self._ids[index]])[0]

    def __iter__(self):
        for start in range(0, len(self._ids), self.CHUNK):
            yield from self._shops(self._ids[start : start + self.CHUNK])

    def _shops(self, ids: list[int]) -> list:
        from serviceloop.core.phones import phone_for
        from serviceloop.customers.models import Customer, OutboxKind, OutboxMessage

        from .restock import next_order_day

        found = Customer.objects.filter(pk__in=ids).select_related("route__account_manager").only(
            "pk", "licence_no", "name", "owner_name", "phone", "order_cycle", "order_weekday", "e_settlement",
            "route__name", "route__account_manager__username", "route__account_manager__full_name")  # fmt: skip
        by_id = {shop.pk: shop for shop in found}
        reminded = dict(
            OutboxMessage.objects.filter(customer__in=ids, kind=OutboxKind.SETTLEMENT, cycle__gte=self._today)
            .order_by("cycle")
            .values_list("customer_id", "state")
        )
        out = []
        for pk in ids:
            shop = by_id.get(pk)
            if shop is None:  # deleted since the list was read
                continue
            shop.reminder_state = reminded.get(pk, "")
            shop.risk = self._risks[pk]
            shop.next_order_day = next_order_day(
                self._today - dt.timedelta(days=1), shop.order_cycle, shop.order_weekday
            )
            shop.shown_phone = phone_for(self._user, shop.phone)
            out.append(shop)
        return out
