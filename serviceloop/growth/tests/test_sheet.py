"""The weekly allocation sheet: the real file parses completely; broken copies are refused with
Chinese messages naming row and column. Pure (openpyxl), runs without Django."""

import io
from pathlib import Path

import openpyxl
import pytest

from serviceloop.growth.sheet import (
    NOT_HANDLED_REASON,
    AllocationMethod,
    Dimension,
    Region,
    SheetError,
    parse_allocation_sheet,
    parse_area,
)

# The real sheet lives next to the repository: ../shared/data/real/allocation_week.xlsx
REAL = Path(__file__).resolve().parents[4] / "shared" / "data" / "real" / "allocation_week.xlsx"
pytestmark = pytest.mark.skipif(not REAL.exists(), reason="real allocation sheet not available")


@pytest.fixture(scope="module")
def real():
    return parse_allocation_sheet(REAL)


def broken(tmp_path, change) -> Path:
    """A copy of the real sheet with ``change(worksheet, header)`` applied."""
    wb = openpyxl.load_workbook(REAL)
    ws = wb.worksheets[0]
    header = {cell.value: cell.column for cell in ws[1]}
    change(ws, header)
    path = tmp_path / "broken.xlsx"
    wb.save(path)
    return path


def set_cell(row: int, column: str, value):
    def change(ws, header):
        ws.cell(row=row, column=header[column]).value = value  # (value=None in cell() would not clear)

    return change


def issues_of(path) -> list[str]:
    with pytest.raises(SheetError) as caught:
        parse_allocation_sheet(path)
    return [str(issue) for issue in caught.value.issues]


# ---------------------------------------------------------------------------------------------
# The real sheet


def test_it_reads_every_product_of_the_real_week(real):
    assert real.sheet_name == "cigarette_distribution_info"
    assert len(real.products) == 86
    counts = {m: sum(p.method is m for p in real.products) for m in AllocationMethod}
    assert counts == {
        AllocationMethod.GRADE: 25,
        AllocationMethod.GRADE_EXTENDED: 16,
        AllocationMethod.GRADE_UNIFORM: 8,
        AllocationMethod.PRICE_BAND_SELF_SELECT: 37,
    }
    # the 37 price-band rows are whole-city D30–D1 rows: set out by the grade table (see sheet.py)
    assert len(real.handled) == 86 and not real.not_handled
    assert all(p.price_band == (p.method is AllocationMethod.PRICE_BAND_SELF_SELECT) for p in real.products)
    assert all((p.highest_grade, p.lowest_grade) == (30, 1) for p in real.products)
    assert sum(p.target for p in real.handled if not p.price_band) == sum(
        (2683, 15793, 470, 4183, 8407, 33093, 1643, 46218, 91667, 42178, 67551, 6851, 612, 41561, 9211, 36667)
        + (1467, 14073, 1376, 2249, 161708, 1526, 646, 1586, 4257, 14767, 20689, 18560, 41459, 397, 2552)
        + (187970, 71429, 125000, 798, 92593, 49271, 195313, 101626, 20429, 77280, 48387, 16722, 201613)
        + (11367, 5133, 69892, 115575, 51230)
    )


def test_it_reads_the_first_row_field_by_field(real):
    first = real.products[0]
    assert (first.row, first.sheet_id, first.year, first.month, first.week_seq) == (2, 91789, 2025, 9, 3)
    assert (first.code, first.name, first.target) == ("35300080", "七匹狼(锋芒)", 2683)
    assert first.method is AllocationMethod.GRADE_EXTENDED
    assert (first.extension, first.extension_label) == ((Dimension.URBAN_RURAL_CODE,), "档位+城乡分类代码")
    assert first.area_label == "城乡结合区--镇中心区，镇乡结合区"
    assert first.areas == ("城乡结合区", "镇中心区", "镇乡结合区")
    assert not first.whole_city


def test_it_accepts_the_variant_spelling_of_extended_allocation(real):
    variant = next(p for p in real.products if p.method_label == "按档位拓展投放")
    assert (variant.code, variant.method, variant.areas) == (
        "13070067",
        AllocationMethod.GRADE_EXTENDED,
        ("城区",),
    )


def test_it_parses_every_extension_kind_and_area_separator_in_the_real_sheet(real):
    by_code = {p.code: p for p in real.products}
    assert by_code["42010114"].areas == ("镇中心区", "镇乡结合区", "特殊区域", "乡中心区", "村庄")
    assert by_code["42020129"].extension == (Dimension.RETAIL_FORMAT,)
    assert by_code["42020129"].areas == ("商场", "超市", "烟草专业店", "娱乐服务类", "其他")
    assert by_code["33010004"].extension == (Dimension.DISTRICT,)
    assert by_code["33010004"].areas == ("城区", "丹江")
    assert by_code["37570027"].extension == (Dimension.MARKET_TYPE,)
    two_level = by_code["42010020"]
    assert two_level.extension == (Dimension.DISTRICT, Dimension.MARKET_TYPE)
    assert len(two_level.regions) == 12
    assert two_level.regions[0] == Region("丹江（城网）", ("丹江", "城网"))
    assert two_level.regions[-1] == Region("竹溪（农网）", ("竹溪", "农网"))


