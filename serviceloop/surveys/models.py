"""Satisfaction surveys (R19–R21): versioned questionnaires, waves, targets and answers.

A questionnaire version that a wave uses is frozen: editing it means creating the next version
(``questionnaire_new_version``), so answers always mean what was asked. A wave targets shops
(``WaveTarget``, one per shop, with the shop's segments copied at the draw so that results do not move
when a shop later changes route or stars); each target has at most one ``Answer``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from serviceloop.org.scope import scope_q


class ItemKind(models.TextChoices):
    LIKERT = "likert", _("Rating scale")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TEXT = "text", _("Free text")


class Questionnaire(models.Model):
    code = models.SlugField(
        _("code"), max_length=40, help_text=_("Versions of one questionnaire share the code.")
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="questionnaire_code_version")]

    def __str__(self):
        return f"{self.title} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        """In use by a wave: its sections and items can no longer change."""
        return self.waves.exists()


class Section(models.Model):
    """A dimension of the questionnaire (货源供应, 送货服务 …); its weight counts in the overall index."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="sections", verbose_name=_("questionnaire")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.SlugField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=100)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=3, default=1)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="section_code_unique"),
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="section_weight_nonneg"),
        ]

    def __str__(self):
        return self.title


class Item(models.Model):
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="items", verbose_name=_("section")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.SlugField(_("code"), max_length=40, help_text=_("Unique within the questionnaire."))
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("type"), max_length=10, choices=ItemKind.choices, default=ItemKind.LIKERT)
    scale_max = models.PositiveSmallIntegerField(
        _("scale"), choices=[(5, _("1–5")), (7, _("1–7"))], default=5
    )
    ask_expectation = models.BooleanField(_("ask expectation"), default=False)
    ask_importance = models.BooleanField(_("ask importance"), default=False)
    options = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=3, default=1)
    is_overall = models.BooleanField(
        _("overall satisfaction item"),
        default=False,
        help_text=_("The outcome of the driver analysis; not part of any dimension's index."),
    )

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["section__order", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="item_weight_nonneg"),
            models.CheckConstraint(condition=models.Q(scale_max__in=[5, 7]), name="item_scale_5_or_7"),
        ]

    def __str__(self):
        return f"{self.code} {self.text}"

    @property
    def is_scored(self) -> bool:
        return self.kind == ItemKind.LIKERT and not self.is_overall


class WaveStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("wave", "Draft")
    OPEN = "open", pgettext_lazy("wave", "Open")
    CLOSED = "closed", pgettext_lazy("wave", "Closed")


WAVE_TRANSITIONS = {
    WaveStatus.DRAFT: {WaveStatus.OPEN},
    WaveStatus.OPEN: {WaveStatus.CLOSED},
    WaveStatus.CLOSED: set(),
}


class TargetMode(models.TextChoices):
    ALL = "all", _("All active shops")
    SAMPLE = "sample", _("Stratified sample")


STRATA_FIELDS = {
    "branch": _("branch"),
    "market_type": _("market type"),
    "retail_format": _("retail format"),
    "stars": _("stars"),
}


class WaveQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Waves of the user's company (results inside are scoped again, by target)."""
        if not user or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(company_id=user.company_id)


class Wave(models.Model):
    company = models.ForeignKey(
        "org.Company", on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="waves", verbose_name=_("questionnaire")
    )
    name = models.CharField(_("name"), max_length=100)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=10, choices=WaveStatus.choices, default=WaveStatus.DRAFT
    )
    anonymous = models.BooleanField(
        _("anonymous"),
        default=False,
        help_text=_("Answers are not linked to a shop in any view below the city level."),
    )
    target_mode = models.CharField(
        _("targets"), max_length=10, choices=TargetMode.choices, default=TargetMode.ALL
    )
    strata = models.JSONField(_("strata"), default=list, blank=True)
    confidence = models.DecimalField(_("confidence"), max_digits=4, decimal_places=3, default=0.95)
    margin = models.DecimalField(_("margin of error"), max_digits=4, decimal_places=3, default=0.05)
    seed = models.PositiveIntegerField(_("random seed"), null=True, blank=True)
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = WaveQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey wave")
        verbose_name_plural = _("survey waves")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="wave_unique_name"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="wave_period_order"
            ),
        ]

    def __str__(self):
        return self.name


