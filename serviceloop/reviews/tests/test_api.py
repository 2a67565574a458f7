"""360° reviews over the API: rounds and results for the people who run them, an account manager's own results —
aggregates only, and only from the round's minimum count of answers; never a rater, a score or a comment."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from serviceloop.integrations.services import apitoken_create
from serviceloop.reviews.models import Rater
from serviceloop.reviews.services import rating_submit, reviewee_add, round_transition

from .test_reviews import GOOD, NOW, a_round

pytestmark = pytest.mark.django_db


def client_of(user, scope="read"):
    _t, secret = apitoken_create(
        user=user, name="t", scope=scope, expires_at=None, actor=user, now=timezone.now()
    )
    return Client(HTTP_AUTHORIZATION=f"Token {secret}")


def part(parts, key):
    return next(p for p in parts if p["key"] == key)


def test_results_are_aggregates_shown_only_from_the_minimum_count(world):
    rnd = a_round(world, min_raters=2)
    reviewee = reviewee_add(rnd=rnd, manager=world.account_manager, actor=world.city_admin, now=NOW)
    round_transition(rnd=rnd, actor=world.city_admin, now=NOW)
    head = Rater.objects.get(reviewee=reviewee, user=world.station_head)
    rating_submit(rater=head, scores=GOOD, comment="很负责的秘密评语", actor=world.station_head, now=NOW)
    admin = client_of(world.city_admin)
    assert admin.get("/api/v1/review-rounds/").json()["results"][0]["reviewee_count"] == 1
    body = admin.get(f"/api/v1/review-rounds/{rnd.pk}/")
    superior = part(body.json()["results"][0]["parts"], "superior")
    assert superior["answered"] == 1 and superior["shown"] is False and superior["means"] == {}
    market = Rater.objects.get(reviewee=reviewee, user=world.market_manager)
    rating_submit(rater=market, scores={**GOOD, "attitude": 3}, actor=world.market_manager, now=NOW)
    body = admin.get(f"/api/v1/review-rounds/{rnd.pk}/")
    superior = part(body.json()["results"][0]["parts"], "superior")
    assert superior["shown"] and superior["means"]["attitude"] == 4.0
    text = body.content.decode()
    assert "秘密评语" not in text and "scores" not in text and f'"user": {world.station_head.pk}' not in text
    mine = client_of(world.account_manager).get("/api/v1/review-rounds/mine/").json()
    assert part(mine[0]["parts"], "superior")["means"]["attitude"] == 4.0
    assert "秘密评语" not in json.dumps(mine, ensure_ascii=False)


def test_only_the_people_who_run_rounds_read_them(world):
    rnd = a_round(world)
    for who in ("account_manager", "station_head", "branch_manager", "outsider"):
        client = client_of(getattr(world, who))
        assert client.get("/api/v1/review-rounds/").status_code == 403, who
        assert client.get(f"/api/v1/review-rounds/{rnd.pk}/").status_code == 403, who
    assert client_of(world.supervisor).get(f"/api/v1/review-rounds/{rnd.pk}/").status_code == 200
    assert client_of(world.outsider).get("/api/v1/review-rounds/mine/").json() == []
