"""The import itself: read → parse every row → place shops → compare with the archive → write in bulk."""

import sqlite3
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from serviceloop.core.audit import audit_record
from serviceloop.core.bulk import insert_instances

from ..codes import ZH_NAMES
from ..models import ChangeSource, CodeAlias, Customer, CustomerChange
from ..services import customer_changes, place_on_route, tracked_values
from . import values as v
from .columns import HEADER_SEARCH_ROWS, LABELS, Column, Mapping, is_licence_header, map_headers
from .orgplan import MAX_NAME, OrgPlan, derived_route_name
from .reader import UnreadableFile, read_sheet
from .report import ConstantColumn, ImportReport, UnitName

HISTORY_CHUNK = 10000
BATCH_SIZE = 1000  # rows per INSERT at most (SQLite caps it lower itself); keeps PostgreSQL statements small

TEXT_LIMITS = {"name": 100, "owner_name": 50, "address": 200, "mutual_aid_group": 100, "care_note": 200}
CODE_FIELDS = ("retail_format", "market_type", "business_scale", "urban_rural_code", "trading_area")
CODE_FIELDS += ("credit_rating", "status")
ORG_FIELDS = ("branch", "station", "route")
# An empty cell clears these fields (the file is the source for the columns it has). The others — stars,
# status, order cycle and the yes/no flags — have no "unknown" value, so an empty cell keeps the shop's
# current value (a new shop gets the default).
BLANK_VALUES = dict.fromkeys(("name", "owner_name", "phone", "alt_phone", "address", "mutual_aid_group"), "")
BLANK_VALUES |= dict.fromkeys(("retail_format", "market_type", "business_scale", "urban_rural_code"), "")
BLANK_VALUES |= dict.fromkeys(("trading_area", "credit_rating", "care_note"), "")
BLANK_VALUES |= dict.fromkeys(("latitude", "longitude", "grade", "joined_on"), None)

_KEEP = object()  # placement result: the shop stays on its current route
_UNSEEN = object()  # a cell not parsed yet (None and {} are results the parse cache holds)

# Yes/no columns segment the shops (quality terminals, e-settlement…). One that holds the same value on every
# row of a file this large is an export default, not a fact about each shop: it is reported in the check and
# left out (as if absent) unless the user keeps it. Small files (a few shops typed by hand) are exempt.
SEGMENT_FIELDS = ("e_settlement", "online_ordering", "quality_terminal", "quality_data_share", "care_flag")
CONSTANT_MIN_ROWS = 20


class CodeBook:
    """Resolves a code field's cell: the code itself, then its Chinese name, then the CodeAlias table."""

    def __init__(self):
        self._maps: dict[str, dict[str, str]] = {f: {} for f in ZH_NAMES}
        for alias in CodeAlias.objects.all():
            if alias.code in ZH_NAMES.get(alias.field, {}):  # an alias to a code we do not have is ignored
                self._maps[alias.field][v.key(alias.alias)] = alias.code
        for f, names in ZH_NAMES.items():
            for code, zh_name in names.items():
                self._maps[f][v.key(zh_name)] = code
            for code in names:
                self._maps[f][v.key(code)] = code

    def resolve(self, f: str, raw) -> str:
        code = self._maps[f].get(v.key(raw))
        if code is None:
            names = "、".join(ZH_NAMES[f].values()) if f != "credit_rating" else "AAA、AA、A、B、C、D"
            raise v.Bad(
                f"{LABELS[f]}“{v.text(raw)}”不在代码表中。请管理员在“代码映射表”中把这个名称对应到一个代码，"
                f"然后重新导入（不会自动归为“其他”）。可用的名称：{names}。"
            )
        return code


@dataclass(slots=True)
class Row:
    line: int
    licence: str
    values: dict = field(default_factory=dict)  # model attribute → parsed value
    org: dict = field(
        default_factory=dict
    )  # "branch"/"station"/"route" → cleaned name (blank cells left out)


