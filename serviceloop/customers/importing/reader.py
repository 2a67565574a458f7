"""Turns an uploaded file into rows of cell values, whatever spreadsheet format and encoding it came in.

The format is decided by the content, not the file name: users rename files, and Excel saves CSV in the
system code page (GB18030 family on Chinese Windows) unless told "CSV UTF-8", which adds a BOM.
"""

import codecs
import csv
import io
import itertools
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import iterparse

from openpyxl.reader.excel import ExcelReader
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

from .columns import HEADER_SEARCH_ROWS, is_licence_header
from .xlsx_fast import calamine_sheet

# Magic numbers of files people upload by mistake, so the message can say what the file is.
_NOT_SPREADSHEET = [
    (
        b"\xd0\xcf\x11\xe0",
        "这是旧版 Excel（.xls）或其他 Office 97 格式的文件。请在 Excel 中另存为 .xlsx 或 CSV 后再导入。",
    ),
    (b"%PDF", "这是 PDF 文件，不是电子表格。请上传 .xlsx 或 .csv 文件。"),
    (b"\x89PNG", "这是图片文件，不是电子表格。请上传 .xlsx 或 .csv 文件。"),
    (b"\xff\xd8\xff", "这是图片文件，不是电子表格。请上传 .xlsx 或 .csv 文件。"),
    (b"Rar!", "这是压缩包，不是电子表格。请解压后上传 .xlsx 或 .csv 文件。"),
    (b"7z\xbc\xaf", "这是压缩包，不是电子表格。请解压后上传 .xlsx 或 .csv 文件。"),
    (b"\x1f\x8b", "这是压缩包，不是电子表格。请解压后上传 .xlsx 或 .csv 文件。"),
]
_NOT_TEXT = "文件不是电子表格（既不是 .xlsx，也不是可读的 CSV 文本）。请上传 .xlsx 或 .csv 文件。"


class UnreadableFile(Exception):
    """The file cannot be read as a spreadsheet; the message (Chinese) tells the user why."""


@dataclass
class Sheet:
    file_format: str  # shown to the user, e.g. "xlsx", "CSV（GB18030）"
    rows: Iterator[tuple[int, tuple]]  # (spreadsheet line number, cell values), blank rows included


def read_sheet(data: bytes, *, header_test=is_licence_header) -> Sheet:
    """Rows of a file held in memory. ``header_test(cell)`` tells the header row of the sheet to read."""
    if not data or not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise UnreadableFile("文件是空的。")
    if data.startswith(b"PK\x03\x04"):
        # The fast reader's child opens a path: the upload goes to a temporary file, removed after reading.
        with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as fh:
            fh.write(data)
        return _xlsx_sheet(Path(fh.name), header_test, temporary=True)
    for magic, message in _NOT_SPREADSHEET:
        if data.startswith(magic):
            raise UnreadableFile(message)
    text, encoding = _decode(data)
    return Sheet(f"CSV（{encoding}）", _csv_rows(text))


def stream_sheet(path, *, header_test=is_licence_header) -> Sheet:
    """Rows of a file on disk, read as they are needed: memory stays flat however long the file is.

    The same formats and encodings as ``read_sheet``. A CSV's encoding is decided by one streaming pass over
    the file (UTF-8 unless some byte sequence is not, then GB18030), so a GBK character on line 400,000
    cannot break the import half-way.
    """
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(65536)
    if not head or not head.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise UnreadableFile("文件是空的。")
    if head.startswith(b"PK\x03\x04"):
        return _xlsx_sheet(path, header_test)
    for magic, message in _NOT_SPREADSHEET:
        if head.startswith(magic):
            raise UnreadableFile(message)
    encoding, label = _file_encoding(path, head)
    return Sheet(f"CSV（{label}）", _csv_file_rows(path, encoding))


def _file_encoding(path: Path, head: bytes) -> tuple[str, str]:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", "UTF-8 BOM"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "UTF-16"
    if b"\x00" in head:
        raise UnreadableFile(_NOT_TEXT)
    for encoding, label in (("utf-8", "UTF-8"), ("gb18030", "GB18030")):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding, label
    raise UnreadableFile("无法识别文件的文字编码：CSV 文件应为 UTF-8 或 GB18030（GBK）编码。")


def _csv_file_rows(path: Path, encoding: str) -> Iterator[tuple[int, tuple]]:
    with path.open(encoding=encoding, newline="") as fh:
        first_line = fh.readline()
        fh.seek(0)
        delimiter = max(",\t;", key=first_line.count) if any(d in first_line for d in ",\t;") else ","
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            for line, values in enumerate(reader, start=1):
                yield line, tuple(v if v != "" else None for v in values)
        except csv.Error as exc:
            raise UnreadableFile(f"CSV 文件格式有误（第{reader.line_num}行附近）：{exc}") from exc
        except UnicodeDecodeError as exc:
            raise UnreadableFile(_NOT_TEXT) from exc


class _ExcelReader(ExcelReader):
    """openpyxl's reader with a lean shared-string table.

    openpyxl builds a rich-text object for every shared string, which is two thirds of the load time of a
    15,000-row export (210,000 strings); we only need the plain text, which is what openpyxl returns anyway.
    """

    def read_strings(self):
        ct = self.package.find(SHARED_STRINGS)
        if ct is not None:
            with self.archive.open(ct.PartName[1:]) as src:
                self.shared_strings = _plain_strings(src)


