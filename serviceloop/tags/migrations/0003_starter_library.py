"""Loads the starter problem-tag and strategy library (version 1 of each, with its history row)."""

from django.db import migrations


def load(apps, schema_editor):
    from serviceloop.tags.starter import STARTER_LIBRARY

    ProblemTag = apps.get_model("tags", "ProblemTag")
    ServiceStrategy = apps.get_model("tags", "ServiceStrategy")
    LibraryEdit = apps.get_model("tags", "LibraryEdit")
    from django.utils import timezone

    now = timezone.now()
    for category, name, description, source, severity, actions, role, days, materials in STARTER_LIBRARY:
        if ProblemTag.objects.filter(name=name).exists():
            continue
        tag = ProblemTag.objects.create(
            category=category,
            name=name,
            description=description,
            discovery_source=source,
            severity=severity,
            version=1,
            updated_at=now,
        )
        ServiceStrategy.objects.create(
            tag=tag, actions=actions, responsible_role=role, time_limit_days=days, materials=materials
        )
        LibraryEdit.objects.create(
            tag=tag,
            version=1,
            at=now,
            actor=None,
            snapshot={
                "category": category,
                "name": name,
                "description": description,
                "discovery_source": source,
                "severity": severity,
                "active": True,
                "actions": actions,
                "responsible_role": role,
                "time_limit_days": days,
                "materials": materials,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("tags", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
