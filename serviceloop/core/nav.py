"""The navigation menu, by role: each entry is shown only to those who may open it."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from serviceloop.growth.selectors import may_see_runs
from serviceloop.org.scope import can_manage_org
from serviceloop.servicedesk.nav import desk_menu
from serviceloop.surveys.nav import survey_menu
from serviceloop.portal.roles import may_print_routes
from serviceloop.visits.nav import loop_menu


def menu_for(user) -> list[dict]:
    items = [
        {"label": _("Home"), "url": reverse("home"), "icon": "house"},
        {"label": _("Customers"), "url": reverse("customers:list"), "icon": "shop"},
    ]
    items += desk_menu(user)
    if may_print_routes(user):
        items.append({"label": _("Service cards"), "url": reverse("portal:routes"), "icon": "qr-code"})
    items += loop_menu(user)
    if may_see_runs(user):
        items.append({"label": _("Allocation"), "url": reverse("growth:runs"), "icon": "boxes"})
    items += survey_menu(user)
    if can_manage_org(user):
        items += [
            {"label": _("Import customers"), "url": reverse("customers:import"), "icon": "upload"},
            {"label": _("Organisation"), "url": reverse("org:branches"), "icon": "diagram-3"},
            {"label": _("Staff"), "url": reverse("org:staff"), "icon": "people"},
            {"label": _("Audit trail"), "url": reverse("audit"), "icon": "journal-text"},
        ]
    return items
