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


# ------------------------------------------------------------------------------------ account-manager grades


class Grade(models.TextChoices):
    """客户经理等级 (GLOSSARY: manager grade)."""

    SENIOR = "senior", _("Senior account manager")
    INTERMEDIATE = "intermediate", _("Intermediate account manager")
    JUNIOR = "junior", _("Junior account manager")


class GradeRule(models.Model):
    """How grades are proposed from a year of monthly scorecards, as set at one moment. Never updated: the
    newest row is in force, the older rows are the history (who, when, why)."""

    senior_min = models.DecimalField(
        _("average score for senior"), max_digits=5, decimal_places=2, default=90
    )
    senior_floor = models.DecimalField(
        _("no month below (senior)"), max_digits=5, decimal_places=2, default=80
    )
    intermediate_min = models.DecimalField(
        _("average score for intermediate"), max_digits=5, decimal_places=2, default=75
    )
    min_months = models.PositiveSmallIntegerField(_("months with a score needed"), default=10)
    reason = models.CharField(_("reason for the change"), max_length=200)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("set by"),
    )  # fmt: skip
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("grade rule")
        verbose_name_plural = _("grade rules")
        ordering = ["-set_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(intermediate_min__lte=models.F("senior_min"), senior_min__lte=150,
                            intermediate_min__gte=0, senior_floor__gte=0, min_months__gte=1, min_months__lte=12),
                name="graderule_ranges",
            )
        ]  # fmt: skip

    def __str__(self):
        return f"{self.senior_min}/{self.intermediate_min}/{self.min_months}"


class ProposalState(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting decision")
    DECIDED = "decided", _("Decided")


class GradeProposal(models.Model):
    """The rule's proposal for one manager and year, with the figures it rests on. A person decides it."""

    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("account manager"))  # fmt: skip
    year = models.PositiveSmallIntegerField(_("year"))
    grade = models.CharField(_("proposed grade"), max_length=12, choices=Grade.choices)
    average = models.DecimalField(_("average score"), max_digits=6, decimal_places=2, null=True)
    lowest = models.DecimalField(_("lowest month"), max_digits=6, decimal_places=2, null=True)
    months = models.PositiveSmallIntegerField(_("months with a score"))
    rule = models.ForeignKey(GradeRule, on_delete=models.PROTECT, related_name="+", verbose_name=_("rule"))
    state = models.CharField(
        _("state"), max_length=10, choices=ProposalState.choices, default=ProposalState.PROPOSED
    )
    proposed_at = models.DateTimeField(_("proposed at"))

    class Meta:
        verbose_name = _("grade proposal")
        verbose_name_plural = _("grade proposals")
        ordering = ["-year", "manager_id"]
        constraints = [models.UniqueConstraint(fields=["manager", "year"], name="gradeproposal_unique")]

    def __str__(self):
        return f"{self.manager_id} {self.year} {self.grade}"


class ManagerGrade(models.Model):
    """A grade decided by a person, with the reason. Append-only: the newest row per manager is in force."""

    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grades",
                                verbose_name=_("account manager"))  # fmt: skip
    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices)
    year = models.PositiveSmallIntegerField(_("year evaluated"))
    proposal = models.ForeignKey(GradeProposal, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="decisions", verbose_name=_("proposal"))  # fmt: skip
    reason = models.CharField(_("reason"), max_length=300)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("decided by"))  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("account-manager grade")
        verbose_name_plural = _("account-manager grades")
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["manager", "decided_at"], name="managergrade_manager_at")]

    def __str__(self):
        return f"{self.manager_id} {self.grade}"


# ------------------------------------------------------------------------------------------- service stars


class StarRule(models.Model):
    """How service stars (服务之星, for account managers) or star teams (明星团队, for stations) are proposed,
    as set at one moment. Never updated: the newest row per subject is in force."""

    subject = models.CharField(_("recognition of"), max_length=8, choices=Subject.choices)
    period_kind = models.CharField(
        _("every"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.QUARTER
    )
    top_n = models.PositiveSmallIntegerField(_("at most"), default=3)
    min_score = models.DecimalField(_("final score at least"), max_digits=5, decimal_places=2, default=90)
    kpi = models.ForeignKey("kpis.Kpi", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                            verbose_name=_("KPI whose target must be met"))  # fmt: skip
    active = models.BooleanField(_("in use"), default=True)
    reason = models.CharField(_("reason for the change"), max_length=200)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("set by"),
    )  # fmt: skip
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("star rule")
        verbose_name_plural = _("star rules")
        ordering = ["subject", "-set_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(top_n__gte=1, top_n__lte=50, min_score__gte=0, min_score__lte=150),
                                   name="starrule_ranges")
        ]  # fmt: skip

    def __str__(self):
        return f"{self.subject} top {self.top_n} ≥ {self.min_score}"


class StarState(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Not confirmed")


class StarAward(models.Model):
    """A service star or star team of one period: proposed by the rule, confirmed (or not) by a person."""

    subject = models.CharField(_("recognition of"), max_length=8, choices=Subject.choices)
    unit_id = models.BigIntegerField(_("person or station"))
    period_kind = models.CharField(_("kind"), max_length=8, choices=PeriodKind.choices)
    period = models.DateField(_("period start"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.DecimalField(_("final score"), max_digits=6, decimal_places=2)
    basis = models.JSONField(_("basis"), default=dict)  # what the rule saw: score, KPI value and target
    rule = models.ForeignKey(StarRule, on_delete=models.PROTECT, related_name="+", verbose_name=_("rule"))
    state = models.CharField(_("state"), max_length=10, choices=StarState.choices, default=StarState.PROPOSED)
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("service star")
        verbose_name_plural = _("service stars")
        ordering = ["-period", "subject", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "unit_id", "period_kind", "period"], name="staraward_unique"
            )
        ]
        indexes = [models.Index(fields=["subject", "unit_id"], name="staraward_unit")]

    def __str__(self):
        return f"{self.subject}:{self.unit_id} {self.period} #{self.rank}"