def test_it_reads_null_cells_tags_and_remarks(real):
    by_code = {p.code: p for p in real.products}
    whole = by_code["42020012"]
    assert whole.method is AllocationMethod.GRADE and whole.extension == () and whole.extension_label is None
    assert whole.whole_city and whole.regions == () and whole.area_label == "全市"
    assert by_code["42020001"].biweekly_uplift_percent == 100
    assert by_code["42020001"].remarks == "两周一访上浮100%；"
    tagged = by_code["42021111"]
    assert (tagged.tag, tagged.tag_filter) == ("优质数据共享客户", "0")
    assert by_code["12010001"].method is AllocationMethod.PRICE_BAND_SELF_SELECT


def test_it_reads_bytes_and_file_objects_alike(real):
    data = REAL.read_bytes()
    assert parse_allocation_sheet(data) == real
    assert parse_allocation_sheet(io.BytesIO(data)) == real


def test_it_feeds_the_exact_solver(real):
    from serviceloop.analytics.allocation import allocate_by_grade

    counts = {g: 500 for g in range(1, 31)}
    for spec in real.handled:
        result = allocate_by_grade(counts, spec.target, lowest=spec.lowest_grade, highest=spec.highest_grade)
        assert result.abs_error <= 250


# ---------------------------------------------------------------------------------------------
# Broken sheets


def test_it_refuses_an_unknown_method(tmp_path):
    problems = issues_of(broken(tmp_path, set_cell(5, "DELIVERY_METHOD", "按人头投放")))
    assert problems == ["第 5 行 DELIVERY_METHOD 列：未知的投放方式「按人头投放」（可选：按档位投放、按档位统一投放、"
                        "按档位扩展投放、按档位拓展投放、按价位段自选投放）"]  # fmt: skip


def test_it_refuses_a_reversed_grade_range(tmp_path):
    def change(ws, header):
        ws.cell(row=7, column=header["HIGHEST_GRADE"], value="D3")
        ws.cell(row=7, column=header["LOWEST_GRADE"], value="D10")

    assert issues_of(broken(tmp_path, change)) == [
        "第 7 行 HIGHEST_GRADE/LOWEST_GRADE 列：档位范围颠倒：最高档位 D3 低于最低档位 D10"
    ]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (-5, "目标量不能为负数（-5）"),
        (12.5, "目标量必须是整数（「12.5」）"),
        ("很多", "目标量必须是整数（「很多」）"),
        (20_000_000, "目标量 20,000,000 条超出合理范围（不超过 10,000,000 条）"),
        (None, "缺少目标量"),
    ],
)
def test_it_refuses_negative_fractional_absurd_or_missing_targets(tmp_path, value, reason):
    assert issues_of(broken(tmp_path, set_cell(9, "ADV", value))) == [f"第 9 行 ADV 列：{reason}"]


@pytest.mark.parametrize("value", ["D31", "X", "D0", "三十一档"])
def test_it_refuses_unknown_grades(tmp_path, value):
    problems = issues_of(broken(tmp_path, set_cell(4, "LOWEST_GRADE", value)))
    assert problems == [f"第 4 行 LOWEST_GRADE 列：无法识别的档位「{value}」（应为 D1–D30）"]


def test_it_refuses_a_sheet_without_required_columns(tmp_path):
    def change(ws, header):
        ws.delete_cols(header["ADV"])
        ws.delete_cols(header["LOWEST_GRADE"] - 1)

    assert issues_of(broken(tmp_path, change)) == ["第 1 行：缺少列：ADV、LOWEST_GRADE"]


def test_it_refuses_bad_extensions_and_areas(tmp_path):
    def change(ws, header):
        ws.cell(row=2, column=header["DELIVERY_ETYPE"], value="档位+星座")
        ws.cell(row=8, column=header["DELIVERY_AREA"], value="城区，全市")
        ws.cell(row=50, column=header["DELIVERY_AREA"], value="丹江（城网）、房县")
        ws.cell(row=6, column=header["DELIVERY_AREA"], value="城区")
        ws.cell(row=7, column=header["DELIVERY_ETYPE"], value="档位+区县")
        ws.cell(row=3, column=header["DELIVERY_AREA"], value="镇中心区（城网）")

    problems = issues_of(broken(tmp_path, change))
    assert problems[0].startswith("第 2 行 DELIVERY_ETYPE 列：未知的扩展维度「星座」")
    assert problems[1] == "第 3 行 DELIVERY_AREA 列：区域「镇中心区（城网）」带有括号，但扩展类型只有一个维度"
    assert problems[2] == "第 6 行 DELIVERY_AREA 列：不是扩展投放，只能面向全市，却填写了投放区域「城区」"
    assert problems[3] == "第 7 行 DELIVERY_ETYPE 列：投放方式为按档位投放，不应填写扩展类型「档位+区县」"
    assert problems[4] == "第 8 行 DELIVERY_AREA 列：「全市」不能与具体区域同时填写（「城区，全市」）"
    assert problems[5] == "第 50 行 DELIVERY_AREA 列：区域「房县」应写成「区县（市场类型）」这样的两级形式"
    assert len(problems) == 6


