from django.db import migrations


def load(apps, schema_editor):
    from serviceloop.customers.codes import DEFAULT_ALIASES

    CodeAlias = apps.get_model("customers", "CodeAlias")
    for field, alias, code in DEFAULT_ALIASES:
        CodeAlias.objects.get_or_create(field=field, alias=alias, defaults={"code": code})


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
