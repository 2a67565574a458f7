"""Reading single cells the way Excel and people leave them."""

import datetime as dt
from decimal import Decimal

import pytest

from serviceloop.customers.importing import values
from serviceloop.customers.importing.columns import (
    ALIASES,
    FALLBACK_ALIASES,
    IGNORED,
    header_key,
    map_headers,
)


@pytest.mark.parametrize(
    ("cell", "grade"),
    [("一档", 1), ("九档", 9), ("十档", 10), ("十四档", 14), ("二十档", 20), ("二十九档", 29), ("三十档", 30),
     ("30档", 30), ("D30", 30), ("d7", 7), (30, 30), (12.0, 12), ("12", 12), ("12.0", 12), ("第九档", 9),
     ("３０档", 30), (" 九档\u3000", 9)],
)  # fmt: skip
def test_it_reads_grades_as_the_trade_writes_them(cell, grade):
    assert values.grade(cell) == grade


@pytest.mark.parametrize("cell", ["零档", "三十一档", "D0", 31, 0, "一百档"])
def test_it_refuses_grades_outside_1_to_30(cell):
    with pytest.raises(values.Bad):
        values.grade(cell)


@pytest.mark.parametrize(
    ("cell", "stars"), [(0, 0), ("5", 5), ("三星", 3), ("4星级", 4), ("★★", 2), ("★★★☆☆", 3), (2.0, 2)]
)
def test_it_reads_stars(cell, stars):
    assert values.stars(cell) == stars


@pytest.mark.parametrize(
    ("cell", "cycle"),
    [("周一", ("weekly", 1)), ("周五", ("weekly", 5)), ("星期三", ("weekly", 3)), ("每周周二", ("weekly", 2)),
     ("单周周四", ("odd", 4)), ("双周周一", ("even", 1)), ("不访销", ("none", None)), ("周日", ("weekly", 7))],
)  # fmt: skip
def test_it_reads_order_cycles(cell, cycle):
    assert values.order_cycle(cell) == cycle


@pytest.mark.parametrize(
    ("cell", "licence"),
    [("420301182058", "420301182058"), (420301182058, "420301182058"), (420301182058.0, "420301182058"),
     ("420301182058.0", "420301182058"), ("４２０３０１１８２０５８", "420301182058"),
     ("\xa0420301182058\u3000", "420301182058"), ("'420301182058", "420301182058"), ("4203 0118 2058", "420301182058")],
)  # fmt: skip
def test_it_cleans_licence_numbers(cell, licence):
    assert values.licence(cell) == licence


def test_it_explains_that_scientific_notation_lost_the_digits():
    for cell in ("1.04203E+11", "4.20301E11", "１.０４２０３Ｅ＋１１"):
        with pytest.raises(values.Bad, match="科学计数法"):
            values.licence(cell)
    with pytest.raises(values.Bad, match="科学计数法"):
        values.licence(104203000000.0)  # a number whose tail Excel already zeroed


@pytest.mark.parametrize(
    ("cell", "day"),
    [(dt.datetime(2020, 1, 5, 0, 0), dt.date(2020, 1, 5)), ("2020-01-05", dt.date(2020, 1, 5)),
     ("2020/1/5", dt.date(2020, 1, 5)), ("2020年1月5日", dt.date(2020, 1, 5)), ("20200105", dt.date(2020, 1, 5)),
     (43835, dt.date(2020, 1, 5))],
)  # fmt: skip
def test_it_reads_dates(cell, day):
    assert values.date(cell) == day


def test_it_reads_yes_and_no():
    assert [values.boolean(c) for c in ("是", "否", "1", "0", 1, 0, 1.0, True, "Y", "n")] == [
        True, False, True, False, True, False, True, True, True, False,
    ]  # fmt: skip
    with pytest.raises(values.Bad):
        values.boolean("也许")


def test_it_reads_coordinates_and_refuses_impossible_ones():
    assert values.coordinate("32.62912345", limit=90, what="纬度") == Decimal("32.629123")
    with pytest.raises(values.Bad):
        values.coordinate("132.6", limit=90, what="纬度")


def test_it_maps_each_header_to_one_field_only():
    owners = {}
    for field, aliases in {**ALIASES, **FALLBACK_ALIASES}.items():
        for alias in aliases:
            assert owners.setdefault(header_key(alias), field) == field, alias
    assert not set(owners) & {header_key(h) for h in IGNORED}


def test_it_maps_the_real_file_header():
    real = ["ID", "CUST_CODE", "CUST_ID", "GRADE", "ORDER_CYCLE", "CREDIT_LEVEL", "MARKET_TYPE",
            "CLASSIFICATION_CODE", "CUST_FORMAT", "BUSINESS_DISTRICT_TYPE", "COMPANY_BRANCH", "COMPANY_DISTRICT",
            "MARKET_DEPARTMENT", "BUSINESS_STATUS", "IS_MUTUAL_AID_GROUP", "GROUP_NAME", "QUALITY_DATA_SHARE",
            "优质客户"]  # fmt: skip

    mapping = map_headers(tuple(real))

    assert mapping.ignored == [] and mapping.duplicates == []
    assert {f: c.header for f, c in mapping.columns.items()} == {
        "licence_no": "CUST_CODE", "grade": "GRADE", "order_cycle": "ORDER_CYCLE", "credit_rating": "CREDIT_LEVEL",
        "market_type": "MARKET_TYPE", "urban_rural_code": "CLASSIFICATION_CODE", "retail_format": "CUST_FORMAT",
        "trading_area": "BUSINESS_DISTRICT_TYPE", "branch": "COMPANY_BRANCH", "station": "MARKET_DEPARTMENT",
        "status": "BUSINESS_STATUS", "mutual_aid_group": "GROUP_NAME", "quality_data_share": "QUALITY_DATA_SHARE",
        "quality_terminal": "优质客户",
    }  # fmt: skip
    # Without COMPANY_BRANCH, COMPANY_DISTRICT names the branch.
    assert map_headers(("CUST_CODE", "COMPANY_DISTRICT")).columns["branch"].header == "COMPANY_DISTRICT"


@pytest.mark.parametrize(
    "cell",
    [None, "", " ", "\u3000", "\u200b", "\u200b a", "a", "\xa0", "\t\n", 0, 0.0, False, True, dt.date(2026, 1, 1)],
)  # fmt: skip
def test_is_blank_says_what_the_text_of_the_cell_says(cell):
    # is_blank skips building the text (it runs for every cell of a file); it must agree with it.
    assert values.is_blank(cell) == (values.text(cell) == "")