class WaveEvent(models.Model):
    """Append-only: one row per status change of a wave."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="events", verbose_name=_("wave"))
    from_status = models.CharField(_("from"), max_length=10, choices=WaveStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=WaveStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("wave event")
        verbose_name_plural = _("wave events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.wave_id}: {self.from_status} → {self.to_status}"


class TargetQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_q(user, branch="branch", station="station", route="route"))


class WaveTarget(models.Model):
    """A shop the wave asks, with its segments as they were at the draw and its public link token."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="targets", verbose_name=_("wave"))
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="survey_targets",
        verbose_name=_("customer"),
    )
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("branch")
    )
    station = models.ForeignKey(
        "org.Station", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("station")
    )
    route = models.ForeignKey(
        "org.Route", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("route")
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account manager"),
    )
    market_type = models.CharField(_("market type"), max_length=1, blank=True)
    retail_format = models.CharField(_("retail format"), max_length=1, blank=True)
    stars = models.PositiveSmallIntegerField(_("stars"), default=0)
    token = models.CharField(_("link token"), max_length=40, unique=True)
    token_revoked_at = models.DateTimeField(_("link revoked at"), null=True, blank=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("wave target")
        verbose_name_plural = _("wave targets")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["wave", "customer"], name="target_once_per_wave")]
        indexes = [models.Index(fields=["wave", "station"]), models.Index(fields=["wave", "route"])]

    def __str__(self):
        return f"{self.wave_id}:{self.customer_id}"


class Channel(models.TextChoices):
    QR = "qr", _("Link / QR code")
    PHONE = "phone", _("Phone interview")
    VISIT = "visit", _("During a visit")


class AnswerStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", pgettext_lazy("answer", "In progress")
    SUBMITTED = "submitted", pgettext_lazy("answer", "Submitted")


class Answer(models.Model):
    """One shop's answer sheet for a wave. Values are JSON keyed by item code (validated by
    ``answer_save``): ``values`` the perception/choice/text answers, ``expectations`` and ``importances``
    the paired 1–k ratings. One row per wave and shop, enforced by the database."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="answers", verbose_name=_("wave"))
    target = models.OneToOneField(
        WaveTarget, on_delete=models.CASCADE, related_name="answer", verbose_name=_("target")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="survey_answers",
        verbose_name=_("customer"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=AnswerStatus.choices, default=AnswerStatus.IN_PROGRESS
    )
    values = models.JSONField(_("answers"), default=dict)
    expectations = models.JSONField(_("expectations"), default=dict)
    importances = models.JSONField(_("importance"), default=dict)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    started_at = models.DateTimeField(_("started at"))
    updated_at = models.DateTimeField(_("updated at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["wave", "customer"], name="answer_once_per_shop")]
        indexes = [models.Index(fields=["wave", "status"])]

    def __str__(self):
        return f"{self.wave_id}:{self.customer_id} {self.status}"


class Reminder(models.Model):
    """A reminder given to a shop that has not answered yet (append-only)."""

    target = models.ForeignKey(
        WaveTarget, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("target")
    )
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.target_id} {self.at:%Y-%m-%d %H:%M}"


class ActionKind(models.TextChoices):
    TAG = "tag", _("Problem tag")
    REQUEST = "request", _("Service request")


class LowScoreAction(models.Model):
    """A low score that was acted on: the tag attached or the request filed for one shop and dimension
    (R21). The next wave's results report whether these shops moved."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="actions", verbose_name=_("wave"))
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    dimension = models.CharField(_("dimension"), max_length=40)
    score = models.FloatField(_("score"))
    threshold = models.FloatField(_("threshold"))
    kind = models.CharField(_("action"), max_length=10, choices=ActionKind.choices)
    customer_tag = models.ForeignKey(
        "tags.CustomerTag",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tag"),
    )
    service_request = models.ForeignKey(
        "servicedesk.ServiceRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service request"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("low-score action")
        verbose_name_plural = _("low-score actions")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "customer", "dimension", "kind"], name="lowscore_once"),
        ]

    def __str__(self):
        return f"{self.wave_id}:{self.customer_id} {self.dimension} {self.kind}"
