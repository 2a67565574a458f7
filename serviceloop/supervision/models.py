"""Supervision (R24): inspection plans and their drawn samples, inspection records with findings, rectification
tasks, and the three-level risk register (风险问题清单). Every state change appends an event row."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


# --- inspection plans and samples ----------------------------------------------------------------------------
class PlanKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled (every month)")
    RANDOM = "random", _("Random check (one month)")


class Source(models.TextChoices):
    """The kinds of record an inspection samples, and what the inspector checks on each."""

    VISITS = "visits", _("Visits")
    REQUESTS = "requests", _("Followed-up requests")
    ORDERS = "orders", _("Orders")
    DELIVERIES = "deliveries", _("Deliveries")
    TAG_REMOVALS = "tag_removals", _("Tag removals")


class InspectionPlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .scope import plan_q

        return self.filter(plan_q(user))


class InspectionPlan(models.Model):
    """督察计划: which records to sample, how many per station and month, and who checks them.

    A scheduled plan is drawn every month from ``first_month`` to ``last_month`` (open-ended when empty); a random
    check is one month. The draw of a station and month is reproducible (seeded by plan, station and month)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=PlanKind.choices)
    sources = models.JSONField(_("records to sample"), default=list)
    per_station = models.PositiveSmallIntegerField(_("items per station and record kind"), default=3)
    # Empty: the whole city; otherwise one branch (an inspector's plans are of their branch).
    branch = models.ForeignKey(
        "org.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("branch"),
    )
    first_month = models.DateField(_("first month"))
    last_month = models.DateField(_("last month"), null=True, blank=True)
    # Who checks the drawn items; empty: every inspector and supervisor whose scope holds the station.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inspector"),
    )
    notes = models.TextField(_("notes"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"))

    objects = InspectionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-first_month", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(per_station__gte=1, per_station__lte=50), name="plan_per_station"
            ),
            models.CheckConstraint(
                condition=Q(last_month__isnull=True) | Q(last_month__gte=models.F("first_month")),
                name="plan_months_ordered",
            ),
        ]

    def __str__(self):
        return self.name

    def covers(self, month) -> bool:
        return self.first_month <= month and (self.last_month is None or month <= self.last_month)

    def get_sources_display(self) -> str:
        labels = dict(Source.choices)
        return "、".join(str(labels.get(s, s)) for s in self.sources)


class ItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .scope import unit_q

        return self.filter(unit_q(user, branch="station__branch", station="station"))


class InspectionItem(models.Model):
    """One drawn record to check. ``object_id`` points at the record of ``source`` (kept as a number so that one
    table holds every kind; the summary is copied at draw time so the work list needs no joins)."""

    plan = models.ForeignKey(
        InspectionPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan")
    )
    month = models.DateField(_("month"))
    station = models.ForeignKey(
        "org.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    source = models.CharField(_("record kind"), max_length=12, choices=Source.choices)
    object_id = models.PositiveBigIntegerField(_("record"))
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    # The person whose work the record shows (the account manager who visited, followed up, took the order…).
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person inspected"),
    )
    summary = models.CharField(_("summary"), max_length=300)
    drawn_at = models.DateTimeField(_("drawn at"))

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")
        ordering = ["month", "station_id", "source", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "month", "source", "object_id"], name="item_unique_draw")
        ]
        indexes = [models.Index(fields=["plan", "month", "station"])]

    def __str__(self):
        return f"{self.get_source_display()} #{self.object_id}"


class Finding(models.TextChoices):
    OK = "ok", _("No problem")
    PROBLEM = "problem", _("Problem found")


class Severity(models.TextChoices):
    NONE = "none", pgettext_lazy("severity", "None")
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    SERIOUS = "serious", _("Serious")


class Method(models.TextChoices):
    RECORDS = "records", _("Checked the records")
    PHONE = "phone", _("Called the shop")
    SITE = "site", _("Went to the shop")


class InspectionRecord(models.Model):
    """The finding of one inspected item (one per item)."""

    item = models.OneToOneField(
        InspectionItem, on_delete=models.CASCADE, related_name="record", verbose_name=_("inspection item")
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspector")
    )
    method = models.CharField(_("how it was checked"), max_length=8, choices=Method.choices)
    finding = models.CharField(_("finding"), max_length=8, choices=Finding.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.NONE)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    photo = models.ImageField(_("photo"), upload_to="supervision/", blank=True)
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("inspection record")
        verbose_name_plural = _("inspection records")
        ordering = ["-checked_at", "-id"]
        constraints = [
            # A problem has a severity; "no problem" has none.
            models.CheckConstraint(
                condition=(Q(finding="ok", severity="none") | (Q(finding="problem") & ~Q(severity="none"))),
                name="record_severity_matches_finding",
            )
        ]

    def __str__(self):
        return f"{self.item} · {self.get_finding_display()}"


