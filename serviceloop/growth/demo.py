"""Demo part: one stored weekly allocation run (a sheet shaped like the real one) and a points run."""

import io

import openpyxl

from serviceloop.customers.models import Customer

from .services import allocationrun_create, points_allocate, pointsentry_set

HEADER = [
    "ID",
    "YEAR",
    "MONTH",
    "WEEK_SEQ",
    "CIG_CODE",
    "CIG_NAME",
    "DELIVERY_METHOD",
    "DELIVERY_ETYPE",
    "ADV",
    "DELIVERY_AREA",
    "HIGHEST_GRADE",
    "LOWEST_GRADE",
    "BZ",
]
# (code, name, method, extension, target per 1,000 shops, area, highest, lowest)
PRODUCTS = [
    ("53010101", "云烟(软珍品)", "按档位投放", None, 900, "全市", 30, 1),
    ("42020129", "黄鹤楼(视窗)", "按档位投放", None, 310, "全市", 30, 10),
    ("31020030", "中华(双中支)", "按档位扩展投放", "档位+区县", 150, "城区，丹江", 30, 15),
    ("37570027", "泰山(白将军)", "按档位扩展投放", "档位+市场类型", 420, "城网，农网", 30, 1),
    ("43010054", "白沙(和天下)", "按档位扩展投放", "档位+业态", 60, "便利店.烟草专业店", 30, 20),
    ("35300080", "七匹狼(锋芒)", "按档位统一投放", None, 260, "全市", 25, 5),
    ("42010020", "红金龙(硬神州腾龙)", "按价位段自选投放", None, 500, "全市", 30, 1),
]


def demo_sheet(shops: int) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "cigarette_distribution_info"
    ws.append(HEADER)
    for i, (code, name, method, etype, per_k, area, hi, lo) in enumerate(PRODUCTS, start=1):
        target = max(1, per_k * shops // 1000)
        ws.append([i, 2025, 9, 3, code, name, method, etype, target, area, f"D{hi}", f"D{lo}", None])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def build_allocation_demo(city) -> dict[str, int]:
    shops = list(
        Customer.objects.filter(branch__company=city.company)
        .order_by("licence_no")
        .values_list("id", "grade")
    )
    if not shops:
        return {}
    run = allocationrun_create(
        content=demo_sheet(len(shops)),
        filename="演示_第38周投放计划.xlsx",
        actor=None,
        now=city.now,
        company=city.company,
    )
    rng = city.rng("allocation")
    cycle = "2025-W37"
    pointsentry_set(
        cycle=cycle,
        rows=[(pk, (grade or 1) * 10 + rng.randrange(40)) for pk, grade in shops],
        source="demo",
        actor=None,
        now=city.now,
    )
    points_allocate(
        cycle=cycle,
        product_code="11010101",
        product_name="中华(硬)",
        supply=max(1, len(shops) // 3),
        method="webster",
        cap=3,
        actor=None,
        now=city.now,
        company=city.company,
    )
    return {"allocation_runs": 2, "allocation_rows": run.shops.count()}
