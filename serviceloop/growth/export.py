"""Excel export of a run, in the layout ordering systems import.

Sheet 1 "客户投放量" (one row per shop × product, shops in the user's scope, quantity > 0):
    许可证号 | 客户名称 | 卷烟编码 | 卷烟名称 | 投放量(条) | 档位 | 区域 | 依据
Sheet 2 "档位投放表" (one row per product and region):
    卷烟编码 | 卷烟名称 | 投放方式 | 区域 | 目标量 | 分配量 | 误差 | D30 … D1 (cartons per shop of that grade)
The first five columns of sheet 1 are the import layout (licence, shop, product code, name, quantity);
the rest explain it and are ignored by importers that read by header.
"""

import tempfile
from urllib.parse import quote

from django.http import FileResponse
from openpyxl import Workbook

from .selectors import shop_allocations_visible_to

SHOP_HEADERS = ["许可证号", "客户名称", "卷烟编码", "卷烟名称", "投放量(条)", "档位", "区域", "依据"]
GRADE_HEADERS = ["卷烟编码", "卷烟名称", "投放方式", "区域", "目标量", "分配量", "误差"] + [
    f"D{g}" for g in range(30, 0, -1)
]


def run_workbook(*, run, user) -> Workbook:
    wb = Workbook(write_only=True)
    shops = wb.create_sheet("客户投放量")
    shops.append(SHOP_HEADERS)
    for row in shop_allocations_visible_to(user, run=run).iterator(chunk_size=5000):
        shops.append(
            [
                row.customer.licence_no,
                row.customer.name,
                row.product.code,
                row.product.name,
                row.quantity,
                f"D{row.grade}" if row.grade else "",
                row.region,
                row.why,
            ]
        )
    grades = wb.create_sheet("档位投放表")
    grades.append(GRADE_HEADERS)
    for p in run.products.all():
        tables = (p.table or {}).get("tables") or {}
        if not tables:
            grades.append(
                [
                    p.code,
                    p.name,
                    p.method,
                    "",
                    p.target,
                    p.allocated if p.handled else "",
                    p.error if p.handled else p.explanation,
                ]
            )
        for region, t in tables.items():
            grades.append(
                [p.code, p.name, p.method, region or "全市", p.target, p.allocated, p.error]
                + [t.get(f"D{g}", "") for g in range(30, 0, -1)]
            )
    return wb


def run_workbook_response(*, run, user) -> FileResponse:
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response
    run_workbook(run=run, user=user).save(tmp)
    tmp.seek(0)
    response = FileResponse(
        tmp, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'货源投放_{run.pk}.xlsx')}"
    return response
