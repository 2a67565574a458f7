"""Customer trainings (R30, 培训): topics, sessions of about thirty shops, invitations, attendance, and the
messages sent to shops. A session moves along TRANSITIONS; every move appends a SessionEvent row."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CAPACITY_MAX = 200


class TrainingTopic(models.Model):
    """A training subject (政策法规, 档位评定 …), edited by the city admin. ``tags`` are the problem tags the
    training should help remove: the effect figures follow them."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    tags = models.ManyToManyField(
        "tags.ProblemTag",
        blank=True,
        related_name="training_topics",
        verbose_name=_("problem tags it addresses"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("training topic")
        verbose_name_plural = _("training topics")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class SessionStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("training", "Planned")
    INVITED = "invited", _("Invitations sent")
    HELD = "held", pgettext_lazy("training", "Held")
    CLOSED = "closed", pgettext_lazy("training", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("training", "Cancelled")


class SessionAction(models.TextChoices):
    CREATE = "create", pgettext_lazy("training", "Planned")
    INVITE = "invite", _("Invitations sent")
    HOLD = "hold", _("Marked as held")
    CLOSE = "close", pgettext_lazy("training", "Closed")
    CANCEL = "cancel", pgettext_lazy("training", "Cancelled")


# (action, from) → to. Anything else is refused by the one transition service.
TRANSITIONS = {
    (SessionAction.INVITE, SessionStatus.PLANNED): SessionStatus.INVITED,
    (SessionAction.HOLD, SessionStatus.INVITED): SessionStatus.HELD,
    (SessionAction.CLOSE, SessionStatus.HELD): SessionStatus.CLOSED,
    (SessionAction.CANCEL, SessionStatus.PLANNED): SessionStatus.CANCELLED,
    (SessionAction.CANCEL, SessionStatus.INVITED): SessionStatus.CANCELLED,
}
# While invitations may still go out and shops check in at the door.
INVITING = (SessionStatus.PLANNED, SessionStatus.INVITED)
CHECK_IN_OPEN = (SessionStatus.INVITED, SessionStatus.HELD)


class SessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .scope import session_q

        return self.filter(session_q(user))


class TrainingSession(models.Model):
    """One small-class training (~30 shops) organised by a branch or one of its stations."""

    topic = models.ForeignKey(
        TrainingTopic, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("topic")
    )
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("trainer")
    )
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("capacity (shops)"), default=30)
    # The organising unit: a branch, or one of its stations (then both are set).
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    station = models.ForeignKey(
        "org.Station", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("station"),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    notes = models.TextField(_("notes"), max_length=1000, blank=True)
    # The door's QR code carries this random value, signed (services.checkin_code).
    checkin_token = models.CharField(_("check-in token"), max_length=40, unique=True, editable=False)
    # The feedback survey sent to the attendees (a wave of the survey module).
    wave = models.OneToOneField(
        "surveys.Wave", on_delete=models.SET_NULL, null=True, blank=True, related_name="training_session",
        verbose_name=_("feedback survey"),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["station", "starts_at"]),
            models.Index(fields=["branch", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="training_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1, capacity__lte=CAPACITY_MAX),
                                   name="training_capacity_range"),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.topic} {self.starts_at:%Y-%m-%d}"

    @property
    def unit(self):
        return self.station or self.branch


class SessionEvent(models.Model):
    """Append-only: every step of a session (planned, invitations, held, closed, cancelled)."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="events", verbose_name=_("training session")
    )
    action = models.CharField(_("action"), max_length=10, choices=SessionAction.choices)
    from_status = models.CharField(_("from"), max_length=10, choices=SessionStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=SessionStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )  # fmt: skip
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.session_id} {self.action}"


class Targeting(models.TextChoices):
    SEGMENT = "segment", _("Segment")
    TAG = "tag", _("Problem tag")
    KEY_LIST = "key_list", _("Key-customer list")
    LICENCES = "licences", _("Licence numbers")
    FILTER = "filter", _("Customer filter")


class CheckInMethod(models.TextChoices):
    QR = "qr", _("QR code at the door")
    STAFF = "staff", _("Ticked by staff")


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .scope import session_q

        return self.filter(session_q(user, prefix="session__"))


class Invitation(models.Model):
    """A shop invited to a session (once), and whether it came."""

    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("training session"),
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="training_invitations",
        verbose_name=_("customer"),
    )  # fmt: skip
    # The shop's station when invited: coverage by station counts it there.
    station = models.ForeignKey(
        "org.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    targeting = models.CharField(_("invited by way of"), max_length=10, choices=Targeting.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("invited by"),
    )  # fmt: skip
    invited_at = models.DateTimeField(_("invited at"))
    attended_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checkin_method = models.CharField(_("checked in by way of"), max_length=5, choices=CheckInMethod.choices,
                                      blank=True)  # fmt: skip
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("ticked by"),
    )  # fmt: skip

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("training invitation")
        verbose_name_plural = _("training invitations")
        ordering = ["session_id", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "customer"], name="training_invite_once")]
        indexes = [
            models.Index(fields=["customer", "attended_at"]),
            models.Index(fields=["station", "attended_at"]),
        ]

    def __str__(self):
        return f"{self.session_id}:{self.customer_id}"

    @property
    def attended(self) -> bool:
        return self.attended_at is not None
