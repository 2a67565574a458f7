"""The trainings API: sessions list and detail in scope, invitations by the page's filters (cap, never twice),
attendance ticks; refusals as on the pages."""

import pytest
from rest_framework.test import APIClient

from serviceloop.core.phones import phone_for
from serviceloop.tags.models import ProblemTag
from serviceloop.tags.services import customertag_attach
from serviceloop.trainings.models import Invitation

from .helpers import NOW, invited_session, make_session

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_sessions_are_listed_and_read_in_scope(world):
    mine = invited_session(world)
    other = make_session(world, actor=world.city_admin, station=world.station_b1, trainer=world.outsider)
    listed = api(world.station_head).get("/api/v1/trainings/sessions/").json()
    assert [r["id"] for r in listed["results"]] == [mine.pk]
    assert listed["results"][0]["n_invited"] == 4
    detail = api(world.station_head).get(f"/api/v1/trainings/sessions/{mine.pk}/").json()
    assert detail["status"] == "invited" and [e["action"] for e in detail["events"]] == ["create", "invite"]
    assert detail["checkin_url"].startswith("http")
    assert api(world.station_head).get(f"/api/v1/trainings/sessions/{other.pk}/").status_code == 404
    assert (
        api(world.market_manager).get(f"/api/v1/trainings/sessions/{mine.pk}/").json()["checkin_url"] is None
    )
    assert api(world.city_admin).get("/api/v1/trainings/sessions/?status=planned").json()["count"] == 1


def test_invitations_by_tag_with_cap_and_no_duplicates(world):
    session = make_session(world, capacity=1)
    tag = ProblemTag.objects.get(name="不会网上订货")
    for shop in world.shops["张湾1号线"]:
        customertag_attach(customer=shop, tag=tag, source="visit", reason="测试", actor=None, now=NOW)
    url = f"/api/v1/trainings/sessions/{session.pk}/invitations/"
    answer = api(world.station_head).post(url, {"tag": tag.pk}, format="json")
    assert answer.status_code == 201 and answer.json() == {"invited": 1, "left_out": 1}
    again = api(world.station_head).post(url, {"tag": tag.pk}, format="json")
    assert again.status_code == 400 and "non_field_errors" in again.json()
    assert api(world.station_head).post(url, {}, format="json").status_code == 400
    assert api(world.station_head).post(url, {"tag": "abc"}, format="json").status_code == 400
    assert api(world.account_manager).post(url, {"tag": tag.pk}, format="json").status_code == 403
    assert api(world.outsider).post(url, {"tag": tag.pk}, format="json").status_code == 404
    listed = api(world.station_head).get(url).json()
    shop = Invitation.objects.get(session=session).customer
    assert listed["count"] == 1 and listed["results"][0]["phone"] == phone_for(world.station_head, shop.phone)
    assert Invitation.objects.filter(session=session).count() == 1


def test_attendance_ticks_and_unticks(world):
    session = invited_session(world)
    ids = list(Invitation.objects.filter(session=session).values_list("pk", flat=True))
    url = f"/api/v1/trainings/sessions/{session.pk}/attendance/"
    answer = api(world.account_manager).post(url, {"attended": ids[:2]}, format="json")  # the trainer
    assert answer.status_code == 200 and answer.json() == {"ticked": 2, "unticked": 0}
    answer = api(world.account_manager).post(url, {"absent": ids[:1]}, format="json")
    assert answer.json() == {"ticked": 0, "unticked": 1}
    assert Invitation.objects.filter(session=session, attended_at__isnull=False).count() == 1
    other = invited_session(world)
    foreign = Invitation.objects.filter(session=other).first().pk
    assert api(world.station_head).post(url, {"attended": [foreign]}, format="json").status_code == 400
    assert api(world.station_head).post(url, {"attended": ["x"]}, format="json").status_code == 400
    assert api(world.market_manager).post(url, {"attended": ids}, format="json").status_code == 403
