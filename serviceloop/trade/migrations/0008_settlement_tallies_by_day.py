import datetime as dt

from django.db import migrations, models


def regroup(apps, schema_editor):
    """Counts every month again, now by day (the rows counted by month were emptied first)."""
    from serviceloop.trade.aggregates import settlementtally_refresh

    settlementtally_refresh()


def empty(apps, schema_editor):
    for name in ("SettlementTally", "SettlementFailureTally"):
        apps.get_model("trade", name).objects.all().delete()


class Migration(migrations.Migration):
    """The success-rate page's counts by day instead of by month (issue 14): any window is then read from them
    alone; at 140,000 shops the default 30 days had to group 450,000 settlements."""

    dependencies = [("trade", "0007_settlement_tallies")]

    operations = [
        migrations.RunPython(empty, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="settlementtally", name="settlementtally_month_station"),
        migrations.RemoveField(model_name="settlementtally", name="month"),
        migrations.AddField(
            model_name="settlementtally",
            name="day",
            field=models.DateField(default=dt.date(2000, 1, 1), verbose_name="day"),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="settlementtally",
            index=models.Index(fields=["day", "station"], name="settlementtally_day_station"),
        ),
        migrations.RemoveIndex(model_name="settlementfailuretally", name="failuretally_month_station"),
        migrations.RemoveField(model_name="settlementfailuretally", name="month"),
        migrations.AddField(
            model_name="settlementfailuretally",
            name="day",
            field=models.DateField(default=dt.date(2000, 1, 1), verbose_name="day"),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="settlementfailuretally",
            index=models.Index(fields=["day", "station"], name="failuretally_day_station"),
        ),
        migrations.AlterModelOptions(
            name="settlementfailuretally",
            options={
                "verbose_name": "failed debit day count",
                "verbose_name_plural": "failed debit day counts",
            },
        ),
        migrations.AlterModelOptions(
            name="settlementtally",
            options={
                "verbose_name": "e-settlement day count",
                "verbose_name_plural": "e-settlement day counts",
            },
        ),
        migrations.RunPython(regroup, empty),  # back at 0007, its code recounts by month (rebuild_counts)
    ]