_SI, _T, _R = (f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("si", "t", "r"))


def _plain_strings(src) -> list[str]:
    strings = []
    for _event, node in iterparse(src):
        if node.tag == _SI:
            # <si><t>text</t></si>, or rich text <si><r><t>part</t></r>…</si>; phonetic runs (<rPh>) left out.
            parts = [
                child.text or "" if child.tag == _T else child.findtext(_T) or ""
                for child in node
                if child.tag in (_T, _R)
            ]
            strings.append("".join(parts).replace("x005F_", ""))
            node.clear()
    return strings


MAX_ROWS = 200_000  # a province's shops (~140,000) fit; a row bomb stops here instead of in the timeout
MAX_COLUMNS = 200
MAX_UNPACKED = 200 * 1024 * 1024  # shared-strings and zip bombs are refused before openpyxl parses them


def _xlsx_sheet(path: Path, header_test=is_licence_header, *, temporary: bool = False) -> Sheet:
    from serviceloop.core.uploads import UploadRejected, guarded, xlsx_check

    # Whatever the way out — a refusal here, or the rows read to the end or dropped half-way — the reader's child,
    # openpyxl's workbook and open file, and a temporary copy of the upload are released once, in that order.
    release = ExitStack()
    if temporary:
        release.callback(path.unlink, missing_ok=True)
    try:
        try:
            xlsx_check(path, max_bytes=MAX_UNPACKED)  # also refuses DOCTYPE/ENTITY (XXE, billion laughs)
        except UploadRejected as exc:
            raise UnreadableFile(str(exc)) from None
        fast = calamine_sheet(path, header_test, max_columns=MAX_COLUMNS, top_rows=HEADER_SEARCH_ROWS + 1)
        if fast is not None:
            index, title, cells = fast
            release.callback(cells.close)
        else:
            ws, index = _openpyxl_sheet(path, header_test, release)
            title, cells = ws.title, ws.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    except BaseException:
        release.close()
        raise

    def rows():
        # guarded turns a failure half-way (broken XML, a reader child that stopped) into "damaged after row n"
        with release, _broken_sheet():
            try:
                yield from enumerate(guarded(cells, max_rows=MAX_ROWS), start=1)
            except UploadRejected as exc:
                raise UnreadableFile(str(exc)) from None

    return Sheet("xlsx" if index == 0 else f"xlsx，工作表“{title}”", rows())


def _openpyxl_sheet(path: Path, header_test, release: ExitStack):
    """(worksheet, its index) read by openpyxl, for what calamine gives up on; the workbook joins ``release``."""
    # An open file, not the path: openpyxl refuses paths whose extension is not .xlsx (uploads are renamed).
    source = release.enter_context(path.open("rb"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know; harmless here
            reader = _ExcelReader(source, read_only=True, data_only=True)
            reader.read()
            wb = reader.wb
    except (
        zipfile.BadZipFile,
        KeyError,
        OSError,
        ValueError,
        TypeError,
        SyntaxError,
    ) as exc:  # ParseError too
        # A .docx or a broken download is a zip too; openpyxl raises on the missing workbook parts.
        raise UnreadableFile(
            "文件不是有效的 Excel 工作簿（.xlsx），可能已损坏或是其他格式。请用 Excel 打开后另存为 .xlsx。"
        ) from exc
    release.callback(wb.close)
    if not wb.worksheets:
        raise UnreadableFile("Excel 文件中没有工作表。")
    with _broken_sheet():
        ws = _sheet_with_header(wb.worksheets, header_test)
    return ws, wb.worksheets.index(ws)


def _sheet_with_header(sheets, header_test):
    """The first sheet with the key column near its top: templates often open with an instructions sheet."""
    for ws in sheets:
        # Some exporters write a wrong <dimension> (e.g. "A1"); trusting it would silently cut the sheet short.
        ws.reset_dimensions()
        top = itertools.islice(ws.iter_rows(values_only=True), HEADER_SEARCH_ROWS + 1)
        if any(header_test(cell) for cells in top for cell in cells):
            return ws
    return sheets[0]


@contextmanager
def _broken_sheet():
    try:
        yield
    except UnreadableFile:
        raise
    except (
        ValueError,
        KeyError,
        TypeError,
        SyntaxError,
    ) as exc:  # bad sheet XML; ParseError is a SyntaxError
        raise UnreadableFile("Excel 文件内容已损坏，无法读取。请用 Excel 打开后另存为 .xlsx。") from exc


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8 BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated.
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise UnreadableFile(_NOT_TEXT) from exc
    if b"\x00" in data[:65536]:
        raise UnreadableFile(_NOT_TEXT)
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312, which older Chinese systems export.
        return data.decode("gb18030"), "GB18030"
    except UnicodeDecodeError as exc:
        raise UnreadableFile("无法识别文件的文字编码：CSV 文件应为 UTF-8 或 GB18030（GBK）编码。") from exc


def _csv_rows(text: str) -> Iterator[tuple[int, tuple]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count) if any(d in first_line for d in ",\t;") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # One record per spreadsheet row (a quoted cell may span physical lines), as Excel shows it.
        for line, values in enumerate(reader, start=1):
            yield line, tuple(v if v != "" else None for v in values)
    except csv.Error as exc:
        raise UnreadableFile(f"CSV 文件格式有误（第{reader.line_num}行附近）：{exc}") from exc
