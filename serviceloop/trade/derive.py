"""Grades, stars and segments from sales (R1, R3): computed, reviewed, applied with history.

Where the work runs, and why (figures in docs/scaling.md and bench/bench_grouping.py): every input comes from
the per shop-week/month aggregates, grouped by the database itself (40,000 shops × 52 weeks = 2 million
aggregate rows, one GROUP BY) — order lines are never pulled into Python. Only the per-shop results (one row
a shop) go to NumPy/scikit-learn (``serviceloop.analytics.grading``). DuckDB would need the rows copied out
of the database first (its SQLite/PostgreSQL scanners are extensions that cannot be downloaded here), which
costs more than the database's own GROUP BY over the aggregates; it is the tool for analyses over Parquet
snapshots (see docs/scaling.md), not for these.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.customers.models import ChangeSource, Customer, CustomerChange

from .models import (
    DerivationRun,
    DerivationSettings,
    Proposal,
    RunKind,
    RunState,
    Segment,
    SegmentKind,
    SegmentMember,
    ShopMonth,
    ShopWeek,
)
from .services import may_import

CREDIT_POINTS = {"AAA": 100, "AA": 85, "A": 70, "B": 50, "C": 30, "D": 10, "": 50}


def _since(now, weeks: int) -> dt.date:
    today = timezone.localdate(now)
    return today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=weeks)


def _check(actor):
    if actor is not None and not may_import(actor):
        raise PermissionDenied(_("Only the city administrator may compute or apply grades and stars."))


def sales_by_shop(since: dt.date):
    """(ids, cartons, amount, weeks ordered) of active shops with sales since ``since``, grouped in the database."""
    import numpy as np

    rows = list(
        ShopWeek.objects.filter(week__gte=since, customer__status="active", qty_supplied__gt=0)
        .values("customer_id")
        .annotate(v=Sum("qty_supplied"), a=Sum("amount"), w=Count("id"))
        .order_by("customer_id")
        .values_list("customer_id", "v", "a", "w")
    )
    if not rows:
        return np.array([], dtype=np.int64), np.array([]), np.array([]), np.array([])
    ids, volume, amount, weeks = zip(*rows, strict=True)
    return (
        np.array(ids),
        np.array(volume, dtype=float),
        np.array(amount, dtype=float),
        np.array(weeks, dtype=float),
    )


@transaction.atomic
def grades_compute(*, actor, now) -> DerivationRun:
    """Ranks active shops by a weighted mix of volume and amount over the window and gives each grade its
    configured share of shops (grade 30 to the top). Shops with no sales in the window are not graded."""
    import numpy as np

    from serviceloop.analytics.grading import assign_by_shares, rank_percent

    _check(actor)
    cfg = DerivationSettings.current()
    since = _since(now, cfg.grade_window_weeks)
    ids, volume, amount, _weeks = sales_by_shop(since)
    shares = [float(s) for s in cfg.grade_shares]
    w = cfg.grade_volume_weight / 100
    score = w * rank_percent(volume) + (1 - w) * rank_percent(amount)
    grades = assign_by_shares(score, shares) if len(ids) else np.array([], dtype=int)
    order = np.argsort(-score, kind="stable")
    place = np.empty(len(ids), dtype=int)
    place[order] = np.arange(1, len(ids) + 1)
    params = {"since": since.isoformat(), "weeks": cfg.grade_window_weeks, "volume_weight": cfg.grade_volume_weight,
              "shares": shares}  # fmt: skip
    run = DerivationRun.objects.create(
        kind=RunKind.GRADES, parameters=params, computed_at=now, computed_by=actor
    )
    current = dict(Customer.objects.filter(pk__in=list(ids)).values_list("pk", "grade")) if len(ids) else {}
    proposals = [
        Proposal(
            run=run, customer_id=int(cid), old_value=current.get(int(cid)), new_value=int(g), score=round(float(s), 3),
            volume=int(v), amount=Decimal(f"{a:.2f}"),
            reason=f"近{cfg.grade_window_weeks}周销量{int(v)}条、金额{a:,.0f}元，全市第{p}名/共{len(ids)}户",
        )
        for cid, g, s, v, a, p in zip(ids, grades, score, volume, amount, place, strict=True)
    ]  # fmt: skip
    Proposal.objects.bulk_create(proposals, batch_size=2000)
    run.summary = _summary(proposals, levels=range(1, 31), shares=shares)
    run.save(update_fields=["summary"])
    return run


@transaction.atomic
def stars_compute(*, actor, now) -> DerivationRun:
    """Points 0–100 from configurable weights of volume, unit value, credit, integrity group, e-settlement and
    order regularity; stars by the configured cut-offs."""
    import numpy as np

    from serviceloop.analytics.grading import rank_percent, star_levels

    _check(actor)
    cfg = DerivationSettings.current()
    since = _since(now, cfg.star_window_weeks)
    ids, volume, amount, weeks = sales_by_shop(since)
    shops = {
        pk: (credit, group, e_flag, stars)
        for pk, credit, group, e_flag, stars in Customer.objects.filter(pk__in=list(ids)).values_list(
            "pk", "credit_rating", "mutual_aid_group", "e_settlement", "stars"
        )
    } if len(ids) else {}  # fmt: skip
    paid = {
        cid: (e, ok)
        for cid, e, ok in ShopMonth.objects.filter(month__gte=since.replace(day=1), customer_id__in=list(ids))
        .values("customer_id").annotate(e=Sum("e_settlements"), ok=Sum("e_settlements_paid"))
        .values_list("customer_id", "e", "ok")
    } if len(ids) else {}  # fmt: skip
    unit = np.divide(amount, volume, out=np.zeros_like(amount), where=volume > 0)
    features = {
        "volume": rank_percent(volume),
        "unit_value": rank_percent(unit),
        "credit": np.array([CREDIT_POINTS.get(shops[int(c)][0], 50) for c in ids], dtype=float),
        "integrity_group": np.array([100.0 if shops[int(c)][1] else 0.0 for c in ids]),
        "e_settlement": np.array([_e_points(paid.get(int(c)), shops[int(c)][2]) for c in ids]),
        "regularity": np.minimum(100.0, weeks * 100.0 / cfg.star_window_weeks),
    }
    weights = {k: float(cfg.star_weights.get(k, 0)) for k in features}
    total = sum(weights.values()) or 1.0
    points = sum(weights[k] * features[k] for k in features) / total if len(ids) else np.array([])
    stars = star_levels(points, cfg.star_cutoffs) if len(ids) else np.array([], dtype=int)
    params = {"since": since.isoformat(), "weeks": cfg.star_window_weeks, "weights": weights,
              "cutoffs": cfg.star_cutoffs}  # fmt: skip
    run = DerivationRun.objects.create(
        kind=RunKind.STARS, parameters=params, computed_at=now, computed_by=actor
    )
    names = {"volume": "销量", "unit_value": "条均单价", "credit": "诚信", "integrity_group": "互助小组",
             "e_settlement": "电子结算", "regularity": "订货规律"}  # fmt: skip
    proposals = []
    for i, cid in enumerate(ids):
        parts = "，".join(f"{names[k]}{features[k][i]:.0f}" for k in features if weights[k])
        proposals.append(
            Proposal(
                run=run,
                customer_id=int(cid),
                old_value=shops[int(cid)][3],
                new_value=int(stars[i]),
                score=round(float(points[i]), 2),
                volume=int(volume[i]),
                amount=Decimal(f"{amount[i]:.2f}"),
                reason=f"综合得分{points[i]:.1f}（{parts}）"[:200],
            )  # fmt: skip
        )
    Proposal.objects.bulk_create(proposals, batch_size=2000)
    run.summary = _summary(proposals, levels=range(1, 6))
    run.save(update_fields=["summary"])
    return run


def _e_points(paid, e_flag) -> float:
    if paid and paid[0]:
        return 100.0 * paid[1] / paid[0]
    return 60.0 if e_flag else 40.0


def _summary(proposals, *, levels, shares=None) -> dict:
    n = len(proposals)
    counts = {level: 0 for level in levels}
    up = down = same = new = 0
    for p in proposals:
        counts[p.new_value] = counts.get(p.new_value, 0) + 1
        if p.old_value is None or p.old_value == 0:
            new += 1
        elif p.new_value > p.old_value:
            up += 1
        elif p.new_value < p.old_value:
            down += 1
        else:
            same += 1
    rows = []
    for i, level in enumerate(levels):
        row = {"level": level, "count": counts[level], "share": round(100 * counts[level] / n, 2) if n else 0}
        if shares is not None:
            row["configured"] = shares[i]
        rows.append(row)
    return {"shops": n, "up": up, "down": down, "same": same, "new": new, "levels": rows}


@transaction.atomic
def run_apply(*, run: DerivationRun, actor, now) -> int:
    """Writes the run's values to the archive with a history row each (reason, source "computed")."""
    _check(actor)
    run = DerivationRun.objects.select_for_update().get(pk=run.pk)
    if run.state != RunState.PROPOSED:
        raise ValidationError(_("This computation was already applied or discarded."))
    field = "grade" if run.kind == RunKind.GRADES else "stars"
    rows = list(
        Proposal.objects.filter(run=run).values_list(
            "customer_id", "new_value", "reason", f"customer__{field}"
        )
    )
    changed = [(cid, new, reason, old) for cid, new, reason, old in rows if old != new]
    customers = []
    changes = []
    for cid, new, reason, old in changed:
        customers.append(Customer(pk=cid, updated_at=now, **{field: new}))
        changes.append(
            CustomerChange(
                customer_id=cid,
                field=field,
                old_value="" if old is None else str(old),
                new_value=str(new),
                changed_at=now,
                actor=actor,
                source=ChangeSource.COMPUTED,
                reason=reason[:200],
            )  # fmt: skip
        )
    Customer.objects.bulk_update(customers, [field, "updated_at"], batch_size=1000)
    if field == "stars":
        from serviceloop.customers.tally import shoptally_rebuild

        shoptally_rebuild()  # stars changed in bulk: recount the home page's shop counts
    CustomerChange.objects.bulk_create(changes, batch_size=2000)
    run.state, run.decided_at, run.decided_by = RunState.APPLIED, now, actor
    run.summary = {**run.summary, "applied_changes": len(changed)}
    run.save(update_fields=["state", "decided_at", "decided_by", "summary"])
    audit_record(actor=actor, action=f"trade.{run.kind}.apply", obj=run, now=now,
                 summary=f"{run.get_kind_display()}: {len(changed)}", data={"changes": len(changed)})  # fmt: skip
    return len(changed)


