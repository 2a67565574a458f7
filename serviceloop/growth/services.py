"""Writes of the growth app: allocation runs (sheet and points), re-runs, points entries."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from serviceloop.core.audit import audit_record
from serviceloop.core.refcache import reference_forget
from serviceloop.customers.models import Customer
from serviceloop.growth.sheet import SheetError, parse_allocation_sheet
from serviceloop.integrations.events import allocation_event
from serviceloop.org.scope import can_manage_org

from .models import (
    AllocationRun,
    PointsEntry,
    PointsScheme,
    ProductAllocation,
    RegionAlias,
    RegionKind,
    RunKind,
    RunStatus,
    ShopAllocation,
)

# The allocation maths (numpy; .archive, .engine, analytics.allocation) is imported by the functions that
# compute: the growth views import this module at start-up.
if TYPE_CHECKING:
    from .engine import ProductResult

MAX_SHEET_BYTES = 5 * 1024 * 1024
BATCH = 5000


def may_run_allocation(user) -> bool:
    """Uploading sheets, points and running allocations: city administrators."""
    return bool(user and user.is_authenticated and can_manage_org(user))


def _company(company, actor):
    """The run's company: given, else the actor's, else the only one (None = the whole archive)."""
    if company is not None:
        return company
    if actor is not None and getattr(actor, "company_id", None):
        return actor.company
    from serviceloop.org.models import Company

    companies = list(Company.objects.all()[:2])
    return companies[0] if len(companies) == 1 else None


def _archive_of(company):
    from .archive import load_archive

    return load_archive(Customer.objects.filter(branch__company=company) if company is not None else None)


def _check(actor):
    if actor is not None and not may_run_allocation(actor):
        raise PermissionDenied


def compute_sheet(content: bytes, *, week_of: dt.date | None, today: dt.date, archive=None):
    """(sheet, results) — parse and allocate without writing; raises SheetError."""
    from .archive import load_archive
    from .engine import allocate_sheet

    if len(content) > MAX_SHEET_BYTES:
        raise SheetError([_issue(f"文件过大（{len(content) // 1024} KB），投放计划表不超过 5 MB")])
    sheet = parse_allocation_sheet(content)
    results = allocate_sheet(
        sheet, archive if archive is not None else load_archive(), week_of=week_of, today=today
    )
    return sheet, results


def sheet_check(content: bytes) -> None:
    """Reads the sheet without allocating (a fraction of a second): a refused file is told on the upload page."""
    if len(content) > MAX_SHEET_BYTES:
        raise ValidationError(f"文件过大（{len(content) // 1024} KB），投放计划表不超过 5 MB")
    try:
        parse_allocation_sheet(content)
    except SheetError as e:
        raise ValidationError([str(i) for i in e.issues]) from e


def _issue(message):
    from serviceloop.growth.sheet import SheetIssue

    return SheetIssue(None, None, message)


@transaction.atomic
def allocationrun_create(
    *, content: bytes, filename: str, week_of: dt.date | None = None, actor, now, rerun_of=None, company=None
) -> AllocationRun:
    """Store one weekly sheet and its allocation against ``company``'s archive (default: the actor's, or
    the only company). A refused sheet raises ValidationError (nothing stored)."""
    _check(actor)
    today = dt.date.fromisoformat(rerun_of.parameters["today"]) if rerun_of else now.date()
    company = rerun_of.company if rerun_of else _company(company, actor)
    archive = _archive_of(company)
    try:
        sheet, results = compute_sheet(content, week_of=week_of, today=today, archive=archive)
    except SheetError as e:
        raise ValidationError([str(i) for i in e.issues]) from e
    handled = [r for r in results if r.handled]
    run = AllocationRun.objects.create(
        company=company,
        kind=RunKind.SHEET,
        title=(filename or "投放计划表")[:200],
        filename=filename[:200],
        sheet=content,
        sha256=hashlib.sha256(content).hexdigest(),
        parameters={
            "week_of": week_of.isoformat() if week_of else None,
            "today": today.isoformat(),
            "sheet_name": sheet.sheet_name,
        },
        method="grade",
        status=RunStatus.DONE,
        rerun_of=rerun_of,
        created_by=actor,
        created_at=now,
        total_target=sum(r.spec.target for r in handled),
        total_allocated=sum(r.allocated for r in handled),
        total_abs_error=sum(abs(r.error) for r in handled),
    )
    _store_products(run, results, archive.ids)
    audit_record(
        actor=actor,
        action="allocation.run",
        obj=run,
        now=now,
        summary=f"{filename}：{len(results)} 种卷烟，总误差 {run.total_abs_error} 条",
        data={"file": filename, "sha256": run.sha256, "rerun_of": rerun_of.pk if rerun_of else None},
    )
    allocation_event(run, now=now)  # outbound event (issue 15), in this transaction
    transaction.on_commit(lambda: reference_forget("growth:latest_runs"))  # selectors.latest_runs
    return run


def _price_bands(results) -> dict[str, int]:
    """Product code → price class from the catalogue, for the 按价位段自选投放 rows (their band)."""
    from serviceloop.trade.models import Product

    codes = [r.spec.code for r in results if r.spec.price_band]
    if not codes:
        return {}
    return dict(
        Product.objects.filter(code__in=codes, price_class__isnull=False).values_list("code", "price_class")
    )


def _store_products(run: AllocationRun, results: list[ProductResult], archive_ids) -> None:
    bands = _price_bands(results)
    products = ProductAllocation.objects.bulk_create(
        ProductAllocation(
            run=run,
            position=r.position,
            code=r.spec.code,
            name=r.spec.name,
            method=r.spec.method_label,
            extension=r.spec.extension_label or "",
            area=r.spec.area_label[:500],
            lowest_grade=r.spec.lowest_grade,
            highest_grade=r.spec.highest_grade,
            week=r.week_label,
            target=r.spec.target,
            allocated=r.allocated,
            error=r.error,
            handled=r.handled,
            table={"regions": r.regions, "tables": r.tables, "counts": r.counts, "rule": r.rule}
            | ({"band": bands.get(r.spec.code)} if r.spec.price_band else {}),
            explanation=r.explanation or "",
        )
        for r in results
    )
    columns = []
    for product, r in zip(products, results, strict=True):
        if not r.handled or not len(r.shop_index):
            continue
        regions = r.shop_region or [""] * len(r.shop_index)
        columns.append(
            zip(
                itertools.repeat(run.pk),
                itertools.repeat(product.pk),
                archive_ids[r.shop_index].tolist(),
                r.shop_quantity.tolist(),
                r.shop_grades.tolist(),
                regions,
                r.shop_weight.tolist(),
                itertools.repeat(None),
                strict=False,
            )
        )
    _insert_shops(itertools.chain.from_iterable(columns))


def _insert_shops(rows) -> None:
    """Plain executemany: ~10× faster than bulk_create for the ~400,000 rows of a real week."""
    table = ShopAllocation._meta.db_table
    sql = (
        f"INSERT INTO {table} (run_id, product_id, customer_id, quantity, grade, region, weight, points) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        while batch := list(itertools.islice(rows, BATCH * 4)):
            cursor.executemany(sql, batch)


@transaction.atomic
def allocationrun_rerun(*, run: AllocationRun, actor, now) -> AllocationRun:
    """The same file and parameters against today's archive; an unchanged archive gives the same answer."""
    _check(actor)
    if run.kind != RunKind.SHEET:
        return points_allocate(
            cycle=run.parameters["cycle"],
            product_code=run.parameters["product_code"],
            product_name=run.parameters["product_name"],
            supply=run.parameters["supply"],
            method=run.parameters["method"],
            cap=run.parameters.get("cap"),
            minimum=run.parameters.get("minimum"),
            source=run.parameters.get("source", "uploaded"),
            actor=actor,
            now=now,
            rerun_of=run,
        )
    week = run.parameters.get("week_of")
    return allocationrun_create(
        content=bytes(run.sheet),
        filename=run.filename,
        week_of=dt.date.fromisoformat(week) if week else None,
        actor=actor,
        now=now,
        rerun_of=run,
    )


