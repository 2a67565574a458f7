"""The six starter training topics (001; 004), each linked to the starter problem tags of the matching category,
and the session event rows made append-only in PostgreSQL as the other trails (see core migration 0006)."""

from django.db import migrations

# (name, description, problem-tag categories it addresses)
TOPICS = [
    ("政策法规", "烟草专卖法律法规、零售许可管理、未成年人保护、涉烟违法行为辨识。", ["law"]),
    ("档位评定", "客户分档与档位评定办法、积分与货源投放规则，如何提升档位。", []),
    ("陈列", "卷烟柜台与店面陈列、价签标示、重点品牌展示。", ["display"]),
    ("库存", "合理库存、滞销与断货处理、资金占用与周转。", ["stock", "capital"]),
    ("订货", "网上订货操作、订货结构与订货量、订货日与结算。", ["ordering"]),
    ("品牌培育", "新品与重点品牌的推介、消费者沟通与品牌培育方法。", ["skills"]),
]
TABLES = ["trainings_sessionevent"]


def seed(apps, schema_editor):
    topic_model = apps.get_model("trainings", "TrainingTopic")
    tag_model = apps.get_model("tags", "ProblemTag")
    for order, (name, description, categories) in enumerate(TOPICS, start=1):
        topic, created = topic_model.objects.get_or_create(
            name=name, defaults={"description": description, "order": order}
        )
        if created and categories:
            topic.tags.set(tag_model.objects.filter(category__in=categories, active=True))


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from importlib import import_module

    pg_function = import_module("serviceloop.core.migrations.0006_append_only_trails").PG_FUNCTION
    schema_editor.execute(pg_function, params=None)
    for table in TABLES:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')
        schema_editor.execute(
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION serviceloop_append_only()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')


class Migration(migrations.Migration):
    dependencies = [
        ("trainings", "0001_initial"),
        ("tags", "0003_starter_library"),
        ("core", "0006_append_only_trails"),
    ]
    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(append_only, drop_triggers),
    ]