# --- rectification -------------------------------------------------------------------------------------------
class RectStatus(models.TextChoices):
    OPEN = "open", _("To rectify")
    RECTIFIED = "rectified", _("Rectified, awaiting verification")
    VERIFIED = "verified", _("Verified")
    SENT_BACK = "sent_back", _("Sent back")


class RectAction(models.TextChoices):
    CREATE = "create", pgettext_lazy("rectification", "Created")
    RECTIFY = "rectify", _("Rectified")
    VERIFY = "verify", _("Verified")
    SEND_BACK = "send_back", _("Sent back")
    OVERDUE = "overdue", _("Marked overdue")


RECT_OPEN = (RectStatus.OPEN, RectStatus.SENT_BACK)  # the owner still has to act: the deadline runs

RECT_TRANSITIONS = {
    (RectAction.RECTIFY, RectStatus.OPEN): RectStatus.RECTIFIED,
    (RectAction.RECTIFY, RectStatus.SENT_BACK): RectStatus.RECTIFIED,
    (RectAction.VERIFY, RectStatus.RECTIFIED): RectStatus.VERIFIED,
    (RectAction.SEND_BACK, RectStatus.RECTIFIED): RectStatus.SENT_BACK,
}


class RectificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .scope import rectification_q

        return self.filter(rectification_q(user))


