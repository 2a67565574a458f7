"""The customer import: the real 15,020-row file, re-imports, history, dry runs and the command."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from serviceloop.core.models import AuditEvent
from serviceloop.customers.models import Customer, CustomerChange
from serviceloop.org.models import Branch, Company, Route, Station

from .test_import_helpers import COL, HEADER, NOW, letter, row, run, write

REAL_FILE = Path("/work/shared/data/real/customers_15020.xlsx")
if not REAL_FILE.exists():  # in a clone, the shared data sit next to the repository
    REAL_FILE = Path(__file__).resolve().parents[4] / "shared/data/real/customers_15020.xlsx"


@pytest.mark.skipif(not REAL_FILE.exists(), reason="the real customer file is not on this machine")
def test_it_imports_the_real_file_completely_and_a_second_time_changes_nothing(db):
    report = run(REAL_FILE)

    assert report.errors == []
    assert report.committed
    assert (report.rows, report.created, report.updated, report.unchanged) == (15020, 15020, 0, 0)
    assert Customer.objects.count() == 15020
    assert Company.objects.get().name == "本市烟草公司"
    assert Branch.objects.count() == 7 and len(report.created_branches) == 7
    assert Station.objects.count() == 27 and len(report.created_stations) == 27
    assert set(Station.objects.values_list("name", flat=True)) >= {
        "张湾市场部",
        "茅箭市场部",
        "房县城关市场部",
    }
    assert Station.objects.get(name="张湾市场部").branch.name == "城区烟草专卖局(营销部)"
    # 郧西县's 城关市场部 and 房县城关市场部 are different stations of different branches.
    assert Station.objects.get(name="城关市场部").branch.name == "郧西县烟草专卖局(营销部)"

    shop = Customer.objects.select_related("route", "station", "branch").get(licence_no="104203100001")
    assert shop.grade == 9
    assert (shop.order_cycle, shop.order_weekday) == ("weekly", 4)
    assert shop.credit_rating == "AA"
    assert shop.market_type == "C"
    assert shop.urban_rural_code == "111"
    assert shop.retail_format == "B"
    assert shop.trading_area == "residential"
    assert shop.mutual_aid_group == "王湾诚信互助小组2组"
    assert shop.status == "active"
    # 优质客户 is 是 and QUALITY_DATA_SHARE 0 on every row: reported, and left out unless the user keeps them
    # (issue 9: the whole city must not become quality terminals without a word).
    assert [(c.header, c.value, c.kept) for c in report.constant_columns] == [
        ("优质客户", "是", False),
        ("QUALITY_DATA_SHARE", "否", False),
    ]
    assert not Customer.objects.filter(quality_terminal=True).exists()
    assert shop.quality_terminal is False and shop.quality_data_share is False
    assert shop.route.name == "张湾市场部周四线"
    assert shop.station.name == "张湾市场部" and shop.branch.name == "城区烟草专卖局(营销部)"
    assert Customer.objects.get(licence_no="420301182058").retail_format == "F"  # 娱乐服务类

    # The row with ID 15020 has only the licence, branch, station and status.
    bare = Customer.objects.select_related("route").get(licence_no="420325109160")
    assert bare.grade is None
    assert bare.credit_rating == bare.market_type == bare.retail_format == bare.urban_rural_code == ""
    assert bare.trading_area == bare.mutual_aid_group == ""
    assert bare.order_weekday is None
    assert bare.station.name == "房县城关市场部"
    assert bare.route.name == "房县城关市场部未定访销日"

    assert Customer.objects.filter(order_cycle="odd", order_weekday=4).count() == 241  # 单周周四
    assert Customer.objects.filter(order_cycle="even", order_weekday=1).count() == 182  # 双周周一
    assert Customer.objects.filter(order_cycle="none").count() == 39  # 不访销
    for name, station in Customer.objects.filter(order_cycle="none").values_list(
        "route__name", "station__name"
    ):
        assert name == f"{station}不访销"
    assert Customer.objects.filter(retail_format="Y").count() == 726  # 烟草专业店 via the code-alias table
    assert Customer.objects.filter(credit_rating="").count() == 25
    assert CustomerChange.objects.count() == 0  # new shops start without history rows
    assert AuditEvent.objects.filter(action="customer.import").count() == 1

    history, stamps = CustomerChange.objects.count(), dict(Customer.objects.values_list("pk", "updated_at"))
    again = run(REAL_FILE, now=NOW + dt.timedelta(days=1))

    assert again.errors == []
    assert (again.created, again.updated, again.unchanged) == (0, 0, 15020)
    assert again.created_branches == again.created_stations == again.created_routes == []
    assert CustomerChange.objects.count() == history
    assert dict(Customer.objects.values_list("pk", "updated_at")) == stamps


def test_it_appends_one_history_row_when_a_grade_changes_on_reimport(db, tmp_path):
    first = run(write(tmp_path, "xlsx", [HEADER, row(1), row(2)], name="v1"))
    assert first.created == 2
    shop = Customer.objects.get(licence_no="420301100001")
    before = CustomerChange.objects.filter(customer=shop).count()

    later = NOW + dt.timedelta(days=30)
    report = run(write(tmp_path, "xlsx", [HEADER, row(1, GRADE="十二档"), row(2)], name="v2"), now=later)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert report.field_changes == {"grade": 1}
    assert report.history_rows == 1
    change = CustomerChange.objects.filter(customer=shop).latest("id")
    assert (change.field, change.old_value, change.new_value) == ("grade", "9", "12")
    assert (change.source, change.changed_at) == ("import", later)
    assert CustomerChange.objects.filter(customer=shop).count() == before + 1
    shop.refresh_from_db()
    assert shop.grade == 12 and shop.updated_at == later


def test_it_updates_shops_created_by_hand_and_records_who_imported(world, tmp_path):
    shop = world.shops["张湾1号线"][0]
    path = write(
        tmp_path, "csv-utf8-bom",
        [HEADER, row(1, licence=shop.licence_no, GRADE="20", COMPANY_BRANCH="城区分公司", MARKET_DEPARTMENT="张湾服务站")],
    )  # fmt: skip

    report = run(path, actor=world.city_admin)

    assert (report.created, report.updated) == (0, 1)
    shop.refresh_from_db()
    assert shop.grade == 20
    assert shop.route == world.route_a1_1  # same station: the shop keeps the route it was put on by hand
    assert (
        CustomerChange.objects.filter(customer=shop, field="grade", source="import").get().actor
        == world.city_admin
    )
    event = AuditEvent.objects.get(action="customer.import")
    assert event.actor == world.city_admin
    assert event.data["updated"] == 1 and event.data["filename"] == path.name
    assert Company.objects.count() == 1  # the world's company is used, not a new one


def test_it_writes_nothing_in_a_dry_run_but_reports_what_would_change(world, tmp_path):
    shop = world.shops["张湾1号线"][0]
    path = write(
        tmp_path,
        "xlsx",
        [HEADER, row(1, licence="420301299001"), row(2, licence=shop.licence_no, GRADE="一档")],
    )
    counts = (
        Customer.objects.count(),
        Branch.objects.count(),
        Station.objects.count(),
        Route.objects.count(),
    )
    history = CustomerChange.objects.count()

    report = run(path, dry_run=True)

    assert report.errors == [] and not report.committed
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert report.field_changes["grade"] == 1
    assert [str(b) for b in report.created_branches] == ["十堰市烟草公司 / 城区烟草专卖局(营销部)"]
    assert [str(s) for s in report.created_stations] == ["城区烟草专卖局(营销部) / 张湾市场部"]
    assert [str(r) for r in report.created_routes] == ["张湾市场部 / 张湾市场部周四线"]
    assert (
        Customer.objects.count(),
        Branch.objects.count(),
        Station.objects.count(),
        Route.objects.count(),
    ) == counts
    assert CustomerChange.objects.count() == history
    assert not AuditEvent.objects.filter(action="customer.import").exists()
    shop.refresh_from_db()
    assert shop.grade == 10


def test_it_prints_counts_and_created_units_in_chinese(db, tmp_path):
    path = write(tmp_path, "xlsx", [HEADER, row(1), row(2, ORDER_CYCLE="周一"), row(3, ORDER_CYCLE="不访销")])
    out = io.StringIO()

    call_command("import_customers", str(path), stdout=out)

    text = out.getvalue()
    assert "数据行：3" in text
    assert "新增客户：3" in text
    assert "新建县局 1 个" in text and "城区烟草专卖局(营销部)" in text
    assert "新建市场部 1 个" in text and "张湾市场部" in text
    assert "新建线路 3 个" in text
    assert "张湾市场部 / 张湾市场部周一线" in text and "张湾市场部 / 张湾市场部不访销" in text
    assert "导入完成" in text
    assert Customer.objects.count() == 3


def test_it_prints_a_dry_run_without_writing(db, tmp_path):
    path = write(tmp_path, "csv-gb18030", [HEADER, row(1)])
    out = io.StringIO()

    call_command("import_customers", str(path), "--dry-run", stdout=out)

    assert "试运行" in out.getvalue() and "将新增客户：1" in out.getvalue()
    assert "检查通过" in out.getvalue()
    assert not Customer.objects.exists()


def test_it_prints_the_first_200_errors_and_the_total_and_fails(db, tmp_path):
    rows = [HEADER] + [row(n, GRADE="四十档") for n in range(1, 251)]
    path = write(tmp_path, "xlsx", rows)
    out = io.StringIO()

    with pytest.raises(CommandError, match="共 250 个错误"):
        call_command("import_customers", str(path), stdout=out)

    text = out.getvalue()
    assert f"第2行 {letter('GRADE')}列「GRADE」 值「四十档」：档位应在1～30之间，这里是40。" in text
    assert "第201行" in text and "第202行" not in text
    assert "只显示前 200 个，共 250 个错误" in text
    assert "未写入任何数据" in text
    assert not Customer.objects.exists() and not Branch.objects.exists()


def test_it_refuses_a_missing_file_in_the_command(db, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_customers", str(tmp_path / "nope.xlsx"), stdout=io.StringIO())


def test_it_reads_and_writes_in_bulk_without_a_query_per_row(db, tmp_path, django_assert_max_num_queries):
    days = ("周一", "周二", "单周周三")
    with django_assert_max_num_queries(25):
        report = run(
            write(tmp_path, "xlsx", [HEADER, *(row(n, ORDER_CYCLE=days[n % 3]) for n in range(1, 91))])
        )
    assert report.created == 90

    # Every grade changes and a third of the shops (the Monday ones) move to another station.
    changed = [row(n, ORDER_CYCLE=days[n % 3], GRADE="二十档") for n in range(1, 91)]
    for r in changed[2::3]:
        r[COL["MARKET_DEPARTMENT"]] = "茅箭市场部"
    with django_assert_max_num_queries(25):
        report = run(write(tmp_path, "xlsx", [HEADER, *changed], name="v2"), now=NOW + dt.timedelta(days=1))

    assert report.updated == 90 and report.field_changes == {"grade": 90, "route": 30}
    moved = Customer.objects.filter(station__name="茅箭市场部").select_related("route")
    assert moved.count() == 30 and {c.route.name for c in moved} == {"茅箭市场部周一线"}
