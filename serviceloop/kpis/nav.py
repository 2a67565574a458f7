"""Menu entries of the KPI and evaluation pages (added to core.nav.menu_for)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def kpi_menu(user) -> list[dict]:
    if not user.is_authenticated or not (user.is_superuser or user.role):
        return []
    return [
        {"label": _("KPI dashboard"), "url": reverse("kpis:dashboard"), "icon": "graph-up"},
        {"label": _("KPI catalogue and targets"), "url": reverse("kpis:targets"), "icon": "bullseye"},
        {"label": _("Scorecards"), "url": reverse("evaluation:scorecards"), "icon": "clipboard-check"},
    ]
