"""Hand-made settlements and attempts for the e-settlement care tests."""

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from serviceloop.trade.aggregates import settlementtally_refresh
from serviceloop.trade.models import ImportBatch, Settlement, SettlementAttempt

_serial = itertools.count(1)


def batch():
    found = ImportBatch.objects.filter(source="demo").first()
    return found or ImportBatch.objects.create(
        kind="settlements", source="demo", status="committed", started_at=timezone.now()
    )


def settle(shop, at, tries, *, method="e", current=True, amount="1000.00"):
    """One settlement of ``shop`` first tried at ``at``; ``tries`` are (result, reason) in order."""
    failures = [r for res, r in tries if res == "failed"]
    state = "success" if tries and tries[-1][0] == "success" else "failed"
    n = next(_serial)
    s = Settlement.objects.create(
        order_no=f"T{n:07d}", revision=1 if current else 9, is_current=current, content_hash=n, batch=batch(),
        customer=shop, route=shop.route, station=shop.station, branch=shop.branch,
        month=at.date().replace(day=1), method=method, amount=Decimal(amount), state=state, first_attempt_at=at,
        settled_at=at if state == "success" else None, attempts=len(tries), failed_attempts=len(failures),
        last_failure_reason=failures[-1] if failures else "",
    )  # fmt: skip
    SettlementAttempt.objects.bulk_create(
        SettlementAttempt(settlement=s, attempted_at=at + dt.timedelta(hours=i), result=res, failure_reason=reason,
                          amount=Decimal(amount))
        for i, (res, reason) in enumerate(tries)
    )  # fmt: skip
    settlementtally_refresh([s.month])  # as an import does for the months it writes
    return s


FAIL_BALANCE = ("failed", "余额不足")
FAIL_FROZEN = ("failed", "银行卡被冻结")
FAIL_LIMIT = ("failed", "超过单笔限额")
OK = ("success", "")
