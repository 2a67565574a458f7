"""Key-customer lists (R4), computed daily. Thresholds live in ``KeyListSettings`` (one row, city-admin page).

Rules, each evaluated at ``now`` (local date ``today``):
- quality terminals: ``Customer.quality_terminal``.
- grade dropped: a CustomerChange of ``grade`` with int(new) < int(old) at or after ``now - grade_drop_days``.
  (New shops have no history rows, so they never appear.)
- elderly/sick/disabled owners: ``Customer.care_flag``.
- frequently closed: at least ``closed_min_visits`` visits recorded "shop closed" at or after
  ``now - closed_window_days``.
- complaints and tip-offs: a service request of kind complaint or tip-off filed at or after
  ``now - complaint_days`` (only when the service desk app is installed).
- capital pressure: a live (attached, removed-awaiting-verification or sent-back) tag of the "capital" category;
  or (trade data) a shop likely to fail its next e-settlement by the care rule of ``serviceloop.growth.care``
  (failed debits, their reasons and unpaid settlements in the last ``failed_settlement_days``; at least
  ``failed_settlement_min`` failed attempts is enough on its own).
- irregular ordering (trade data): a shop that ordered in at least 4 of the 12 weeks before the last
  ``irregular_weeks`` weeks (twice that for odd/even-week shops) and not since.
- new shops: joined on or before today and today before the ``new_shop_months`` anniversary of joining.
"""

import datetime as dt

from django.apps import apps
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from serviceloop.customers.models import Customer, CustomerChange
from serviceloop.tags.models import LIVE_STATUSES, CustomerTag, TagCategory

from .models import KeyCustomerEntry, KeyList, KeyListSettings, Visit, VisitOutcome, VisitStatus
from .planning import add_months

SUGGESTED_STRATEGY = {
    KeyList.QUALITY_TERMINAL: _(
        "Keep the data terminal running, analyse sales with the owner, introduce new and "
        "high-class brands, keep the display exemplary."
    ),
    KeyList.GRADE_DROPPED: _(
        "Find out why the grade fell, guide the order structure and explain grades and points; "
        "agree improvement steps."
    ),
    KeyList.CARE: _(
        "Offer ordering by phone on the owner's behalf and visits at home; help with settlement; "
        "visit regularly."
    ),
    KeyList.FREQUENTLY_CLOSED: _(
        "Call to learn the real opening hours, move the visit time, confirm whether the "
        "shop intends to keep trading."
    ),
    KeyList.COMPLAINTS: _(
        "Call back on how the complaint or tip-off was handled, listen for new needs, explain policy and law."
    ),
    KeyList.CAPITAL_PRESSURE: _(
        "Help plan orders within the available funds, set up balance reminders for "
        "e-settlement, follow the next two order cycles."
    ),
    KeyList.IRREGULAR_ORDERING: _(
        "Call or visit to learn why the shop stopped ordering (closed, short of money, supply, service), "
        "help with the next order and follow two cycles."
    ),
    KeyList.NEW_SHOP: _(
        "Visit two to three times a week: ordering and online ordering, display and price tags, "
        "e-settlement, anti-fraud and anti-theft, monopoly law."
    ),
}


def grade_at(customer_id: int, moment: dt.datetime, current) -> str:
    """A shop's grade at a past moment: the old value of its first grade change after it, else the current one."""
    first = (
        CustomerChange.objects.filter(customer_id=customer_id, field="grade", changed_at__gt=moment)
        .order_by("changed_at", "id")
        .values_list("old_value", flat=True)
        .first()
    )
    return first if first is not None else ("" if current is None else str(current))


