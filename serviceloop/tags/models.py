"""Problem-tag and strategy libraries (R12) and the attach → remove → verify loop (R13–R14)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from serviceloop.org.models import Role
from serviceloop.org.scope import scope_q


class TagCategory(models.TextChoices):
    CAPITAL = "capital", _("Capital and settlement")
    ORDERING = "ordering", _("Ordering")
    DISPLAY = "display", _("Display and shop front")
    STOCK = "stock", _("Stock and products")
    LAW = "law", _("Policy, law and anti-fraud")
    SKILLS = "skills", _("Business skills")
    CARE = "care", _("Care")
    SERVICE = "service", _("Service and relations")


class DiscoverySource(models.TextChoices):
    SURVEY = "survey", _("Survey")
    DATA = "data", _("Data analysis")
    CUSTOMER = "customer", _("Customer report")
    VISIT = "visit", _("Visit mark")


class Severity(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")


class ProblemTag(models.Model):
    category = models.CharField(
        pgettext_lazy("problem tag", "category"), max_length=10, choices=TagCategory.choices
    )
    name = models.CharField(_("name"), max_length=50, unique=True)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    discovery_source = models.CharField(_("how it is found"), max_length=10, choices=DiscoverySource.choices)
    severity = models.PositiveSmallIntegerField(
        _("severity"), choices=Severity.choices, default=Severity.MEDIUM
    )
    active = models.BooleanField(_("in use"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("problem tag")
        verbose_name_plural = _("problem tags")
        ordering = ["category", "name"]

    def __str__(self):
        return self.name


class ServiceStrategy(models.Model):
    """The standard answer to one problem tag. ``actions`` holds one step per line."""

    tag = models.OneToOneField(
        ProblemTag, on_delete=models.PROTECT, related_name="strategy", verbose_name=_("tag")
    )
    actions = models.TextField(_("standard actions"), max_length=2000, help_text=_("One step per line."))
    responsible_role = models.CharField(_("responsible role"), max_length=20, choices=Role.choices)
    time_limit_days = models.PositiveSmallIntegerField(
        _("time limit (days)"), help_text=_("Calendar days from attaching to the end of the last day.")
    )
    materials = models.TextField(_("materials"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("service strategy")
        verbose_name_plural = _("service strategies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(time_limit_days__gte=1, time_limit_days__lte=365),
                name="strategy_limit_1_365",
            )
        ]

    def __str__(self):
        return str(self.tag)

    @property
    def steps(self) -> list[str]:
        return [line.strip() for line in self.actions.splitlines() if line.strip()]


class LibraryEdit(models.Model):
    """One row per saved edit of a tag and its strategy: the libraries' history (append-only)."""

    tag = models.ForeignKey(ProblemTag, on_delete=models.PROTECT, related_name="edits", verbose_name=_("tag"))
    version = models.PositiveIntegerField(_("version"))
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("by")
    )
    snapshot = models.JSONField(_("content"), default=dict)

    class Meta:
        verbose_name = _("library edit")
        verbose_name_plural = _("library edits")
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tag", "version"], name="libraryedit_unique_version")]

    def __str__(self):
        return f"{self.tag_id} v{self.version}"


class TagStatus(models.TextChoices):
    ATTACHED = "attached", _("Attached")
    REMOVED = "removed", _("Removed, awaiting verification")
    VERIFIED = "verified", _("Verified")
    SENT_BACK = "sent_back", _("Sent back")


OPEN_STATUSES = (TagStatus.ATTACHED, TagStatus.SENT_BACK)  # the need is not met yet: the clock runs
LIVE_STATUSES = (TagStatus.ATTACHED, TagStatus.SENT_BACK, TagStatus.REMOVED)


class TagAction(models.TextChoices):
    ATTACH = "attach", _("Attached")
    REMOVE = "remove", _("Removed")
    VERIFY = "verify", _("Verified")
    SEND_BACK = "send_back", _("Sent back")
    SAMPLE_PASS = "sample_pass", _("Sampled and confirmed")
    OVERTURN = "overturn", _("Sampled and overturned")


