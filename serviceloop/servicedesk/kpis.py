"""Desk KPIs by org unit, owner, category and month; Pareto of complaint categories; monthly trend.

Pulls the period's scoped requests once (a few columns) and aggregates with pandas."""

import json
from datetime import date, timedelta

import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Kind, MilestoneKind, RequestMilestone, ServiceRequest

GROUPS = {
    "branch": ("branch__name", "branch"),
    "station": ("station__name", "station"),
    "owner": ("owner__full_name", "owner"),
    "category": ("category__name", "category"),
    "month": ("month", "month"),
}


def _date(value, default):
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def kpi_data(*, user, params, now) -> dict:
    today = timezone.localtime(now).date()
    start = _date(params.get("from"), today - timedelta(days=365))
    end = _date(params.get("to"), today)
    group = params.get("group") if params.get("group") in GROUPS else "station"
    qs = ServiceRequest.objects.visible_to(user).filter(
        created_at__date__gte=start, created_at__date__lte=end
    )
    cols = [
        "id",
        "created_at",
        "acknowledged_at",
        "resolved_at",
        "kind",
        "satisfaction",
        "follow_up_attempts",
        "reopen_count",
        "repeat_of_id",
        "status",
        "branch__name",
        "station__name",
        "owner__full_name",
        "category__name",
    ]
    df = pd.DataFrame.from_records(list(qs.values_list(*cols)), columns=cols)
    context = {
        "group": group,
        "groups": [(k, _(k)) for k in GROUPS],
        "from": start,
        "to": end,
        "rows": [],
        "total": len(df),
        "pareto_json": "null",
        "trend_json": "null",
    }
    if df.empty:
        return context
    df["month"] = (
        pd.to_datetime(df["created_at"], utc=True)
        .dt.tz_convert(timezone.get_current_timezone_name())
        .dt.strftime("%Y-%m")
    )
    df["ack_min"] = (
        pd.to_datetime(df["acknowledged_at"], utc=True) - pd.to_datetime(df["created_at"], utc=True)
    ).dt.total_seconds() / 60
    df["resolve_h"] = (
        pd.to_datetime(df["resolved_at"], utc=True) - pd.to_datetime(df["created_at"], utc=True)
    ).dt.total_seconds() / 3600
    df["done"] = df["resolved_at"].notna()
    df["followed"] = df["done"] & (df["satisfaction"].notna() | (df["follow_up_attempts"] > 0))
    df["reopened"] = df["reopen_count"] > 0
    df["complaint"] = df["kind"] == Kind.COMPLAINT
    df["repeat"] = df["complaint"] & df["repeat_of_id"].notna()

    ms = pd.DataFrame.from_records(
        list(
            RequestMilestone.objects.filter(request__in=qs.values("pk"))
            .exclude(state="pending", breached=False)
            .values_list("request_id", "milestone", "breached")
        ),
        columns=["id", "milestone", "breached"],
    )
    key = GROUPS[group][0]
    df["key"] = df[key].fillna("—")
    ms = ms.merge(df[["id", "key", "month"]], on="id", how="inner")

    rows = []
    for name, g in df.groupby("key", sort=True):
        done = g["done"].sum()
        m = ms[ms["key"] == name]
        on_time = {}
        for kind in MilestoneKind.values:
            mk = m[m["milestone"] == kind]
            on_time[kind] = None if mk.empty else round(100 * (1 - mk["breached"].mean()), 1)
        complaints = g["complaint"].sum()
        rows.append(
            {
                "name": name,
                "n": len(g),
                "ack_min": _r(g["ack_min"].median()),
                "on_time": [on_time[k] for k in MilestoneKind.values],
                "resolve_h": _r(g["resolve_h"].mean()),
                "follow_rate": _pct(g["followed"].sum(), done),
                "satisfaction": _r(g["satisfaction"].mean(), 2),
                "reopen_rate": _pct(g["reopened"].sum(), done),
                "repeat_rate": _pct(g["repeat"].sum(), complaints),
            }
        )
    context["rows"] = rows
    context["milestone_labels"] = [MilestoneKind(k).label for k in MilestoneKind.values]

    complaints = df[df["complaint"]]
    if not complaints.empty:
        counts = complaints["category__name"].value_counts()
        cum = (counts.cumsum() / counts.sum() * 100).round(1)
        context["pareto_json"] = json.dumps(
            {
                "labels": list(counts.index),
                "values": [int(v) for v in counts],
                "cumulative": [float(v) for v in cum],
            },
            ensure_ascii=False,
        )
    trend = df.groupby("month").agg(n=("id", "size"), complaints=("complaint", "sum"))
    m_month = ms.groupby("month")["breached"].mean()
    context["trend_json"] = json.dumps(
        {
            "labels": list(trend.index),
            "requests": [int(v) for v in trend["n"]],
            "complaints": [int(v) for v in trend["complaints"]],
            "on_time": [
                None if pd.isna(m_month.get(k)) else round(100 * (1 - float(m_month.get(k))), 1)
                for k in trend.index
            ],
        }
    )
    return context


def _r(value, digits=1):
    return None if value is None or pd.isna(value) else round(float(value), digits)


def _pct(part, whole):
    return None if not whole else round(100 * float(part) / float(whole), 1)
