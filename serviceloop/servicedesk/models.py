"""Service requests (R5–R11): intake from every channel, SLA milestones, dispatch, follow-up, escalation."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from serviceloop.org.models import Role
from serviceloop.org.scope import NOTHING, is_city_level, scope_q


class Channel(models.TextChoices):
    QR = "qr", _("QR code")
    PHONE = "phone", _("Phone")
    HOTLINE = "hotline_12313", _("Hotline 12313")
    WECHAT = "wechat", _("WeChat")
    VISIT = "visit", _("Visit")
    SURVEY = "survey", _("Survey")
    WALK_IN = "walk_in", _("Walk-in")
    OTHER_SYSTEM = "other_system", _("Other system")


class Kind(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry")
    REQUEST = "request", _("Request")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")
    REPORT = "report", _("Tip-off")


class Urgency(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Complexity(models.TextChoices):
    SIMPLE = "simple", _("Simple")
    COMPLEX = "complex", _("Complex")


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ANSWERED = "answered", _("Answered")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CLOSED = "closed", pgettext_lazy("request status", "Closed")
    REOPENED = "reopened", _("Reopened")
    MERGED = "merged", _("Merged")
    CANCELLED = "cancelled", _("Cancelled")


# The state machine. Extra guards (answer only inquiries, a handling report before resolving, closing
# a resolved request only as unreachable…) live in services.servicerequest_transition.
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.ACKNOWLEDGED, Status.ON_HOLD, Status.MERGED, Status.CANCELLED},
    Status.ACKNOWLEDGED: {
        Status.ANSWERED,
        Status.DISPATCHED,
        Status.ON_HOLD,
        Status.MERGED,
        Status.CANCELLED,
    },
    Status.ANSWERED: {Status.FOLLOWED_UP, Status.CLOSED, Status.REOPENED},
    # → ACKNOWLEDGED: an owner outside the desk hands the request back to the desk (hand_back).
    Status.DISPATCHED: {
        Status.ACKNOWLEDGED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.ON_HOLD,
        Status.CANCELLED,
    },
    Status.IN_PROGRESS: {Status.ACKNOWLEDGED, Status.DISPATCHED, Status.RESOLVED, Status.ON_HOLD},
    Status.ON_HOLD: {
        Status.NEW,
        Status.ACKNOWLEDGED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.REOPENED,
        Status.CANCELLED,
    },
    Status.RESOLVED: {Status.FOLLOWED_UP, Status.CLOSED, Status.REOPENED},
    Status.FOLLOWED_UP: {Status.CLOSED, Status.REOPENED},
    Status.CLOSED: {Status.REOPENED},
    Status.REOPENED: {Status.DISPATCHED, Status.IN_PROGRESS, Status.ON_HOLD},
    Status.MERGED: set(),
    Status.CANCELLED: set(),
}
FINAL = frozenset({Status.CLOSED, Status.MERGED, Status.CANCELLED})
OPEN = tuple(s for s in Status.values if s not in FINAL)


class Closure(models.TextChoices):
    DONE = "done", _("Done")
    UNREACHABLE = "unreachable", _("Customer unreachable")


class Category(models.Model):
    """An editable list (ordering, delivery, product quality…). Field matters go to the shop's account manager."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    field_matter = models.BooleanField(
        _("field matter"), default=False, help_text=_("Handled at the shop by its account manager.")
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class ServiceRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(visibility_q(user))

    def open(self):
        return self.filter(status__in=OPEN)


