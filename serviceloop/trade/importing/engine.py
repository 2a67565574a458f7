"""The trade import: read → map columns → parse and stage every row → check → compare → write → aggregate.

One transaction per batch. A dry run, or a run with any bad row, rolls the transaction back, so nothing is
ever half-written; the batch row itself (who, when, source, counts, checksum, the bad rows) is kept either
way, outside that transaction.
"""

import hashlib
import json
import shutil
import tempfile
import time
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from serviceloop.core.audit import audit_record
from serviceloop.customers.importing.columns import HEADER_SEARCH_ROWS
from serviceloop.customers.importing.reader import UnreadableFile, stream_sheet

from .. import aggregates
from ..models import BatchKind, BatchSource, BatchStatus, ImportBatch
from . import columns as cols
from . import values as v
from .report import Report

# One lock number for every trade import: imports of a company run one after the other (PostgreSQL; SQLite's
# write lock does the same).
_LOCK = 72_201_025


def import_lock() -> None:
    """Waits for a running trade import and keeps others out until this transaction ends (PostgreSQL; on SQLite
    writing transactions already run one at a time). Also for writers that must see an import whole, such as the
    care list's risk scores."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])


def handler_class(kind: str):
    from .deliveries import DeliveriesHandler
    from .orders import OrdersHandler
    from .products import ProductsHandler
    from .settlements import SettlementsHandler

    return {
        BatchKind.PRODUCTS: ProductsHandler,
        BatchKind.ORDERS: OrdersHandler,
        BatchKind.DELIVERIES: DeliveriesHandler,
        BatchKind.SETTLEMENTS: SettlementsHandler,
    }[kind]


def import_trade_file(
    *, file, kind: str, actor=None, now=None, dry_run: bool = False, source: str = BatchSource.COMMAND,
    filename: str = "", on_rows=None,
) -> ImportBatch:  # fmt: skip
    """Imports a file (a path, bytes or an open binary file) of one kind; returns the batch record.

    ``on_rows(n)`` is told every 10,000 rows read (a progress bar)."""
    now = now or timezone.now()
    with _on_disk(file) as path:
        sha256, size = _checksum(path)
        table = cols.lookup(kind)

        def rows():
            sheet = stream_sheet(path, header_test=cols.key_header_test(kind, table))
            report.file_format = sheet.file_format
            yield from sheet.rows

        report = Report(kind=kind, dry_run=dry_run)
        return _run(
            kind=kind, rows=rows, table=table, report=report, actor=actor, now=now, source=source,
            filename=filename or _name_of(file), sha256=sha256, size=size, on_rows=on_rows,
        )  # fmt: skip


def import_trade_rows(
    *, rows: list[dict], kind: str, actor=None, now=None, dry_run: bool = False, source: str = BatchSource.API,
    filename: str = "",
) -> ImportBatch:  # fmt: skip
    """Imports rows given as dicts keyed by our field names (the bulk API); line n is the n-th row."""
    now = now or timezone.now()
    fields = list(cols.BUILTIN[kind])
    payload = json.dumps(rows, ensure_ascii=False, sort_keys=True, default=str).encode()
    table = {cols.header_key(f): f for f in fields}
    report = Report(kind=kind, dry_run=dry_run, file_format="JSON")

    def lines():
        yield 0, tuple(fields)
        for n, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                report.error(n, "每一行应是一个对象（JSON object）。")
                continue
            unknown = sorted(set(row) - set(fields))
            if unknown:
                report.error(n, f"不认识的字段：{', '.join(unknown)}。可用字段：{', '.join(fields)}。")
                continue
            yield n, tuple(row.get(f) for f in fields)

    return _run(
        kind=kind, rows=lines, table=table, report=report, actor=actor, now=now, source=source,
        filename=filename, sha256=hashlib.sha256(payload).hexdigest(), size=len(payload),
    )  # fmt: skip


def _run(
    *, kind, rows, table, report, actor, now, source, filename, sha256, size, on_rows=None
) -> ImportBatch:
    started = time.perf_counter()
    batch = ImportBatch.objects.create(
        kind=kind, source=source, filename=filename[:200], sha256=sha256, size=size,
        actor=actor if actor is not None and actor.is_authenticated else None,
        status=BatchStatus.CHECKED, started_at=now,
    )  # fmt: skip
    committed = False
    try:
        with transaction.atomic():
            import_lock()
            handler = handler_class(kind)(batch=batch, report=report, now=now)
            if _read(rows(), table, kind, handler, report, on_rows):
                handler.check()  # also when some rows were bad: every problem is reported at once
                if report.ok:
                    handler.compare()
                if report.ok and not report.dry_run and (report.created or report.replaced):
                    handler.write()
                    aggregates.create_key_tables()
                    handler.add_keys()
                    report.details["aggregates"] = aggregates.refresh_from_keys()
                handler.cleanup()
            committed = report.ok and not report.dry_run
            if not committed:
                transaction.set_rollback(True)
    except UnreadableFile as exc:
        report.error(0, str(exc))
        committed = False
    except DatabaseError as exc:
        report.error(0, f"数据库拒绝了这次导入，未写入任何数据，请稍后重试。详情：{exc}")
        committed = False
    _finish(batch, report, committed=committed, seconds=time.perf_counter() - started, now=now, actor=actor)
    return batch


def _read(lines, table, kind, handler, report, on_rows=None) -> bool:
    """Finds the header, maps the columns and feeds every data row to the handler. False if it cannot start."""
    header_line, headers, first = None, (), None
    for checked, (line, cells) in enumerate(lines):
        if any(table.get(cols.header_key(c)) == cols.KEY_FIELD[kind] for c in cells if c is not None):
            header_line, headers = line, cells
            break
        if first is None and any(not v.is_blank(c) for c in cells):
            first = (line, cells)
        if checked >= HEADER_SEARCH_ROWS:
            break
    if header_line is None:
        if first is None:
            report.error(0, "文件是空的：没有表头，也没有数据。")
            return False
        header_line, headers = first
    mapping = cols.map_headers(headers, table)
    report.columns = {c.header: c.field for c in mapping.columns.values()}
    report.ignored_columns = mapping.ignored
    missing = [f for f in cols.REQUIRED[kind] if f not in mapping.columns]
    for f in missing:
        names = "、".join(cols.BUILTIN[kind][f][:4])
        report.error(header_line, f"缺少必填列“{cols.LABELS[f]}”（也可写作 {names}）。")
    for f, first_col, second in mapping.duplicates:
        report.error(
            header_line, f"“{first_col.header}”和“{second.header}”两列都表示{cols.LABELS[f]}，请删除其中一列。",
            column=second,
        )  # fmt: skip
    if not report.ok:
        return False
    handler.begin(mapping)
    for line, cells in lines:
        if not any(c is not None and (c.__class__ is not str or c.strip()) for c in cells):
            continue
        report.rows += 1
        handler.add(line, cells)
        if on_rows is not None and not report.rows % 10_000:
            on_rows(10_000)
    if not report.rows:
        report.error(header_line, "文件只有表头，没有数据。")
    return True


def _finish(batch, report: Report, *, committed: bool, seconds: float, now, actor) -> None:
    if committed:
        status = BatchStatus.COMMITTED
    elif report.ok:
        status = BatchStatus.CHECKED
    else:
        status = BatchStatus.REFUSED
    details = dict(report.details)
    details.update(
        columns=report.columns,
        ignored_columns=report.ignored_columns,
        dry_run=report.dry_run,
        error_lines=report.error_lines,
        unknown_shops=dict(report.unknown_shops.most_common(200)),
        unknown_shop_count=len(report.unknown_shops),
        unknown_products=dict(report.unknown_products.most_common(200)),
        unknown_product_count=len(report.unknown_products),
    )
    if not committed:
        details.pop("undo", None)
    batch.status = status
    batch.file_format = report.file_format[:40]
    batch.finished_at = now
    batch.seconds = round(seconds, 3)
    batch.rows = report.rows
    batch.created, batch.replaced, batch.unchanged, batch.cancelled = (
        report.created, report.replaced, report.unchanged, report.cancelled,
    )  # fmt: skip
    batch.error_count = report.error_total
    batch.errors = report.errors_as_json()
    batch.details = details
    batch.save()
    if committed:
        audit_record(
            actor=actor, action=f"trade.import.{batch.kind}", obj=batch, now=now,
            summary=f"{batch.filename} 新增{batch.created} 更正{batch.replaced} 未变{batch.unchanged}",
            data={"rows": batch.rows, "created": batch.created, "replaced": batch.replaced,
                  "unchanged": batch.unchanged, "sha256": batch.sha256},
        )  # fmt: skip


class _on_disk:
    """A path for the file: itself if it is one, else a temporary copy written in chunks."""

    def __init__(self, file):
        self.file = file
        self.tmp = None

    def __enter__(self) -> Path:
        if isinstance(self.file, str | Path):
            return Path(self.file)
        self.tmp = tempfile.NamedTemporaryFile(suffix=".upload", delete=False)  # noqa: SIM115
        with self.tmp:
            if isinstance(self.file, bytes | bytearray):
                self.tmp.write(self.file)
            else:
                if hasattr(self.file, "seek"):
                    self.file.seek(0)
                if hasattr(self.file, "chunks"):
                    for chunk in self.file.chunks():
                        self.tmp.write(chunk)
                else:
                    shutil.copyfileobj(self.file, self.tmp, 1 << 20)
        return Path(self.tmp.name)

    def __exit__(self, *exc):
        if self.tmp is not None:
            Path(self.tmp.name).unlink(missing_ok=True)


def _checksum(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _name_of(file) -> str:
    if isinstance(file, str | Path):
        return Path(file).name
    return Path(getattr(file, "name", "") or "").name
