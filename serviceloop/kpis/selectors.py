"""Reads of the KPI pages: who may see which units, and values against targets from ``KpiValue``.

Pages never touch raw events except the drill-down, which lists the events of one unit and month."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, Sum

from serviceloop.org.models import Branch, Role, Route, Station, User
from serviceloop.org.scope import is_city_level

from .compute import month_start, next_month
from .models import Kpi, KpiTarget, KpiValue, Level

LEVEL_ORDER = [Level.CITY, Level.BRANCH, Level.STATION, Level.ROUTE, Level.MANAGER]


# ------------------------------------------------------------------------------------------------ scope


@dataclass
class Scope:
    """Per level, the unit ids the user may see (None: all of them)."""

    units: dict

    def levels(self) -> list[str]:
        return [lv for lv in LEVEL_ORDER if self.units.get(lv) is None or self.units.get(lv)]

    def allows(self, level: str, unit_id: int) -> bool:
        if level not in self.units:
            return False
        ids = self.units[level]
        return ids is None or unit_id in ids

    def filter_q(self, level: str) -> Q:
        ids = self.units.get(level, set())
        return Q() if ids is None else Q(unit_id__in=ids)


def kpi_scope(user) -> Scope:
    if not user or not user.is_authenticated or not user.is_active or not (user.is_superuser or user.role):
        return Scope({})
    if user.is_superuser or is_city_level(user):
        return Scope(dict.fromkeys(LEVEL_ORDER))
    if user.role == Role.ACCOUNT_MANAGER:
        routes = set(Route.objects.filter(account_manager=user).values_list("pk", flat=True))
        return Scope({Level.ROUTE: routes, Level.MANAGER: {user.pk}})
    if user.role == Role.MARKET_MANAGER:
        routes = Route.objects.filter(market_manager=user)
        managers = set(routes.exclude(account_manager=None).values_list("account_manager", flat=True))
        return Scope({Level.ROUTE: set(routes.values_list("pk", flat=True)), Level.MANAGER: managers})
    if user.unit_level == "station":
        stations = {user.station_id}
        branches = set()
    else:
        branches = {user.branch_id}
        stations = set(Station.objects.filter(branch_id=user.branch_id).values_list("pk", flat=True))
    routes = set(Route.objects.filter(station__in=stations).values_list("pk", flat=True))
    managers = set(
        User.objects.filter(role=Role.ACCOUNT_MANAGER, station__in=stations).values_list("pk", flat=True)
    )
    units = {Level.STATION: stations, Level.ROUTE: routes, Level.MANAGER: managers}
    if branches:
        units[Level.BRANCH] = branches
    return Scope(units)


def home_unit(user) -> tuple[str, int] | None:
    """The unit a user's own KPIs are about (home page, default of the dashboard)."""
    scope = kpi_scope(user)
    if not scope.units:
        return None
    if user.role == Role.ACCOUNT_MANAGER:
        return Level.MANAGER, user.pk
    if user.is_superuser or is_city_level(user):
        return Level.CITY, 0
    if user.role == Role.MARKET_MANAGER:
        managers = sorted(scope.units[Level.MANAGER])
        routes = sorted(scope.units[Level.ROUTE])
        if managers:
            return Level.MANAGER, managers[0]
        return (Level.ROUTE, routes[0]) if routes else None
    if user.unit_level == "station":
        return Level.STATION, user.station_id
    return Level.BRANCH, user.branch_id


def unit_choices(scope: Scope, level: str) -> list[tuple[int, str]]:
    """(id, name) of the units the user may see at ``level``, in a stable order."""
    ids = scope.units.get(level, set())
    if level == Level.CITY:
        return [(0, _city_name())] if level in scope.units else []
    # Plain tuples, not model instances: a comparison of every route or manager of a city lists ~800 of them.
    qs, fields, label = {
        Level.BRANCH: (Branch.objects.all(), ("pk", "name"), lambda r: r[1]),
        Level.STATION: (Station.objects.all(), ("pk", "name", "branch__name"), lambda r: f"{r[2]} · {r[1]}"),
        Level.ROUTE: (Route.objects.all(), ("pk", "name", "station__name"), lambda r: f"{r[2]} · {r[1]}"),
        Level.MANAGER: (User.objects.filter(role=Role.ACCOUNT_MANAGER), ("pk", "full_name", "username"),
                        lambda r: r[1] or r[2]),
    }[level]  # fmt: skip
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    order = "full_name" if level == Level.MANAGER else "name"
    return [(r[0], label(r)) for r in qs.order_by(order, "pk").values_list(*fields)]


