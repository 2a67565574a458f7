"""Excel exports, written in the background (``core.background.start_export``; each builder gets the user and the
page's query and returns sheets whose rows are read in chunks): an allocation run, in the layout ordering systems
import; the list of runs; the restock advice (a city's is ~400,000 lines); the settlement-care list.

Sheet 1 "客户投放量" (one row per shop × product, shops in the user's scope, quantity > 0):
    许可证号 | 客户名称 | 卷烟编码 | 卷烟名称 | 投放量(条) | 档位 | 区域 | 依据
Sheet 2 "档位投放表" (one row per product and region):
    卷烟编码 | 卷烟名称 | 投放方式 | 区域 | 目标量 | 分配量 | 误差 | D30 … D1 (cartons per shop of that grade)
The first five columns of sheet 1 are the import layout (licence, shop, product code, name, quantity);
the rest explain it and are ignored by importers that read by header.
"""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.background import WorkFailed, exportable
from serviceloop.core.params import id_param

from . import selectors
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


@exportable()
def run_export_sheets(user, params):
    """One allocation run (``params["run"]``), its shops as the user may see them: the scope is checked again
    here, when the work runs, not only when it was queued."""
    try:
        run = selectors.run_get(user=user, pk=id_param(params.get("run")))
    except Http404:
        raise WorkFailed(_("This allocation run is not visible to you.")) from None
    return run_sheets(run=run, user=user)


RUN_LIST_HEADERS = ["编号", "名称", "类型", "目标量", "分配量", "总误差", "操作人", "时间", "文件 SHA-256"]


@exportable()
def run_list_sheets(user, params):
    """The list of allocation runs as its page shows it (the search ``q``)."""
    q = params.get("q", "").strip()[:100]
    runs = selectors.runs_visible_to(user, q=q).order_by("-created_at", "-id")
    rows = (
        [r.pk, r.title, r.get_kind_display(), r.total_target, r.total_allocated, r.total_abs_error,
         str(r.created_by or ""), timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"), r.sha256]
        for r in runs.iterator(chunk_size=2000)
    )  # fmt: skip
    return [("投放记录", RUN_LIST_HEADERS, rows)]


# --- restock advice (R28) -------------------------------------------------------------------------------------
def _restock_count(user, params) -> int:
    """The lines the export will hold, from the per-shop summaries (one small query, no count of the lines)."""
    from django.db.models import Sum

    q, short_only = selectors.restock_filters(params)
    shops = selectors.restock_shops_visible_to(user, q=q, short_only=short_only)
    field = "restock_shop__short" if short_only else "restock_shop__lines"
    return shops.order_by().aggregate(n=Sum(field))["n"] or 0


@exportable(count=_restock_count)
def restock_sheets(user, params):
    """Every advice line of the shops the restock page lists (same scope, search and "likely short" filter; with
    the filter, only the lines likely to run short), 5,000 lines a read."""
    q, short_only = selectors.restock_filters(params)
    lines = selectors.restock_lines_visible_to(user, q=q, short_only=short_only)
    headers = [_("licence number"), _("shop name"), _("next order day"), _("product code"), _("product name"),
               _("price class"), _("forecast demand (cartons)"), _("suggested quantity (cartons)"),
               _("allocation cap"), _("likely to run short"), _("method")]  # fmt: skip
    rows = (
        [a.customer.licence_no, a.customer.name, a.order_day, a.product.code, a.product.name,
         a.product.price_class, a.forecast, a.suggested, a.cap, _("yes") if a.short else "", a.method]
        for a in lines.iterator(chunk_size=5000)
    )  # fmt: skip
    return [(_("Restock advice"), headers, rows)]


# --- settlement care (R29) ------------------------------------------------------------------------------------
@exportable()
def care_sheets(user, params):
    """The settlement-care list as its page shows it (same filters, same scope, the kept scores, phones masked as
    on the page), read 1,000 shops at a time, for the background export."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from . import care
    from .forms_care import CareFilterForm

    f = CareFilterForm(params or None, user=user).values()
    shops = care.care_shops_visible_to(user, q=f["q"], station=f["station"], route=f["route"],
                                       show_all=bool(f["all"]))  # fmt: skip
    headers = [_("licence number"), _("shop name"), _("owner"), _("phone"), _("route"), _("Account manager"),
               _("next order day"), _("risk score"), _("failed attempts"), _("unpaid settlements"), _("why")]  # fmt: skip
    rows = (
        [s.licence_no, s.name, s.owner_name, s.shown_phone, s.route.name,
         str(s.route.account_manager or ""), s.next_order_day, s.risk.score, s.risk.failed_attempts,
         s.risk.unpaid_settlements, s.risk.explanation]
        for s in care.care_rows(shops, user=user, today=timezone.localdate())
    )  # fmt: skip
    return [(_("Settlement care"), headers, rows)]
