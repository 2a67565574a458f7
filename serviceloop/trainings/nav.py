"""Menu entries of trainings (called from core/nav.py)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .scope import may_read, may_see_coverage


def training_menu(user) -> list[dict]:
    if not may_read(user):
        return []
    items = [{"label": _("Trainings"), "url": reverse("trainings:sessions"), "icon": "easel"}]
    if may_see_coverage(user):
        items.append(
            {"label": _("Training coverage"), "url": reverse("trainings:coverage"), "icon": "pie-chart"}
        )
    return items
