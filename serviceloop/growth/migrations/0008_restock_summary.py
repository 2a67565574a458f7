"""RestockShop: one row a shop summing its restock advice lines, kept by the restock job; filled here from the
advice already stored, so an upgraded database lists the same shops without running the job again."""

import django.db.models.deletion
from django.db import migrations, models


def fill_summaries(apps, schema_editor):
    """Every shop's summary from its advice lines, in one INSERT … SELECT … GROUP BY (the same sums as
    ``restock.restockshop_refresh``; written out here so that the migration does not change with app code)."""
    advice = apps.get_model("growth", "RestockAdvice")._meta.db_table
    shop = apps.get_model("growth", "RestockShop")._meta.db_table
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(shop)} (customer_id, lines, suggested, short, order_day, computed_at) "
            "SELECT customer_id, COUNT(*), SUM(suggested), SUM(CASE WHEN short THEN 1 ELSE 0 END), "
            f"MIN(order_day), MAX(computed_at) FROM {quote(advice)} GROUP BY customer_id"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_validate_phones_and_coordinates"),
        ("growth", "0007_restock_advice_no_db_fk"),
    ]

    operations = [
        migrations.CreateModel(
            name="RestockShop",
            fields=[
                (
                    "customer",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="restock_shop",
                        serialize=False,
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
                ("lines", models.PositiveIntegerField(verbose_name="products")),
                ("suggested", models.PositiveIntegerField(verbose_name="suggested quantity (cartons)")),
                ("short", models.PositiveIntegerField(verbose_name="likely to run short")),
                ("order_day", models.DateField(verbose_name="next order day")),
                ("computed_at", models.DateTimeField(verbose_name="computed at")),
            ],
            options={
                "verbose_name": "restock advice of a shop",
                "verbose_name_plural": "restock advice of shops",
                "indexes": [models.Index(fields=["-short", "order_day"], name="restockshop_list")],
            },
        ),
        migrations.RunPython(fill_summaries, migrations.RunPython.noop, elidable=True),
    ]