# (action, from) → to. ``sample_pass`` leaves the status as it is.
TRANSITIONS = {
    (TagAction.REMOVE, TagStatus.ATTACHED): TagStatus.REMOVED,
    (TagAction.REMOVE, TagStatus.SENT_BACK): TagStatus.REMOVED,
    (TagAction.VERIFY, TagStatus.REMOVED): TagStatus.VERIFIED,
    (TagAction.SEND_BACK, TagStatus.REMOVED): TagStatus.SENT_BACK,
    (TagAction.SAMPLE_PASS, TagStatus.VERIFIED): TagStatus.VERIFIED,
    (TagAction.OVERTURN, TagStatus.VERIFIED): TagStatus.SENT_BACK,
}


class CustomerTagQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(
            scope_q(user, branch="customer__branch", station="customer__station", route="customer__route")
        )


def tag_photo_path(instance, filename):
    return f"tags/{instance.customer_id}/{filename}"


class CustomerTag(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="tags", verbose_name=_("customer")
    )
    tag = models.ForeignKey(ProblemTag, on_delete=models.PROTECT, related_name="uses", verbose_name=_("tag"))
    status = models.CharField(
        _("status"), max_length=10, choices=TagStatus.choices, default=TagStatus.ATTACHED
    )
    source = models.CharField(_("how it was found"), max_length=10, choices=DiscoverySource.choices)
    reason = models.TextField(_("why"), max_length=1000)
    evidence = models.TextField(_("evidence"), max_length=1000, blank=True)
    photo = models.ImageField(_("photo"), upload_to=tag_photo_path, blank=True)
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("attached by"),
    )
    attached_at = models.DateTimeField(_("attached at"))
    due_at = models.DateTimeField(_("due at"))
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removed by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    sampled_at = models.DateTimeField(_("sampled at"), null=True, blank=True)
    visit = models.ForeignKey(
        "visits.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tags_attached",
        verbose_name=_("visit"),
    )

    objects = CustomerTagQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        ordering = ["-attached_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["tag", "status"]),
            models.Index(fields=["attached_at"]),
        ]
        constraints = [
            # One live tag of a kind per shop: attaching it twice is a duplicate, not a second need.
            models.UniqueConstraint(
                fields=["customer", "tag"],
                condition=models.Q(status__in=["attached", "removed", "sent_back"]),
                name="customertag_one_live_per_shop",
            )
        ]

    def __str__(self):
        return f"{self.customer} · {self.tag}"

    def is_overdue(self, now) -> bool:
        return self.status in OPEN_STATUSES and self.due_at < now


class CustomerTagEvent(models.Model):
    """Append-only: every step of a tag's life (痕迹化管理)."""

    customer_tag = models.ForeignKey(
        CustomerTag, on_delete=models.CASCADE, related_name="events", verbose_name=_("customer tag")
    )
    action = models.CharField(_("action"), max_length=12, choices=TagAction.choices)
    from_status = models.CharField(_("from"), max_length=10, choices=TagStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=TagStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), db_index=True)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    photo = models.ImageField(_("photo"), upload_to="tags/events/", blank=True)

    class Meta:
        verbose_name = _("tag event")
        verbose_name_plural = _("tag events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["action", "at"])]

    def __str__(self):
        return f"{self.customer_tag_id} {self.action}"

    @property
    def steps_followed(self) -> list[str]:
        """The strategy steps ticked when the tag was removed, in words (events written before the words were
        kept read them from the current strategy)."""
        if self.data.get("step_texts"):
            return list(self.data["step_texts"])
        numbers = self.data.get("steps") or []
        if not numbers:
            return []
        steps = self.customer_tag.tag.strategy.steps
        return [steps[n - 1] if 0 < n <= len(steps) else str(n) for n in numbers]
