"""Writes of the KPI app: a target change is a new row (the old one stays as history) plus an audit row."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction

from serviceloop.core.audit import audit_record
from serviceloop.org.scope import can_manage_org

from .models import Kpi, KpiTarget


@transaction.atomic
def kpitarget_set(
    *, kpi: Kpi, level: str, target: Decimal, warning: Decimal, reason: str, actor, now
) -> KpiTarget:
    """Sets a KPI's target and warning line at one level (city administrators only)."""
    if not can_manage_org(actor):
        raise PermissionDenied
    # A double submission (the same change by the same person within a minute) is the same change.
    same = KpiTarget.objects.filter(kpi=kpi, level=level, target=target, warning=warning, reason=reason, set_by=actor,
                                    set_at__gte=now - timedelta(minutes=1)).first()  # fmt: skip
    if same is not None:
        return same
    row = KpiTarget.objects.create(kpi=kpi, level=level, target=target, warning=warning, reason=reason,
                                   set_by=actor, set_at=now)  # fmt: skip
    audit_record(
        actor=actor, action="kpis.target", obj=row, now=now,
        summary=f"{kpi.name} {row.get_level_display()}: {target} / {warning}",
        data={"kpi": kpi.code, "level": level, "target": str(target), "warning": str(warning), "reason": reason},
    )  # fmt: skip
    return row
