"""Settlements: one row per debit attempt; the attempts of one order number make its settlement."""

from decimal import Decimal

from serviceloop.customers.importing.values import licence as parse_licence

from ..models import AttemptResult, Settlement, SettlementAttempt, SettlementMethod, SettlementState
from . import values as v
from .deliveries import compare_revisions, parse_cells, report_duplicates, write_revisions
from .orders import line_hash
from .revisions import add_month_keys, bulk_size, current_orders, current_revisions, local_date

_PARSERS = {
    "order_no": lambda h, raw: v.code(raw, what="订单号", max_length=40),
    "licence_no": lambda h, raw: parse_licence(raw),
    "method": lambda h, raw: h.book.resolve("method", raw),
    "attempted_at": lambda h, raw: v.moment(raw),
    "result": lambda h, raw: h.book.resolve("result", raw),
    "failure_reason": lambda h, raw: v.bounded(raw, max_length=100, what="失败原因"),
    "amount": lambda h, raw: v.money(raw, what="扣款金额"),
    "state": lambda h, raw: h.book.resolve("state", raw),
}
_LABEL = {"order_no": "订单号", "attempted_at": "扣款时间", "result": "扣款结果"}


class SettlementsHandler:
    kind = "settlements"

    def __init__(self, *, batch, report, now):
        self.batch, self.report, self.now = batch, report, now
        self.book = v.ValueBook()
        self.attempts: dict[str, list[tuple[int, dict]]] = {}
        self.dup_lines: dict[str, list[int]] = {}
        self.seen: dict[tuple, int] = {}

    def begin(self, mapping) -> None:
        self.columns = mapping.columns

    def add(self, line: int, cells: tuple) -> None:
        got = parse_cells(self, line, cells, _PARSERS)
        if got is None:
            return
        for field in ("order_no", "attempted_at", "result"):
            if got.get(field) is None:
                self.report.error(line, f"{_LABEL[field]}为空。", column=self.columns[field])
                return
        key = (got["order_no"], got["attempted_at"])
        if key in self.seen:
            label = f"订单{key[0]}在{v.text(key[1].strftime('%Y-%m-%d %H:%M:%S'))}的扣款"
            self.dup_lines.setdefault(label, [self.seen[key]]).append(line)
            return
        self.seen[key] = line
        self.attempts.setdefault(got["order_no"], []).append((line, got))

    def check(self) -> None:
        report_duplicates(self.report, self.dup_lines, self.columns["order_no"], "同一次扣款只能有一行")
        orders = current_orders(list(self.attempts))
        self.values = []
        for order_no, rows in self.attempts.items():
            rows.sort(key=lambda r: r[1]["attempted_at"])
            first_line = rows[0][0]
            order = orders.get(order_no)
            if order is None:
                for line, _got in rows:
                    self.report.error(line, "系统中没有这个订单号：请先导入订单，再导入结算记录。",
                                      column=self.columns["order_no"], value=order_no)  # fmt: skip
                continue
            customer_id, route_id, station_id, branch_id, _supplied, licence, _status = order
            bad = False
            for line, got in rows:
                if got.get("licence_no") and got["licence_no"] != licence:
                    self.report.error(line, f"许可证号与订单{order_no}的客户（{licence}）不一致。",
                                      column=self.columns["licence_no"], value=got["licence_no"])  # fmt: skip
                    bad = True
            methods = {got.get("method") for _l, got in rows if got.get("method")}
            if len(methods) > 1:
                for line, _got in rows:
                    self.report.error(line, f"订单{order_no}的各次扣款结算方式不一致。",
                                      column=self.columns.get("method"))  # fmt: skip
                bad = True
            if bad:
                continue
            method = methods.pop() if methods else SettlementMethod.E_SETTLEMENT
            amounts = [got["amount"] for _l, got in rows if got.get("amount") is not None]
            amount = amounts[-1] if amounts else Decimal("0")
            attempts = [
                dict(attempted_at=got["attempted_at"], result=got["result"],
                     failure_reason=got.get("failure_reason") or "", amount=got.get("amount") or amount)
                for _l, got in rows
            ]  # fmt: skip
            success = next((a for a in attempts if a["result"] == AttemptResult.SUCCESS), None)
            states = [got["state"] for _l, got in rows if got.get("state")]
            fallback = SettlementState.SUCCESS if success else SettlementState.FAILED
            state = states[-1] if states else fallback
            failures = [a for a in attempts if a["result"] == AttemptResult.FAILED]
            first = attempts[0]["attempted_at"]
            values = dict(
                customer_id=customer_id, route_id=route_id, station_id=station_id, branch_id=branch_id,
                month=local_date(first).replace(day=1), method=method, amount=amount, state=state,
                first_attempt_at=first, settled_at=success["attempted_at"] if success else None,
                attempts=len(attempts), failed_attempts=len(failures),
                last_failure_reason=failures[-1]["failure_reason"] if failures else "",
            )  # fmt: skip
            values["content_hash"] = line_hash(
                order_no, *(values[k] for k in sorted(values)),
                *(f"{a['attempted_at'].isoformat()}/{a['result']}/{a['failure_reason']}/{a['amount']}" for a in attempts),
            )  # fmt: skip
            values["_attempts"] = attempts
            self.values.append((order_no, first_line, values))

    def compare(self) -> None:
        self.existing = current_revisions(Settlement, [o for o, _l, _v in self.values])
        self.plan = compare_revisions(self.report, self.values, self.existing)

    def write(self) -> None:
        def attempts(created, plan):
            rows = [
                SettlementAttempt(settlement=settlement, **attempt)
                for settlement, (_o, row) in zip(created, plan, strict=True)
                for attempt in row["_attempts"]
            ]
            SettlementAttempt.objects.bulk_create(rows, batch_size=bulk_size())

        write_revisions(Settlement, self.batch, self.plan, self.existing, after=attempts)
        # the care list's kept risk scores of these shops (issue 14), in this transaction
        from serviceloop.growth.care import settlementrisk_refresh

        settlementrisk_refresh(customer_ids=settlement_shops(self.batch), now=self.now)

    def add_keys(self) -> None:
        add_month_keys("trade_settlement", self.batch.pk)

    def cleanup(self) -> None:
        pass


def settlement_shops(batch) -> set[int]:
    """The shops whose settlements ``batch`` wrote or replaced."""
    from django.db.models import Q

    rows = Settlement.objects.filter(Q(batch=batch) | Q(replaced_by=batch)).values_list(
        "customer_id", flat=True
    )
    return set(rows.distinct())
