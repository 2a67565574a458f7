"""Broken customer files: every defect is reported with its line and column, and nothing is written.

Each defect is tried in an xlsx made by openpyxl, a GB18030 CSV (what Excel saves on Chinese Windows) and
a UTF-8 CSV with BOM (Excel's "CSV UTF-8").
"""

import zipfile

import pytest

from serviceloop.customers.models import CodeAlias, Customer, CustomerChange
from serviceloop.org.models import Branch, Route, Station

from .test_import_helpers import COL, FORMATS, HEADER, errors_at, letter, row, run, write, write_xlsx


@pytest.fixture(params=FORMATS)
def fmt(request):
    return request.param


def assert_nothing_written():
    assert not Customer.objects.exists()
    assert not CustomerChange.objects.exists()
    assert not Branch.objects.exists() and not Station.objects.exists() and not Route.objects.exists()


def only_error(report, line: int, column: str):
    errors = errors_at(report, line)
    assert len(errors) == 1, errors
    error = errors[0]
    assert (error.column, error.column_letter) == (column, letter(column))
    return error


def test_it_refuses_a_licence_excel_turned_into_scientific_notation(db, tmp_path, fmt):
    path = write(tmp_path, fmt, [HEADER, row(1), row(2, licence="1.04203E+11"), row(3)])

    report = run(path)

    error = only_error(report, 3, "CUST_CODE")
    assert error.value == "1.04203E+11"
    assert "科学计数法" in error.reason and "文本" in error.reason
    assert len(report.errors) == 1 and not report.committed
    assert_nothing_written()


def test_it_accepts_full_width_digits_stray_spaces_and_integral_floats(db, tmp_path, fmt):
    path = write(tmp_path, fmt, [
        HEADER,
        row(1, licence="４２０３０１１０００１１"),
        row(2, licence="\u3000420301100012\xa0", MARKET_DEPARTMENT=" 张湾市场部\u3000", GRADE=" 九档 "),
        row(3, licence=420301100013.0 if fmt == "xlsx" else "420301100013.0", CUST_FORMAT="便利店\xa0"),
        row(4, licence="420301100014", COMPANY_BRANCH="城区烟草专卖局（营销部）"),  # full-width brackets
    ])  # fmt: skip

    report = run(path)

    assert report.errors == []
    assert set(Customer.objects.values_list("licence_no", flat=True)) == {
        "420301100011", "420301100012", "420301100013", "420301100014",
    }  # fmt: skip
    assert Station.objects.get().name == "张湾市场部"
    assert Branch.objects.get().name == "城区烟草专卖局(营销部)"  # the full-width one is the same branch
    assert set(Customer.objects.values_list("grade", flat=True)) == {9}


@pytest.mark.parametrize(
    ("licence", "words"),
    [
        ("42030110001", "12位数字，这里是11位"),
        ("420301300001", "第7位"),
        ("42030A100001", "只能由数字组成"),
    ],
)
def test_it_refuses_an_invalid_licence(db, tmp_path, fmt, licence, words):
    path = write(tmp_path, fmt, [HEADER, row(1), row(2, licence=licence)])

    report = run(path)

    error = only_error(report, 3, "CUST_CODE")
    assert words in error.reason and error.value == licence
    assert_nothing_written()


def test_it_refuses_an_empty_licence(db, tmp_path, fmt):
    blank = row(2)
    blank[COL["CUST_CODE"]] = None
    path = write(tmp_path, fmt, [HEADER, row(1), blank])

    report = run(path)

    assert "许可证号为空" in only_error(report, 3, "CUST_CODE").reason
    assert_nothing_written()


def test_it_reports_both_lines_of_a_licence_that_appears_twice(db, tmp_path, fmt):
    path = write(tmp_path, fmt, [HEADER, row(1), row(2, licence="420301100001", GRADE="十档"), row(3)])

    report = run(path)

    for line in (2, 3):
        error = only_error(report, line, "CUST_CODE")
        assert "重复" in error.reason and "第2、3行" in error.reason
    assert len(report.errors) == 2
    assert_nothing_written()


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("CUST_FORMAT", "小卖部", "业态“小卖部”不在代码表中"),
        ("MARKET_TYPE", "郊网", "市场类型“郊网”不在代码表中"),
        ("CLASSIFICATION_CODE", "城中村", "城乡分类“城中村”不在代码表中"),
        ("BUSINESS_DISTRICT_TYPE", "景区", "商圈“景区”不在代码表中"),
        ("CREDIT_LEVEL", "AAAA", "诚信等级“AAAA”不在代码表中"),
        ("BUSINESS_STATUS", "待定", "经营状态“待定”不在代码表中"),
    ],
)
def test_it_refuses_an_unknown_code_and_points_to_the_alias_table(db, tmp_path, fmt, column, value, words):
    path = write(tmp_path, fmt, [HEADER, row(1), row(2, **{column: value})])

    report = run(path)

    error = only_error(report, 3, column)
    assert error.value == value
    assert words in error.reason and "代码映射表" in error.reason
    assert_nothing_written()