def import_customers_file(
    *, file, filename: str = "", actor=None, now=None, dry_run: bool = False, keep_constant=(), on_rows=None
) -> ImportReport:
    """Imports a customer file (xlsx or csv) into the archive, all or nothing. See the package docstring.

    ``file`` is an open binary file (an upload), a path or bytes. With ``dry_run`` nothing is written and the
    report says what would change. With any bad row nothing is written and every bad row is reported.
    ``keep_constant`` names the yes/no fields to import even when their column holds one value on every row
    (``report.constant_columns`` lists such columns; the others are left out). ``on_rows(n)`` is told as
    rows are parsed (a progress bar).
    """
    now = now or timezone.now()
    report = ImportReport(filename=filename or _name_of(file), dry_run=dry_run)
    try:
        _run(file, report, actor=actor, now=now, keep_constant=set(keep_constant), on_rows=on_rows)
    except IntegrityError as exc:
        report.committed = False
        report.error(
            0, f"数据库拒绝了这次导入，未写入任何数据（可能有人同时在修改客户档案），请稍后重试。详情：{exc}"
        )
    report.sort_errors()
    return report


def _run(file, report: ImportReport, *, actor, now, keep_constant=frozenset(), on_rows=None) -> None:
    try:
        sheet = read_sheet(_bytes_of(file))
        report.file_format = sheet.file_format
        rows, mapping = _parse(sheet.rows, report, on_rows=on_rows)
    except UnreadableFile as exc:
        report.error(0, str(exc))
        return
    if not rows:
        return
    _constant_columns(rows, mapping, report, keep=keep_constant)
    # The database is read and written in one transaction (on SQLite it holds the write lock, so nobody's
    # edit slips in between the comparison and the write). A dry run only reads and takes no lock.
    with nullcontext() if report.dry_run else transaction.atomic():
        plan = OrgPlan()
        placed = _place(rows, mapping, plan, report)
        new, updates, update_fields = _compare(placed, report)
        _report_units(plan, report)
        if report.ok and not report.dry_run:
            _write(plan, new, updates, update_fields, report, actor=actor, now=now)


def _name_of(file) -> str:
    if isinstance(file, str | Path):
        return Path(file).name
    return Path(getattr(file, "name", "") or "").name


def _bytes_of(file) -> bytes:
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    if isinstance(file, str | Path):
        return Path(file).read_bytes()
    if hasattr(file, "seek"):
        file.seek(0)
    return file.read()


# ---------------------------------------------------------------------------------------------- parsing


def _parse(lines, report: ImportReport, on_rows=None) -> tuple[list[Row], Mapping | None]:
    header_line, headers = _find_header(lines, report)
    if header_line is None:
        return [], None
    mapping = map_headers(headers)
    report.columns = {c.header: c.field for c in mapping.columns.values()}
    report.ignored_columns = mapping.ignored
    if not _check_columns(mapping, header_line, report):
        return [], mapping

    codes = CodeBook()
    parsers = _parsers(codes)
    cache: dict = {}
    rows: list[Row] = []
    seen: dict[str, list[int]] = {}
    licence_col = mapping.columns["licence_no"]
    for line, cells in lines:
        if all(v.is_blank(c) for c in cells):
            continue
        report.rows += 1
        if on_rows is not None and report.rows % 500 == 0:
            on_rows(500)
        row = _parse_row(line, cells, mapping, parsers, cache, report)
        if row is not None:
            seen.setdefault(row.licence, []).append(line)
            rows.append(row)
    if not report.rows:
        report.error(header_line, "文件只有表头，没有客户数据。")
    for licence, dup_lines in seen.items():
        if len(dup_lines) > 1:
            # Name a few of the rows, not all: 10,000 copies of one licence must not make 10,000 messages of
            # 10,000 line numbers each (that grew a worker by a gigabyte).
            where = "、".join(map(str, dup_lines[:5])) + (
                f"等{len(dup_lines)}行" if len(dup_lines) > 5 else "行"
            )
            for line in dup_lines:
                report.error(
                    line,
                    f"许可证号在文件中重复出现（第{where}），每个客户只能有一行。",
                    column=licence_col.header,
                    value=licence,
                    column_index=licence_col.index + 1,
                )
    return rows, mapping


