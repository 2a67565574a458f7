"""The customer export's rows: flat in queries whatever the number of shops, and the same cells as the shop."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from serviceloop.core.testing import make_customer
from serviceloop.customers.export import customer_sheets

pytestmark = pytest.mark.django_db


def export_rows(user):
    """The sheet's rows and the number of queries it took to read them (the sheet is built as the task does)."""
    with CaptureQueriesContext(connection) as queries:
        [(_title, headers, rows)] = customer_sheets(user, QueryDict())
        rows = list(rows)
    return headers, rows, len(queries)


def test_the_export_reads_the_same_number_of_queries_for_8_and_68_shops(world):
    _headers, small, small_queries = export_rows(world.city_admin)
    for n in range(60):
        make_customer(world.route_a1_1 if n % 2 else world.route_a1_2)
    _headers, large, large_queries = export_rows(world.city_admin)
    assert (len(small), len(large)) == (8, 68)
    assert large_queries == small_queries <= 2  # no query per row, per route or per label


def test_the_export_row_carries_the_shop_its_places_labels_and_masked_phone(world):
    shop = make_customer(
        world.route_a1_1, name="=HYPERLINK(1)", phone="13812345678", urban_rural_code="121", trading_area="market",
        order_cycle="weekly", order_weekday=3, e_settlement=True, joined_on=timezone.localdate(),
    )  # fmt: skip
    headers, rows, _n = export_rows(world.supervisor)  # a role that sees masked phones
    row = dict(zip(headers, next(r for r in rows if r[0] == shop.licence_no), strict=True))
    values = list(row.values())
    assert values[1] == shop.name  # as typed: the writer neutralises formulas, not the builder
    assert values[3] == "138****5678"
    assert values[5:9] == ["城区分公司", "张湾服务站", "张湾1号线", str(world.account_manager)]
    assert values[9] == shop.get_retail_format_display()
    assert values[12] == shop.classification_code == "CB2"
    assert values[13] == shop.get_urban_rural_code_display()
    assert values[14] == shop.get_trading_area_display()
    assert values[18] == shop.get_order_cycle_display()
    assert values[19] == shop.get_order_weekday_display()
    assert values[20] == shop.get_status_display()
    assert values[21:24] == ["是", "否", "否"] or values[21:24] == ["yes", "no", "no"]
    assert values[24] == shop.joined_on
    _headers, admin_rows, _n = export_rows(world.city_admin)
    assert next(r for r in admin_rows if r[0] == shop.licence_no)[3] == "13812345678"
    # a route without an account manager exports an empty cell
    other = next(r for r in admin_rows if r[7] == "张湾2号线")
    assert other[8] == ""
