"""KPI catalogue, targets with history, and the monthly pre-aggregated values the pages read (R22)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Level(models.TextChoices):
    CITY = "city", _("City")
    BRANCH = "branch", _("Branch")
    STATION = "station", _("Station")
    ROUTE = "route", _("Route")
    MANAGER = "manager", _("Account manager")


class Area(models.TextChoices):
    DESK = "desk", _("Service requests")
    SURVEY = "survey", _("Surveys")
    VISIT = "visit", _("Visits")
    TAG = "tag", _("Problem tags")
    TRADE = "trade", _("Orders and deliveries")


class Kpi(models.Model):
    """One indicator. Rows come from the data migration (catalogue.py); the formula is computed in code
    (compute.py, one function per code) and the text here says in words what it counts."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    definition = models.TextField(_("definition"), max_length=1000)
    formula = models.CharField(_("formula"), max_length=300)
    sources = models.CharField(_("source events"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20)
    # value = numerator / denominator × scale (100 for shares in per cent, 1 for means)
    scale = models.PositiveSmallIntegerField(_("scale"), default=100)
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices)
    area = models.CharField(_("area"), max_length=6, choices=Area.choices)
    has_parts = models.BooleanField(_("broken down by cause"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name

    @property
    def higher_is_better(self) -> bool:
        return self.direction == Direction.HIGHER


class KpiTarget(models.Model):
    """A target and warning line of one KPI at one level, as set at one moment. Never updated: the
    current target is the newest row, the older rows are its history (who, when, why)."""

    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="targets", verbose_name=_("KPI"))
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    target = models.DecimalField(_("target"), max_digits=10, decimal_places=2)
    warning = models.DecimalField(_("warning line"), max_digits=10, decimal_places=2)
    reason = models.CharField(_("reason for the change"), max_length=200)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("set by"),
    )  # fmt: skip
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["kpi", "level", "-set_at", "-id"]
        indexes = [models.Index(fields=["kpi", "level", "set_at"], name="kpitarget_kpi_level_at")]

    def __str__(self):
        return f"{self.kpi} · {self.get_level_display()} · {self.target}"


class KpiValue(models.Model):
    """One KPI for one unit and month, recomputed by the aggregation job. ``unit_id`` is the branch,
    station, route or user id of the level (0 for the city). ``part`` breaks a KPI down (the complaint
    category's code for complaints by cause; empty for the whole)."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="values", verbose_name=_("KPI"))
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    unit_id = models.BigIntegerField(_("unit"))
    part = models.CharField(_("part"), max_length=30, blank=True, default="")
    period = models.DateField(_("month"))  # first day of the month
    numerator = models.FloatField(_("numerator"))
    denominator = models.FloatField(_("denominator"))
    value = models.FloatField(_("value"), null=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("KPI value")
        verbose_name_plural = _("KPI values")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "level", "unit_id", "part", "period"], name="kpivalue_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["level", "unit_id", "period"], name="kpivalue_unit_period"),
            models.Index(fields=["period", "level"], name="kpivalue_period_level"),
        ]

    def __str__(self):
        return f"{self.kpi_id} {self.level}:{self.unit_id} {self.period:%Y-%m} {self.value}"


class KpiRun(models.Model):
    """One run of the aggregation (what the job did, and how long it took)."""

    months = models.JSONField(_("months"), default=list)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    started_at = models.DateTimeField(_("started at"))

    class Meta:
        verbose_name = _("KPI computation")
        verbose_name_plural = _("KPI computations")
        ordering = ["-started_at"]
        constraints = [models.CheckConstraint(condition=Q(rows__gte=0), name="kpirun_rows")]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M}"
