"""Runs against the test world: regions, every-other-week doubling, suspended shops, storage, re-run, scope."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from serviceloop.core.testing import make_customer
from serviceloop.growth.models import RegionAlias, ShopAllocation
from serviceloop.growth.selectors import shop_allocation_for
from serviceloop.growth.services import allocationrun_create, allocationrun_rerun, same_answer

from .helpers import sheet_bytes

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2025, 9, 12, 9, 0))


def run_of(world, *rows, week_of=None):
    return allocationrun_create(
        content=sheet_bytes(*rows), filename="week.xlsx", week_of=week_of, actor=world.city_admin, now=NOW
    )


def quantities(run):
    return {
        (a.product.code, a.customer_id): a.quantity
        for a in ShopAllocation.objects.filter(run=run).select_related("product")
    }


def test_it_allocates_every_active_shop_of_the_city_by_grade(world):
    run = run_of(world, {"ADV": 16})  # 8 shops of grade 10 → 2 each
    product = run.products.get()
    assert (product.target, product.allocated, product.error) == (16, 16, 0)
    assert product.table["tables"][""]["D10"] == 2
    assert set(quantities(run).values()) == {2}
    assert len(quantities(run)) == 8


def test_it_doubles_every_other_week_shops_in_their_week_and_skips_them_otherwise(world):
    route = world.route_a1_1
    odd = make_customer(route, order_cycle="odd", grade=10)
    even = make_customer(route, order_cycle="even", grade=10)
    # 2025-09-15 is ISO week 38 (even): even-week shops weigh 2, odd-week shops 0; 8 weekly + 2 = 10 weights
    run = run_of(world, {"ADV": 20})
    q = quantities(run)
    code = run.products.get().code
    assert q[(code, even.pk)] == 4 and (code, odd.pk) not in q
    assert q[(code, world.shops["张湾1号线"][0].pk)] == 2
    # ISO week 39 (odd): the other way round
    run = run_of(world, {"ADV": 20, "WEEK_SEQ": 4})
    q = quantities(run)
    assert q[(code, odd.pk)] == 4 and (code, even.pk) not in q
    row = ShopAllocation.objects.get(run=run, customer=odd)
    assert "上浮 100%" in row.why and row.weight == 2


def test_it_gives_suspended_and_closed_shops_nothing(world):
    route = world.route_a1_1
    suspended = make_customer(route, status="suspended", grade=30)
    closed = make_customer(route, status="closed", grade=30)
    no_visits = make_customer(route, order_cycle="none", grade=30)
    run = run_of(world, {"ADV": 80})
    q = {c for _, c in quantities(run)}
    assert not q & {suspended.pk, closed.pk, no_visits.pk}
    assert "暂停或注销" in shop_allocation_for(suspended, run=run)["reason"]


def test_it_maps_districts_by_prefix_and_by_alias_and_refuses_unknown_or_ambiguous_names(world):
    run = run_of(
        world,
        {
            "DELIVERY_METHOD": "按档位扩展投放",
            "DELIVERY_ETYPE": "档位+区县",
            "DELIVERY_AREA": "城区",
            "ADV": 12,
        },
    )
    product = run.products.get()
    assert product.table["regions"] == ["城区"] and product.allocated == 12
    branch_a_shops = {s.pk for name, shops in world.shops.items() if name != "城关1号线" for s in shops}
    assert {c for _, c in quantities(run)} == branch_a_shops
    with pytest.raises(ValidationError) as e:
        run_of(
            world,
            {"DELIVERY_METHOD": "按档位扩展投放", "DELIVERY_ETYPE": "档位+区县", "DELIVERY_AREA": "武当"},
        )
    assert "「武当」在客户档案中不存在" in " ".join(e.value.messages)
    world.branch_b.name = "城区二分公司"
    world.branch_b.save()
    with pytest.raises(ValidationError) as e:
        run_of(
            world,
            {"DELIVERY_METHOD": "按档位扩展投放", "DELIVERY_ETYPE": "档位+区县", "DELIVERY_AREA": "城区"},
        )
    assert "不明确" in " ".join(e.value.messages)
    RegionAlias.objects.create(kind="district", sheet_name="城区", archive_value="城区分公司")
    run = run_of(
        world, {"DELIVERY_METHOD": "按档位扩展投放", "DELIVERY_ETYPE": "档位+区县", "DELIVERY_AREA": "城区"}
    )
    assert {c for _, c in quantities(run)} == branch_a_shops


def test_it_maps_coded_regions_and_keeps_a_table_per_region(world):
    rural = make_customer(world.route_b1_1, market_type="X", grade=5)
    run = run_of(
        world,
        {
            "DELIVERY_METHOD": "按档位扩展投放",
            "DELIVERY_ETYPE": "档位+市场类型",
            "DELIVERY_AREA": "城网，农网",
            "ADV": 30,
        },
    )
    product = run.products.get()
    assert product.table["regions"] == ["城网", "农网"]
    assert product.allocated == 30
    row = ShopAllocation.objects.get(run=run, customer=rural)
    assert row.region == "农网" and row.why.startswith("农网，D5 档")
    with pytest.raises(ValidationError) as e:
        run_of(
            world,
            {"DELIVERY_METHOD": "按档位扩展投放", "DELIVERY_ETYPE": "档位+业态", "DELIVERY_AREA": "夜市"},
        )
    assert "业态「夜市」无法识别" in " ".join(e.value.messages)


def test_price_band_rows_are_set_out_by_the_whole_city_grade_table_by_hand(world):
    """按价位段自选投放 (reference case): 8 shops of D10 and 2 of D20, target 17. Totals reachable by a monotone
    table are 10a + 2b (a: cartons every shop gets, b: the extra of D20); 17 is odd, 16 and 18 are equally
    close and the shortfall wins; 16 = 10·1 + 2·3 has the smallest top quantity (D20 = 4; 10·0 + 2·8 gives 8).
    So D10 shops get 1 each, D20 shops 4 each, 16 in all, error −1."""
    top = [make_customer(world.route_a1_1, grade=20) for _ in range(2)]
    run = run_of(world, {"DELIVERY_METHOD": "按价位段自选投放", "ADV": 17})
    band = run.products.get()
    assert band.handled and (band.allocated, band.error) == (16, -1)
    assert band.table["tables"][""]["D20"] == 4 and band.table["tables"][""]["D10"] == 1
    q = quantities(run)
    assert {q[(band.code, t.pk)] for t in top} == {4}
    assert {q[(band.code, s.pk)] for s in world.shops["张湾1号线"]} == {1}
    assert sum(q.values()) == 16


def test_price_band_rows_keep_the_grade_tables_exact_optimum_and_explain_the_choice_to_the_shop(world):
    make_customer(world.route_a1_1, grade=25)
    graded = run_of(world, {"ADV": 23})
    band = run_of(world, {"DELIVERY_METHOD": "按价位段自选投放", "ADV": 23})
    g, b = graded.products.get(), band.products.get()
    assert (b.allocated, b.error, b.table["tables"]) == (g.allocated, g.error, g.table["tables"])
    assert sorted(quantities(band).values()) == sorted(quantities(graded).values())
    row = ShopAllocation.objects.filter(run=band, grade=10).first()
    assert row.why_for_shop.startswith("按价位段自选：您是 D10 档，本品本周同档客户每户最多")
    assert "自选规格" in row.why_for_shop and "按价位段自选投放" in row.why


def test_price_band_rows_naming_areas_are_reported_as_not_handled(world):
    run = run_of(world, {"DELIVERY_METHOD": "按价位段自选投放", "DELIVERY_AREA": "丹江"}, {"ADV": 8})
    band, graded = run.products.all()
    assert not band.handled and "本方法不处理" in band.explanation and band.shops.count() == 0
    assert graded.handled and graded.allocated == 8


@pytest.mark.parametrize(
    "row, message",
    [
        ({"DELIVERY_METHOD": "按心情投放"}, "未知的投放方式"),
        ({"HIGHEST_GRADE": "D3", "LOWEST_GRADE": "D9"}, "档位范围颠倒"),
        ({"ADV": -5}, "目标量不能为负数"),
        ({"ADV": 99_999_999}, "超出合理范围"),
    ],
)
def test_it_refuses_bad_sheets_and_stores_nothing(world, row, message):
    with pytest.raises(ValidationError) as e:
        run_of(world, row)
    assert message in " ".join(e.value.messages)
    assert not ShopAllocation.objects.exists()


def test_it_refuses_a_file_that_is_not_excel(world):
    with pytest.raises(ValidationError) as e:
        allocationrun_create(content=b"not a sheet", filename="x.xlsx", actor=world.city_admin, now=NOW)
    assert "不是 Excel（xlsx）文件" in e.value.messages[0] and "BadZip" not in e.value.messages[0]


def test_it_reruns_a_stored_run_to_the_same_answer(world):
    run = run_of(world, {"ADV": 37}, {"ADV": 11, "HIGHEST_GRADE": 12, "LOWEST_GRADE": 8})
    again = allocationrun_rerun(run=run, actor=world.city_admin, now=NOW + dt.timedelta(days=3))
    assert again.rerun_of == run and again.sha256 == run.sha256
    assert same_answer(run, again)


def test_it_lets_only_city_admins_run_allocations(world):
    for user in (world.account_manager, world.outsider, world.branch_manager):
        with pytest.raises(PermissionDenied):
            allocationrun_create(content=sheet_bytes({}), filename="w.xlsx", actor=user, now=NOW)


def test_it_refuses_bad_sheets_in_the_command(world, tmp_path):
    from django.core.management import CommandError, call_command

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        sheet_bytes(
            {"DELIVERY_METHOD": "按档位扩展投放", "DELIVERY_ETYPE": "档位+区县", "DELIVERY_AREA": "武当"},
            {"HIGHEST_GRADE": "D1", "LOWEST_GRADE": "D5"},
        )
    )
    with pytest.raises(CommandError) as e:
        call_command("allocate", str(bad))
    assert "档位范围颠倒" in str(e.value)
    bad.write_bytes(
        sheet_bytes(
            {"DELIVERY_METHOD": "按档位扩展投放", "DELIVERY_ETYPE": "档位+区县", "DELIVERY_AREA": "武当"}
        )
    )
    with pytest.raises(CommandError) as e:
        call_command("allocate", str(bad))
    assert "第 2 行 DELIVERY_AREA" in str(e.value) and "武当" in str(e.value)
    with pytest.raises(CommandError):
        call_command("allocate", str(tmp_path / "missing.xlsx"))
    with pytest.raises(CommandError):
        call_command("allocate", str(bad), week="next tuesday")


def test_it_shows_a_shop_only_the_latest_week_not_an_older_one(world):
    shop = world.shops["张湾1号线"][0]
    run_of(world, {"ADV": 16})
    assert shop_allocation_for(shop)["total"] == 2
    later = allocationrun_create(
        content=sheet_bytes({"ADV": 5, "LOWEST_GRADE": "D20"}),
        filename="next.xlsx",
        actor=world.city_admin,
        now=NOW + dt.timedelta(days=7),
    )
    shown = shop_allocation_for(shop)
    assert shown["run"] == later and shown["items"] == [] and shown["reason"] == ""


def test_the_shop_sees_its_quota_over_the_price_band(world):
    """Two price-band products of class 3 in the catalogue (and one of class 1): 8 D10 shops, targets 16 and 8
    → 2 and 1 each, so each shop's class-3 band quota is 3 cartons over 2 products."""
    from serviceloop.trade.models import Product

    for code, price_class in (("42000001", 3), ("42000002", 3), ("42000003", 1)):
        Product.objects.create(code=code, name=code, price_class=price_class, is_price_band=True, created_at=NOW,
                               updated_at=NOW)  # fmt: skip
    band = {"DELIVERY_METHOD": "按价位段自选投放"}
    run = run_of(world, {**band, "ADV": 16}, {**band, "ADV": 8}, {**band, "ADV": 24})
    assert [p.table["band"] for p in run.products.order_by("position")] == [3, 3, 1]
    shop = world.shops["张湾1号线"][0]
    row = ShopAllocation.objects.get(run=run, customer=shop, product__position=1)
    assert row.quantity == 2
    assert row.why_for_shop == (
        "按价位段自选：您是 D10 档，本品本周同档客户每户最多 2 条；3类烟价位段共 2 种卷烟、合计最多 3 条，您可在合计之内自选规格。"
    )
