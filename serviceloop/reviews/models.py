"""360° reviews (R23): a round rates account managers by their superiors, peers, subordinates and — through a short
survey wave to each manager's shops — their customers. Ratings are anonymous: only aggregates are shown, and only
when at least ``min_raters`` raters of a relation answered."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RoundStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("review round", "Draft")
    OPEN = "open", pgettext_lazy("review round", "Open")
    CLOSED = "closed", pgettext_lazy("review round", "Closed")


ROUND_TRANSITIONS = {RoundStatus.DRAFT: RoundStatus.OPEN, RoundStatus.OPEN: RoundStatus.CLOSED}


class Relation(models.TextChoices):
    SUPERIOR = "superior", _("Superior")
    PEER = "peer", _("Peer")
    SUBORDINATE = "subordinate", _("Subordinate")


# What staff raters score, 1–5 each.
CRITERIA = [
    ("attitude", _("Service attitude")),
    ("skill", _("Professional skill")),
    ("responsibility", _("Sense of responsibility")),
    ("teamwork", _("Teamwork")),
]


class ReviewRound(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    min_raters = models.PositiveSmallIntegerField(
        _("minimum raters"),
        default=3,
        help_text=_("Below this many answers of a kind, nothing of it is shown."),
    )
    questionnaire = models.ForeignKey(
        "surveys.Questionnaire",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer questionnaire"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_raters__gte=2, min_raters__lte=20), name="round_min_raters"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="round_period"
            ),
        ]

    def __str__(self):
        return self.name


class RoundEvent(models.Model):
    """Append-only: created, opened, closed."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=8, choices=RoundStatus.choices, blank=True)
    to_status = models.CharField(max_length=8, choices=RoundStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.round_id} {self.to_status}"


class Reviewee(models.Model):
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="reviewees")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("account manager"),
    )
    # The short survey to the manager's shops, made when the round opens (the surveys module runs it).
    wave = models.OneToOneField(
        "surveys.Wave", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("customer survey"),
    )  # fmt: skip

    class Meta:
        ordering = ["manager__full_name", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "manager"], name="reviewee_unique")]

    def __str__(self):
        return str(self.manager)


class Rater(models.Model):
    """One staff member asked to rate one reviewee; the rating is kept here once given."""

    reviewee = models.ForeignKey(Reviewee, on_delete=models.CASCADE, related_name="raters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        ordering = ["reviewee_id", "relation", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reviewee", "user"], name="rater_unique"),
            models.CheckConstraint(condition=~Q(relation=""), name="rater_relation"),
        ]

    def __str__(self):
        return f"{self.reviewee_id} · {self.relation}"
