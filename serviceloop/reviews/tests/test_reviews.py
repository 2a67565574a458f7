"""360° reviews: raters by relation, customers through a survey wave to the manager's shops (the surveys module),
anonymous aggregates shown only from the minimum count on; an account manager never sees a rater's scores."""

import datetime as dt
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from serviceloop.core.testing import make_customer, make_user
from serviceloop.org.models import Role
from serviceloop.reviews.models import Rater
from serviceloop.reviews.selectors import my_results, results
from serviceloop.reviews.services import (
    rater_add,
    rating_submit,
    reviewee_add,
    round_create,
    round_transition,
)
from serviceloop.surveys.demo import fill_answers
from serviceloop.surveys.models import Questionnaire, WaveTarget

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TZ)
GOOD = {"attitude": 5, "skill": 4, "responsibility": 4, "teamwork": 3}


def a_round(world, min_raters=2):
    return round_create(data={"name": "2026年四季度360评价", "period_start": dt.date(2026, 12, 1),
                              "period_end": dt.date(2026, 12, 20), "min_raters": min_raters,
                              "questionnaire": Questionnaire.objects.get(code="trade")},
                        actor=world.city_admin, now=NOW)  # fmt: skip


def test_superiors_and_peers_are_asked_and_only_aggregates_above_the_minimum_are_shown(world):
    peer = make_user("peer", Role.ACCOUNT_MANAGER, company=world.company, branch=world.branch_a,
                     station=world.station_a1)  # fmt: skip
    rnd = a_round(world)
    reviewee = reviewee_add(rnd=rnd, manager=world.account_manager, actor=world.city_admin, now=NOW)
    relations = {(r.user.username, r.relation) for r in reviewee.raters.select_related("user")}
    assert relations == {("station_head", "superior"), ("market_manager", "superior"), ("peer", "peer")}
    with pytest.raises(ValidationError):
        rater_add(
            reviewee=reviewee, user=world.account_manager, relation="peer", actor=world.city_admin, now=NOW
        )
    round_transition(rnd=rnd, actor=world.city_admin, now=NOW)
    reviewee.refresh_from_db()
    assert set(WaveTarget.objects.filter(wave=reviewee.wave).values_list("customer_id", flat=True)) == {
        s.pk for s in world.shops["张湾1号线"]
    }  # the customer wave asks the manager's own shops
    head = Rater.objects.get(reviewee=reviewee, user=world.station_head)
    with pytest.raises(PermissionDenied):
        rating_submit(rater=head, scores=GOOD, actor=world.market_manager, now=NOW)
    with pytest.raises(ValidationError):
        rating_submit(rater=head, scores={**GOOD, "skill": 6}, actor=world.station_head, now=NOW)
    rating_submit(rater=head, scores=GOOD, actor=world.station_head, now=NOW)
    with pytest.raises(ValidationError):
        rating_submit(rater=head, scores=GOOD, actor=world.station_head, now=NOW)
    parts = {p.key: p for p in results(reviewee)}
    assert parts["superior"].answered == 1 and not parts["superior"].shown and parts["superior"].means == {}
    rating_submit(rater=Rater.objects.get(reviewee=reviewee, user=world.market_manager),
                  scores={"attitude": 3, "skill": 4, "responsibility": 2, "teamwork": 3},
                  actor=world.market_manager, now=NOW)  # fmt: skip
    parts = {p.key: p for p in results(reviewee)}
    assert parts["superior"].shown and parts["superior"].means == {"attitude": 4.0, "skill": 4.0, "responsibility": 3.0,
                                                          "teamwork": 3.0}  # fmt: skip
    rating_submit(rater=Rater.objects.get(reviewee=reviewee, user=peer), scores=GOOD, actor=peer, now=NOW)
    parts = {p.key: p for p in results(reviewee)}
    assert not parts["peer"].shown and parts["peer"].means == {}  # one peer: never shown, even to admins
    assert not parts["customers"].shown
    targets = list(WaveTarget.objects.filter(wave=reviewee.wave))
    fill_answers(wave=reviewee.wave, targets=targets, rng=random.Random(3), seed=3, moment=NOW)
    customers = {p.key: p for p in results(reviewee)}["customers"]
    assert customers.shown and customers.answered == 2 and 0 <= customers.overall <= 100
    mine = my_results(world.account_manager)
    assert len(mine) == 1 and not hasattr(mine[0][1][1], "scores")


def test_only_city_admins_and_city_supervisors_run_rounds(world):
    with pytest.raises(PermissionDenied):
        round_create(data={}, actor=world.inspector, now=NOW)
    rnd = a_round(world)
    with pytest.raises(ValidationError):
        round_transition(rnd=rnd, actor=world.supervisor, now=NOW)  # nobody to review yet
    with pytest.raises(ValidationError):
        reviewee_add(rnd=rnd, manager=world.station_head, actor=world.supervisor, now=NOW)
    make_customer(world.route_b1_1)
    reviewee_add(rnd=rnd, manager=world.outsider, actor=world.supervisor, now=NOW)
    round_transition(rnd=rnd, actor=world.supervisor, now=NOW)
    round_transition(rnd=rnd, actor=world.supervisor, now=NOW)
    assert rnd.reviewees.get().wave.status == "closed"
