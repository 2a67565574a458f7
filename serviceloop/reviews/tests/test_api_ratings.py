"""A rater's 360° rating over the API: only the caller's own assignments (another's is 404), through the rater's
form and ``rating_submit`` (same messages, once only, open rounds only, audited without the scores), and no score
or comment — of anyone — ever in an answer."""

import pytest
from django.test import Client
from django.utils import timezone

from serviceloop.core.models import AuditEvent
from serviceloop.integrations.services import apitoken_create
from serviceloop.reviews.models import Rater
from serviceloop.reviews.services import rating_submit, reviewee_add, round_transition

from .test_reviews import GOOD, NOW, a_round

pytestmark = pytest.mark.django_db
URL = "/api/v1/review-ratings/"


def client_of(user, scope="write"):
    _t, secret = apitoken_create(
        user=user, name="t", scope=scope, expires_at=None, actor=user, now=timezone.now()
    )
    return Client(HTTP_AUTHORIZATION=f"Token {secret}")


def post(client, path, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(path, body, content_type="application/json", **headers)


@pytest.fixture
def open_round(world):
    rnd = a_round(world)
    reviewee = reviewee_add(rnd=rnd, manager=world.account_manager, actor=world.city_admin, now=NOW)
    round_transition(rnd=rnd, actor=world.city_admin, now=NOW)
    return rnd, reviewee


def test_a_rater_sees_their_own_tasks_and_rates_once(world, open_round, django_assert_max_num_queries):
    _rnd, reviewee = open_round
    mine = Rater.objects.get(reviewee=reviewee, user=world.station_head)
    other = Rater.objects.get(reviewee=reviewee, user=world.market_manager)
    rating_submit(rater=other, scores=GOOD, comment="别人的秘密评语", actor=world.market_manager, now=NOW)
    head = client_of(world.station_head)
    with django_assert_max_num_queries(12):  # token, throttle, count, one page with manager and round
        tasks = head.get(URL).json()
    assert [t["id"] for t in tasks["results"]] == [mine.pk]
    assert tasks["results"][0]["manager"] == world.account_manager.pk and not tasks["results"][0]["rated"]
    body = {**GOOD, "comment": "沟通及时"}
    made = post(head, f"{URL}{mine.pk}/submit/", body, key="R-1")
    assert made.status_code == 201, made.content
    assert made.json()["rated"] is True
    assert post(head, f"{URL}{mine.pk}/submit/", body, key="R-1")["Idempotent-Replayed"] == "true"
    again = post(head, f"{URL}{mine.pk}/submit/", {**body, "attitude": 1})
    assert again.status_code == 400 and again.json()["non_field_errors"]
    mine.refresh_from_db()
    assert mine.scores == GOOD and mine.comment == "沟通及时"
    assert head.get(URL).json()["count"] == 0
    text = head.get(f"{URL}{mine.pk}/").content.decode() + made.content.decode()
    assert (
        "沟通及时" not in text and "秘密评语" not in text and "scores" not in text and '"comment"' not in text
    )
    audit = AuditEvent.objects.filter(action="reviews.rating_submit", actor=world.station_head)
    assert audit.count() == 1 and "沟通及时" not in str(audit.values().first())


def test_another_raters_assignment_is_404(world, open_round):
    _rnd, reviewee = open_round
    other = Rater.objects.get(reviewee=reviewee, user=world.market_manager)
    for user in (world.station_head, world.outsider, world.city_admin, world.account_manager):
        client = client_of(user)
        assert client.get(f"{URL}{other.pk}/").status_code == 404
        assert post(client, f"{URL}{other.pk}/submit/", GOOD).status_code == 404
    assert client_of(world.outsider).get(URL).json()["count"] == 0
    assert post(client_of(world.station_head), f"{URL}abc/submit/", GOOD).status_code == 404
    other.refresh_from_db()
    assert other.rated_at is None


def test_bad_ratings_get_the_forms_messages(world, open_round):
    _rnd, reviewee = open_round
    mine = Rater.objects.get(reviewee=reviewee, user=world.station_head)
    head = client_of(world.station_head)
    path = f"{URL}{mine.pk}/submit/"
    assert post(head, path, {}).json().keys() >= {"attitude", "skill", "responsibility", "teamwork"}
    assert "attitude" in post(head, path, {**GOOD, "attitude": 6}).json()
    assert "attitude" in post(head, path, {**GOOD, "attitude": "很好"}).json()
    assert "attitude" in post(head, path, {**GOOD, "attitude": [5]}).json()
    assert "comment" in post(head, path, {**GOOD, "comment": "长" * 1001}).json()
    assert "comment" in post(head, path, {**GOOD, "comment": {"a": 1}}).json()
    assert post(client_of(world.station_head, "read"), path, GOOD).status_code == 403
    mine.refresh_from_db()
    assert mine.rated_at is None


def test_a_closed_round_takes_no_rating(world, open_round):
    rnd, reviewee = open_round
    mine = Rater.objects.get(reviewee=reviewee, user=world.station_head)
    round_transition(rnd=rnd, actor=world.city_admin, now=NOW)
    head = client_of(world.station_head)
    assert head.get(URL).json()["count"] == 0
    refused = post(head, f"{URL}{mine.pk}/submit/", GOOD)
    assert refused.status_code == 400 and refused.json()["non_field_errors"]
