from django.db import migrations
from django.utils import timezone


def install(apps, schema_editor):
    from serviceloop.surveys.builtin import install_builtin

    install_builtin(
        apps.get_model("surveys", "Questionnaire"),
        apps.get_model("surveys", "Section"),
        apps.get_model("surveys", "Item"),
        timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