@transaction.atomic
def run_discard(*, run: DerivationRun, actor, now) -> None:
    _check(actor)
    if run.state != RunState.PROPOSED:
        raise ValidationError(_("This computation was already applied or discarded."))
    run.state, run.decided_at, run.decided_by = RunState.DISCARDED, now, actor
    run.save(update_fields=["state", "decided_at", "decided_by"])


# ----------------------------------------------------------------------------------------------- segments
CLUSTER_FEATURES = [
    ("frequency", ("订货频繁", "订货稀少")),
    ("per_order", ("单次订量大", "单次订量小")),
    ("unit_price", ("条均单价高", "条均单价低")),
    ("high_class", ("高价位烟占比高", "以低价位烟为主")),
    ("brands", ("品牌多样", "品牌集中")),
    ("urban", ("城镇为主", "乡村为主")),
]


def segment_features(since: dt.date):
    """Per active shop with sales: frequency, cartons per order, unit price, class 1–2 share, brands, urban."""
    import numpy as np

    rows = list(
        ShopWeek.objects.filter(week__gte=since, customer__status="active", qty_supplied__gt=0)
        .values("customer_id")
        .annotate(v=Sum("qty_supplied"), a=Sum("amount"), w=Count("id"), o=Sum("orders"),
                  c1=Sum("qty_class1"), c2=Sum("qty_class2"))
        .order_by("customer_id")
        .values_list("customer_id", "v", "a", "w", "o", "c1", "c2", "customer__market_type")
    )  # fmt: skip
    if not rows:
        return np.array([], dtype=np.int64), {}
    brands = dict(_brand_counts(since))
    ids = np.array([r[0] for r in rows])
    v = np.array([r[1] for r in rows], dtype=float)
    a = np.array([float(r[2]) for r in rows])
    weeks = np.array([r[3] for r in rows], dtype=float)
    orders = np.maximum(np.array([r[4] for r in rows], dtype=float), 1)
    high = np.array([(r[5] or 0) + (r[6] or 0) for r in rows], dtype=float)
    features = {
        "volume": v,
        "amount": a,
        "frequency": weeks,
        "per_order": v / orders,
        "unit_price": np.divide(a, v, out=np.zeros_like(a), where=v > 0),
        "high_class": np.divide(high, v, out=np.zeros_like(v), where=v > 0),
        "brands": np.array([brands.get(int(c), 0) for c in ids], dtype=float),
        "urban": np.array([1.0 if r[7] == "C" else 0.0 for r in rows]),
    }
    return ids, features