def _constant_columns(rows: list[Row], mapping: Mapping, report: ImportReport, *, keep: set) -> None:
    """Reports yes/no columns with one value on every row; leaves out those the user did not keep."""
    if len(rows) < CONSTANT_MIN_ROWS:
        return
    for f in SEGMENT_FIELDS:
        column = mapping.columns.get(f)
        if column is None:
            continue
        seen = {row.values[f] for row in rows if f in row.values}
        if len(seen) != 1 or any(f not in row.values for row in rows):
            continue  # two values, or some blank cells: the column tells shops apart
        value = seen.pop()
        kept = f in keep
        report.constant_columns.append(
            ConstantColumn(
                header=column.header, field=f, label=LABELS[f], value="是" if value else "否", kept=kept
            )
        )
        if not kept:
            for row in rows:
                del row.values[f]


def _find_header(lines, report: ImportReport) -> tuple[int | None, tuple]:
    first = None
    for checked, (line, cells) in enumerate(lines):
        if any(is_licence_header(c) for c in cells):
            return line, cells
        if first is None and any(not v.is_blank(c) for c in cells):
            first = (line, cells)
        if checked >= HEADER_SEARCH_ROWS and first is not None:
            break
    if first is None:
        report.error(0, "文件是空的：没有表头，也没有数据。")
        return None, ()
    return first  # no licence column: reported by _check_columns with the rest of what is missing


def _check_columns(mapping: Mapping, header_line: int, report: ImportReport) -> bool:
    ok = True
    if "licence_no" not in mapping.columns:
        report.error(header_line, "缺少必填列“许可证号”（也可写作 CUST_CODE、烟草专卖零售许可证号等）。")
        ok = False
    if "station" not in mapping.columns and "route" not in mapping.columns:
        report.error(
            header_line,
            "缺少安排线路所需的列：需要“市场部”（MARKET_DEPARTMENT，最好同时有“县局” COMPANY_BRANCH）"
            "或“线路”（ROUTE）列。",
        )
        ok = False
    for f, first, second in mapping.duplicates:
        report.error(
            header_line,
            f"“{first.header}”和“{second.header}”两列都表示{LABELS[f]}，请删除其中一列。",
            column=second.header,
            column_index=second.index + 1,
        )
        ok = False
    return ok


def _parsers(codes: CodeBook) -> dict:
    """field → function(raw cell) → {model attribute: value}; raises values.Bad."""

    def one(attr, fn):
        return lambda raw: {attr: fn(raw)}

    parsers = {
        "phone": one("phone", v.phone),
        "alt_phone": one("alt_phone", v.phone),
        "latitude": one("latitude", lambda raw: v.coordinate(raw, limit=90, what="纬度")),
        "longitude": one("longitude", lambda raw: v.coordinate(raw, limit=180, what="经度")),
        "grade": one("grade", v.grade),
        "stars": one("stars", v.stars),
        "joined_on": one("joined_on", v.date),
        "order_cycle": lambda raw: dict(
            zip(("order_cycle", "order_weekday"), v.order_cycle(raw), strict=True)
        ),
    }
    for f, limit in TEXT_LIMITS.items():
        parsers[f] = one(
            f, lambda raw, limit=limit, f=f: v.bounded_text(raw, max_length=limit, what=LABELS[f])
        )
    for f in CODE_FIELDS:
        parsers[f] = one(f, lambda raw, f=f: codes.resolve(f, raw))
    for f in ("e_settlement", "online_ordering", "quality_terminal", "quality_data_share", "care_flag"):
        parsers[f] = one(f, v.boolean)
    for f in ORG_FIELDS:
        parsers[f] = lambda raw, f=f: {f: v.bounded_text(raw, max_length=MAX_NAME, what=LABELS[f])}
    return parsers


def _parse_row(line, cells, mapping: Mapping, parsers, cache, report) -> Row | None:
    def cell(column: Column):
        return cells[column.index] if column.index < len(cells) else None

    licence_col = mapping.columns["licence_no"]
    raw_licence = cell(licence_col)
    licence = None
    if v.is_blank(raw_licence):
        report.error(line, "许可证号为空。", column=licence_col.header, column_index=licence_col.index + 1)
    else:
        try:
            licence = v.licence(raw_licence)
        except v.Bad as exc:
            report.error(
                line,
                str(exc),
                column=licence_col.header,
                value=raw_licence,
                column_index=licence_col.index + 1,
            )
    row = Row(line=line, licence=licence or "")
    width = len(cells)
    for f, column in mapping.columns.items():
        if f == "licence_no":
            continue
        raw = cells[column.index] if column.index < width else None
        # Most columns repeat a few values (30 grades, 7 formats), so each distinct cell is parsed once.
        memo = (f, type(raw), raw)
        result = cache.get(memo, _UNSEEN)
        if result is _UNSEEN:
            if v.is_blank(raw):
                result = {f: BLANK_VALUES[f]} if f in BLANK_VALUES else {}
            else:
                try:
                    result = parsers[f](raw)
                except v.Bad as exc:
                    result = exc
            cache[memo] = result
        if result.__class__ is dict:
            (row.org if f in ORG_FIELDS else row.values).update(result)
        else:
            report.error(line, str(result), column=column.header, value=raw, column_index=column.index + 1)
    # A row with a bad cell still goes on to the duplicate and placement checks, so that all its problems
    # are reported at once; nothing is written while there are errors.
    return row if licence else None