def test_it_reports_every_bad_row_at_once_and_keeps_nothing(tmp_path):
    def change(ws, header):
        for row in (10, 20, 30):
            ws.cell(row=row, column=header["ADV"], value=-1)
        ws.cell(row=40, column=header["CIG_CODE"]).value = None

    with pytest.raises(SheetError) as caught:
        parse_allocation_sheet(broken(tmp_path, change))
    message = str(caught.value)
    assert message.startswith("投放计划表有 4 处错误：")
    assert "第 40 行 CIG_CODE 列：缺少卷烟编码" in message


def test_it_refuses_files_that_are_not_workbooks_and_empty_sheets(tmp_path):
    assert issues_of(b"not a workbook") == [
        "这不是 Excel（xlsx）文件，或文件已损坏。"
    ]  # no exception class names
    empty = openpyxl.Workbook()
    empty.active.append(["CIG_CODE", "CIG_NAME", "DELIVERY_METHOD", "DELIVERY_ETYPE", "ADV", "DELIVERY_AREA"]
                        + ["HIGHEST_GRADE", "LOWEST_GRADE"])  # fmt: skip
    path = tmp_path / "empty.xlsx"
    empty.save(path)
    assert issues_of(path) == ["投放计划表没有任何卷烟"]


def test_it_accepts_other_spellings_of_grades_and_targets_and_skips_blank_rows(tmp_path):
    def change(ws, header):
        ws.cell(row=2, column=header["HIGHEST_GRADE"], value="三十档")
        ws.cell(row=2, column=header["LOWEST_GRADE"], value=5)
        ws.cell(row=2, column=header["ADV"], value="2,683")
        ws.cell(row=3, column=header["ADV"], value=15793.0)
        ws.insert_rows(4)

    sheet = parse_allocation_sheet(broken(tmp_path, change))
    first, second = sheet.products[:2]
    assert (first.highest_grade, first.lowest_grade, first.target) == (30, 5, 2683)
    assert second.target == 15793
    assert len(sheet.products) == 86 and sheet.products[2].row == 5


# ---------------------------------------------------------------------------------------------
# Areas on their own


@pytest.mark.parametrize(
    ("text", "dims", "names"),
    [
        ("张湾市场部、茅箭市场部", (Dimension.MARKET_DEPARTMENT,), ("张湾市场部", "茅箭市场部")),
        ("居民区,集贸区;商业娱乐区", (Dimension.TRADING_AREA,), ("居民区", "集贸区", "商业娱乐区")),
        ("AAA/AA", (Dimension.CREDIT_RATING,), ("AAA", "AA")),
        ("王湾诚信互助小组2组", (Dimension.MUTUAL_AID_GROUP,), ("王湾诚信互助小组2组",)),
        ("城区 , 城区", (Dimension.DISTRICT,), ("城区",)),
    ],
)
def test_it_splits_areas_for_every_dimension(text, dims, names):
    whole_city, regions = parse_area(text, dims)
    assert not whole_city and tuple(r.name for r in regions) == names


def test_it_reads_two_level_areas_with_ascii_brackets_and_whole_city():
    _, regions = parse_area("丹江(城网)--房县（农网）", (Dimension.DISTRICT, Dimension.MARKET_TYPE))
    assert [r.values for r in regions] == [("丹江", "城网"), ("房县", "农网")]
    assert parse_area("全市", (Dimension.DISTRICT,)) == (True, ())
    assert parse_area(None, ()) == (True, ())


def test_it_keeps_the_areas_of_rows_it_does_not_allocate_without_checking_them(tmp_path):
    sheet = parse_allocation_sheet(broken(tmp_path, set_cell(51, "DELIVERY_AREA", "城区，丹江（城网）")))
    row = next(p for p in sheet.products if p.row == 51)
    assert row.method is AllocationMethod.PRICE_BAND_SELF_SELECT and not row.handled
    assert row.not_handled_reason == NOT_HANDLED_REASON
    assert row.areas == ("城区", "丹江（城网）")