def _int(value: str):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def compute_lists(now, customers=None) -> dict[str, dict[int, str]]:
    """{list: {customer id: reason}} for every list, over ``customers`` (default: all shops)."""
    cfg = KeyListSettings.current()
    today = timezone.localdate(now)
    shops = Customer.objects.all() if customers is None else customers
    ids = shops.values("pk")
    out: dict[str, dict[int, str]] = {k: {} for k in KeyList.values}

    for pk in shops.filter(quality_terminal=True).values_list("pk", flat=True):
        out[KeyList.QUALITY_TERMINAL][pk] = ""
    for pk, note in shops.filter(care_flag=True).values_list("pk", "care_note"):
        out[KeyList.CARE][pk] = note

    since = now - dt.timedelta(days=cfg.grade_drop_days)
    for cid, old, new, at in (
        CustomerChange.objects.filter(field="grade", changed_at__gte=since, customer__in=ids)
        .values_list("customer_id", "old_value", "new_value", "changed_at")
        .order_by("changed_at", "id")
    ):
        o, n = _int(old), _int(new)
        if o is not None and n is not None and n < o:
            out[KeyList.GRADE_DROPPED][cid] = f"{o} → {n} ({timezone.localtime(at):%Y-%m-%d})"

    closed_since = now - dt.timedelta(days=cfg.closed_window_days)
    for cid, n in (
        Visit.objects.filter(customer__in=ids, status=VisitStatus.DONE, outcome=VisitOutcome.SHOP_CLOSED,
                             check_in_at__gte=closed_since)
        .values("customer_id").annotate(n=Count("id")).filter(n__gte=cfg.closed_min_visits)
        .values_list("customer_id", "n")
    ):  # fmt: skip
        out[KeyList.FREQUENTLY_CLOSED][cid] = str(n)

    if apps.is_installed("serviceloop.servicedesk"):
        ServiceRequest = apps.get_model("servicedesk", "ServiceRequest")
        for cid, n in (
            ServiceRequest.objects.filter(shop__in=ids, kind__in=["complaint", "report"],
                                          created_at__gte=now - dt.timedelta(days=cfg.complaint_days))
            .values("shop_id").annotate(n=Count("id")).values_list("shop_id", "n")
        ):  # fmt: skip
            out[KeyList.COMPLAINTS][cid] = str(n)

    for cid, name in CustomerTag.objects.filter(
        customer__in=ids, status__in=LIVE_STATUSES, tag__category=TagCategory.CAPITAL
    ).values_list("customer_id", "tag__name"):
        out[KeyList.CAPITAL_PRESSURE][cid] = name

    if apps.is_installed("serviceloop.trade"):
        _trade_lists(out, shops, ids, now, today)

    earliest = add_months(today, -cfg.new_shop_months)  # joined after this date (approximately), then checked
    for pk, joined in shops.filter(
        joined_on__gte=earliest - dt.timedelta(days=3), joined_on__lte=today
    ).values_list("pk", "joined_on"):
        if today < add_months(joined, cfg.new_shop_months):
            out[KeyList.NEW_SHOP][pk] = joined.isoformat()
    return out


def _trade_lists(out, shops, ids, now, today) -> None:
    """Capital pressure from failed debits and irregular ordering, from the trade aggregates."""
    from django.db.models import Max

    from serviceloop.growth.care import likely_to_fail
    from serviceloop.trade.models import DerivationSettings, ShopWeek

    cfg = DerivationSettings.current()
    # The e-settlement care rule (growth.care): the same shops the account manager's care list shows.
    for cid, risk in likely_to_fail(shops, now=now).items():
        out[KeyList.CAPITAL_PRESSURE].setdefault(cid, f"结算风险{risk.score}分：{risk.explanation}")
    monday = today - dt.timedelta(days=today.weekday())
    for cycle, gap in (
        ("weekly", cfg.irregular_weeks),
        ("odd", 2 * cfg.irregular_weeks),
        ("even", 2 * cfg.irregular_weeks),
    ):
        quiet_from = monday - dt.timedelta(weeks=gap - 1)
        before = quiet_from - dt.timedelta(weeks=12)
        group = shops.filter(order_cycle=cycle, status="active").values("pk")
        recent = ShopWeek.objects.filter(customer__in=group, week__gte=quiet_from, orders__gt=0).values(
            "customer_id"
        )
        for cid, last in (
            ShopWeek.objects.filter(customer__in=group, week__gte=before, week__lt=quiet_from, orders__gt=0)
            .exclude(customer__in=recent).values("customer_id").annotate(n=Count("id"), last=Max("week"))
            .filter(n__gte=4 if cycle == "weekly" else 2).values_list("customer_id", "last")
        ):  # fmt: skip
            weeks = (monday - last).days // 7
            out[KeyList.IRREGULAR_ORDERING][cid] = f"最近一次订货在{last:%Y-%m-%d}所在周，已{weeks}周未订货"


@transaction.atomic
def keylists_refresh(*, now) -> dict[str, int]:
    """Brings KeyCustomerEntry in line with the rules; a shop keeps its ``since`` date while it stays listed."""
    wanted = compute_lists(now)
    today = timezone.localdate(now)
    counts = {}
    for key_list, members in wanted.items():
        current = dict(KeyCustomerEntry.objects.filter(key_list=key_list).values_list("customer_id", "pk"))
        gone = [pk for cid, pk in current.items() if cid not in members]
        KeyCustomerEntry.objects.filter(pk__in=gone).delete()
        KeyCustomerEntry.objects.bulk_create(
            [KeyCustomerEntry(key_list=key_list, customer_id=cid, since=today, reason=reason[:200], computed_at=now)
             for cid, reason in members.items() if cid not in current],
            batch_size=2000,
        )  # fmt: skip
        KeyCustomerEntry.objects.filter(key_list=key_list).update(computed_at=now)
        counts[key_list] = len(members)
    return counts


def job_keylists(now) -> str:
    counts = keylists_refresh(now=now)
    return ", ".join(f"{k}={v}" for k, v in counts.items())
