from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("visits", "0003_shop_history_follows_the_shop")]

    operations = [
        migrations.AddField(
            model_name="visit",
            name="minutes_spent",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True, verbose_name="minutes"),
        ),
    ]
