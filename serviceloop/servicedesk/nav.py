"""Menu entries of the service desk, by role (added to core.nav.menu_for)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from serviceloop.org.models import Role

from .perms import may_file

DESK = {Role.CITY_ADMIN, Role.AGENT, Role.BRANCH_MANAGER, Role.STATION_HEAD, Role.SUPERVISOR, Role.INSPECTOR}


def desk_menu(user) -> list[dict]:
    if not user.is_authenticated or not (user.is_superuser or user.role):
        return []
    items = [{"label": _("Task list"), "url": reverse("servicedesk:tasks"), "icon": "list-check"}]
    if may_file(user):
        items.append({"label": _("New request"), "url": reverse("servicedesk:new"), "icon": "telephone-plus"})
    items.append({"label": _("Work ledger"), "url": reverse("servicedesk:ledger"), "icon": "table"})
    if user.is_superuser or user.role in DESK:
        items += [
            {"label": _("Live board"), "url": reverse("servicedesk:board"), "icon": "speedometer2"},
            {"label": _("Desk KPIs"), "url": reverse("servicedesk:kpis"), "icon": "bar-chart"},
        ]
    if user.is_superuser or user.role == Role.CITY_ADMIN:
        items.append(
            {"label": _("Holiday calendar"), "url": reverse("servicedesk:holidays"), "icon": "calendar-event"}
        )
    return items
