"""Menu entries of supervision, by role (called from core/nav.py)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .scope import is_inspector, may_read_plans, may_read_register


def supervision_menu(user) -> list[dict]:
    if not (user.is_superuser or getattr(user, "role", "")):
        return []
    items = []
    if is_inspector(user):
        items.append(
            {"label": _("My inspection work"), "url": reverse("supervision:work"), "icon": "clipboard-check"}
        )
    if may_read_plans(user):
        items.append({"label": _("Inspection plans"), "url": reverse("supervision:plans"), "icon": "shuffle"})
    items.append(
        {"label": _("Rectifications"), "url": reverse("supervision:rectifications"), "icon": "wrench"}
    )
    if may_read_register(user):
        items.append(
            {"label": _("Risk register"), "url": reverse("supervision:risks"), "icon": "exclamation-diamond"}
        )
    from serviceloop.reviews.services import may_manage_rounds

    if may_manage_rounds(user):
        items.append({"label": _("360-degree reviews"), "url": reverse("reviews:rounds"), "icon": "people"})
    items.append({"label": _("Ratings to give"), "url": reverse("reviews:rate-list"), "icon": "star-half"})
    return items
