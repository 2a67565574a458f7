"""Where imported shops go, and which columns the import understands."""

import datetime as dt
from decimal import Decimal

from openpyxl import Workbook

from serviceloop.customers.models import Customer, CustomerChange
from serviceloop.customers.services import customer_update
from serviceloop.org.models import Route, Station

from .test_import_helpers import HEADER, NOW, row, run, write

LATER = NOW + dt.timedelta(days=7)


def test_it_derives_one_route_per_station_and_order_day(db, tmp_path):
    path = write(tmp_path, "xlsx", [
        HEADER,
        row(1, ORDER_CYCLE="周四"),
        row(2, ORDER_CYCLE="单周周四"),
        row(3, ORDER_CYCLE="双周周一"),
        row(4, ORDER_CYCLE="不访销"),
        row(5, ORDER_CYCLE="周四", MARKET_DEPARTMENT="茅箭市场部"),
        row(6, ORDER_CYCLE=None),
    ])  # fmt: skip

    report = run(path)

    assert report.errors == []
    routes = dict(Customer.objects.values_list("licence_no", "route__name"))
    assert routes == {
        "420301100001": "张湾市场部周四线",
        "420301100002": "张湾市场部周四线",  # odd-week Thursday shops are visited on Thursdays too
        "420301100003": "张湾市场部周一线",
        "420301100004": "张湾市场部不访销",
        "420301100005": "茅箭市场部周四线",
        "420301100006": "张湾市场部未定访销日",
    }
    odd = Customer.objects.get(licence_no="420301100002")
    assert (odd.order_cycle, odd.order_weekday) == ("odd", 4)
    even = Customer.objects.get(licence_no="420301100003")
    assert (even.order_cycle, even.order_weekday) == ("even", 1)
    none = Customer.objects.get(licence_no="420301100004")
    assert (none.order_cycle, none.order_weekday) == ("none", None)
    assert Route.objects.get(name="茅箭市场部周四线").station.branch.name == "城区烟草专卖局(营销部)"


def test_it_keeps_a_route_changed_by_hand_when_the_station_is_the_same(db, tmp_path):
    path = write(tmp_path, "xlsx", [HEADER, row(1)])
    run(path)
    shop = Customer.objects.get()
    own = Route.objects.create(station=shop.station, name="张湾市场部特约线")
    customer_update(customer=shop, data={"route": own}, actor=None, now=NOW)

    report = run(path, now=LATER)

    assert (report.updated, report.unchanged, report.created_routes) == (0, 1, [])
    shop.refresh_from_db()
    assert shop.route == own


def test_it_moves_a_shop_whose_station_changed(db, tmp_path):
    run(write(tmp_path, "xlsx", [HEADER, row(1)], name="v1"))
    shop = Customer.objects.get()
    old_route = shop.route

    report = run(
        write(tmp_path, "xlsx", [HEADER, row(1, MARKET_DEPARTMENT="茅箭市场部")], name="v2"), now=LATER
    )

    assert report.updated == 1 and report.field_changes == {"route": 1}
    shop.refresh_from_db()
    assert shop.station.name == "茅箭市场部" and shop.route.name == "茅箭市场部周四线"
    assert shop.branch == shop.station.branch
    change = CustomerChange.objects.filter(customer=shop, field="route").latest("id")
    assert (change.old_value, change.new_value) == (str(old_route.pk), str(shop.route_id))


def test_it_uses_the_route_column_when_the_file_has_one(db, tmp_path):
    header = [*HEADER, "线路"]
    run(write(tmp_path, "xlsx", [header, [*row(1), "张湾3号线"], [*row(2), None]], name="v1"))

    assert dict(Customer.objects.values_list("licence_no", "route__name")) == {
        "420301100001": "张湾3号线",
        "420301100002": "张湾市场部周四线",  # an empty route cell falls back to the derived route
    }
    assert Route.objects.get(name="张湾3号线").station.name == "张湾市场部"

    report = run(
        write(tmp_path, "xlsx", [header, [*row(1), "张湾4号线"], [*row(2), None]], name="v2"), now=LATER
    )

    assert (report.updated, report.unchanged) == (1, 1)
    assert [str(r) for r in report.created_routes] == ["张湾市场部 / 张湾4号线"]
    assert Customer.objects.get(licence_no="420301100001").route.name == "张湾4号线"


def test_it_places_shops_by_an_existing_route_name_alone(world, tmp_path):
    path = write(tmp_path, "csv-utf8", [["许可证号", "线路", "档位"], ["420301199001", "茅箭1号线", "5"]])

    report = run(path)

    assert report.errors == []
    shop = Customer.objects.get(licence_no="420301199001")
    assert (shop.route, shop.station, shop.branch) == (world.route_a2_1, world.station_a2, world.branch_a)


def test_it_refuses_an_unknown_route_without_a_station(world, tmp_path):
    path = write(tmp_path, "csv-utf8", [["许可证号", "线路"], ["420301199001", "不存在的线"]])

    report = run(path)

    assert [(e.line, e.column, e.value) for e in report.errors] == [(2, "线路", "不存在的线")]
    assert not Customer.objects.filter(licence_no="420301199001").exists()


