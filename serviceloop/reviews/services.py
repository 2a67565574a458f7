"""Writes of 360° reviews. The customers' part reuses the surveys module: one anonymous wave per reviewee, drawn
from the manager's shops (``wave_draw_targets(customer_ids=…)``), opened and closed with the round."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.customers.models import Customer, CustomerStatus
from serviceloop.org.models import Role, User
from serviceloop.surveys.models import WaveStatus
from serviceloop.surveys.services import wave_create, wave_draw_targets, wave_transition

from .models import (
    CRITERIA,
    ROUND_TRANSITIONS,
    Rater,
    Relation,
    Reviewee,
    ReviewRound,
    RoundEvent,
    RoundStatus,
)


def may_manage_rounds(user) -> bool:
    """City administrators and city-level supervisors (督察考评) run review rounds."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return bool(user.is_superuser or user.role == Role.CITY_ADMIN
                or (user.role == Role.SUPERVISOR and user.unit_level == "company"))  # fmt: skip


def _check(actor):
    if actor is not None and not may_manage_rounds(actor):
        raise PermissionDenied


@transaction.atomic
def round_create(*, data: dict, actor, now) -> ReviewRound:
    _check(actor)
    if data["period_end"] < data["period_start"]:
        raise ValidationError(_("The period ends before it starts."))
    if ReviewRound.objects.filter(name=data["name"]).exists():
        raise ValidationError(_("A review round with this name exists already."))
    rnd = ReviewRound.objects.create(name=data["name"], period_start=data["period_start"],
                                     period_end=data["period_end"], min_raters=data["min_raters"],
                                     questionnaire=data["questionnaire"], created_by=actor, created_at=now)  # fmt: skip
    RoundEvent.objects.create(round=rnd, to_status=rnd.status, actor=actor, at=now)
    audit_record(actor=actor, action="reviews.round_create", obj=rnd, summary=rnd.name, now=now)
    return rnd


def default_raters(manager: User) -> list[tuple[User, str]]:
    """Superiors: the station head and the market managers of the manager's routes; peers: the other account
    managers of the station. Subordinates are added by hand (account managers rarely have any)."""
    out = []
    heads = User.objects.filter(role=Role.STATION_HEAD, station_id=manager.station_id, is_active=True)
    markets = User.objects.filter(overseen_routes__account_manager=manager, is_active=True).distinct()
    for u in [*heads, *markets]:
        out.append((u, Relation.SUPERIOR))
    peers = User.objects.filter(
        role=Role.ACCOUNT_MANAGER, station_id=manager.station_id, is_active=True
    ).exclude(pk=manager.pk)
    out += [(u, Relation.PEER) for u in peers]
    seen, unique = set(), []
    for u, rel in out:
        if u.pk not in seen:
            seen.add(u.pk)
            unique.append((u, rel))
    return unique


@transaction.atomic
def reviewee_add(*, rnd: ReviewRound, manager: User, actor, now) -> Reviewee:
    _check(actor)
    if rnd.status != RoundStatus.DRAFT:
        raise ValidationError(_("People can be added only while the round is a draft."))
    if manager.role != Role.ACCOUNT_MANAGER:
        raise ValidationError(_("Only account managers are reviewed in a round."))
    reviewee, created = Reviewee.objects.get_or_create(round=rnd, manager=manager)
    if created:
        Rater.objects.bulk_create(
            [Rater(reviewee=reviewee, user=u, relation=rel) for u, rel in default_raters(manager)]
        )
        audit_record(actor=actor, action="reviews.reviewee_add", obj=reviewee, summary=str(manager), now=now)
    return reviewee


@transaction.atomic
def rater_add(*, reviewee: Reviewee, user: User, relation: str, actor, now) -> Rater:
    _check(actor)
    if reviewee.round.status == RoundStatus.CLOSED:
        raise ValidationError(_("The round is closed."))
    if user.pk == reviewee.manager_id:
        raise ValidationError(_("Nobody rates themselves."))
    if relation not in Relation.values:
        raise ValidationError(_("Unknown relation."))
    rater, _created = Rater.objects.get_or_create(
        reviewee=reviewee, user=user, defaults={"relation": relation}
    )
    audit_record(actor=actor, action="reviews.rater_add", obj=reviewee, summary=relation, now=now)
    return rater


def _manager_shops(manager):
    return Customer.objects.filter(route__account_manager=manager, status=CustomerStatus.ACTIVE).values_list(
        "pk", flat=True
    )


@transaction.atomic
def round_transition(*, rnd: ReviewRound, actor, now) -> ReviewRound:
    """Opens a draft round (one customer wave per reviewee with shops) or closes an open one (and its waves)."""
    _check(actor)
    rnd = ReviewRound.objects.select_for_update().get(pk=rnd.pk)
    to = ROUND_TRANSITIONS.get(rnd.status)
    if to is None:
        raise ValidationError(_("The round is closed."))
    reviewees = list(rnd.reviewees.select_related("manager", "wave"))
    if to == RoundStatus.OPEN:
        if not reviewees:
            raise ValidationError(_("Add the account managers to review first."))
        company = (actor.company if actor is not None else None) or reviewees[0].manager.company
        for r in reviewees:
            shops = list(_manager_shops(r.manager))
            if not shops:
                continue
            wave = wave_create(company=company, questionnaire=rnd.questionnaire, actor=actor, now=now,
                               data={"name": f"{rnd.name}·{r.manager}"[:100], "period_start": rnd.period_start,
                                     "period_end": rnd.period_end, "anonymous": True, "target_mode": "all"})  # fmt: skip
            wave_draw_targets(wave=wave, actor=actor, now=now, customer_ids=shops)
            wave_transition(wave=wave, to=WaveStatus.OPEN, actor=actor, now=now, before_period=True)
            r.wave = wave
            r.save(update_fields=["wave"])
    else:
        for r in reviewees:
            if r.wave and r.wave.status == WaveStatus.OPEN:
                wave_transition(wave=r.wave, to=WaveStatus.CLOSED, actor=actor, now=now)
    RoundEvent.objects.create(round=rnd, from_status=rnd.status, to_status=to, actor=actor, at=now)
    rnd.status = to
    rnd.save(update_fields=["status"])
    audit_record(actor=actor, action=f"reviews.round_{to}", obj=rnd, summary=rnd.name, now=now)
    return rnd


@transaction.atomic
def rating_submit(*, rater: Rater, scores: dict, comment: str = "", actor, now) -> Rater:
    """A rater's scores (1–5 for every criterion). Once given, a rating is not changed."""
    rater = Rater.objects.select_for_update().select_related("reviewee__round").get(pk=rater.pk)
    if actor is None or actor.pk != rater.user_id:
        raise PermissionDenied
    if rater.reviewee.round.status != RoundStatus.OPEN:
        raise ValidationError(_("The round is not open for ratings."))
    if rater.rated_at is not None:
        raise ValidationError(_("You have rated this person already."), code="duplicate")
    clean = {}
    for key, _label in CRITERIA:
        value = scores.get(key)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise ValidationError(_("Give every criterion a score from 1 to 5."))
        clean[key] = value
    rater.scores, rater.comment, rater.rated_at = clean, (comment or "")[:1000], now
    rater.save(update_fields=["scores", "comment", "rated_at"])
    # The audit row says that a rating was given, never what it was (ratings are anonymous).
    audit_record(actor=actor, action="reviews.rating_submit", obj=rater.reviewee, now=now)
    return rater
