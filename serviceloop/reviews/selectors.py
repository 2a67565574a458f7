"""Reads of 360° reviews. Individual ratings never leave this module: only means of a relation with at least the
round's ``min_raters`` answers."""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.http import Http404

from serviceloop.surveys.models import Answer, AnswerStatus
from serviceloop.surveys.services import questionnaire_items

from .models import CRITERIA, Rater, Relation, Reviewee, ReviewRound, RoundStatus


@dataclass
class Part:
    key: str
    label: str
    asked: int
    answered: int
    shown: bool
    means: dict = field(default_factory=dict)  # criterion → mean (staff), or {"index": 0–100} (customers)
    overall: float | None = None


def _staff_part(key, label, raters, min_raters) -> Part:
    done = [r for r in raters if r.rated_at]
    part = Part(key, str(label), len(raters), len(done), len(done) >= min_raters)
    if part.shown:
        for key, _l in CRITERIA:
            part.means[key] = round(sum(r.scores[key] for r in done) / len(done), 2)
        part.overall = round(sum(part.means.values()) / len(part.means), 2)
    return part


def customer_index(wave) -> tuple[int, int, float | None]:
    """(shops asked, answers, mean 0–100 of the scored items) of a reviewee's customer wave."""
    if wave is None:
        return 0, 0, None
    items = [i for i in questionnaire_items(wave.questionnaire) if i.is_scored]
    answers = list(
        Answer.objects.filter(wave=wave, status=AnswerStatus.SUBMITTED).values_list("values", flat=True)
    )
    scores = []
    for values in answers:
        per = [(float(values[i.code]) - 1) / (i.scale_max - 1) * 100 for i in items
               if isinstance(values.get(i.code), int | float)]  # fmt: skip
        if per:
            scores.append(sum(per) / len(per))
    return wave.targets.count(), len(answers), (round(sum(scores) / len(scores), 1) if scores else None)


def results(reviewee: Reviewee) -> list[Part]:
    """The reviewee's parts: one per staff relation, and the customers; means only above the minimum count."""
    rnd = reviewee.round
    raters = list(reviewee.raters.all())
    parts = [_staff_part(rel, label, [r for r in raters if r.relation == rel], rnd.min_raters)
             for rel, label in Relation.choices]  # fmt: skip
    from django.utils.translation import gettext as _

    asked, answered, index = customer_index(reviewee.wave)
    shown = answered >= rnd.min_raters and index is not None
    parts.append(Part("customers", _("Customers"), asked, answered, shown, {"index": index} if shown else {},
                      index if shown else None))  # fmt: skip
    return parts


def round_list():
    return ReviewRound.objects.annotate(n=Count("reviewees")).order_by("-period_start", "-id")


def round_reviewees(rnd):
    return (
        rnd.reviewees.select_related("manager__station", "wave__questionnaire")
        .prefetch_related("raters")
        .annotate(asked=Count("raters"), rated=Count("raters", filter=Q(raters__rated_at__isnull=False)))
    )


def pending_ratings(user):
    return (
        Rater.objects.filter(user=user, rated_at__isnull=True, reviewee__round__status=RoundStatus.OPEN)
        .select_related("reviewee__manager", "reviewee__round")
        .order_by("reviewee__round__period_end", "id")
    )


def rater_get(*, user, pk) -> Rater:
    """A rater row of the user's own: nobody else's assignment (or rating) can be opened."""
    rater = (
        Rater.objects.filter(pk=pk, user=user).select_related("reviewee__manager", "reviewee__round").first()
    )
    if rater is None:
        raise Http404
    return rater


def my_results(user):
    """An account manager's own reviews: aggregates only, never a rater's scores."""
    return [(r, results(r)) for r in Reviewee.objects.filter(manager=user).select_related("round", "wave")
            .prefetch_related("raters").order_by("-round__period_start")]  # fmt: skip