def same_answer(a: AllocationRun, b: AllocationRun) -> bool:
    """Both runs gave every product the same table and every shop the same quantity."""
    tables = [list(r.products.values_list("code", "allocated", "table")) for r in (a, b)]
    shops = [
        list(
            r.shops.order_by("product__position", "customer_id").values_list(
                "product__position", "customer_id", "quantity"
            )
        )
        for r in (a, b)
    ]
    return tables[0] == tables[1] and shops[0] == shops[1]


# ------------------------------------------------------------------------------------------------
# Points (积分制)


@transaction.atomic
def pointsentry_set(*, cycle: str, rows: list[tuple[int, int]], source: str, actor, now) -> int:
    """Upsert (customer id, points) for one cycle; returns the number of rows written."""
    _check(actor)
    cycle = (cycle or "").strip()
    if not cycle or len(cycle) > 20:
        raise ValidationError("周期不能为空，且不超过 20 个字符")
    existing = {e.customer_id: e for e in PointsEntry.objects.filter(cycle=cycle)}
    new, changed = [], []
    for customer_id, points in rows:
        entry = existing.get(customer_id)
        if entry is None:
            new.append(
                PointsEntry(
                    cycle=cycle,
                    customer_id=customer_id,
                    points=points,
                    source=source,
                    updated_at=now,
                    updated_by=actor,
                )
            )
        elif entry.points != points:
            entry.points, entry.source, entry.updated_at, entry.updated_by = points, source, now, actor
            changed.append(entry)
    PointsEntry.objects.bulk_create(new, batch_size=BATCH)
    PointsEntry.objects.bulk_update(
        changed, ["points", "source", "updated_at", "updated_by"], batch_size=BATCH
    )
    return len(new) + len(changed)


