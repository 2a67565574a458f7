"""Reminders to shops before their order day (R28 "该订货了", R29 settlement care), sent by the job runner.

The job only enqueues: a reminder is one message in the shop-message outbox (``customers.outbox``) per (shop,
kind, order day) — its dedupe key — so that a second run, or a second runner on another machine, adds nothing
and sends nothing twice. The outbox job ``shop_outbox_send`` sends it through the service desk's notifier and
retries a failed send up to ``SMS_MAX_ATTEMPTS`` times.

Who gets one: active shops with a phone number whose next order day is within ``LEAD_DAYS`` days (tomorrow
or the day after) — restock: shops with advice for that day; settlement: shops likely to fail their debit
(``growth.care``). The customer archive has no opt-out flag; shops without a phone are skipped.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum
from django.utils import timezone

from serviceloop.customers.models import OutboxKind, OutboxMessage
from serviceloop.customers.outbox import outbox_enqueue

from .restock import next_order_day

LEAD_DAYS = 2
RESTOCK_TEXT = "【订货提醒】{name}：该订货了！下一订货日{day}，建议订购{total}条（{lines}个规格）{short}。扫店内服务牌二维码可看明细。"
SETTLEMENT_TEXT = "【结算提醒】{name}：下一订货日{day}将电子结算扣款，您近期有扣款失败记录，请提前存足货款、确认银行卡状态正常。"


def _due_shops(today: dt.date, *, among):
    """{shop id: (shop, next order day)} of the active, ordering shops with a phone of ``among`` (a queryset of
    ids: a subquery, so that a city's shops never become one long IN list) whose order day is within the lead."""
    from serviceloop.customers.models import Customer

    qs = Customer.objects.filter(status="active", pk__in=among).exclude(phone="").exclude(order_cycle="none")
    out = {}
    for shop in qs.only("pk", "name", "licence_no", "phone", "order_cycle", "order_weekday").iterator(2000):
        day = next_order_day(today - dt.timedelta(days=1), shop.order_cycle, shop.order_weekday)
        if day is not None and 0 <= (day - today).days <= LEAD_DAYS:
            out[shop.pk] = (shop, day)
    return out


def restock_reminders_create(*, now) -> int:
    """Rows for shops whose advice is for an order day within the lead; returns how many are new."""
    from .models import RestockAdvice

    today = timezone.localdate(now)
    window = RestockAdvice.objects.filter(
        order_day__gte=today, order_day__lte=today + dt.timedelta(days=LEAD_DAYS)
    )
    advice = (
        window.values("customer_id", "order_day")
        .annotate(total=Sum("suggested"), lines=Count("id"), short=Count("id", filter=Q(short=True)))
        .order_by()
    )
    advice = {(a["customer_id"], a["order_day"]): a for a in advice}
    if not advice:
        return 0
    due = _due_shops(today, among=window.values("customer_id"))
    rows = []
    for (cid, day), a in advice.items():
        if cid not in due or due[cid][1] != day:
            continue  # the shop's cycle moved since the forecast: the next forecast run catches up
        shop = due[cid][0]
        short = "，其中有规格可能断货" if a["short"] else ""
        text = RESTOCK_TEXT.format(name=shop.name or shop.licence_no, day=f"{day:%m月%d日}", total=a["total"],
                                   lines=a["lines"], short=short)  # fmt: skip
        rows.append(OutboxMessage(customer_id=cid, kind=OutboxKind.RESTOCK, cycle=day, phone=shop.phone,
                                  text=text[:300], created_at=now))  # fmt: skip
    return outbox_enqueue(rows)


def settlement_reminders_create(*, now) -> int:
    """Rows for e-settlement shops likely to fail (growth.care) whose order day is within the lead."""
    from serviceloop.customers.models import Customer

    from .care import likely_to_fail

    today = timezone.localdate(now)
    shops = Customer.objects.filter(status="active", e_settlement=True)
    risks = likely_to_fail(shops, now=now)  # grouped queries over a subquery: no long IN list
    if not risks:
        return 0
    due = {cid: v for cid, v in _due_shops(today, among=shops.values("pk")).items() if cid in risks}
    rows = [
        OutboxMessage(customer_id=cid, kind=OutboxKind.SETTLEMENT, cycle=day, phone=shop.phone,
                      text=SETTLEMENT_TEXT.format(name=shop.name or shop.licence_no, day=f"{day:%m月%d日}"),
                      created_at=now)
        for cid, (shop, day) in due.items()
    ]  # fmt: skip
    return outbox_enqueue(rows)


def job_shop_reminders(now) -> str:
    restock = restock_reminders_create(now=now)
    settlement = settlement_reminders_create(now=now)
    return f"{restock} restock and {settlement} settlement reminder(s) new (sent by the outbox job)"
