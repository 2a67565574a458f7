"""Visit compliance leaves cancelled visits out of the plan, as the compliance page does (stop 28): the catalogue's
definition and formula say so. Only rows still holding the first wording change. The daily KPI job recomputes the
current month under the new rule; closed months keep the values their evaluations used, unless recomputed with
``manage.py compute_kpis --kpi visit_compliance --months N``."""

from django.db import migrations

OLD = ("当月截至统计日计划的拜访中已完成（签到签退）的比例。", "已完成拜访数 ÷ 计划拜访数 × 100%")
NEW = (
    "当月截至统计日计划的拜访中已完成（签到签退）的比例；已取消的拜访不算计划（过了拜访日只有站长或市场经理能改期或取消）。",
    "已完成拜访数 ÷（计划拜访数 − 已取消拜访数）× 100%",
)


def reword(old, new):
    def run(apps, schema_editor):
        Kpi = apps.get_model("kpis", "Kpi")
        Kpi.objects.filter(code="visit_compliance", definition=old[0], formula=old[1]).update(
            definition=new[0], formula=new[1]
        )

    return run


class Migration(migrations.Migration):
    dependencies = [("kpis", "0002_catalogue")]
    operations = [migrations.RunPython(reword(OLD, NEW), reword(NEW, OLD))]
