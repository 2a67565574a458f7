"""Default categories and SLA policies from the reference documents (editable in the admin afterwards)."""

from datetime import timedelta

from django.db import migrations

CATEGORIES = [
    # code, name, field matter (handled at the shop by its account manager)
    ("ordering", "订货", False),
    ("delivery", "送货", True),
    ("quality", "产品质量", True),
    ("settlement", "结算", False),
    ("attitude", "服务态度", False),
    ("supply", "货源投放", False),
    ("policy", "政策咨询", False),
    ("other", "其他", False),
]

M = timedelta(minutes=1)
H = timedelta(hours=1)
POLICIES = [
    # name, kind, complexity, priority, [(milestone, duration, clock)]
    ("咨询", "inquiry", "", 20, [("acknowledge", 15 * M, "calendar"), ("answer", 1 * H, "calendar")]),
    (
        "简单投诉",
        "complaint",
        "simple",
        30,
        [("acknowledge", 15 * M, "calendar"), ("resolve", 24 * H, "calendar")],
    ),
    (
        "复杂投诉",
        "complaint",
        "complex",
        30,
        [("acknowledge", 15 * M, "calendar"), ("plan", 48 * H, "calendar"), ("resolve", 72 * H, "calendar")],
    ),
    ("默认", "", "", 0, [("acknowledge", 15 * M, "calendar"), ("resolve", 72 * H, "calendar")]),
]


def seed(apps, schema_editor):
    Category = apps.get_model("servicedesk", "Category")
    SlaPolicy = apps.get_model("servicedesk", "SlaPolicy")
    SlaMilestone = apps.get_model("servicedesk", "SlaMilestone")
    for i, (code, name, field) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "field_matter": field, "sort_order": i}
        )
    for name, kind, complexity, priority, milestones in POLICIES:
        policy, created = SlaPolicy.objects.get_or_create(
            name=name, defaults={"kind": kind, "complexity": complexity, "priority": priority}
        )
        if created:
            SlaMilestone.objects.bulk_create(
                [SlaMilestone(policy=policy, milestone=m, duration=d, clock=c) for m, d, c in milestones]
            )


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