def unit_label(level: str, obj) -> str:
    if level == Level.STATION:
        return f"{obj.branch.name} · {obj.name}"
    if level == Level.ROUTE:
        return f"{obj.station.name} · {obj.name}"
    if level == Level.MANAGER:
        return obj.full_name or obj.username
    return obj.name


def unit_name(level: str, unit_id: int) -> str:
    if level == Level.CITY:
        return _city_name()
    model = {Level.BRANCH: Branch.objects.all(), Level.STATION: Station.objects.select_related("branch"),
             Level.ROUTE: Route.objects.select_related("station"), Level.MANAGER: User.objects.all()}[level]  # fmt: skip
    obj = model.filter(pk=unit_id).first()
    return unit_label(level, obj) if obj else str(unit_id)


def _city_name() -> str:
    from serviceloop.org.models import Company

    company = Company.objects.order_by("pk").first()
    return company.name if company else "—"


# ----------------------------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """A month or a quarter: its label and its months (first days)."""

    kind: str  # "month" | "quarter"
    start: dt.date

    @property
    def months(self) -> list[dt.date]:
        if self.kind == "month":
            return [self.start]
        m = [self.start]
        while len(m) < 3:
            m.append(next_month(m[-1]))
        return m

    @property
    def key(self) -> str:
        if self.kind == "month":
            return self.start.strftime("%Y-%m")
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    def previous(self, n: int = 1) -> "Period":
        start = self.start
        for _ in range(n * len(self.months)):
            start = month_start(start - dt.timedelta(days=1))
        return Period(self.kind, start)

    def trail(self, n: int) -> list["Period"]:
        out = [self]
        while len(out) < n:
            out.insert(0, out[0].previous())
        return out


