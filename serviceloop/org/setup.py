"""What a new company still lacks before it can work, in the order to do it (the city admin's set-up page)."""

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Branch, Role, Route, Station, User


@dataclass
class Step:
    key: str
    title: str
    done: bool
    status: str
    url: str
    action: str


def holiday_calendar_ready(year: int) -> bool:
    """The coming year's holidays are known: the calendar package covers it, or the company entered them."""
    try:
        import chinese_calendar

        chinese_calendar.is_workday(dt.date(year, 10, 1))
        return True
    except (NotImplementedError, ImportError):
        pass
    if apps.is_installed("serviceloop.servicedesk"):
        Holiday = apps.get_model("servicedesk", "Holiday")
        return Holiday.objects.filter(date__year=year).count() >= 5
    return False


def setup_steps(*, now=None) -> list[Step]:
    from serviceloop.customers.models import Customer

    today = timezone.localdate(now)
    branches, stations = Branch.objects.count(), Station.objects.count()
    managers = User.objects.filter(role=Role.ACCOUNT_MANAGER, is_active=True).count()
    staff = User.objects.exclude(role="").filter(is_active=True).count()
    customers = Customer.objects.count()
    routes = Route.objects.count()
    unowned = Route.objects.filter(account_manager__isnull=True).count()
    steps = [
        Step("org", _("Organisation units"), bool(branches and stations),
             _("%(b)s branches, %(s)s stations") % {"b": branches, "s": stations},
             reverse("org:branches"), _("Add branches and stations")),
        Step("staff", _("Staff"), managers > 0,
             _("%(n)s staff, %(m)s account managers") % {"n": staff, "m": managers},
             reverse("org:staff-import"), _("Import the staff list")),
        Step("customers", _("Customers"), customers > 0, _("%(n)s shops") % {"n": customers},
             reverse("customers:import"), _("Import the customer file")),
        Step("route_owners", _("Route owners"), routes > 0 and unowned == 0,
             _("%(n)s of %(t)s routes without an account manager") % {"n": unowned, "t": routes},
             reverse("org:routes"), _("Give every route an account manager")),
    ]  # fmt: skip
    if apps.is_installed("serviceloop.trade"):
        from serviceloop.trade.models import BatchKind, BatchStatus, ImportBatch, Product

        products = Product.objects.count()
        imported = ImportBatch.objects.filter(kind=BatchKind.ORDERS, status=BatchStatus.COMMITTED).exists()
        steps += [
            Step("products", _("Products"), products > 0, _("%(n)s products") % {"n": products},
                 reverse("trade:import"), _("Import the product catalogue")),
            Step("trade", _("First trade import"), imported,
                 _("orders imported") if imported else _("no orders yet"), reverse("trade:import"),
                 _("Import orders, deliveries and settlements")),
        ]  # fmt: skip
    policies = 0
    if apps.is_installed("serviceloop.visits"):
        policies += apps.get_model("visits", "VisitPolicy").objects.filter(active=True).count()
    if apps.is_installed("serviceloop.servicedesk"):
        policies += apps.get_model("servicedesk", "SlaPolicy").objects.count()
    steps.append(
        Step(
            "policies",
            _("Policies"),
            policies > 0,
            _("%(n)s visit and time-limit policies") % {"n": policies},
            reverse("visits:policies") if apps.is_installed("serviceloop.visits") else reverse("admin:index"),
            _("Set visit policies and time limits"),
        )  # fmt: skip
    )
    year = today.year + 1
    ready = holiday_calendar_ready(year)
    steps.append(
        Step(
            "holidays",
            _("Holiday calendar of the coming year"),
            ready,
            (_("%(y)s known") if ready else _("%(y)s missing: enter the State Council's schedule"))
            % {"y": year},
            reverse("servicedesk:holidays") if apps.is_installed("serviceloop.servicedesk") else "/admin/",
            _("Enter holidays and make-up working days"),
        )  # fmt: skip
    )
    return steps
