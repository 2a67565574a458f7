"""Integration with other systems: API tokens, idempotent API answers, outbound events (webhooks)."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    """A named token a user makes for a script or another system. Only the SHA-256 of the secret is kept:
    the secret is shown once, when made. ``scope=read`` refuses every write (403)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("starts with"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=5, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_live(self, now) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotentAnswer(models.Model):
    """The first answer to an API write sent with an ``Idempotency-Key``, kept per caller: the same key from
    the same caller with the same body gets this answer again; with another body, 409."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    endpoint = models.CharField(max_length=200)
    request_sha256 = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="integrations_idempotency_unique")
        ]

    def __str__(self):
        return f"{self.user_id}:{self.key}"


class EventKind(models.TextChoices):
    REQUEST_FILED = "request.filed", _("Service request filed")
    REQUEST_DISPATCHED = "request.dispatched", _("Service request dispatched")
    REQUEST_RESOLVED = "request.resolved", _("Service request resolved")
    REQUEST_CLOSED = "request.closed", _("Service request closed")
    REQUEST_REOPENED = "request.reopened", _("Service request reopened")
    REQUEST_ESCALATED = "request.escalated", _("Service request escalated")
    TAG_ATTACHED = "tag.attached", _("Tag attached")
    TAG_REMOVED = "tag.removed", _("Tag removed")
    TAG_VERIFIED = "tag.verified", _("Tag verified")
    SURVEY_ANSWERED = "survey.answer_received", _("Survey answer received")
    ALLOCATION_FINISHED = "allocation.run_finished", _("Allocation run finished")
    # Supervision (issue 15, second part): what an integrator (e.g. the monopoly's case system) waits for.
    RISK_RAISED = "risk.raised", _("Risk raised")
    RISK_CLOSED = "risk.closed", _("Risk closed")
    INSPECTION_RECORDED = "inspection.recorded", _("Inspection finding recorded")
    # A test send from the subscriptions page or the API: never subscribed to, only sent on request.
    PING = "ping", _("Test send")


SUBSCRIBABLE = [(v, label) for v, label in EventKind.choices if v != EventKind.PING]


class Subscription(models.Model):
    """An endpoint of another system that wants our events, signed with its own secret."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100)
    kinds = models.JSONField(_("event kinds"), default=list)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("event subscription")
        verbose_name_plural = _("event subscriptions")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def kind_labels(self) -> list[str]:
        return [str(EventKind(k).label) for k in self.kinds if k in EventKind.values]


class OutboxEvent(models.Model):
    """One domain event, written by the service in the same transaction as the change it reports."""

    kind = models.CharField(_("event kind"), max_length=40, choices=EventKind.choices)
    payload = models.JSONField(_("content"), default=dict)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.kind} #{self.pk}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Gave up")


class Delivery(models.Model):
    """One event to one subscription: tried until a 2xx answer, with back-off, at most MAX_ATTEMPTS times."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last answer code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.event_id}→{self.subscription_id}"


class DeliveryAttempt(models.Model):
    """The delivery log: one row per POST, with the receiver's answer code (append-only)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(_("at"))
    status_code = models.PositiveSmallIntegerField(_("answer code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    milliseconds = models.PositiveIntegerField(_("milliseconds"), default=0)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.delivery_id} {self.status_code}"
