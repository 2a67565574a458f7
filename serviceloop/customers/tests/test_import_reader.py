"""The xlsx reader: calamine in a child process, openpyxl whenever calamine does not get to stream the sheet."""

import datetime as dt
import io
import os
import zipfile

import pytest
from openpyxl import Workbook

from serviceloop.customers.importing import reader, xlsx_fast
from serviceloop.customers.importing.reader import UnreadableFile, read_sheet, stream_sheet


def workbook_bytes() -> bytes:
    """An instructions sheet, then the data sheet starting at B2, with every kind of cell a user's file has."""
    wb = Workbook()
    wb.active.title = "填写说明"
    wb.active["A1"] = "请在第二个工作表填写客户"
    ws = wb.create_sheet("客户")
    ws["B2"], ws["C2"], ws["D2"], ws["E2"], ws["F2"] = "许可证号", "档位", "经度", "入网日期", "备注"
    ws.append([None, "420301100001", 9, 110.79, dt.datetime(2024, 1, 2), "便利店\n二楼"])
    ws.append([None, 420301100002, 9.5, -0.0, dt.datetime(2024, 1, 2, 3, 4, 5), True])
    ws.append([])  # a blank row keeps its line number
    ws.append([None, "420301100003", None, None, None, "=1/0"])  # a formula without a cached value: empty
    ws["G6"] = "最后一列"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def rows_of(sheet) -> list:
    return list(sheet.rows)


def test_calamine_gives_the_rows_openpyxl_gives(monkeypatch):
    data = workbook_bytes()
    fast = read_sheet(data)
    fast_rows = rows_of(fast)
    monkeypatch.setattr(reader, "calamine_sheet", lambda *a, **k: None)
    slow = read_sheet(data)
    slow_rows = rows_of(slow)

    assert fast.file_format == slow.file_format == "xlsx，工作表“客户”"
    assert [line for line, _ in fast_rows] == [line for line, _ in slow_rows] == [1, 2, 3, 4, 5, 6]
    for (line, a), (_, b) in zip(fast_rows, slow_rows, strict=True):
        width = max(len(a), len(b))
        a, b = a + (None,) * (width - len(a)), b + (None,) * (width - len(b))
        assert a == b, line  # 9 == 9.0 and a datetime equals a datetime: types are checked below
    assert fast_rows[1][1][1:3] == ("许可证号", "档位")  # column B stays the second column
    assert type(fast_rows[2][1][2]) is int and type(fast_rows[3][1][1]) is int  # integral numbers are ints
    assert fast_rows[3][1][2] == 9.5 and fast_rows[2][1][5] == "便利店\n二楼"
    assert fast_rows[4][1] == (None,) * len(fast_rows[4][1])


def test_a_file_on_disk_is_streamed_and_its_temporary_copy_is_removed(tmp_path, monkeypatch):
    made = []
    real = reader.tempfile.NamedTemporaryFile

    def spy(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(reader.tempfile, "NamedTemporaryFile", spy)
    assert len(rows_of(read_sheet(workbook_bytes()))) == 6
    assert made and not os.path.exists(made[0].name)

    path = tmp_path / "renamed.dat"  # uploads are renamed: the content decides
    path.write_bytes(workbook_bytes())
    assert len(rows_of(stream_sheet(path))) == 6 and path.exists()


def far_cell_xlsx() -> bytes:
    """One cell at A1 and one at XFD1048576: calamine would fill in 17 billion cells (it aborts the process)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        source = zipfile.ZipFile(io.BytesIO(workbook_bytes()))
        for name in source.namelist():
            part = source.read(name)
            if name == "xl/worksheets/sheet2.xml":
                part = part.replace(
                    b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
                )
            z.writestr(name, part)
    return buffer.getvalue()


def test_a_far_cell_that_aborts_calamine_only_ends_the_child_and_openpyxl_refuses_the_file():
    sheet = read_sheet(far_cell_xlsx())  # were calamine in this process, pytest itself would abort here

    with pytest.raises(UnreadableFile, match="200,000"):
        rows_of(sheet)


def test_a_reader_child_that_cannot_run_leaves_the_reading_to_openpyxl(tmp_path, monkeypatch):
    broken = tmp_path / "child.py"
    broken.write_text("import sys\nsys.exit(3)\n")
    monkeypatch.setattr(xlsx_fast, "CHILD", broken)

    sheet = read_sheet(workbook_bytes())

    assert sheet.file_format == "xlsx，工作表“客户”" and len(rows_of(sheet)) == 6


def test_an_unfinished_read_ends_its_child(monkeypatch):
    started = []
    real = xlsx_fast._Child

    class Spy(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(xlsx_fast, "_Child", Spy)
    sheet = read_sheet(workbook_bytes())
    rows = iter(sheet.rows)
    next(rows)
    rows.close()  # the import stopped early (a bad header): the child must not be left running

    assert started and started[0].process.returncode is not None


def test_a_child_that_stops_half_way_makes_the_file_unreadable_after_the_rows_it_sent(tmp_path, monkeypatch):
    child = tmp_path / "child.py"
    child.write_text(
        "import pickle, sys\n"
        "out = sys.stdout.buffer\n"
        "pickle.dump(('sheet', 0, '客户', [('许可证号',)]), out); out.flush()\n"
        "sys.stdin.readline()\n"
        "pickle.dump(('rows', [('许可证号',), ('420301100001',)]), out); out.flush()\n"
        "sys.exit(9)  # as its CPU limit would end it\n"
    )
    monkeypatch.setattr(xlsx_fast, "CHILD", child)
    sheet = read_sheet(workbook_bytes())
    seen = []

    with pytest.raises(UnreadableFile) as refused:
        for line, cells in sheet.rows:
            seen.append((line, cells))

    assert seen == [(1, ("许可证号",)), (2, ("420301100001",))]
    assert "2" in str(refused.value)
