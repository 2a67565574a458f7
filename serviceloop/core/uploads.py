"""Reading uploaded spreadsheets without letting the file decide how much memory or time it costs.

An xlsx is a zip of XML parts. Before openpyxl sees one, ``xlsx_check`` streams through every part once,
refusing:
- anything that is not a zip (or is a broken one),
- parts whose uncompressed size passes ``max_bytes`` in total (zip bombs, shared-strings bombs) or whose
  compression ratio is absurd,
- any DOCTYPE or ENTITY declaration (XXE, billion laughs): an xlsx written by Excel, WPS or LibreOffice
  never has one.
``xlsx_rows`` then yields the first sheet's rows as value tuples, at most ``max_columns`` wide, stopping
with a clear error after ``max_rows`` rows (a file of a million empty rows ends in seconds, not in a
worker's timeout), and turns a file whose XML breaks half-way into a Chinese message instead of a 500.
Messages never show exception class names.
"""

import io
import os
import re
import zipfile

from django.utils.translation import gettext as _

MAX_BYTES = 200 * 1024 * 1024  # uncompressed, all parts together
MAX_RATIO = 200  # uncompressed / compressed, per part of more than 1 MB
MAX_ROWS = 200_000
MAX_COLUMNS = 200
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class UploadRejected(ValueError):
    """The file cannot be read safely; ``str(e)`` is a message for the user (Chinese)."""


def _source(content):
    if isinstance(content, bytes | bytearray):
        return io.BytesIO(content)
    if hasattr(content, "seek"):
        content.seek(0)
    return content


def is_zip(content) -> bool:
    source = _source(content)
    head = source.read(4)
    source.seek(0)
    return head[:2] == b"PK"


def xlsx_check(content, *, max_bytes: int = MAX_BYTES) -> None:
    """Raise UploadRejected unless ``content`` (bytes, a file or a path) is a zip whose XML is safe to parse."""
    if isinstance(content, str | os.PathLike):
        with open(content, "rb") as file:
            return xlsx_check(file, max_bytes=max_bytes)
    source = _source(content)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRejected(_("This is not an Excel (xlsx) file, or the file is damaged.")) from None
    total = 0
    try:
        with archive:
            for info in archive.infolist():
                if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    raise UploadRejected(_too_large(max_bytes))
                tail = b""
                with archive.open(info) as part:
                    while chunk := part.read(256 * 1024):
                        total += len(chunk)
                        if total > max_bytes:
                            raise UploadRejected(_too_large(max_bytes))
                        if info.filename.endswith((".xml", ".rels", ".vml")) and _DECLARATION.search(
                            tail + chunk
                        ):
                            raise UploadRejected(
                                _(
                                    "The file holds XML declarations (DOCTYPE or ENTITY) that Excel never writes; "
                                    "it was refused for safety. Save it again from Excel or WPS and upload that copy."
                                )
                            )
                        tail = chunk[-16:]
    except UploadRejected:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise UploadRejected(_("This is not an Excel (xlsx) file, or the file is damaged.")) from None
    finally:
        source.seek(0)


def _too_large(max_bytes: int) -> str:
    return _("The file is too large once unpacked (more than %(mb)d MB). Split it into smaller files.") % {
        "mb": max_bytes // (1024 * 1024)
    }


def xlsx_rows(
    content,
    *,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    sheet: str | None = None,
    checked: bool = False,
):
    """Yield the rows of the first (or the named) sheet as tuples of values. Raises UploadRejected."""
    import openpyxl

    if not checked:
        xlsx_check(content)
    source = _source(content)
    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a file that is a zip but not a workbook
        raise UploadRejected(_("This is not an Excel (xlsx) file, or the file is damaged.")) from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise UploadRejected(_("The sheet “%(name)s” is not in the file.") % {"name": sheet})
        ws = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        yield from guarded(ws.iter_rows(max_col=max_columns, values_only=True), max_rows=max_rows)
    finally:
        workbook.close()


def guarded(rows, *, max_rows: int = MAX_ROWS):
    """Pass rows through, turning a parse failure half-way into UploadRejected and stopping after max_rows."""
    line = 0
    rows = iter(rows)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception:  # broken XML after the header, bad cell types…: say where, not what class
            raise UploadRejected(
                _("The file is damaged after row %(n)d and cannot be read. Save it again from Excel or WPS.")
                % {"n": line}
            ) from None
        line += 1
        if line > max_rows:
            raise UploadRejected(
                _("The file has more than %(n)s rows. Split it into smaller files.") % {"n": f"{max_rows:,}"}
            )
        yield row
