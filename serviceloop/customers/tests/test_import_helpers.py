"""Small customer files for the import tests, laid out like the real export (helpers only, no tests)."""

import csv
import datetime as dt
from pathlib import Path

from django.utils import timezone
from openpyxl import Workbook

from serviceloop.customers.importing import import_customers_file

NOW = timezone.make_aware(dt.datetime(2026, 11, 23, 9, 0))

# The real file's columns (customers_15020.xlsx), minus the ones the import ignores or repeats.
HEADER = [
    "ID", "CUST_CODE", "GRADE", "ORDER_CYCLE", "CREDIT_LEVEL", "MARKET_TYPE", "CLASSIFICATION_CODE",
    "CUST_FORMAT", "BUSINESS_DISTRICT_TYPE", "COMPANY_BRANCH", "MARKET_DEPARTMENT", "BUSINESS_STATUS", "优质客户",
]  # fmt: skip
COL = {name: i for i, name in enumerate(HEADER)}  # 0-based; column letter = chr(ord("A") + i)


def letter(name: str) -> str:
    return chr(ord("A") + COL[name])


def row(n: int, licence: str | None = None, **cells) -> list:
    """A valid data row; ``cells`` override columns by header name."""
    values = {
        "ID": n, "CUST_CODE": licence or f"4203011{n:05d}", "GRADE": "九档", "ORDER_CYCLE": "周四",
        "CREDIT_LEVEL": "AA", "MARKET_TYPE": "城网", "CLASSIFICATION_CODE": "主城区", "CUST_FORMAT": "便利店",
        "BUSINESS_DISTRICT_TYPE": "居民区", "COMPANY_BRANCH": "城区烟草专卖局(营销部)",
        "MARKET_DEPARTMENT": "张湾市场部", "BUSINESS_STATUS": "有效", "优质客户": "是",
    }  # fmt: skip
    values.update(cells)
    return [values[h] for h in HEADER]


def write_xlsx(path: Path, rows: list[list]) -> Path:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([["" if v is None else v for v in r] for r in rows])
    return path


FORMATS = ["xlsx", "csv-gb18030", "csv-utf8-bom"]


def write(tmp_path: Path, fmt: str, rows: list[list], name: str = "customers") -> Path:
    if fmt == "xlsx":
        return write_xlsx(tmp_path / f"{name}.xlsx", rows)
    encoding = {"csv-gb18030": "gb18030", "csv-utf8-bom": "utf-8-sig", "csv-utf8": "utf-8"}[fmt]
    return write_csv(tmp_path / f"{name}.csv", rows, encoding)


def run(path: Path, **kwargs):
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("actor", None)
    with path.open("rb") as fh:
        return import_customers_file(file=fh, filename=path.name, **kwargs)


def errors_at(report, line: int) -> list:
    return [e for e in report.errors if e.line == line]