def may_see_tipoffs(user) -> bool:
    """Tip-offs (举报) protect the reporter: inspectors, city-level supervisors and administrators only."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role in (Role.CITY_ADMIN, Role.INSPECTOR):
        return True
    return user.role == Role.SUPERVISOR and is_city_level(user)


def visibility_q(user, *, include_owned: bool = True) -> Q:
    if not user or not user.is_authenticated or not user.is_active:
        return NOTHING
    scoped = scope_q(user, branch="branch", station="station", route="route", under_or=True)
    shopless = Q(shop__isnull=True) if (is_city_level(user) or user.role == Role.AGENT) else NOTHING
    if user.is_superuser:
        shopless = Q()
    area = (Q(shop__isnull=False) & scoped) | shopless
    if user.role == Role.DEPARTMENT_STAFF and user.department_id:
        area |= Q(department_id=user.department_id)
    if include_owned:
        area |= Q(owner=user)
    if may_see_tipoffs(user):
        if user.role == Role.INSPECTOR:
            # Inspectors see tip-offs (and only the requests) of their own area.
            return area | (Q(kind=Kind.REPORT) & (Q(shop__isnull=True) | scoped))
        return area
    return area & ~Q(kind=Kind.REPORT)


class ServiceRequest(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    # Shops are retired (status), not deleted; deleting one (e.g. the demo reset) takes its requests along.
    shop = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="service_requests",
        verbose_name=_("customer"),
    )
    # Copies of the shop's place in the organisation at filing time, so scoping and grouping need no joins.
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
    route = models.ForeignKey(
        "org.Route",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("route"),
    )
    # The department that owns it now (one-stop handling across 物流中心/财务/营销中心): its staff see it.
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    channel = models.CharField(_("channel"), max_length=15, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="requests", verbose_name=_("category")
    )
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    complexity = models.CharField(
        _("complexity"), max_length=8, choices=Complexity.choices, default=Complexity.SIMPLE
    )
    text = models.TextField(_("text"), max_length=2000)
    callback_phone = models.CharField(_("callback phone"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_requests",
        verbose_name=_("owner"),
    )
    owner_due_at = models.DateTimeField(_("owner deadline"), null=True, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_requests",
        verbose_name=_("handler"),
    )
    held_from = models.CharField(_("held from"), max_length=12, choices=Status.choices, blank=True)
    hold_reason = models.CharField(_("hold reason"), max_length=200, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("merged into"),
    )
    closure = models.CharField(_("closure"), max_length=12, choices=Closure.choices, blank=True)
    closure_reason = models.CharField(_("closure reason"), max_length=200, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    follow_up_attempts = models.PositiveSmallIntegerField(_("follow-up attempts"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    repeat_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("repeat of"),
    )
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=64, unique=True, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("filed by"),
    )
    created_at = models.DateTimeField(_("filed at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"))
    # The earliest deadline of the request's pending, running milestones (empty when none runs, and always for a
    # closed, merged or cancelled request), kept by every milestone change in ``sla``: "overdue requests" is then
    # ``next_due_at <= now``, one index range, instead of every open request joined to its milestones (the
    # city home page's count grew 10× with the city, issue 14). ``sla.next_due_rebuild`` recomputes it.
    next_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True, editable=False)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["branch", "created_at"]),
            models.Index(fields=["station", "created_at"]),
            models.Index(fields=["route", "created_at"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["shop", "category", "created_at"]),
            models.Index(fields=["created_at"]),
            # Holds the columns of every role's scope, so counting the overdue requests a user sees reads the
            # index alone; partial: only requests with a running deadline are in it.
            models.Index(
                fields=["next_due_at", "kind", "branch", "station", "route", "shop", "owner", "department"],
                condition=Q(next_due_at__isnull=False),
                name="request_next_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="servicerequest_satisfaction_1_5",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL


def attachment_path(instance, filename):
    return f"servicedesk/{instance.uploaded_at:%Y/%m}/{filename}"


class Attachment(models.Model):
    """A photo of the problem (intake), of the work done (handling report) or a document."""

    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("service request"),
    )
    report = models.ForeignKey(
        "HandlingReport",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("handling report"),
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=50)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name


class EventKind(models.TextChoices):
    FILED = "filed", _("Filed")
    TRANSITION = "transition", _("Status changed")
    NOTE = "note", _("Note")
    REASSIGNED = "reassigned", _("Reassigned")
    ATTACHMENT = "attachment", _("Attachment added")
    REPORT = "report", _("Handling report")
    FOLLOW_UP = "follow_up", _("Follow-up")
    MILESTONE = "milestone", _("Time limit")
    ESCALATED = "escalated", _("Escalated")


class RequestEvent(models.Model):
    """Append-only trail (痕迹化管理): never updated, never deleted."""

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("service request")
    )
    kind = models.CharField(_("event"), max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    from_status = models.CharField(_("from"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Status.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"))
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"])]

    def __str__(self):
        return f"{self.request_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Request events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Request events are append-only.")


class HandlingReport(models.Model):
    """处理反馈单: what the owner did and the outcome; required before resolving."""

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="reports", verbose_name=_("service request")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    actions_taken = models.TextField(_("what was done"), max_length=2000)
    outcome = models.TextField(_("outcome"), max_length=1000)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("handling report")
        verbose_name_plural = _("handling reports")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.request_id} {self.created_at:%Y-%m-%d}"


class FollowUp(models.Model):
    """回访: one call to the customer after resolution."""

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("service request")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"))
    reached = models.BooleanField(_("reached"))
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="followup_satisfaction_1_5",
            ),
        ]

    def __str__(self):
        return f"{self.request_id} {self.at:%Y-%m-%d}"


class ReferenceCounter(models.Model):
    """The last serial used per day, for references like SR20261123-0001."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.day} {self.last}"


