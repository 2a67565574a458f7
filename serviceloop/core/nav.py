"""The navigation menu, by role: each entry is shown only to those who may open it.

Entries are grouped into a few drop-downs so that the bar stays one line on a laptop; a group with a single
entry is shown as a plain link.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from serviceloop.growth.selectors import may_see_runs
from serviceloop.kpis.nav import kpi_menu
from serviceloop.org.scope import can_manage_org
from serviceloop.portal.roles import may_print_routes
from serviceloop.servicedesk.nav import desk_menu
from serviceloop.supervision.nav import supervision_menu
from serviceloop.surveys.nav import survey_menu
from serviceloop.trainings.nav import training_menu
from serviceloop.visits.nav import loop_menu


def menu_for(user) -> list[dict]:
    customers = [{"label": _("Customers"), "url": reverse("customers:list"), "icon": "shop"}]
    if may_print_routes(user):
        customers.append({"label": _("Service cards"), "url": reverse("portal:routes"), "icon": "qr-code"})
    if may_see_runs(user):
        customers.append({"label": _("Allocation"), "url": reverse("growth:runs"), "icon": "boxes"})
        customers.append(
            {"label": _("Restock advice"), "url": reverse("growth:restock"), "icon": "cart-check"}
        )
        customers.append(
            {"label": _("Settlement care"), "url": reverse("growth:settlement-care"), "icon": "credit-card"}
        )
    customers.append({"label": _("Orders"), "url": reverse("trade:orders"), "icon": "cart"})
    if user.is_superuser or getattr(user, "role", ""):
        customers.append(
            {"label": _("Guidance books"), "url": reverse("guidance:list"), "icon": "journal-text"}
        )
    customers += training_menu(user)
    admin = []
    if can_manage_org(user):
        admin = [
            {"label": _("Import customers"), "url": reverse("customers:import"), "icon": "upload"},
            {"label": _("Trade data"), "url": reverse("trade:overview"), "icon": "database-up"},
            {"label": _("Set-up checklist"), "url": reverse("org:setup"), "icon": "list-check"},
            {"label": _("Organisation"), "url": reverse("org:branches"), "icon": "diagram-3"},
            {"label": _("Staff"), "url": reverse("org:staff"), "icon": "people"},
            {"label": _("Audit trail"), "url": reverse("audit"), "icon": "journal-text"},
            {
                "label": _("Event subscriptions"),
                "url": reverse("integrations:subscriptions"),
                "icon": "broadcast",
            },
        ]
    groups = [
        (_("Home"), "house", [{"label": _("Home"), "url": reverse("home"), "icon": "house"}]),
        (_("Customers"), "shop", customers),
        (_("Service requests"), "headset", desk_menu(user)),
        (_("Tags and visits"), "tags", loop_menu(user)),
        (_("Surveys"), "clipboard-data", survey_menu(user)),
        (_("KPIs and evaluation"), "graph-up", kpi_menu(user)),
        (_("Supervision"), "shield-check", supervision_menu(user)),
        (_("Administration"), "gear", admin),
    ]
    menu = []
    for label, icon, children in groups:
        if len(children) == 1:
            menu.append(children[0])
        elif children:
            menu.append({"label": label, "icon": icon, "children": children})
    return menu
