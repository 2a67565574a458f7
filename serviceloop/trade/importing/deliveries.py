"""Deliveries: one row per order delivered (planned date, delivered time, signed or refused, exceptions)."""

from serviceloop.customers.importing.values import licence as parse_licence

from ..models import Delivery, DeliveryOutcome
from . import values as v
from .orders import line_hash
from .revisions import add_month_keys, bulk_size, current_orders, current_revisions, local_date, supersede

_PARSERS = {
    "order_no": lambda h, raw: v.code(raw, what="订单号", max_length=40),
    "licence_no": lambda h, raw: parse_licence(raw),
    "planned_date": lambda h, raw: v.date(raw),
    "delivered_at": lambda h, raw: v.moment(raw),
    "outcome": lambda h, raw: h.book.resolve("outcome", raw),
    "cartons": lambda h, raw: v.quantity(raw, what="送货量"),
    "lines_short": lambda h, raw: v.quantity(raw, what="少送品规数"),
    "lines_over": lambda h, raw: v.quantity(raw, what="多送品规数"),
    "lines_wrong": lambda h, raw: v.quantity(raw, what="错送品规数"),
    "damaged_cartons": lambda h, raw: v.quantity(raw, what="破损条数"),
    "note": lambda h, raw: v.bounded(raw, max_length=200, what="异常说明"),
}


class DeliveriesHandler:
    kind = "deliveries"

    def __init__(self, *, batch, report, now):
        self.batch, self.report, self.now = batch, report, now
        self.book = v.ValueBook()
        self.rows: dict[str, tuple[int, dict]] = {}
        self.dup_lines: dict[str, list[int]] = {}

    def begin(self, mapping) -> None:
        self.columns = mapping.columns

    def add(self, line: int, cells: tuple) -> None:
        got = parse_cells(self, line, cells, _PARSERS)
        if got is None:
            return
        for field in ("order_no", "planned_date"):
            if got.get(field) is None:
                self.report.error(line, f"{_LABEL[field]}为空。", column=self.columns[field])
                return
        order_no = got["order_no"]
        if order_no in self.rows:
            self.dup_lines.setdefault(order_no, [self.rows[order_no][0]]).append(line)
            return
        self.rows[order_no] = (line, got)

    def check(self) -> None:
        report_duplicates(self.report, self.dup_lines, self.columns["order_no"], "每个订单只能有一行配送记录")
        orders = current_orders(list(self.rows))
        self.values: list[tuple[str, int, dict]] = []
        for order_no, (line, got) in self.rows.items():
            order = orders.get(order_no)
            if order is None:
                self.report.error(line, "系统中没有这个订单号：请先导入订单，再导入配送记录。",
                                  column=self.columns["order_no"], value=order_no)  # fmt: skip
                continue
            customer_id, route_id, station_id, branch_id, supplied, licence, _status = order
            if got.get("licence_no") and got["licence_no"] != licence:
                self.report.error(line, f"许可证号与订单{order_no}的客户（{licence}）不一致。",
                                  column=self.columns["licence_no"], value=got["licence_no"])  # fmt: skip
                continue
            delivered_at = got.get("delivered_at")
            outcome = got.get("outcome") or (
                DeliveryOutcome.SIGNED if delivered_at else DeliveryOutcome.PENDING
            )
            cartons = got.get("cartons")
            if cartons is None:
                cartons = supplied if outcome == DeliveryOutcome.SIGNED else 0
            damaged = got.get("damaged_cartons") or 0
            if damaged > cartons:
                self.report.error(line, f"破损条数（{damaged}）大于送货量（{cartons}）。",
                                  column=self.columns.get("damaged_cartons"), value=damaged)  # fmt: skip
                continue
            planned = got["planned_date"]
            short, over, wrong = (got.get(f) or 0 for f in ("lines_short", "lines_over", "lines_wrong"))
            signed = outcome == DeliveryOutcome.SIGNED
            values = dict(
                customer_id=customer_id, route_id=route_id, station_id=station_id, branch_id=branch_id,
                month=planned.replace(day=1), planned_date=planned, delivered_at=delivered_at, outcome=outcome,
                cartons=cartons, lines_short=short, lines_over=over, lines_wrong=wrong, damaged_cartons=damaged,
                note=got.get("note") or "",
                on_time=bool(signed and delivered_at and local_date(delivered_at) <= planned),
                accurate=bool(signed and not (short or over or wrong)),
            )  # fmt: skip
            values["content_hash"] = line_hash(order_no, *(values[k] for k in sorted(values)))
            self.values.append((order_no, line, values))

    def compare(self) -> None:
        self.existing = current_revisions(Delivery, [o for o, _l, _v in self.values])
        self.plan = compare_revisions(self.report, self.values, self.existing)

    def write(self) -> None:
        write_revisions(Delivery, self.batch, self.plan, self.existing)

    def add_keys(self) -> None:
        add_month_keys("trade_delivery", self.batch.pk)

    def cleanup(self) -> None:
        pass


_LABEL = {"order_no": "订单号", "planned_date": "计划送货日期"}


def parse_cells(handler, line: int, cells: tuple, parsers: dict) -> dict | None:
    """{field: value} for the row's non-empty cells; None after reporting a bad cell."""
    got, bad = {}, False
    n = len(cells)
    for field, column in handler.columns.items():
        raw = cells[column.index] if column.index < n else None
        if v.is_blank(raw):
            continue
        parser = parsers.get(field)
        if parser is None:
            continue
        try:
            got[field] = parser(handler, raw)
        except v.Bad as exc:
            handler.report.error(line, str(exc), column=column, value=raw)
            bad = True
    return None if bad else got


def report_duplicates(report, dup_lines: dict, column, rule: str) -> None:
    for key, lines in dup_lines.items():
        where = "、".join(map(str, lines))
        for line in lines:
            report.error(line, f"重复的行：{key}出现在第{where}行，{rule}。", column=column, value=key)


def compare_revisions(report, values, existing) -> list[tuple[str, dict]]:
    """The rows to write (new or changed); counts new / corrected / unchanged into the report."""
    plan = []
    for order_no, _line, row in values:
        old = existing.get(order_no)
        if old is None:
            report.created += 1
        elif old[1] == row["content_hash"]:
            report.unchanged += 1
            continue
        else:
            report.replaced += 1
        plan.append((order_no, row))
    return plan


def write_revisions(model, batch, plan, existing, *, after=None) -> list:
    changed = [existing[o][0] for o, _r in plan if o in existing]
    supersede(model, changed, batch.pk)
    objects = [
        model(order_no=o, revision=existing[o][2] + 1 if o in existing else 1, is_current=True, batch=batch,
              **{k: val for k, val in row.items() if not k.startswith("_")})
        for o, row in plan
    ]  # fmt: skip
    created = model.objects.bulk_create(objects, batch_size=bulk_size())
    if after is not None:
        after(created, plan)
    return created