# ---- SLA as data -----------------------------------------------------------------------------------


class Clock(models.TextChoices):
    CALENDAR = "calendar", _("Calendar time")
    WORKING = "working", _("Working time")


class MilestoneKind(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    ANSWER = "answer", _("Answer")
    PLAN = "plan", _("Initial plan")
    RESOLVE = "resolve", _("Resolve")


# Which status meets which milestone.
MILESTONE_MET_BY = {
    MilestoneKind.ACKNOWLEDGE: {
        Status.ACKNOWLEDGED,
        Status.ANSWERED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
    },
    MilestoneKind.ANSWER: {Status.ANSWERED, Status.RESOLVED},
    MilestoneKind.PLAN: {Status.IN_PROGRESS, Status.RESOLVED},
    MilestoneKind.RESOLVE: {Status.RESOLVED, Status.ANSWERED},
}


class SlaPolicy(models.Model):
    """Chooses a request's milestones. Blank criteria match anything; the highest priority match wins."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, blank=True)
    complexity = models.CharField(_("complexity"), max_length=8, choices=Complexity.choices, blank=True)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=15, choices=Channel.choices, blank=True)
    priority = models.IntegerField(_("priority"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["-priority", "name"]

    def __str__(self):
        return self.name


class SlaMilestone(models.Model):
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("SLA policy")
    )
    milestone = models.CharField(_("milestone"), max_length=12, choices=MilestoneKind.choices)
    duration = models.DurationField(_("time limit"))
    clock = models.CharField(_("clock"), max_length=8, choices=Clock.choices, default=Clock.CALENDAR)
    warn_share = models.DecimalField(
        _("warning at share"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Blank: the default from settings (0.75)."),
    )

    class Meta:
        verbose_name = _("SLA milestone")
        verbose_name_plural = _("SLA milestones")
        ordering = ["policy", "duration"]
        constraints = [models.UniqueConstraint(fields=["policy", "milestone"], name="slamilestone_unique")]

    def __str__(self):
        return f"{self.policy}: {self.get_milestone_display()} {self.duration}"


class Holiday(models.Model):
    """A company-defined day off (is_workday False) or extra working day (True); wins over the package."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"), default=False)
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


class MilestoneState(models.TextChoices):
    PENDING = "pending", _("Pending")
    MET = "met", _("Met")
    CANCELLED = "cancelled", _("Cancelled")