@transaction.atomic
def points_allocate(
    *,
    cycle: str,
    product_code: str,
    product_name: str,
    supply: int,
    method: str = "webster",
    cap: int | None = None,
    minimum: int | None = None,
    source: str = "uploaded",
    actor,
    now,
    rerun_of=None,
    company=None,
) -> AllocationRun:
    """Split ``supply`` cartons of one product among the cycle's active shops (of ``company``, default as
    for sheet runs) in proportion to points: ``source="uploaded"`` the points imported for the cycle
    (PointsEntry), ``"computed"`` the points computed from the cycle's sales (trade.ShopPoints, whose
    breakdown each shop's explanation then names)."""
    _check(actor)
    import numpy as np

    from serviceloop.analytics.allocation import METHODS, apportion_points

    if method not in METHODS:
        raise ValidationError(f"未知的分配方法「{method}」（可选：{'、'.join(METHODS)}）")
    company = rerun_of.company if rerun_of else _company(company, actor)
    if source == "computed":
        from serviceloop.trade.models import ShopPoints
        from serviceloop.trade.points import cycle_label, cycle_of

        week = cycle_of(cycle)
        cycle = cycle_label(week)
        entries = ShopPoints.objects.filter(cycle=week, customer__status="active")
    elif source == "uploaded":
        entries = PointsEntry.objects.filter(cycle=cycle, customer__status="active")
    else:
        raise ValidationError(f"未知的积分来源「{source}」")
    if company is not None:
        entries = entries.filter(customer__branch__company=company)
    entries = list(
        entries.order_by("customer__licence_no").values_list("customer_id", "customer__licence_no", "points")
    )
    if not entries:
        raise ValidationError(
            f"周期「{cycle}」没有任何在营客户的积分，请先"
            + ("按销量计算积分" if source == "computed" else "导入积分")
        )
    ids = [e[0] for e in entries]
    points = np.array([e[2] for e in entries], dtype=np.int64)
    n = len(entries)
    caps = None if cap is None else np.full(n, cap, dtype=np.int64)
    mins = None if minimum is None else np.where(points > 0, minimum, 0).astype(np.int64)
    try:
        result = apportion_points(
            points, supply, method=method, caps=caps, minimums=mins, tie_keys=[e[1] for e in entries]
        )
    except ValueError as e:
        raise ValidationError(str(e)) from e
    run = AllocationRun.objects.create(
        company=company,
        kind=RunKind.POINTS,
        title=f"{product_name}（积分制 {cycle}）"[:200],
        method=method,
        parameters={
            "cycle": cycle,
            "product_code": product_code,
            "product_name": product_name,
            "supply": supply,
            "method": method,
            "cap": cap,
            "minimum": minimum,
            "source": source,
        },
        rerun_of=rerun_of,
        created_by=actor,
        created_at=now,
        total_target=supply,
        total_allocated=result.allocated,
        total_abs_error=abs(supply - result.allocated),
    )
    product = ProductAllocation.objects.create(
        run=run,
        position=1,
        code=product_code,
        name=product_name,
        method=METHODS[method],
        target=supply,
        allocated=result.allocated,
        error=result.allocated - supply,
        table={
            "regions": [],
            "tables": {},
            "counts": {},
            "divisor": result.divisor,
            "shops": n,
            "points_total": int(points.sum()),
            "cap": cap,
            "minimum": minimum,
            "source": source,
            "cycle": cycle,
        },
        explanation=result.explanation,
    )
    given = np.flatnonzero(result.quantities > 0)
    _insert_shops(
        zip(
            itertools.repeat(run.pk),
            itertools.repeat(product.pk),
            np.asarray(ids)[given].tolist(),
            result.quantities[given].tolist(),
            itertools.repeat(None),
            itertools.repeat(""),
            itertools.repeat(1),
            points[given].tolist(),
            strict=False,
        )
    )
    transaction.on_commit(lambda: reference_forget("growth:latest_runs"))  # selectors.latest_runs
    return run