def test_it_accepts_a_local_name_once_it_is_in_the_alias_table(db, tmp_path):
    path = write(tmp_path, "xlsx", [HEADER, row(1, CUST_FORMAT="小卖部")])
    assert run(path).errors

    CodeAlias.objects.create(field="retail_format", alias="小卖部", code="Z")
    report = run(path)

    assert report.errors == []
    assert Customer.objects.get().retail_format == "Z"


@pytest.mark.parametrize("grade", ["三十一档", "0", "31", "四十档", "D31"])
def test_it_refuses_a_grade_outside_1_to_30(db, tmp_path, fmt, grade):
    path = write(tmp_path, fmt, [HEADER, row(1), row(2, GRADE=grade)])

    report = run(path)

    assert "档位应在1～30之间" in only_error(report, 3, "GRADE").reason
    assert_nothing_written()


def test_it_refuses_a_grade_it_cannot_read(db, tmp_path, fmt):
    report = run(write(tmp_path, fmt, [HEADER, row(1, GRADE="很高")]))

    assert "档位无法识别" in only_error(report, 2, "GRADE").reason
    assert_nothing_written()


def test_it_refuses_stars_outside_0_to_5(db, tmp_path, fmt):
    header = [*HEADER, "星级"]
    path = write(tmp_path, fmt, [header, [*row(1), "3"], [*row(2), "6"], [*row(3), "七星"]])

    report = run(path)

    assert [(e.line, e.column, e.column_letter) for e in report.errors] == [
        (3, "星级", "N"),
        (4, "星级", "N"),
    ]
    assert "星级应在0～5之间，这里是6" in report.errors[0].reason
    assert_nothing_written()


def test_it_refuses_an_order_cycle_it_cannot_read(db, tmp_path, fmt):
    report = run(write(tmp_path, fmt, [HEADER, row(1, ORDER_CYCLE="每月一次")]))

    assert "访销周期无法识别" in only_error(report, 2, "ORDER_CYCLE").reason
    assert_nothing_written()


def test_it_reports_every_bad_row_and_every_bad_cell_at_once(db, tmp_path, fmt):
    path = write(tmp_path, fmt, [
        HEADER,
        row(1, GRADE="99", CUST_FORMAT="小卖部"),
        row(2),
        row(3, licence="1.04203E+11"),
        row(4, ORDER_CYCLE="每天"),
    ])  # fmt: skip

    report = run(path)

    assert [(e.line, e.column) for e in report.errors] == [
        (2, "GRADE"), (2, "CUST_FORMAT"), (4, "CUST_CODE"), (5, "ORDER_CYCLE"),
    ]  # fmt: skip
    assert report.error_lines == 3
    assert_nothing_written()


@pytest.mark.parametrize(
    ("drop", "words"),
    [
        (["CUST_CODE"], "缺少必填列“许可证号”"),
        (["MARKET_DEPARTMENT"], "缺少安排线路所需的列"),
    ],
)
def test_it_refuses_a_file_missing_a_required_column(db, tmp_path, fmt, drop, words):
    keep = [i for i, h in enumerate(HEADER) if h not in drop]
    path = write(tmp_path, fmt, [[r[i] for i in keep] for r in (HEADER, row(1), row(2))])

    report = run(path)

    assert len(report.errors) == 1
    assert report.errors[0].line == 1 and words in report.errors[0].reason
    assert_nothing_written()


def test_it_refuses_a_file_with_two_columns_for_one_field(db, tmp_path, fmt):
    path = write(tmp_path, fmt, [[*HEADER, "档位"], [*row(1), "10"]])

    report = run(path)

    assert report.errors[0].line == 1 and "都表示档位" in report.errors[0].reason
    assert_nothing_written()