class RequestMilestone(models.Model):
    """One deadline of one request. Only PENDING rows are swept, so closed requests cost the sweep nothing."""

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("service request")
    )
    milestone = models.CharField(_("milestone"), max_length=12, choices=MilestoneKind.choices)
    clock = models.CharField(_("clock"), max_length=8, choices=Clock.choices)
    duration = models.DurationField(_("time limit"))
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    warn_at = models.DateTimeField(_("warning at"))
    state = models.CharField(
        _("state"), max_length=10, choices=MilestoneState.choices, default=MilestoneState.PENDING
    )
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    breached = models.BooleanField(_("breached"), default=False)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    round = models.PositiveSmallIntegerField(_("round"), default=0, help_text=_("Times reopened before."))
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_total = models.DurationField(_("paused for"), default=timedelta(0))

    class Meta:
        verbose_name = _("request milestone")
        verbose_name_plural = _("request milestones")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "milestone", "round"], name="requestmilestone_unique")
        ]
        indexes = [
            # The sweep's only entry points, narrowed to the rows still to act on so that the index alone
            # answers "what is due now" (the same rows stay pending for days once warned or escalated).
            models.Index(fields=["state", "warned_at", "warn_at"], name="reqmilestone_warn_due"),
            models.Index(fields=["state", "escalation_level", "due_at"], name="reqmilestone_escalation_due"),
            models.Index(fields=["state", "due_at"], name="reqmilestone_state_due"),
        ]

    def __str__(self):
        return f"{self.request_id} {self.milestone} {self.due_at:%Y-%m-%d %H:%M}"


# ---- Escalation, notifications, webhooks, shop messages ----------------------------------------------


class EscalationReason(models.TextChoices):
    WARNING = "warning", _("Near the time limit")
    BREACH = "breach", _("Time limit exceeded")
    BREACH_BRANCH = "breach_branch", _("Still overdue: branch")
    BREACH_CITY = "breach_city", _("Still overdue: city")
    LOW_SATISFACTION = "low_satisfaction", _("Customer dissatisfied")
    REPEAT_COMPLAINT = "repeat_complaint", _("Repeat complaint")


class Escalation(models.Model):
    """One step up the organisation chart; unique per request, milestone and reason, so a sweep never repeats."""

    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.CASCADE,
        related_name="escalations",
        verbose_name=_("service request"),
    )
    milestone = models.ForeignKey(
        RequestMilestone,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalations",
        verbose_name=_("milestone"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=EscalationReason.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    recipients = models.JSONField(_("recipients"), default=list)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "milestone", "reason", "round"], name="escalation_once"
            ),
            models.UniqueConstraint(
                fields=["request", "reason", "round"],
                condition=Q(milestone__isnull=True),
                name="escalation_once_no_milestone",
            ),
        ]

    def __str__(self):
        return f"{self.request_id} {self.reason}"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("service request"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    digested = models.BooleanField(_("sent by webhook"), default=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["digested", "user"]),
        ]

    def __str__(self):
        return self.title


class WebhookFormat(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")
    JSON = "json", _("Plain JSON")


class Webhook(models.Model):
    """Where a person's digest goes besides the bell: a group robot or another system."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhooks",
        verbose_name=_("recipient"),
    )
    url = models.URLField(_("URL"), max_length=500)
    format = models.CharField(
        _("format"), max_length=10, choices=WebhookFormat.choices, default=WebhookFormat.WECOM
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self):
        return f"{self.user} → {self.url}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook")
    )
    sweep_at = models.DateTimeField(_("sweep"))
    payload = models.JSONField(_("payload"))
    state = models.CharField(
        _("state"), max_length=8, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["webhook", "sweep_at"], name="webhookdelivery_once")]
        indexes = [models.Index(fields=["state"])]

    def __str__(self):
        return f"{self.webhook_id} {self.sweep_at:%Y-%m-%d %H:%M} {self.state}"


class ShopMessage(models.Model):
    """A short message to the shop at a milestone (received, dispatched, resolved…), sent by the notifier."""

    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.CASCADE,
        related_name="shop_messages",
        verbose_name=_("service request"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    text = models.CharField(_("text"), max_length=300)
    created_at = models.DateTimeField(_("at"))
    notifier = models.CharField(_("sent by"), max_length=100)
    # Delivery: sent by the job ``shop_messages_send``, retried by ``shop_messages_retry``
    # (servicedesk/notifiers.py).
    state = models.CharField(
        _("state"), max_length=8, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shop message")
        verbose_name_plural = _("shop messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state"], name="shopmessage_state")]

    def __str__(self):
        return self.text
