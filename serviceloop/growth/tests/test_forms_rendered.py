"""Allocation forms filled and submitted as the pages render them (WebTest): the weekly sheet upload, running
again, the run/product/shop filters, the four points forms and the region alias table."""

import pytest

from serviceloop.core.testing import text_of
from serviceloop.growth.models import AllocationRun, PointsEntry, PointsScheme, RegionAlias, ShopAllocation

from .helpers import sheet_bytes

pytestmark = pytest.mark.django_db


def uploaded(world, app):
    form = app.get("/allocation/", user=world.city_admin).forms["sheet-upload"]
    form["file"] = (
        "week.xlsx",
        sheet_bytes({"ADV": 16}, {"DELIVERY_METHOD": "按价位段自选投放", "DELIVERY_AREA": "丹江"}),
    )
    return form.submit()


def result_of(work_page):
    """The background work's page (the tests run work at once): its message and the link to the run."""
    assert work_page.request.path.startswith("/work/")
    assert work_page.html.select_one("[data-testid=work-status]")["data-status"] == "done", work_page.text
    return work_page.click(linkid=None, href=r"/allocation/\d+/$", index=0)


def test_the_city_admin_uploads_a_weekly_sheet_and_sees_the_run(world, app):
    work = uploaded(world, app).follow()
    assert "共分配 16 条" in text_of(work, "[data-testid=work-message]")
    page = result_of(work)
    run = AllocationRun.objects.get()
    assert page.request.path == f"/allocation/{run.pk}/" and "测试烟1" in text_of(page)
    assert ShopAllocation.objects.filter(run=run).exists()
    page = result_of(page.forms["rerun"].submit().follow())
    assert AllocationRun.objects.count() == 2 and page.request.path != f"/allocation/{run.pk}/"


def test_a_sheet_that_is_not_excel_is_refused_next_to_the_field(world, app):
    form = app.get("/allocation/", user=world.city_admin).forms["sheet-upload"]
    form["file"] = ("week.txt", b"hello")
    result = form.submit(status=400)
    assert "xlsx" in text_of(result, "[data-field=file]") and not AllocationRun.objects.exists()
    form = result.forms["sheet-upload"]
    form["file"] = ("week.xlsx", sheet_bytes({"ADV": -1}))
    result = form.submit(status=400)
    assert "目标量不能为负数" in text_of(result, "[data-testid=sheet-errors]")


def test_the_run_product_and_shop_filters_work_as_rendered(world, app):
    uploaded(world, app)
    run = AllocationRun.objects.get()
    form = app.get("/allocation/", user=world.branch_manager).forms["run-filter"]
    form["q"] = "nothing-like-it"
    assert "week.xlsx" not in text_of(form.submit(), "#run-table")
    product = run.products.get(handled=True)
    form = app.get(f"/allocation/{run.pk}/products/{product.pk}/", user=world.city_admin).forms["shop-search"]
    shop = world.shops["茅箭1号线"][0]
    form["q"] = shop.licence_no
    rows = form.submit().html.select("#shop-table tbody tr")
    assert len(rows) == 1 and shop.name in rows[0].get_text()
    form = app.get(f"/allocation/{run.pk}/shops/", user=world.account_manager).forms["shop-filter"]
    form["product"] = str(product.pk)
    text = text_of(form.submit(), "#shop-table")
    mine = {s.name for s in world.shops["张湾1号线"]}
    assert all(name in text for name in mine) and shop.name not in text


def test_the_city_admin_imports_enters_and_allocates_points_on_the_page(world, app):
    shops = [s for shops in world.shops.values() for s in shops]
    page = app.get("/allocation/points/", user=world.city_admin)
    form = page.forms["points-imp"]
    form["imp-cycle"] = "2025-W38"
    form["imp-file"] = ("p.csv", ("许可证号,积分\n" + "".join(f"{s.licence_no},{(i + 1) * 10}\n"
                                                            for i, s in enumerate(shops))).encode("gb18030"))  # fmt: skip
    page = form.submit("imp-submit").follow()
    assert PointsEntry.objects.filter(cycle="2025-W38").count() == 8 and "2025-W38" in text_of(page)

    form = page.forms["points-entry"]
    form["entry-cycle"] = "2025-W38"
    form["entry-licence_no"] = shops[0].licence_no
    form["entry-points"] = "500"
    page = form.submit("entry-submit").follow()
    assert PointsEntry.objects.get(cycle="2025-W38", customer=shops[0]).points == 500

    form = page.forms["points-entry"]
    form["entry-cycle"] = "2025-W38"
    form["entry-licence_no"] = "999999999999"
    form["entry-points"] = "5"
    refused = form.submit("entry-submit", status=400)
    assert "许可证号" in text_of(refused, "[data-field=entry-licence_no]") or refused.html.select(
        ".invalid-feedback"
    )

    form = app.get("/allocation/points/", user=world.city_admin).forms["points-alloc"]
    form["alloc-cycle"] = "2025-W38"
    form["alloc-product_code"] = "42010020"
    form["alloc-product_name"] = "红金龙"
    form["alloc-supply"] = "36"
    form["alloc-cap"] = "8"
    page = form.submit("alloc-submit").follow()
    run = AllocationRun.objects.get(kind="points")
    got = dict(ShopAllocation.objects.filter(run=run).values_list("customer_id", "quantity"))
    assert sum(got.values()) == 36 and max(got.values()) <= 8 and "红金龙" in text_of(page)


def test_the_city_admin_changes_the_points_scheme_on_the_page(world, app):
    form = app.get("/allocation/points/", user=world.city_admin).forms["points-scheme"]
    form["scheme-volume_weight"] = "2"
    form["scheme-class_weights"] = '{"1": 5, "2": 1.5}'
    form["scheme-method"] = "hamilton"
    page = form.submit("scheme-submit").follow()
    scheme = PointsScheme.objects.order_by("-pk").first()
    assert scheme.method == "hamilton" and scheme.class_weights == {"1": 5, "2": 1.5}
    form = page.forms["points-scheme"]
    assert form["scheme-method"].value == "hamilton"
    form["scheme-class_weights"] = '{"9": 1}'
    refused = form.submit("scheme-submit", status=400)
    assert refused.html.select("[data-field=scheme-class_weights] .invalid-feedback")


def test_the_city_admin_adds_searches_and_deletes_region_aliases(world, app):
    form = app.get("/allocation/aliases/", user=world.city_admin).forms["alias-form"]
    kinds = [label for _v, _s, label in form["kind"].options]
    assert "诉求类型" not in text_of(app.get("/allocation/aliases/", user=world.city_admin), "main")
    assert kinds  # the region kinds are offered
    form["kind"] = form["kind"].options[0][0]
    before = RegionAlias.objects.count()
    form["sheet_name"] = "张湾片区"
    form["archive_value"] = "城区分公司"
    page = form.submit().follow()
    alias = RegionAlias.objects.get(sheet_name="张湾片区")
    assert "城区分公司" in text_of(page, "[data-testid=aliases]")
    form = page.forms["alias-search"]
    form["q"] = "没有"
    assert "城区分公司" not in text_of(form.submit(), "[data-testid=aliases]")
    page.forms[f"alias-delete-{alias.pk}"].submit("delete").follow()
    assert RegionAlias.objects.count() == before and not RegionAlias.objects.filter(pk=alias.pk).exists()
    app.get("/allocation/aliases/", user=world.station_head, status=403)
