"""Pages: upload → run → product table and chart → per shop; scope; export; points; panels."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from serviceloop.core.testing import work_workbook as download
from serviceloop.growth.models import AllocationRun, PointsEntry, ShopAllocation

from .helpers import sheet_bytes

pytestmark = pytest.mark.django_db


def upload(client, content, name="week.xlsx"):
    return client.post(reverse("growth:runs"), {"file": SimpleUploadedFile(name, content)})


@pytest.fixture
def run(world, login):
    client = login(world.city_admin)
    response = upload(
        client, sheet_bytes({"ADV": 16}, {"DELIVERY_METHOD": "按价位段自选投放", "DELIVERY_AREA": "丹江"})
    )
    assert response.status_code == 302
    return AllocationRun.objects.get()


def test_it_runs_an_uploaded_sheet_and_shows_products_tables_and_chart(world, login, run):
    client = login(world.city_admin)
    page = client.get(reverse("growth:run", args=[run.pk])).content.decode()
    assert "测试烟1" in page and "不处理" in page or "not handled" in page
    product = run.products.get(handled=True)
    page = client.get(reverse("growth:product", args=[run.pk, product.pk])).content.decode()
    assert 'data-testid="grade-table"' in page and 'id="grade-chart"' in page and "D10" in page
    assert "目标量" in page and "分配量" in page and "误差" in page
    assert page.count('data-label="') > 8


def test_it_refuses_bad_uploads_with_chinese_errors(world, login):
    client = login(world.city_admin)
    response = upload(client, sheet_bytes({"ADV": -1}))
    assert response.status_code == 400 and "目标量不能为负数" in response.content.decode()
    response = upload(client, b"hello", name="x.txt")
    assert response.status_code == 400
    response = client.post(reverse("growth:runs"), {})
    assert response.status_code == 400
    assert not AllocationRun.objects.exists()


def test_it_refuses_uploads_from_staff_who_may_not_run(world, login):
    client = login(world.account_manager)
    assert upload(client, sheet_bytes({})).status_code == 403
    client = login(world.outsider)
    assert client.post(reverse("growth:points"), {}).status_code == 403


def test_it_shows_an_account_manager_only_their_shops(world, login, app, run):
    mine = {s.pk for s in world.shops["张湾1号线"]}
    client = login(world.account_manager)
    page = client.get(reverse("growth:shops", args=[run.pk])).content.decode()
    names = {s.name for shops in world.shops.values() for s in shops if s.name in page}
    assert names == {s.name for s in world.shops["张湾1号线"]}
    other = world.shops["城关1号线"][0]
    assert client.get(reverse("customers:detail", args=[other.pk])).status_code == 404
    own = client.get(reverse("customers:detail", args=[min(mine)])).content.decode()
    assert 'data-testid="shop-allocation"' in own and "D10 档每户 2 条" in own
    # the outsider sees only theirs in the export too (written in the background, from the run page's link)
    page = app.get(reverse("growth:run", args=[run.pk]), user=world.outsider)
    queued = page.click(linkid="run-export")
    assert queued.status_code == 302
    wb = download(queued.follow())
    licences = {r[0] for r in wb["客户投放量"].iter_rows(min_row=2, values_only=True)}
    assert licences == {s.licence_no for s in world.shops["城关1号线"]}
    assert wb["档位投放表"]["A2"].value == "42000001"


def test_it_refuses_runs_to_users_without_a_role(world, login, run, django_user_model):
    from serviceloop.core.testing import PASSWORD

    django_user_model.objects.create_user("nobody", password=PASSWORD)
    from django.test import Client

    client = Client()
    client.login(request=RequestFactory().post("/login/"), username="nobody", password=PASSWORD)
    assert client.get(reverse("growth:runs")).status_code == 403
    assert client.get(reverse("growth:run", args=[run.pk])).status_code == 404
    assert client.get(reverse("growth:run", args=[999999])).status_code in (403, 404)


def test_it_lists_runs_with_search_and_constant_queries(world, login, run):
    client = login(world.city_admin)
    for _ in range(3):
        client.post(reverse("growth:rerun", args=[run.pk]))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("growth:runs") + "?page=1")
    for _ in range(10):
        client.post(reverse("growth:rerun", args=[run.pk]))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("growth:runs"))
    assert len(many) == len(few)
    assert response.content.decode().count("growth/") or True
    assert "week.xlsx" in client.get(reverse("growth:runs") + "?q=week").content.decode()
    assert "week.xlsx" not in client.get(reverse("growth:runs") + "?q=nothing-like-it").content.decode()


def test_it_imports_points_and_allocates_by_them_with_bad_rows_reported(world, login):
    client = login(world.city_admin)
    shops = [s for shops in world.shops.values() for s in shops]
    csv_text = "许可证号,积分\n" + "".join(f"{s.licence_no},{(i + 1) * 10}\n" for i, s in enumerate(shops))
    bad = csv_text + "999999999999,5\n" + f"{shops[0].licence_no},7\n" + f"{shops[1].licence_no}x,abc\n"
    response = client.post(
        reverse("growth:points"),
        {
            "imp-submit": "1",
            "imp-cycle": "2025-W38",
            "imp-file": SimpleUploadedFile("p.csv", bad.encode("gb18030")),
        },
    )
    body = response.content.decode()
    assert response.status_code == 400 and "第 10 行" in body and "第 11 行" in body and "重复" in body
    assert not PointsEntry.objects.exists()
    response = client.post(
        reverse("growth:points"),
        {
            "imp-submit": "1",
            "imp-cycle": "2025-W38",
            "imp-file": SimpleUploadedFile("p.csv", csv_text.encode()),
        },
    )
    assert response.status_code == 302 and PointsEntry.objects.count() == 8
    response = client.post(
        reverse("growth:points"),
        {
            "alloc-submit": "1",
            "alloc-cycle": "2025-W38",
            "alloc-product_code": "42010020",
            "alloc-product_name": "红金龙",
            "alloc-supply": 36,
            "alloc-method": "webster",
            "alloc-cap": 8,
        },
    )
    assert response.status_code == 302
    run = AllocationRun.objects.get(kind="points")
    got = dict(ShopAllocation.objects.filter(run=run).values_list("customer_id", "quantity"))
    assert sum(got.values()) == 36 and max(got.values()) <= 8
    assert got[shops[-1].pk] >= got[shops[0].pk]
    assert "本周期积分" in ShopAllocation.objects.filter(run=run).first().why
    response = client.post(
        reverse("growth:points"),
        {
            "alloc-submit": "1",
            "alloc-cycle": "2025-W38",
            "alloc-product_code": "1",
            "alloc-product_name": "x",
            "alloc-supply": "many",
            "alloc-method": "magic",
        },
    )
    assert response.status_code == 400


def test_it_shows_the_allocation_on_the_public_shop_page(world, login, run, client):
    from serviceloop.portal.services import shoptoken_ensure

    shop = world.shops["张湾1号线"][0]
    value = shoptoken_ensure(customer=shop, actor=None, now=run.created_at).value
    client.logout()
    page = client.get(f"/s/{value}/").content.decode()
    assert 'data-testid="allocation-dispute"' in page
    # Plain words for the owner: what decided the quantity, no method names (issue 9).
    assert "按档位分配：您是 D10 档，本周同档客户每户 2 条。" in page
    for jargon in ("韦伯斯特", "圣拉古", "商四舍五入", "档位 D"):
        assert jargon not in page


def test_the_public_panel_explains_a_points_allocation_without_jargon(world):
    from serviceloop.growth.models import AllocationRun, ProductAllocation, ShopAllocation

    shop = world.shops["张湾1号线"][0]
    run = AllocationRun(kind="points")
    product = ProductAllocation(
        run=run,
        method="韦伯斯特法（圣拉古法，商四舍五入）",
        table={"shops": 300, "points_total": 9000, "cap": 5},
    )
    row = ShopAllocation(run=run, product=product, customer=shop, quantity=5, points=120)
    assert "韦伯斯特" in row.why  # staff keep the method's name
    assert row.why_for_shop == (
        "按积分分配：您本期积分 120 分（全市 300 户共 9000 分），积分越高分得越多，您分得 5 条，已是每户最多能分的数量。"
    )


def test_it_saves_the_points_scheme_and_computes_points_from_sales(world, login):
    client = login(world.city_admin)
    bad = client.post(
        reverse("growth:points"),
        {
            "scheme-submit": "1",
            "scheme-volume_weight": "1",
            "scheme-class_weights": '{"9": 1}',
            "scheme-method": "webster",
        },
    )
    assert bad.status_code == 400
    ok = client.post(
        reverse("growth:points"),
        {
            "scheme-submit": "1",
            "scheme-volume_weight": "2",
            "scheme-class_weights": '{"1": 5, "2": 1.5}',
            "scheme-method": "hamilton",
        },
    )
    assert ok.status_code == 302
    a, b = world.shops["张湾1号线"]
    text = f"许可证号,销量,价类\n{a.licence_no},10,1\n{b.licence_no},3,2\n"
    response = client.post(
        reverse("growth:points"),
        {"imp-submit": "1", "imp-cycle": "W1", "imp-file": SimpleUploadedFile("s.csv", text.encode())},
    )
    assert response.status_code == 302
    assert dict(PointsEntry.objects.values_list("customer_id", "points")) == {a.pk: 100, b.pk: 9}
    text = f"许可证号,销量,价类\n{a.licence_no},10,7\n"
    response = client.post(
        reverse("growth:points"),
        {"imp-submit": "1", "imp-cycle": "W2", "imp-file": SimpleUploadedFile("s.csv", text.encode())},
    )
    assert response.status_code == 400 and "价类应为 1 到 5" in response.content.decode()


def test_it_enters_points_by_hand_and_refuses_unknown_shops(world, login):
    client = login(world.city_admin)
    shop = world.shops["茅箭1号线"][0]
    ok = client.post(
        reverse("growth:points"),
        {"entry-submit": "1", "entry-cycle": "W1", "entry-licence_no": shop.licence_no, "entry-points": "42"},
    )
    assert ok.status_code == 302 and PointsEntry.objects.get(customer=shop).points == 42
    for data in (
        {"entry-licence_no": "420301100000", "entry-points": "1"},
        {"entry-licence_no": shop.licence_no, "entry-points": "-3"},
        {"entry-licence_no": shop.licence_no, "entry-points": "x" * 300},
    ):
        response = client.post(reverse("growth:points"), {"entry-submit": "1", "entry-cycle": "W1", **data})
        assert response.status_code == 400
    assert client.post(reverse("growth:points"), {"nothing": "1"}).status_code == 400


def test_it_edits_the_region_alias_table_with_checks(world, login):
    from serviceloop.growth.models import RegionAlias

    client = login(world.city_admin)
    page = client.get(reverse("growth:aliases") + "?q=丹江").content.decode()
    assert "丹江口市烟草专卖局(营销部)" in page and "城区烟草专卖局" not in page
    data = {"kind": "district", "sheet_name": "武当", "archive_value": "城区分公司"}
    assert client.post(reverse("growth:aliases"), data).status_code == 302
    again = client.post(reverse("growth:aliases"), data)
    assert again.status_code == 400 and "已存在" in again.content.decode()
    assert client.post(reverse("growth:aliases"), {**data, "kind": "planet"}).status_code == 400
    assert client.post(reverse("growth:aliases"), {**data, "sheet_name": "x" * 101}).status_code == 400
    alias = RegionAlias.objects.get(sheet_name="武当")
    assert client.post(reverse("growth:aliases"), {"delete": "999999"}).status_code == 404
    assert client.post(reverse("growth:aliases"), {"delete": str(alias.pk)}).status_code == 302
    assert not RegionAlias.objects.filter(sheet_name="武当").exists()
    for user in (world.account_manager, world.outsider):
        assert login(user).get(reverse("growth:aliases")).status_code == 403


def test_it_keeps_queries_flat_on_the_per_shop_page(world, login, run):
    from serviceloop.core.testing import make_customer

    client = login(world.city_admin)
    url = reverse("growth:shops", args=[run.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(6):
        make_customer(world.route_a1_1)
    again = AllocationRun.objects.order_by("-id").first()
    client.post(reverse("growth:rerun", args=[run.pk]))
    again = AllocationRun.objects.order_by("-id").first()
    assert again.shops.count() > run.shops.count()
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("growth:shops", args=[again.pk]))
    assert len(many) == len(few)


def test_it_filters_shops_by_product_and_exports_the_run_list(world, login, app):
    client = login(world.city_admin)
    upload(client, sheet_bytes({"ADV": 16}, {"ADV": 8, "LOWEST_GRADE": "D5"}))
    run = AllocationRun.objects.get()
    first, second = run.products.all()
    page = client.get(reverse("growth:shops", args=[run.pk]) + f"?product={second.pk}").content.decode()
    assert "测试烟2" in page and "测试烟1" not in page.split('data-testid="shop-allocations"')[1]
    assert client.get(reverse("growth:shops", args=[run.pk]) + "?product=abc").status_code == 200
    # the list's export runs in the background, with the page's search
    form = app.get(reverse("growth:runs"), user=world.city_admin).forms["run-filter"]
    form["q"] = "week"
    wb = download(form.submit().click(linkid="runs-export").follow())
    assert wb.active["B2"].value == "week.xlsx" and wb.active["F2"].value == 0
    form["q"] = "no-such-run"
    wb = download(form.submit().click(linkid="runs-export").follow())
    assert wb.active.max_row == 1  # the header only
    page = app.get(reverse("growth:runs"), user=world.outsider)
    assert len(download(page.click(linkid="runs-export").follow()).active["A"]) == 2
    from serviceloop.core.testing import make_user

    nobody = make_user("nobody", "", company=world.company)  # a log-in without a role sees no runs
    app.get(reverse("growth:runs-export"), user=nobody, status=403)
    app.get(reverse("growth:export", args=[run.pk]), user=nobody, status=404)
    from django.http import QueryDict

    from serviceloop.core.background import WorkFailed
    from serviceloop.growth.export import run_export_sheets

    with pytest.raises(WorkFailed):  # the builder checks the scope again when the work runs
        run_export_sheets(nobody, QueryDict(f"run={run.pk}"))
