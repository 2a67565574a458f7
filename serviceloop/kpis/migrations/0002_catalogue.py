"""Loads the KPI catalogue and a first target and warning line per level (set by nobody: the defaults)."""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone

LEVELS = ("city", "branch", "station", "route", "manager")


def load(apps, schema_editor):
    from serviceloop.kpis.catalogue import entries

    Kpi = apps.get_model("kpis", "Kpi")
    KpiTarget = apps.get_model("kpis", "KpiTarget")
    now = timezone.now()
    for order, e in enumerate(entries()):
        kpi, created = Kpi.objects.get_or_create(
            code=e["code"],
            defaults={k: e[k] for k in ("name", "definition", "formula", "sources", "unit", "scale",
                                        "direction", "area", "has_parts")} | {"sort_order": order},
        )  # fmt: skip
        if created:
            KpiTarget.objects.bulk_create(
                KpiTarget(kpi=kpi, level=level, target=Decimal(str(e["target"])),
                          warning=Decimal(str(e["warning"])), reason="初始目标", set_at=now)
                for level in LEVELS
            )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("kpis", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