# ------------------------------------------------------------------------------------------- placement


def _place(rows: list[Row], mapping: Mapping, plan: OrgPlan, report: ImportReport) -> list[tuple]:
    existing = _existing_customers([r.licence for r in rows])
    placed = []
    columns = mapping.columns
    bad_lines = report.bad_lines
    for row in rows:
        customer = existing.get(row.licence)
        route = _route_for(row, customer, plan, report, columns)
        if row.line not in bad_lines and route is not None:
            placed.append((row, customer, route))
    return placed


def _existing_customers(licences: list[str]) -> dict[str, Customer]:
    found = {}
    size = _in_list_size()
    for start in range(0, len(licences), size):
        chunk = licences[start : start + size]
        found.update((c.licence_no, c) for c in Customer.objects.filter(licence_no__in=chunk))
    return found


def _in_list_size() -> int:
    """Licences per ``IN (…)`` query: the whole file in one query where the database allows it."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        try:
            return max(900, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - 100)
        except (AttributeError, sqlite3.Error):
            return 900
    return 30000  # PostgreSQL's protocol allows 65,535 parameters per statement


def _route_for(
    row: Row, customer: Customer | None, plan: OrgPlan, report: ImportReport, columns: dict[str, Column]
):
    """The route the row puts the shop on, _KEEP for its current one, or None after reporting why not."""

    def fail(f: str, reason: str):
        column = columns[f]
        report.error(
            row.line, reason, column=column.header, value=row.org.get(f, ""), column_index=column.index + 1
        )

    station = None
    station_name, route_name = row.org.get("station"), row.org.get("route")
    if station_name:
        if row.org.get("branch"):
            station = plan.station(plan.branch(row.org["branch"]), station_name)
        else:
            candidates = plan.stations_named(station_name)
            if len(candidates) == 1:
                station = candidates[0]
            elif not candidates:
                return fail(
                    "station",
                    "系统中没有这个市场部；没有填写县局，无法新建。请填写县局（COMPANY_BRANCH）列。",
                )
            else:
                return fail("station", "不止一个县局下有同名的市场部，请在县局列中注明所属县局。")
    if route_name:
        if station is not None:
            return plan.route(station, route_name)
        candidates = plan.routes_named(route_name)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            return fail("route", "系统中没有这条线路；新建线路需要同时填写市场部（和县局）。")
        return fail("route", "不止一个市场部下有同名的线路，请同时填写市场部（和县局）列。")
    if station is None:
        if customer is not None:
            return _KEEP
        return fail(
            "station" if "station" in columns else "route",
            "新客户需要填写市场部（或线路），才能安排到线路上。",
        )
    if customer is not None and station.pk is not None and customer.station_id == station.pk:
        return _KEEP  # same station: the shop keeps the route it was put on (by hand or by an earlier import)
    cycle = row.values.get("order_cycle", customer.order_cycle if customer else None)
    weekday = row.values.get("order_weekday", customer.order_weekday if customer else None)
    return plan.route(station, derived_route_name(station.name, cycle, weekday))


# -------------------------------------------------------------------------------------------- comparing


def _compare(placed, report: ImportReport):
    new: list[Customer] = []
    updates: list[tuple[Customer, dict, bool]] = []  # shop, tracked values before, moved to another route
    update_fields: set[str] = set()
    build = _shop_builder()
    for row, customer, route in placed:
        if customer is None:
            customer = build(row.licence, row.values)
            customer.route = route
            new.append(customer)
            continue
        changed = [attr for attr, value in row.values.items() if getattr(customer, attr) != value]
        moved = route is not _KEEP and (route.pk is None or route.pk != customer.route_id)
        if not changed and not moved:
            report.unchanged += 1
            continue
        before = tracked_values(customer)
        for attr in changed:
            setattr(customer, attr, row.values[attr])
        if moved:
            customer.route = route
            changed.append("route")
            update_fields.update(("route", "station", "branch"))
        update_fields.update(changed)
        # The order day is part of the order cycle as the file and the user see it.
        report.field_changes.update({"order_cycle" if a == "order_weekday" else a for a in changed})
        updates.append((customer, before, moved))
    report.created = len(new)
    report.updated = len(updates)
    return new, updates, update_fields


def _shop_builder():
    """``build(licence, values)`` → a new Customer, made through Model.__init__'s positional fast path.

    Keyword construction looks every field up in the keywords and falls back to its default: two thirds of the
    time of comparing a city's file of new shops. Positional values are the defaults with the row's on top.
    """
    fields = Customer._meta.concrete_fields
    made_per_shop = [(i, f) for i, f in enumerate(fields) if f.has_default() and callable(f.default)]
    template = [f.get_default() for f in fields]
    where = {f.attname: i for i, f in enumerate(fields)}
    licence_at = where["licence_no"]

    def build(licence: str, values: dict) -> Customer:
        args = template.copy()
        for i, f in made_per_shop:
            args[i] = f.get_default()
        args[licence_at] = licence
        for attr, value in values.items():
            args[where[attr]] = value
        return Customer(*args)

    return build


def _report_units(plan: OrgPlan, report: ImportReport) -> None:
    if plan.new_company:
        report.created_company = plan.company.name
    report.created_branches = [UnitName(plan.company.name, b.name) for b in plan.new_branches]
    report.created_stations = [UnitName(s.branch.name, s.name) for s in plan.new_stations]
    report.created_routes = [UnitName(r.station.name, r.name) for r in plan.new_routes]


# --------------------------------------------------------------------------------------------- writing


def _write(plan: OrgPlan, new, updates, update_fields, report: ImportReport, *, actor, now) -> None:
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    plan.save()
    for customer in new:
        _settle_route(customer)
    insert_instances(Customer, new)  # a city's file is 15,000 new shops: bulk_create's preparation was ~2 s
    for customer, _before, moved in updates:
        if moved:
            _settle_route(customer)
        customer.updated_at = now
    if updates:
        changed = [customer for customer, _before, _moved in updates]
        Customer.objects.bulk_update(changed, sorted(update_fields | {"updated_at"}), batch_size=BATCH_SIZE)
    from ..tally import shoptally_rebuild

    shoptally_rebuild()  # a bulk write: recount the home page's shop counts (one GROUP BY, in this transaction)

    # History is built and written 10,000 rows at a time. New shops have none: their first values are the
    # shop itself, and the import's audit row says when and by whom they arrived.
    pending: list[CustomerChange] = []
    for customer, before, _moved in updates:
        pending += customer_changes(
            before=before, customer=customer, actor=actor, source=ChangeSource.IMPORT, now=now
        )
        if len(pending) >= HISTORY_CHUNK:
            report.history_rows += len(CustomerChange.objects.bulk_create(pending, batch_size=BATCH_SIZE))
            pending = []
    report.history_rows += len(CustomerChange.objects.bulk_create(pending, batch_size=BATCH_SIZE))
    report.committed = True
    audit_record(
        actor=actor,
        action="customer.import",
        now=now,
        summary=f"导入客户文件 {report.filename}：新增{report.created}，更新{report.updated}，未变{report.unchanged}",
        data={
            "filename": report.filename,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "history_rows": report.history_rows,
            "field_changes": dict(report.field_changes),
            "created_company": report.created_company,
            "created_branches": [str(u) for u in report.created_branches],
            "created_stations": [str(u) for u in report.created_stations],
            "created_routes": [str(u) for u in report.created_routes],
        },
    )


def _settle_route(customer: Customer) -> None:
    # The route may have been created by this import after it was assigned; assigning the object again sets
    # route_id and keeps the cached route (setting route_id directly would drop it and cost a query per shop).
    customer.route = customer.route
    place_on_route(customer)
