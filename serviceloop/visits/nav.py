"""Menu entries of the tag loop and visits, by role (called from core/nav.py)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from serviceloop.org.scope import can_manage_org


def loop_menu(user) -> list[dict]:
    if not (user.is_superuser or getattr(user, "role", "")):
        return []
    items = []
    if user.role == "account_manager":
        items += [
            {"label": _("Today's visits"), "url": reverse("visits:today"), "icon": "calendar-check"},
            {"label": _("135 work cycle"), "url": reverse("visits:cycle"), "icon": "arrow-repeat"},
        ]
    elif user.is_superuser or user.role in ("station_head", "branch_manager", "city_admin"):
        items.append({"label": _("135 work cycle"), "url": reverse("visits:cycle"), "icon": "arrow-repeat"})
    items += [
        {"label": _("Customer tags"), "url": reverse("tags:list"), "icon": "tags"},
        {"label": _("Key customers"), "url": reverse("visits:keylists"), "icon": "star"},
        {"label": _("Visits"), "url": reverse("visits:list"), "icon": "person-walking"},
    ]
    if can_manage_org(user):
        items.append({"label": _("Visit policies"), "url": reverse("visits:policies"), "icon": "sliders"})
    return items
