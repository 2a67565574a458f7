"""SettlementRisk: each shop's e-settlement risk score, kept for the care list (issue 14). Created empty: the
``settlement_risks`` job fills it on its first run (it is due as soon as the job runner starts), and settlement
imports refresh their shops' rows from then on."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0009_shoptally"),
        ("growth", "0008_restock_summary"),
    ]

    operations = [
        migrations.CreateModel(
            name="SettlementRisk",
            fields=[
                (
                    "customer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="settlement_risk",
                        serialize=False,
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
                ("score", models.PositiveSmallIntegerField(verbose_name="risk score")),
                ("failed_attempts", models.PositiveIntegerField(verbose_name="failed attempts")),
                ("unpaid_settlements", models.PositiveIntegerField(verbose_name="unpaid settlements")),
                ("reasons", models.JSONField(blank=True, default=dict, verbose_name="failure reasons")),
                ("parts", models.JSONField(blank=True, default=list, verbose_name="why")),
                ("window_days", models.PositiveSmallIntegerField(verbose_name="window (days)")),
                ("computed_at", models.DateTimeField(verbose_name="computed at")),
            ],
            options={
                "verbose_name": "settlement risk",
                "verbose_name_plural": "settlement risks",
                "indexes": [
                    models.Index(fields=["-score"], name="settlementrisk_score"),
                    models.Index(fields=["computed_at"], name="settlementrisk_computed_at"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("score__lte", 100)), name="settlementrisk_score_0_100"
                    )
                ],
            },
        ),
    ]
