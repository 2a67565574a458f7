"""Balanced scorecards of account managers and stations (R23): weighted KPIs in four perspectives,
monthly (process control) and quarterly (comprehensive evaluation), with supervisors' adjustments."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Subject(models.TextChoices):
    MANAGER = "manager", _("Account manager")
    STATION = "station", _("Station")


class Perspective(models.TextChoices):
    CUSTOMER = "customer", _("Customer (service quality)")
    SALES = "sales", _("Finance (sales)")
    PROCESS = "process", _("Internal process")
    LEARNING = "learning", _("Learning and growth")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Monthly process control")
    QUARTER = "quarter", _("Quarterly comprehensive evaluation")


class ScorecardWeight(models.Model):
    """The weight of one KPI in one subject's scorecard, as set at one moment. Never updated: the newest
    row per (subject, KPI) is in force (weight 0 takes a KPI out), the older rows are the history."""

    subject = models.CharField(_("scorecard of"), max_length=8, choices=Subject.choices)
    kpi = models.ForeignKey("kpis.Kpi", on_delete=models.PROTECT, related_name="+", verbose_name=_("KPI"))
    perspective = models.CharField(_("perspective"), max_length=10, choices=Perspective.choices)
    weight = models.PositiveSmallIntegerField(_("weight"))
    reason = models.CharField(_("reason for the change"), max_length=200)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("set by"),
    )  # fmt: skip
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("scorecard weight")
        verbose_name_plural = _("scorecard weights")
        ordering = ["subject", "-set_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(weight__lte=100), name="scorecardweight_0_100")]

    def __str__(self):
        return f"{self.get_subject_display()} · {self.kpi} · {self.weight}"


class Scorecard(models.Model):
    """One subject's score for one month or quarter, recomputed from the KPI values. ``lines`` keeps what
    the score was made of (KPI, value, target, weight, points) so it explains itself."""

    subject = models.CharField(_("scorecard of"), max_length=8, choices=Subject.choices)
    unit_id = models.BigIntegerField(_("person or station"))
    period_kind = models.CharField(_("kind"), max_length=8, choices=PeriodKind.choices)
    period = models.DateField(_("period start"))
    score = models.DecimalField(_("computed score"), max_digits=6, decimal_places=2, null=True)
    lines = models.JSONField(_("lines"), default=list)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["-period", "subject", "unit_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "unit_id", "period_kind", "period"], name="scorecard_unique"
            )
        ]
        indexes = [models.Index(fields=["subject", "period_kind", "period"], name="scorecard_period")]

    def __str__(self):
        return f"{self.subject}:{self.unit_id} {self.period_kind} {self.period}"


class ScorecardAdjustment(models.Model):
    """A supervisor's adjustment of a score, with its reason. Append-only."""

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="adjustments", verbose_name=_("scorecard")
    )
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("adjusted by"))  # fmt: skip
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("scorecard adjustment")
        verbose_name_plural = _("scorecard adjustments")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=-20, points__lte=20), name="adjustment_within_20")
        ]

    def __str__(self):
        return f"{self.scorecard_id} {self.points:+}"