class Rectification(models.Model):
    """整改: what a problem finding asks of its owner, by when; verified by the inspector who found it."""

    record = models.OneToOneField(
        InspectionRecord, on_delete=models.CASCADE, related_name="rectification", verbose_name=_("finding")
    )
    station = models.ForeignKey(
        "org.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    task = models.TextField(_("what to rectify"), max_length=1000)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=RectStatus.choices, default=RectStatus.OPEN)
    overdue_at = models.DateTimeField(_("marked overdue"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["status", "deadline"]), models.Index(fields=["owner", "status"])]

    def __str__(self):
        return f"{self.station} · {self.task[:30]}"

    def is_overdue(self, today) -> bool:
        return self.status in RECT_OPEN and self.deadline < today


class RectificationEvent(models.Model):
    """Append-only: every step of a rectification."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="events", verbose_name=_("rectification")
    )
    action = models.CharField(_("action"), max_length=10, choices=RectAction.choices)
    from_status = models.CharField(_("from"), max_length=10, choices=RectStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=RectStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), max_length=1000, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.rectification_id} {self.action}"


# --- risk register -------------------------------------------------------------------------------------------
class RiskLevel(models.TextChoices):
    CITY = "city", _("City level")
    BRANCH = "branch", _("County level")
    STATION = "station", _("Station level")


class RiskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("risk status", "Open")
    IN_PROGRESS = "in_progress", _("Measures under way")
    IN_REVIEW = "in_review", _("Awaiting review")
    CLOSED = "closed", pgettext_lazy("risk status", "Closed")


class RiskAction(models.TextChoices):
    RAISE = "raise", _("Raised")
    START = "start", _("Measures started")
    SUBMIT = "submit", _("Submitted for review")
    CLOSE = "close", _("Reviewed and closed")
    REOPEN = "reopen", _("Reviewed and sent back")
    EDIT = "edit", pgettext_lazy("risk", "Edited")
    OVERDUE = "overdue", _("Marked overdue")


RISK_OPEN = (RiskStatus.OPEN, RiskStatus.IN_PROGRESS)
RISK_LIVE = (RiskStatus.OPEN, RiskStatus.IN_PROGRESS, RiskStatus.IN_REVIEW)

RISK_TRANSITIONS = {
    (RiskAction.START, RiskStatus.OPEN): RiskStatus.IN_PROGRESS,
    (RiskAction.SUBMIT, RiskStatus.OPEN): RiskStatus.IN_REVIEW,
    (RiskAction.SUBMIT, RiskStatus.IN_PROGRESS): RiskStatus.IN_REVIEW,
    (RiskAction.CLOSE, RiskStatus.IN_REVIEW): RiskStatus.CLOSED,
    (RiskAction.REOPEN, RiskStatus.IN_REVIEW): RiskStatus.IN_PROGRESS,
}


class RiskCause(models.TextChoices):
    MANUAL = "manual", _("Raised by hand")
    SATISFACTION_FALLING = "satisfaction_falling", _("Follow-up satisfaction fell two months in a row")
    SHORT_VISITS = "short_visits", _("Many short visits")
    ROUTE_COMPLAINTS = "route_complaints", _("Repeated complaints about one route")
    INSPECTION = "inspection", _("Serious inspection finding")


class RiskQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .scope import risk_q

        return self.filter(risk_q(user))


class Risk(models.Model):
    """One line of the risk register (风险问题清单), at city, county (branch) or station level."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    level = models.CharField(_("level"), max_length=8, choices=RiskLevel.choices)
    branch = models.ForeignKey(
        "org.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("branch"),
    )
    station = models.ForeignKey(
        "org.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("station"),
    )
    title = models.CharField(_("risk"), max_length=200)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    cause = models.CharField(
        _("raised by"), max_length=24, choices=RiskCause.choices, default=RiskCause.MANUAL
    )
    # Rules write "<rule>:<subject>:<period>" so that re-running a rule finds the risk it raised before.
    cause_key = models.CharField(_("cause key"), max_length=100, blank=True, editable=False)
    period = models.DateField(_("period"), null=True, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person concerned"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("owner"),
    )  # fmt: skip
    measures = models.TextField(_("measures"), max_length=2000, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    review = models.TextField(_("review"), max_length=2000, blank=True)
    overdue_at = models.DateTimeField(_("marked overdue"), null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("raised by"),
    )  # fmt: skip
    raised_at = models.DateTimeField(_("raised at"))
    updated_at = models.DateTimeField(_("updated at"))

    objects = RiskQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risk register")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["status", "level"]), models.Index(fields=["station", "status"])]
        constraints = [
            # The same cause and period never has two live risks (rules are re-run by the job).
            models.UniqueConstraint(
                fields=["cause_key"],
                condition=~Q(cause_key="") & Q(status__in=["open", "in_progress", "in_review"]),
                name="risk_one_live_per_cause",
            ),
            models.CheckConstraint(
                condition=(Q(level="city", branch__isnull=True, station__isnull=True)
                           | Q(level="branch", branch__isnull=False, station__isnull=True)
                           | Q(level="station", branch__isnull=False, station__isnull=False)),
                name="risk_level_matches_unit",
            ),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def unit(self):
        return self.station or self.branch

    def is_overdue(self, today) -> bool:
        return self.status in RISK_OPEN and self.deadline is not None and self.deadline < today


class RiskEvent(models.Model):
    """Append-only: every step of a risk (raised, measures, review)."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="events", verbose_name=_("risk"))
    action = models.CharField(_("action"), max_length=10, choices=RiskAction.choices)
    from_status = models.CharField(_("from"), max_length=12, choices=RiskStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=RiskStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.risk_id} {self.action}"


class RiskRuleSettings(models.Model):
    """Thresholds of the risk rules; one row (pk=1), edited by city admins on the risk-rules page (each change is
    kept in ``RiskRuleChange`` and the audit trail)."""

    satisfaction_falls = models.PositiveSmallIntegerField(
        _("months of falling satisfaction in a row to raise a risk"), default=2
    )
    short_visits_min = models.PositiveSmallIntegerField(
        _("short visits in a month to raise a risk"), default=5
    )
    route_complaints_min = models.PositiveSmallIntegerField(
        _("complaints about one route in a month to raise a risk"), default=3
    )
    days_to_act = models.PositiveSmallIntegerField(_("days to act on a raised risk"), default=15)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("risk rule settings")
        verbose_name_plural = _("risk rule settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    short_visits_min__gte=1,
                    route_complaints_min__gte=2,
                    days_to_act__gte=1,
                    satisfaction_falls__gte=1,
                    satisfaction_falls__lte=6,
                ),
                name="riskrules_positive",
            )
        ]

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "RiskRuleSettings":
        return cls.objects.get_or_create(pk=1)[0]


class RiskRuleChange(models.Model):
    """One change of the risk-rule thresholds: the values before and after, who, when and why. Append-only."""

    before = models.JSONField(_("before"), default=dict)
    after = models.JSONField(_("after"), default=dict)
    reason = models.CharField(_("reason for the change"), max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("changed by"))  # fmt: skip
    at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("risk rule change")
        verbose_name_plural = _("risk rule changes")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M}"