def test_it_refuses_an_empty_file(db, tmp_path, fmt):
    empty = {"xlsx": write_xlsx(tmp_path / "empty.xlsx", []), "csv-gb18030": tmp_path / "empty.csv"}
    empty["csv-utf8-bom"] = tmp_path / "bom.csv"
    empty["csv-gb18030"].write_bytes(b"")
    empty["csv-utf8-bom"].write_bytes(b"\xef\xbb\xbf\r\n")

    report = run(empty[fmt])

    assert [(e.line, e.column) for e in report.errors] == [(0, "")]
    assert "空" in report.errors[0].reason
    assert_nothing_written()


def test_it_refuses_a_file_with_a_header_and_no_rows(db, tmp_path, fmt):
    report = run(write(tmp_path, fmt, [HEADER, [None] * len(HEADER)]))

    assert [e.line for e in report.errors] == [1]
    assert "没有客户数据" in report.errors[0].reason
    assert_nothing_written()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "图片"),
        (b"%PDF-1.7\n" + bytes(range(256)), "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), ".xls"),
        (bytes(range(256)) * 8, "不是电子表格"),
        (b"\x81\x30\x81", "编码"),  # not UTF-8, and a cut-off GB18030 four-byte sequence
    ],
)
def test_it_refuses_a_file_that_is_not_a_spreadsheet(db, tmp_path, content, words):
    path = tmp_path / "customers.xlsx"
    path.write_bytes(content)

    report = run(path)

    assert len(report.errors) == 1 and report.errors[0].line == 0
    assert words in report.errors[0].reason
    assert_nothing_written()


def test_it_refuses_a_zip_that_is_not_a_workbook(db, tmp_path):
    path = tmp_path / "customers.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")

    report = run(path)

    assert "不是有效的 Excel 工作簿" in report.errors[0].reason
    assert_nothing_written()


def test_it_refuses_a_text_file_without_a_licence_column(db, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("今天开会\n明天出差\n", encoding="utf-8")

    report = run(path)

    assert report.errors and report.errors[0].line == 1
    assert "缺少必填列“许可证号”" in report.errors[0].reason
    assert_nothing_written()


def test_it_refuses_a_station_it_cannot_place_without_a_branch(db, tmp_path):
    header = [h for h in HEADER if h != "COMPANY_BRANCH"]
    rows = [[v for h, v in zip(HEADER, r, strict=True) if h != "COMPANY_BRANCH"] for r in (HEADER, row(1))]
    assert rows[0] == header

    report = run(write(tmp_path, "xlsx", rows))

    error = report.errors[0]
    assert (error.line, error.column, error.value) == (2, "MARKET_DEPARTMENT", "张湾市场部")
    assert "没有这个市场部" in error.reason
    assert_nothing_written()


def test_ten_thousand_copies_of_one_licence_keep_the_report_small(db, tmp_path):
    """Was quadratic: each of the 10,000 messages named all 10,000 lines (a worker grew by a gigabyte and the
    error page weighed 34 MB). Now the report counts every problem and keeps the first 200 by line."""
    from serviceloop.customers.importing.report import ERRORS_KEPT

    path = write_xlsx(tmp_path / "dup.xlsx", [HEADER, *[row(1) for _ in range(10_000)]])

    report = run(path)

    assert report.error_count == 10_000 and report.error_lines == 10_000
    assert len(report.errors) == ERRORS_KEPT == 200
    assert [e.line for e in report.errors] == list(range(2, 202))  # the first ones, in file order
    assert "第2、3、4、5、6等10000行" in report.errors[0].reason
    assert sum(len(e.reason) for e in report.errors) < 20_000
    assert_nothing_written()


def test_the_import_page_lists_the_first_200_of_all_problems(db, tmp_path, world, app):
    from django.urls import reverse

    from serviceloop.customers.models import Customer as C

    path = write_xlsx(tmp_path / "dup.xlsx", [HEADER, *[row(1) for _ in range(600)]])
    before = C.objects.count()
    page = app.get(reverse("customers:import"), user=world.city_admin)
    form = page.forms[[k for k in page.forms if "file" in page.forms[k].fields][0]]
    form["file"] = (path.name, path.read_bytes())
    work = form.submit().follow()  # the check runs in the background; its page links to the report
    result = work.click(href=r"/customers/import/\d+/", index=0)

    caption = result.html.select_one('[data-testid="errors-left-out"]')
    assert caption is not None and "前 200 个问题，共 600 个" in caption.text
    assert len(result.html.select("tbody tr")) == 200
    assert C.objects.count() == before