def parse_period(text: str | None, kind: str | None, today: dt.date) -> Period:
    kind = kind if kind in ("month", "quarter") else "month"
    text = (text or "").strip()
    start = None
    try:
        if "-Q" in text:
            year, q = text.split("-Q")
            start = dt.date(int(year), 3 * (int(q) - 1) + 1, 1)
            kind = "quarter"
        elif text:
            start = dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        start = None
    if start is None or not 2000 <= start.year <= 2100:
        start = month_start(today)
    if kind == "quarter":
        start = start.replace(month=3 * ((start.month - 1) // 3) + 1)
    return Period(kind, start)


# ------------------------------------------------------------------------------------------------ values


def current_targets() -> dict[tuple[int, str], KpiTarget]:
    """{(kpi id, level): newest target row}."""
    out = {}
    for t in KpiTarget.objects.order_by("kpi_id", "level", "-set_at", "-id"):
        out.setdefault((t.kpi_id, t.level), t)
    return out


def sums(*, level: str, unit_ids, months: list[dt.date], kpi_ids=None, part: str = "") -> dict:
    """{(kpi id, unit id): (numerator, denominator)} summed over ``months``; unit_ids None: every unit."""
    qs = KpiValue.objects.filter(level=level, period__in=months, part=part)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    if kpi_ids is not None:
        qs = qs.filter(kpi_id__in=list(kpi_ids))
    rows = qs.values_list("kpi_id", "unit_id").annotate(n=Sum("numerator"), d=Sum("denominator")).order_by()
    return {(k, u): (n, d) for k, u, n, d in rows}  # tuples: a unit's page reads every unit's sums to rank it


def status_of(kpi: Kpi, value, target: KpiTarget | None) -> str:
    """ "good" (target met), "warn" (between target and warning line), "bad" (past the warning line)."""
    if value is None or target is None:
        return ""
    t, w = float(target.target), float(target.warning)
    if kpi.higher_is_better:
        return "good" if value >= t else ("warn" if value >= w else "bad")
    return "good" if value <= t else ("warn" if value <= w else "bad")


def gap_of(kpi: Kpi, value, target: KpiTarget | None):
    """Value minus target, signed so that a positive gap is always better than the target."""
    if value is None or target is None:
        return None
    gap = value - float(target.target)
    return round(gap if kpi.higher_is_better else -gap, 2)


def _value(pair, scale):
    if not pair or not pair[1]:
        return None
    return round(pair[0] / pair[1] * scale, 2)


def ranks(kpi: Kpi, values: dict) -> dict:
    """{unit: rank} (1 = best) among the units that have a value; ties share a rank."""
    present = [(u, v) for u, v in values.items() if v is not None]
    ordered = sorted(present, key=lambda uv: -uv[1] if kpi.higher_is_better else uv[1])
    out, last, rank = {}, None, 0
    for i, (u, v) in enumerate(ordered, start=1):
        if v != last:
            rank, last = i, v
        out[u] = rank
    return out


def rank_of(kpi: Kpi, values: dict, unit_id) -> int | None:
    """The rank ``ranks`` gives ``unit_id``, without ordering every unit: 1 + the units strictly better (ties share
    a rank). A unit's own page needs only its rank, among every unit of its level (2,000 account managers in a
    province)."""
    mine = values.get(unit_id)
    if mine is None:
        return None
    if kpi.higher_is_better:
        return 1 + sum(1 for v in values.values() if v is not None and v > mine)
    return 1 + sum(1 for v in values.values() if v is not None and v < mine)


def dashboard(*, level: str, unit_id: int, period: Period, trend_len: int = 12) -> dict:
    """Every KPI of one unit: value, target, gap, status, rank among all units of the level, and a trend.
    A fixed handful of queries whatever the number of units."""
    kpis = list(Kpi.objects.filter(active=True))
    targets = current_targets()
    all_units = sums(level=level, unit_ids=None, months=period.months)
    trail = period.trail(trend_len)
    months = sorted({m for p in trail for m in p.months})
    monthly = defaultdict(dict)
    qs = KpiValue.objects.filter(level=level, unit_id=unit_id, part="", period__in=months)
    for kpi_id, month, n, d in qs.values_list("kpi_id", "period", "numerator", "denominator"):
        monthly[kpi_id][month] = (n, d)
    by_kpi = defaultdict(dict)
    for (k, u), pair in all_units.items():
        by_kpi[k][u] = pair
    rows = []
    for kpi in kpis:
        target = targets.get((kpi.pk, level))
        per_unit = {u: _value(p, kpi.scale) for u, p in by_kpi[kpi.pk].items()}
        value = per_unit.get(unit_id)
        pair = all_units.get((kpi.pk, unit_id))
        trend = []
        for p in trail:
            got = [monthly[kpi.pk][m] for m in p.months if m in monthly[kpi.pk]]
            trend.append(_value((sum(g[0] for g in got), sum(g[1] for g in got)), kpi.scale) if got else None)
        rows.append({
            "kpi": kpi, "value": value, "numerator": pair[0] if pair else None,
            "denominator": pair[1] if pair else None, "target": target, "gap": gap_of(kpi, value, target),
            "status": status_of(kpi, value, target), "rank": rank_of(kpi, per_unit, unit_id),
            "of": sum(1 for v in per_unit.values() if v is not None), "trend": trend,
        })  # fmt: skip
    return {"rows": rows, "trend_labels": [p.key for p in trail]}


def compare(*, kpi: Kpi, level: str, scope: Scope, period: Period, part: str = "") -> list[dict]:
    """One KPI across the units of a level the user may see, ranked among all units of the level."""
    target = current_targets().get((kpi.pk, level))
    everyone = sums(level=level, unit_ids=None, months=period.months, kpi_ids=[kpi.pk], part=part)
    values = {u: _value(p, kpi.scale) for (_k, u), p in everyone.items()}
    rank = ranks(kpi, values)
    rows = []
    for unit_id, name in unit_choices(scope, level):
        value = values.get(unit_id)
        pair = everyone.get((kpi.pk, unit_id))
        rows.append({
            "unit_id": unit_id, "name": name, "value": value, "numerator": pair[0] if pair else None,
            "denominator": pair[1] if pair else None, "target": target, "gap": gap_of(kpi, value, target),
            "status": status_of(kpi, value, target), "rank": rank.get(unit_id),
        })  # fmt: skip
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["name"]))
    return rows


def parts_of(kpi: Kpi, period: Period) -> list[tuple[str, str]]:
    """The causes a broken-down KPI has values for: (code, name)."""
    if not kpi.has_parts:
        return []
    from serviceloop.servicedesk.models import Category

    codes = set(
        KpiValue.objects.filter(kpi=kpi, period__in=period.months)
        .exclude(part="")
        .values_list("part", flat=True)
    )
    return list(Category.objects.filter(code__in=codes).values_list("code", "name"))


def target_history(kpi: Kpi):
    return KpiTarget.objects.filter(kpi=kpi).select_related("set_by").order_by("-set_at", "-id")
