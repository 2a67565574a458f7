"""Loads the default visit policies and the key-list settings row."""

from django.db import migrations


def load(apps, schema_editor):
    from serviceloop.visits.defaults import DEFAULT_POLICIES

    VisitPolicy = apps.get_model("visits", "VisitPolicy")
    KeyListSettings = apps.get_model("visits", "KeyListSettings")
    for name, kind, smin, smax, key_list, per_month, minutes, gap, checklist in DEFAULT_POLICIES:
        VisitPolicy.objects.get_or_create(
            name=name,
            defaults=dict(
                kind=kind,
                stars_min=smin,
                stars_max=smax,
                key_list=key_list,
                visits_per_month=per_month,
                min_minutes=minutes,
                max_gap_days=gap,
                checklist=checklist,
            ),
        )
    KeyListSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
