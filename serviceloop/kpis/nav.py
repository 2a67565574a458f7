"""Menu entries of the KPI and evaluation pages (added to core.nav.menu_for)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def kpi_menu(user) -> list[dict]:
    if not user.is_authenticated or not (user.is_superuser or user.role):
        return []
    from serviceloop.evaluation.selectors import may_see_scorecards

    items = [
        {"label": _("KPI dashboard"), "url": reverse("kpis:dashboard"), "icon": "graph-up"},
        {"label": _("KPI catalogue and targets"), "url": reverse("kpis:targets"), "icon": "bullseye"},
    ]
    if may_see_scorecards(user):
        items.append(
            {"label": _("Scorecards"), "url": reverse("evaluation:scorecards"), "icon": "clipboard-check"}
        )
        items.append(
            {"label": _("Account-manager grades"), "url": reverse("evaluation:grades"), "icon": "award"}
        )
        items.append({"label": _("Service stars"), "url": reverse("evaluation:stars"), "icon": "star"})
    return items
