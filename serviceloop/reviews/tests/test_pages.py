"""360° review pages as rendered: a round created, people added, opened; raters rate on the form; the account manager
reads aggregates only; bad input; nobody opens another's rating (404); only managers run rounds (403)."""

import datetime as dt

import pytest
import time_machine

from serviceloop.core.testing import make_user, text_of
from serviceloop.org.models import Role
from serviceloop.reviews.models import Rater, ReviewRound

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_round_is_run_through_the_pages_and_the_manager_sees_aggregates_only(world, app):
    peer = make_user("peer", Role.ACCOUNT_MANAGER, company=world.company, branch=world.branch_a,
                     station=world.station_a1, full_name="王五")  # fmt: skip
    page = app.get("/reviews/", user=world.supervisor)
    form = page.forms["round-create"]
    form["name"] = "四季度360"
    form["period_start"] = "2026-12-01"
    form["period_end"] = "2026-12-20"
    form["min_raters"] = "2"
    form["questionnaire"] = next(value for value, _sel, _text in form["questionnaire"].options if value)
    page = form.submit().follow()
    rnd = ReviewRound.objects.get()
    add = page.forms["reviewee-add"]
    add["add-manager"] = str(world.account_manager.pk)
    page = add.submit().follow()
    page = page.forms["round-transition"].submit().follow()
    assert ReviewRound.objects.get().status == "open"
    for rater_user in (world.station_head, world.market_manager, peer):
        listing = app.get("/reviews/rate/", user=rater_user)
        rate = listing.click(href=r"/reviews/rate/\d+/")
        form = rate.forms["rating"]
        for key in ("attitude", "skill", "responsibility", "teamwork"):
            form[key] = "4"
        form.submit().follow()
    assert Rater.objects.filter(reviewee__round=rnd, rated_at__isnull=False).count() == 3
    mine = app.get("/reviews/mine/", user=world.account_manager)
    body = text_of(mine)
    assert "4.0" in body  # the superiors' average (two of them)
    rows = mine.html.select("[data-testid=review-parts] tbody tr")
    assert "匿名" in rows[1].get_text()  # one peer: not shown
    assert "王五" not in body and "station_head" not in body  # no rater is named


def test_rating_pages_refuse_bad_input_and_other_peoples_rows(world, app, client):
    from serviceloop.reviews.services import reviewee_add, round_create, round_transition
    from serviceloop.surveys.models import Questionnaire

    rnd = round_create(data={"name": "R", "period_start": dt.date(2026, 12, 1), "period_end": dt.date(2026, 12, 2),
                             "min_raters": 2, "questionnaire": Questionnaire.objects.first()},
                       actor=world.city_admin, now=NOW)  # fmt: skip
    reviewee = reviewee_add(rnd=rnd, manager=world.account_manager, actor=world.city_admin, now=NOW)
    round_transition(rnd=rnd, actor=world.city_admin, now=NOW)
    rater = reviewee.raters.get(user=world.station_head)
    app.get(f"/reviews/rate/{rater.pk}/", user=world.account_manager, status=404)
    app.get(f"/reviews/rate/{rater.pk}/", user=world.outsider, status=404)
    form = app.get(f"/reviews/rate/{rater.pk}/", user=world.station_head).forms["rating"]
    form["attitude"] = "5"
    bad = form.submit()
    assert bad.status_code == 200 and {"id_skill_error"} <= {
        e["id"] for e in bad.html.select(".invalid-feedback[id]")
    }
    client.force_login(world.station_head)
    client.post(
        f"/reviews/rate/{rater.pk}/", {"attitude": "9", "skill": "x", "responsibility": "1", "teamwork": "1"}
    )
    rater.refresh_from_db()
    assert rater.rated_at is None
    for who in ("inspector", "account_manager", "station_head"):
        app.get("/reviews/", user=getattr(world, who), status=403)
    form = app.get("/reviews/", user=world.city_admin).forms["round-create"]
    form["name"] = "R"
    form["period_start"] = "2026-12-05"
    form["period_end"] = "2026-12-01"
    form["min_raters"] = "1"
    bad = form.submit()
    assert ReviewRound.objects.count() == 1 and "id_min_raters_error" in {
        e["id"] for e in bad.html.select(".invalid-feedback[id]")
    }
