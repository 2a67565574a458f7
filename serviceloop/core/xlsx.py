"""Excel export: the one writer every export goes through.

Rows stream through openpyxl's write-only mode into a temporary file, so memory stays flat for 100,000-row
exports. Every text cell is neutralised against formula injection (OWASP "CSV injection"): text that a
shop typed on a public page, such as ``=HYPERLINK(…)``, must reach the spreadsheet as text, never as a
live formula.
"""

import tempfile
from collections.abc import Iterable
from datetime import date, time
from decimal import Decimal
from urllib.parse import quote

from django.http import FileResponse

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Spreadsheet programs treat a cell starting with one of these as a formula (or, for tab/CR, strip the
# character and then do); OWASP's list.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_value(value):
    """The value as it should land in a cell: text that would start a formula gets a leading apostrophe,
    so it is shown as typed and never evaluated. Numbers, dates and None pass unchanged."""
    if isinstance(value, str):
        if value.startswith(_FORMULA_START):
            return "'" + value
        return value
    if value is None or isinstance(value, int | float | Decimal | date | time):
        return value  # numbers and dates (datetime is a date) keep their type
    return safe_value(str(value))  # lazy translations and the rest become text


def write_workbook(fileobj, sheets: Iterable[tuple[str, list, Iterable]]) -> None:
    """Writes ``sheets`` — (title, headers, rows) each — to ``fileobj`` as one xlsx workbook."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title=str(title)[:31])
        ws.freeze_panes = "A2"
        header_cells = []
        for h in headers:
            cell = WriteOnlyCell(ws, value=safe_value(str(h)))
            cell.font = bold
            header_cells.append(cell)
        ws.append(header_cells)
        for row in rows:
            ws.append([safe_value(v) for v in row])
    wb.save(fileobj)


def workbook_response(filename: str, sheets: Iterable[tuple[str, list, Iterable]]) -> FileResponse:
    """An xlsx download of ``sheets``; the temporary file is removed when the response closes."""
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response
    write_workbook(tmp, sheets)
    tmp.seek(0)
    response = FileResponse(tmp, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def xlsx_response(*, filename: str, sheet_title: str, headers: list[str], rows) -> FileResponse:
    """One-sheet export (most lists)."""
    return workbook_response(filename, [(sheet_title, headers, rows)])
