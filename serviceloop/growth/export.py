"""Excel exports: an allocation run, in the layout ordering systems import; the settlement-care list.

Sheet 1 "客户投放量" (one row per shop × product, shops in the user's scope, quantity > 0):
    许可证号 | 客户名称 | 卷烟编码 | 卷烟名称 | 投放量(条) | 档位 | 区域 | 依据
Sheet 2 "档位投放表" (one row per product and region):
    卷烟编码 | 卷烟名称 | 投放方式 | 区域 | 目标量 | 分配量 | 误差 | D30 … D1 (cartons per shop of that grade)
The first five columns of sheet 1 are the import layout (licence, shop, product code, name, quantity);
the rest explain it and are ignored by importers that read by header.
"""

from django.http import FileResponse

from serviceloop.core.background import exportable
from serviceloop.core.xlsx import workbook_response

from .selectors import shop_allocations_visible_to

SHOP_HEADERS = ["许可证号", "客户名称", "卷烟编码", "卷烟名称", "投放量(条)", "档位", "区域", "依据"]
GRADE_HEADERS = ["卷烟编码", "卷烟名称", "投放方式", "区域", "目标量", "分配量", "误差"] + [
    f"D{g}" for g in range(30, 0, -1)
]


def _shop_rows(*, run, user):
    for row in shop_allocations_visible_to(user, run=run).iterator(chunk_size=5000):
        yield [
            row.customer.licence_no,
            row.customer.name,
            row.product.code,
            row.product.name,
            row.quantity,
            f"D{row.grade}" if row.grade else "",
            row.region,
            row.why,
        ]


def _grade_rows(*, run):
    for p in run.products.all():
        tables = (p.table or {}).get("tables") or {}
        if not tables:
            yield [
                p.code,
                p.name,
                p.method,
                "",
                p.target,
                p.allocated if p.handled else "",
                p.error if p.handled else p.explanation,
            ]
        for region, t in tables.items():
            yield [p.code, p.name, p.method, region or "全市", p.target, p.allocated, p.error] + [
                t.get(f"D{g}", "") for g in range(30, 0, -1)
            ]


def run_sheets(*, run, user) -> list:
    return [
        ("客户投放量", SHOP_HEADERS, _shop_rows(run=run, user=user)),
        ("档位投放表", GRADE_HEADERS, _grade_rows(run=run)),
    ]


def run_workbook_response(*, run, user) -> FileResponse:
    return workbook_response(f"货源投放_{run.pk}.xlsx", run_sheets(run=run, user=user))


# --- settlement care (R29) ------------------------------------------------------------------------------------
@exportable()
def care_sheets(user, params):
    """The settlement-care list as its page shows it (same filters, same scope, phones masked as on the page),
    for the background export: scoring a city's settlement attempts takes too long for the request thread."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from . import care
    from .forms_care import CareFilterForm

    form = CareFilterForm(params or None, user=user)
    f = form.values() if params else {"q": "", "route": None, "all": False}
    shops = care.care_shops_visible_to(user, now=timezone.now(), q=f["q"], route=f["route"],
                                       show_all=bool(f["all"]), rule_=care.rule())  # fmt: skip
    headers = [_("licence number"), _("shop name"), _("owner"), _("phone"), _("route"), _("Account manager"),
               _("next order day"), _("risk score"), _("failed attempts"), _("unpaid settlements"), _("why")]  # fmt: skip
    rows = (
        [s.licence_no, s.name, s.owner_name, s.shown_phone, s.route.name,
         str(s.route.account_manager or ""), s.next_order_day, s.risk.score, s.risk.failed, s.risk.unpaid,
         s.risk.explanation]
        for s in shops
    )  # fmt: skip
    return [(_("Settlement care"), headers, rows)]
