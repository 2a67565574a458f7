"""Company → branch → station → route, and the staff who work in them (R2)."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Company(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.CharField(_("code"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self):
        return self.name


class Branch(models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="branches", verbose_name=_("company")
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="branch_unique_name")]

    def __str__(self):
        return self.name


class Station(models.Model):
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="stations", verbose_name=_("branch")
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["branch__name", "name"]
        constraints = [models.UniqueConstraint(fields=["branch", "name"], name="station_unique_name")]

    def __str__(self):
        return self.name


class Route(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="routes", verbose_name=_("station")
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=20, blank=True)
    account_manager = models.ForeignKey(
        "org.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_routes",
        verbose_name=_("account manager"),
        limit_choices_to={"role": "account_manager"},
    )
    market_manager = models.ForeignKey(
        "org.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="overseen_routes",
        verbose_name=_("market manager"),
        limit_choices_to={"role": "market_manager"},
    )

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        ordering = ["station__name", "name"]
        constraints = [models.UniqueConstraint(fields=["station", "name"], name="route_unique_name")]

    def __str__(self):
        return self.name


class Department(models.Model):
    """A unit outside the route chain (物流中心, 财务, 营销中心) that can own a service request (一站式办理)."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="departments", verbose_name=_("company")
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="department_unique_name")]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("City administrator")
    BRANCH_MANAGER = "branch_manager", _("Branch manager")
    STATION_HEAD = "station_head", _("Station head")
    MARKET_MANAGER = "market_manager", _("Market manager")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    INSPECTOR = "inspector", _("Inspector")
    DEPARTMENT_STAFF = "department_staff", _("Department staff")


# Which org unit each role is held at; agents, supervisors and inspectors may sit at city or branch level.
ROLE_UNIT = {
    Role.CITY_ADMIN: {"company"},
    Role.BRANCH_MANAGER: {"branch"},
    Role.STATION_HEAD: {"station"},
    Role.MARKET_MANAGER: {"branch", "station"},
    Role.ACCOUNT_MANAGER: {"station"},
    Role.AGENT: {"company", "branch"},
    Role.SUPERVISOR: {"company", "branch"},
    Role.INSPECTOR: {"company", "branch", "station"},
    Role.DEPARTMENT_STAFF: {"company"},  # and a department (User.department)
}


class User(AbstractUser):
    """A staff member. One role held at one org unit (the most specific of company/branch/station)."""

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    company = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("company"),
    )
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("branch"),
    )
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("station"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("department"),
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self):
        return self.full_name or self.username

    @property
    def unit_level(self) -> str:
        if self.station_id:
            return "station"
        if self.branch_id:
            return "branch"
        return "company"

    @property
    def unit(self):
        return self.station or self.branch or self.company

    def clean(self):
        # Keep the chain consistent: a station implies its branch, a branch implies its company.
        if self.station_id:
            self.branch = self.station.branch
        if self.branch_id:
            self.company = self.branch.company
        if self.role == Role.DEPARTMENT_STAFF and not self.department_id:
            raise ValidationError({"department": _("Department staff belong to a department.")})
        if self.department_id and self.role != Role.DEPARTMENT_STAFF:
            raise ValidationError({"department": _("Only department staff belong to a department.")})
        if self.role and self.unit_level not in ROLE_UNIT[Role(self.role)]:
            raise ValidationError(
                {
                    "role": _("Role %(role)s cannot be held at this level of the organisation.")
                    % {"role": Role(self.role).label}
                }
            )