def test_it_finds_an_existing_station_without_a_branch_column(world, tmp_path):
    path = write(
        tmp_path, "csv-gb18030", [["许可证号", "市场部", "访销周期"], ["420301199001", "城关服务站", "周二"]]
    )

    report = run(path)

    assert report.errors == [] and report.created_stations == []
    shop = Customer.objects.get(licence_no="420301199001")
    assert shop.station == world.station_b1 and shop.route.name == "城关服务站周二线"


def test_it_reads_chinese_headers_below_a_title_row(db, tmp_path):
    rows = [
        ["2026年零售客户信息表"],
        [],
        ["序号", "许可证号", "客户名称", "负责人", "联系电话", "地址", "县局", "市场部", "线路", "档位", "星级",
         "业态", "市场类型", "经营规模", "诚信等级", "入网日期", "电子结算", "网上订货", "经度", "纬度", "备注"],
        [1, "420301100001", "  张三便利店 ", "张三", 13800001111, "张湾区车城路1号", "城区分公司", "张湾服务站",
         "张湾1号线", "30档", "四星", "烟酒商店", "城镇", "大", "AAA", dt.date(2019, 5, 6), "是", "否",
         110.7981, 32.6291, "随便写"],
    ]  # fmt: skip
    report = run(write(tmp_path, "xlsx", rows))

    assert report.errors == []
    assert report.ignored_columns == ["备注"]
    shop = Customer.objects.get()
    assert (shop.name, shop.owner_name, shop.phone, shop.address) == (
        "张三便利店",
        "张三",
        "13800001111",
        "张湾区车城路1号",
    )
    assert (shop.grade, shop.stars, shop.retail_format, shop.market_type, shop.business_scale) == (
        30,
        4,
        "Y",
        "C",
        "1",
    )
    assert shop.classification_code == "CY1"
    assert (shop.credit_rating, shop.joined_on) == ("AAA", dt.date(2019, 5, 6))
    assert (shop.e_settlement, shop.online_ordering) == (True, False)
    assert (shop.longitude, shop.latitude) == (Decimal("110.798100"), Decimal("32.629100"))
    assert shop.route.name == "张湾1号线"


def test_it_reads_english_headers(db, tmp_path):
    rows = [
        [
            "licence_no",
            "name",
            "owner",
            "phone",
            "branch",
            "station",
            "grade",
            "stars",
            "retail format",
            "status",
        ],
        ["420301100001", "Corner shop", "Li", "13900002222", "City", "North", "D12", "2", "S", "active"],
    ]
    report = run(write(tmp_path, "csv-utf8", rows))

    assert report.errors == []
    shop = Customer.objects.get()
    assert (shop.name, shop.grade, shop.stars, shop.retail_format, shop.status) == (
        "Corner shop",
        12,
        2,
        "S",
        "active",
    )
    assert Station.objects.get().name == "North"


def test_it_clears_blankable_fields_on_an_empty_cell_and_keeps_the_others(db, tmp_path):
    header = [*HEADER, "星级"]
    run(write(tmp_path, "xlsx", [header, [*row(1), 3]], name="v1"))

    report = run(write(tmp_path, "xlsx", [header, [*row(1, GRADE=None, CREDIT_LEVEL=None, 优质客户=None), None]],
                       name="v2"), now=LATER)  # fmt: skip

    assert report.updated == 1
    shop = Customer.objects.get()
    assert (shop.grade, shop.credit_rating) == (None, "")
    assert (shop.stars, shop.quality_terminal) == (3, True)
    grade = CustomerChange.objects.filter(customer=shop, field="grade").latest("id")
    assert (grade.old_value, grade.new_value) == ("9", "")


def test_it_leaves_fields_alone_when_their_column_is_absent(world, tmp_path):
    shop = world.shops["张湾1号线"][0]
    path = write(
        tmp_path,
        "csv-utf8",
        [["许可证号", "档位", "县局", "市场部"], [shop.licence_no, "10", "城区分公司", "张湾服务站"]],
    )

    before = (shop.name, shop.owner_name, shop.phone, shop.stars, shop.retail_format, shop.credit_rating)

    report = run(path)

    assert (report.updated, report.unchanged) == (0, 1)
    shop.refresh_from_db()
    assert (
        shop.name,
        shop.owner_name,
        shop.phone,
        shop.stars,
        shop.retail_format,
        shop.credit_rating,
    ) == before


def test_it_reads_the_sheet_with_the_licences_when_an_instructions_sheet_comes_first(db, tmp_path):
    wb = Workbook()
    wb.active.title = "填写说明"
    wb.active.append(["请按模板填写，许可证号为12位数字。"])
    data = wb.create_sheet("客户")
    for r in (HEADER, row(1), row(2)):
        data.append(r)
    path = tmp_path / "template.xlsx"
    wb.save(path)

    report = run(path)

    assert report.errors == [] and report.created == 2
    assert report.file_format == "xlsx，工作表“客户”"