def customers_by_licence(licences) -> dict[str, int]:
    return dict(Customer.objects.filter(licence_no__in=list(licences)).values_list("licence_no", "id"))


def pointsscheme_current() -> PointsScheme:
    """The scheme in force (the first by name); the defaults until an administrator saves one."""
    from serviceloop.analytics.allocation import DEFAULT_CLASS_WEIGHTS

    scheme = PointsScheme.objects.order_by("name").first()
    return scheme or PointsScheme(
        name="默认积分方案",
        volume_weight=1,
        method="webster",
        class_weights={str(k): v for k, v in DEFAULT_CLASS_WEIGHTS.items()},
    )


@transaction.atomic
def pointsscheme_save(*, volume_weight, class_weights: dict, method: str, actor, now) -> PointsScheme:
    _check(actor)
    from serviceloop.analytics.allocation import METHODS

    if method not in METHODS:
        raise ValidationError(f"未知的分配方法「{method}」")
    scheme = pointsscheme_current()
    scheme.volume_weight, scheme.class_weights, scheme.method, scheme.updated_at = (
        volume_weight,
        {str(k): v for k, v in class_weights.items()},
        method,
        now,
    )
    scheme.save()
    audit_record(
        actor=actor,
        action="allocation.points_scheme",
        obj=scheme,
        now=now,
        summary=f"销量权重 {volume_weight}，价类权重 {scheme.class_weights}，{METHODS[method]}",
    )
    return scheme


def points_formula(scheme: PointsScheme):
    """volumes, classes → integer points by the scheme (analytics.allocation.sales_points)."""
    from serviceloop.analytics.allocation import sales_points

    weights = {int(k): str(v) for k, v in scheme.class_weights.items()}

    def formula(volumes, classes):
        return sales_points(volumes, classes, class_weights=weights, volume_weight=str(scheme.volume_weight))

    return formula


@transaction.atomic
def regionalias_create(*, kind: str, sheet_name: str, archive_value: str, actor, now) -> RegionAlias:
    """Add one sheet name → archive value mapping (duplicates refused)."""
    _check(actor)
    sheet_name, archive_value = sheet_name.strip(), archive_value.strip()
    if kind not in RegionKind.values:
        raise ValidationError("未知的区域类型")
    if not sheet_name or not archive_value:
        raise ValidationError("表中名称和档案中的值都不能为空")
    if RegionAlias.objects.filter(kind=kind, sheet_name=sheet_name, archive_value=archive_value).exists():
        raise ValidationError(f"映射「{sheet_name} → {archive_value}」已存在")
    alias = RegionAlias.objects.create(kind=kind, sheet_name=sheet_name, archive_value=archive_value)
    audit_record(actor=actor, action="allocation.alias_add", obj=alias, now=now, summary=str(alias))
    return alias


@transaction.atomic
def regionalias_delete(*, alias: RegionAlias, actor, now) -> None:
    _check(actor)
    audit_record(actor=actor, action="allocation.alias_delete", obj=alias, now=now, summary=str(alias))
    alias.delete()