def _brand_counts(since: dt.date):
    """(shop, distinct brands bought) since ``since``: one GROUP BY over the order lines in the database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.customer_id, COUNT(DISTINCT p.brand) FROM trade_orderline l "
            "JOIN trade_product p ON p.id = l.product_id WHERE l.live AND l.order_date >= %s "
            "GROUP BY l.customer_id",
            [since.isoformat()],
        )
        return cursor.fetchall()


@transaction.atomic
def segments_refresh(*, now) -> dict[str, int]:
    """Recomputes both segmentations from the last ``segment_window_weeks`` of sales; replaces the old ones."""
    import numpy as np

    from serviceloop.analytics.grading import LEVEL_WORDS, describe_cluster, volume_price_groups

    cfg = DerivationSettings.current()
    since = _since(now, cfg.segment_window_weeks)
    ids, f = segment_features(since)
    SegmentMember.objects.all().delete()
    Segment.objects.all().delete()
    if not len(ids):
        return {"shops": 0}
    unit = f["unit_price"]
    groups = volume_price_groups(f["volume"], unit)
    for number in range(9):
        members = ids[groups == number]
        vol, price = divmod(number, 3)
        name = f"{LEVEL_WORDS[vol]}销量·{LEVEL_WORDS[price]}单价"
        mask = groups == number
        description = (
            f"近{cfg.segment_window_weeks}周销量处于全市{LEVEL_WORDS[vol]}三分之一、条均单价处于{LEVEL_WORDS[price]}三分之一"
            + (
                f"；平均销量{f['volume'][mask].mean():.0f}条、条均单价{unit[mask].mean():.0f}元"
                if mask.any()
                else ""
            )
        )
        _save_segment(SegmentKind.VOLUME_PRICE, number, name, description, members, now, {})
    k = min(cfg.cluster_count, len(ids))
    names = [n for n, _w in CLUSTER_FEATURES]
    matrix = np.column_stack([f[n] for n in names])
    mean, std = matrix.mean(axis=0), matrix.std(axis=0)
    scaled = (matrix - mean) / np.where(std > 0, std, 1.0)
    from sklearn.cluster import KMeans

    model = KMeans(n_clusters=k, n_init=4, random_state=0).fit(scaled)
    # Number clusters by volume (largest first) so that the numbering is stable from run to run.
    centres = model.cluster_centers_ * np.where(std > 0, std, 1.0) + mean
    volume_of = [
        f["volume"][model.labels_ == c].mean() if (model.labels_ == c).any() else 0 for c in range(k)
    ]
    for number, c in enumerate(sorted(range(k), key=lambda c: -volume_of[c]), start=1):
        members = ids[model.labels_ == c]
        words = describe_cluster(centres[c], mean, std, [w for _n, w in CLUSTER_FEATURES])
        centre = {n: round(float(x), 3) for n, x in zip(names, centres[c], strict=True)}
        description = (
            f"{words}。平均每{cfg.segment_window_weeks}周订货{centre['frequency']:.0f}周、每单{centre['per_order']:.0f}条、"
            f"条均{centre['unit_price']:.0f}元、一二类烟占{centre['high_class'] * 100:.0f}%、{centre['brands']:.0f}个品牌"
        )
        _save_segment(SegmentKind.CLUSTER, number, f"第{number}群：{words.split('、')[0]}"[:50], description[:300],
                      members, now, centre)  # fmt: skip
    return {"shops": len(ids), "clusters": k}


def _save_segment(kind, number, name, description, members, now, centre) -> None:
    segment = Segment.objects.create(kind=kind, number=number, name=name, description=description[:300],
                                     size=len(members), centre=centre, computed_at=now)  # fmt: skip
    SegmentMember.objects.bulk_create(
        [SegmentMember(segment=segment, customer_id=int(c)) for c in members], batch_size=2000
    )
