"""Default scorecard weights: service quality (customer perspective) weighs as much as sales (40 each),
internal process 15, learning and growth 5 — the thesis's point that managers are not judged by sales
alone. The city administrator changes them on the weights page (each change kept)."""

from django.db import migrations
from django.utils import timezone

MANAGER = [
    ("customer", "followup_satisfaction", 15), ("customer", "survey_index", 10),
    ("customer", "complaints_per_100", 10), ("customer", "repeat_complaint_rate", 5),
    ("sales", "active_shop_rate", 10), ("sales", "online_share", 10), ("sales", "e_settlement_success", 10),
    ("sales", "churn_rate", 5), ("sales", "order_capture_accuracy", 5),
    ("process", "visit_compliance", 5), ("process", "on_time_resolve", 5), ("process", "follow_up_rate", 5),
    ("learning", "tag_loop_days", 5),
]  # fmt: skip
STATION = [row for row in MANAGER if row[1] != "follow_up_rate"] + [("process", "settled_locally", 5)]


def load(apps, schema_editor):
    Kpi = apps.get_model("kpis", "Kpi")
    Weight = apps.get_model("evaluation", "ScorecardWeight")
    kpis = {k.code: k for k in Kpi.objects.all()}
    now = timezone.now()
    for subject, rows in (("manager", MANAGER), ("station", STATION)):
        if Weight.objects.filter(subject=subject).exists():
            continue
        Weight.objects.bulk_create(
            Weight(subject=subject, kpi=kpis[code], perspective=p, weight=w, reason="初始权重", set_at=now)
            for p, code, w in rows
            if code in kpis
        )


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial"), ("kpis", "0002_catalogue")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
