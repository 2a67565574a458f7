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
The care list (page, API, export) reads the scores kept per shop in ``SettlementRisk`` (see "the kept scores"
below); the reminder job and the key list score live.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q, Sum
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
    return _scored({"customer__in": customers.values("pk")}, now=now, days=days)


def _scored(shops: dict, *, now, days: int | None = None) -> dict[int, Risk]:
    """``settlement_risks`` of the shops chosen by ``shops``, lookups on the settlement (``customer__in``, or a
    range of ``customer_id``: the kept scores' chunks filter the settlements' (customer, first attempt) index
    directly, with no join to the shops whose row estimate the planner may get wrong)."""
    from serviceloop.trade.models import AttemptResult, Settlement, SettlementAttempt, SettlementState

    days = window_days() if days is None else days
    since = now - dt.timedelta(days=days)
    risks: dict[int, Risk] = {}
    for cid, reason, n in (
        SettlementAttempt.objects.filter(
            settlement__is_current=True, settlement__first_attempt_at__gte=since, result=AttemptResult.FAILED,
            **{f"settlement__{k}": v for k, v in shops.items()},
        ).values_list("settlement__customer_id", "failure_reason").annotate(n=Count("id")).order_by()
    ):  # fmt: skip
        risk = risks.setdefault(cid, Risk(cid))
        risk.reasons[reason.strip()] = risk.reasons.get(reason.strip(), 0) + n
        risk.failed += n
    for cid, n in (
        Settlement.objects.filter(is_current=True, first_attempt_at__gte=since, state=SettlementState.FAILED,
                                  **shops)
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

LEVELS = {"station": _("Station"), "route": _("Route"), "manager": _("Account manager")}


def _units(level: str) -> dict:
    """The unit of the page's level (its id and name) of every station (level ``station``) or route (the others).

    The kept counts are grouped by their own column first and named from here: a third of the time of grouping
    them joined to the names (a year at 140,000 shops: 104,000 day rows, 27 against 78 ms of PostgreSQL). Every
    row of the organisation's table is read, not those of the counted ids: at 2,000 routes the ids as parameters
    cost 10 ms of CPU, the whole table 1.3 ms; its size is the organisation's, not the data's. Only the units of
    counts in the user's scope are shown."""
    from serviceloop.org.models import Route, Station

    if level == "station":
        return {pk: (pk, name) for pk, name in Station.objects.values_list("pk", "name")}
    if level == "route":
        return {pk: (pk, name) for pk, name in Route.objects.values_list("pk", "name")}
    rows = Route.objects.values_list(
        "pk", "account_manager_id", "account_manager__full_name", "account_manager__username"
    )
    return {pk: (manager, full_name or username or "—") for pk, manager, full_name, username in rows}


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


def _own_scope(user, station=None) -> Q:
    """The routes and stations in the user's scope as they were when the shop paid (the settlement's own route and
    station, copied at import): the success-rate page groups by them, and its kept counts can only be scoped by
    them."""
    from serviceloop.org.scope import scope_q

    q = scope_q(user, branch="branch", station="station", route="route")
    return q & Q(station=station) if station is not None else q


def success_rates(user, *, start: dt.date, end: dt.date, level: str, station=None) -> list[dict]:
    """Per unit: current e-settlements whose first debit fell in [start, end] (local dates), paid, unpaid,
    attempts, failed attempts, the success rate (paid ÷ settlements, the KPI's definition) and whether it meets
    the target; worst first. Summed from the kept day counts (``trade.SettlementTally``)."""
    from serviceloop.trade.models import SettlementTally

    own = "station_id" if level == "station" else "route_id"
    counted = list(
        SettlementTally.objects.filter(_own_scope(user, station), day__range=(start, end))
        .values(own)
        .annotate(
            n=Sum("settlements"), paid=Sum("paid"), attempts=Sum("attempts"), failed=Sum("failed_attempts")
        )
        .order_by()
    )
    unit_of = _units(level) if counted else {}
    units: dict = {}
    for r in counted:
        unit_id, name = unit_of.get(r[own], (None, "—"))  # a route or station deleted since: SET_NULL
        unit = units.setdefault(unit_id, {"name": name, "n": 0, "paid": 0, "attempts": 0, "failed": 0})
        for count in ("n", "paid", "attempts", "failed"):
            unit[count] += r[count]
    target = target_for(level)
    out = []
    for unit_id, u in units.items():
        rate = round(100 * u["paid"] / u["n"], 2) if u["n"] else None
        out.append({
            "id": unit_id, "name": u["name"], "settlements": u["n"], "paid": u["paid"], "unpaid": u["n"] - u["paid"],
            "attempts": u["attempts"], "failed_attempts": u["failed"], "rate": rate, "target": target,
            "met": rate is not None and rate >= target,
        })  # fmt: skip
    return sorted(out, key=lambda r: (r["rate"] if r["rate"] is not None else 101, str(r["name"])))


def failure_pareto(user, *, start: dt.date, end: dt.date, station=None) -> list[dict]:
    """Failed debits of the e-settlements of ``success_rates``, by reason, most frequent first, with the cumulative
    share (%): summed from the kept day counts (``trade.SettlementFailureTally``)."""
    from serviceloop.trade.models import SettlementFailureTally

    kept = SettlementFailureTally.objects.filter(_own_scope(user, station), day__range=(start, end))
    counts = dict(kept.values_list("reason").annotate(n=Sum("failed_attempts")).order_by())
    total = sum(counts.values())
    out, running = [], 0
    for reason, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        running += n
        out.append({"reason": reason or "未说明", "count": n, "cumulative": round(100 * running / total, 1)})
    return out


def settlement_rates(user, *, level: str, start: dt.date, end: dt.date, station=None) -> dict:
    """What the success-rate page, its export and the API show: the rows of ``success_rates``, their totals and
    rate against the level's target, and the failure Pareto."""
    rows = success_rates(user, start=start, end=end, level=level, station=station)
    settlements, paid = sum(r["settlements"] for r in rows), sum(r["paid"] for r in rows)
    return {
        "rows": rows, "pareto": failure_pareto(user, start=start, end=end, station=station),
        "settlements": settlements, "paid": paid, "rate": round(100 * paid / settlements, 2) if settlements else None,
        "target": target_for(level),
    }  # fmt: skip


# ----------------------------------------------------------------------------------------- the kept scores
# The care list reads one ``SettlementRisk`` row a shop (issue 14): scoring the whole city's window on every
# view cost the city admin ~0.3 s of CPU and ~1 s of database grouping at 40,000 shops. A shop's row changes
# only when its settlements change (an import or a rollback: ``settlementrisk_refresh`` for those shops), when
# the window slides (the daily job: ``settlementrisk_rebuild``) or when the window setting changes (the same job,
# made due at once by ``trade.services.derivationsettings_update``). The threshold is applied when reading, so changing
# it needs no recomputation. The reminder job and the capital-pressure key list still score live
# (``likely_to_fail``): they are jobs, and live scores are exact to the minute.

CHUNK = 2000  # shops scored and written at a time: memory stays bounded whatever the size of the city


def _keep(shops: dict, kept, *, now, days: int) -> int:
    """Replaces the kept rows ``kept`` (those of ``shops``, lookups on the settlement as ``_scored`` takes them)
    by the shops' scores now; returns the rows kept.

    Called in a transaction. On PostgreSQL it first takes the trade import's lock (held by an import for its
    whole transaction, and taken again here at no cost when the import itself refreshes): a chunk of the daily
    job then waits for a running import and scores what it wrote, instead of racing it to the same rows."""
    from serviceloop.trade.importing.engine import import_lock

    from .models import SettlementRisk

    import_lock()
    risks = _scored(shops, now=now, days=days)
    kept.delete()
    SettlementRisk.objects.bulk_create(
        [
            SettlementRisk(
                customer_id=cid, score=r.score, failed_attempts=r.failed, unpaid_settlements=r.unpaid,
                reasons=r.reasons, parts=[list(p) for p in r.parts], window_days=days, computed_at=now,
            )
            for cid, r in risks.items()
        ],
        batch_size=CHUNK,
    )  # fmt: skip
    return len(risks)


def settlementrisk_refresh(*, customer_ids, now) -> int:
    """Scores these shops again (after their settlements were imported or rolled back); returns the rows kept."""

    from .models import SettlementRisk

    ids = sorted(set(customer_ids))
    days, kept = window_days(), 0
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            kept += _keep({"customer_id__in": chunk}, SettlementRisk.objects.filter(customer_id__in=chunk),
                          now=now, days=days)  # fmt: skip
    return kept


def settlementrisk_rebuild(*, now) -> dict[str, int]:
    """Scores every shop of the city again, ``CHUNK`` shops (a range of ids) at a time, each range in its own
    transaction (a reader sees a range's old rows or its new ones, never none)."""
    from serviceloop.customers.models import Customer

    from .models import SettlementRisk

    days = window_days()
    shops = kept = 0
    last = 0
    while True:
        ids = list(Customer.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not ids:
            break
        lo, hi = ids[0], ids[-1]
        with transaction.atomic():
            kept += _keep(
                {"customer_id__gte": lo, "customer_id__lte": hi},
                SettlementRisk.objects.filter(customer_id__gte=lo, customer_id__lte=hi),
                now=now, days=days,
            )  # fmt: skip
        shops, last = shops + len(ids), hi
    # rows of shops no longer in the archive go with their shop (CASCADE); nothing is left above the last id
    SettlementRisk.objects.filter(customer_id__gt=last).delete()
    return {"shops": shops, "kept": kept, "days": days}


def job_settlement_risks(now) -> str:
    """Daily: the window slides, so a failure that has just left it must stop counting."""
    counts = settlementrisk_rebuild(now=now)
    return f"{counts['kept']} shop(s) with settlement failures of {counts['shops']} scored (last {counts['days']} days)"


def scores_computed_at():
    """When the oldest kept score was computed: every score on the care list is at least this fresh (a shop
    without a row has had no failure since its last import, so it cannot be stale)."""
    from django.db.models import Min

    from .models import SettlementRisk

    return SettlementRisk.objects.aggregate(at=Min("computed_at"))["at"]


def scores_pending() -> bool:
    """The kept scores have never been computed although failed debits exist: a database upgraded to kept
    scores, before the daily job's first run (a job that has never run is due at the runner's next tick). The
    page says so instead of showing an empty list as if no shop were at risk."""
    from serviceloop.core.jobs import job_has_finished
    from serviceloop.trade.models import AttemptResult, SettlementAttempt

    from .models import SettlementRisk

    if SettlementRisk.objects.exists():
        return False
    if job_has_finished("settlement_risks"):
        return False
    return SettlementAttempt.objects.filter(result=AttemptResult.FAILED).exists()


# ------------------------------------------------------------------------------------------- the care list

CARE_FIELDS = (
    "pk", "licence_no", "name", "owner_name", "phone", "order_cycle", "order_weekday", "e_settlement",
    "route__name", "route__account_manager__username", "route__account_manager__full_name",
    "settlement_risk__score", "settlement_risk__failed_attempts", "settlement_risk__unpaid_settlements",
    "settlement_risk__reasons", "settlement_risk__parts", "settlement_risk__window_days",
    "settlement_risk__computed_at",
)  # fmt: skip


def care_shops_visible_to(
    user, *, q: str = "", station=None, route=None, show_all: bool = False, line: int | None = None
):
    """The user's shops with a kept settlement risk — only those at or over the line (``threshold()`` unless
    given) unless ``show_all`` — highest score first, then by licence number: a queryset the database filters,
    orders and pages. ``care_decorate`` completes the rows read (a page, or a chunk of the export)."""
    from serviceloop.customers.models import Customer

    from .selectors import may_see_runs

    if not may_see_runs(user):
        return Customer.objects.none()
    shops = Customer.objects.visible_to(user).filter(settlement_risk__isnull=False)
    if station is not None:
        shops = shops.filter(station=station)
    if route is not None:
        shops = shops.filter(route=route)
    if q:
        shops = shops.filter(Q(name__icontains=q) | Q(licence_no__icontains=q) | Q(owner_name__icontains=q))
    if not show_all:
        shops = shops.filter(settlement_risk__score__gte=threshold() if line is None else line)
    return (
        shops.select_related("settlement_risk", "route__account_manager")
        .only(*CARE_FIELDS)
        .order_by("-settlement_risk__score", "licence_no")
    )


def care_decorate(shops, *, user, today: dt.date) -> list:
    """Sets ``risk`` (the kept ``SettlementRisk``), ``reminder_state``, ``next_order_day`` and ``shown_phone``
    (masked for roles that need not see it) on these shops, in one more query whatever their number."""
    from serviceloop.core.phones import phone_for
    from serviceloop.customers.models import OutboxKind, OutboxMessage

    from .restock import next_order_day

    shops = list(shops)
    reminded = dict(
        OutboxMessage.objects.filter(
            customer__in=[s.pk for s in shops], kind=OutboxKind.SETTLEMENT, cycle__gte=today
        )
        .order_by("cycle")
        .values_list("customer_id", "state")
    ) if shops else {}  # fmt: skip
    for shop in shops:
        shop.risk = shop.settlement_risk
        shop.reminder_state = reminded.get(shop.pk, "")
        shop.next_order_day = next_order_day(
            today - dt.timedelta(days=1), shop.order_cycle, shop.order_weekday
        )
        shop.shown_phone = phone_for(user, shop.phone)
    return shops


def care_rows(shops, *, user, today: dt.date, chunk: int = 1000):
    """Every shop of ``care_shops_visible_to``'s queryset, decorated, ``chunk`` at a time (the export)."""
    start = 0
    while True:
        rows = list(shops[start : start + chunk])
        if not rows:
            return
        yield from care_decorate(rows, user=user, today=today)
        start += chunk
