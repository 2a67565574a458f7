"""The door's check-in page: a signed link per session; the owner enters the licence number or the phone's last
four digits (form as rendered, no JavaScript); wrong entries, replays, bad links, rate and size limits."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.test import override_settings

from serviceloop.core.models import AuditEvent
from serviceloop.trainings.models import Invitation, TrainingSession
from serviceloop.trainings.services import checkin_code

from .helpers import START, invited_session

pytestmark = pytest.mark.django_db
AT_DOOR = START - dt.timedelta(minutes=20)


@pytest.fixture(autouse=True)
def at_the_door():
    cache.clear()  # the rate-limit counters
    with time_machine.travel(AT_DOOR, tick=False):
        yield
    cache.clear()


def door(session):
    return f"/trainings/checkin/{checkin_code(session)}/"


def fill(app, session, *, licence="", last4="", status="*"):
    page = app.get(door(session))
    form = page.forms["checkin-form"]
    form["licence_no"] = licence
    form["phone_last4"] = last4
    return form.submit(status=status)


def test_an_owner_checks_in_with_the_licence_number(world, app):
    session = invited_session(world)
    shop = world.shops["张湾1号线"][0]
    page = fill(app, session, licence=shop.licence_no, status=200)
    assert shop.name in page.html.select_one("[data-testid=checked-in]").text
    inv = Invitation.objects.get(session=session, customer=shop)
    assert inv.attended_at is not None and inv.checkin_method == "qr"
    assert page.headers["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="training.checkin").count() == 1


def test_an_owner_checks_in_with_the_phones_last_four_digits(world, app):
    session = invited_session(world)
    shop = world.shops["张湾2号线"][1]
    fill(app, session, last4=shop.phone[-4:], status=200)
    assert Invitation.objects.get(session=session, customer=shop).attended_at is not None


def test_a_replay_changes_nothing_and_says_so(world, app):
    session = invited_session(world)
    shop = world.shops["张湾1号线"][0]
    fill(app, session, licence=shop.licence_no, status=200)
    first = Invitation.objects.get(session=session, customer=shop).attended_at
    with time_machine.travel(AT_DOOR + dt.timedelta(minutes=5), tick=False):
        again = fill(app, session, licence=shop.licence_no, status=200)
    assert "已签到" in again.html.select_one("[data-testid=checked-in]").text
    assert Invitation.objects.get(session=session, customer=shop).attended_at == first
    assert AuditEvent.objects.filter(action="training.checkin").count() == 1


def test_a_wrong_licence_or_an_uninvited_shop_is_refused(world, app):
    session = invited_session(world)
    page = fill(app, session, licence="420301999999", status=400)
    assert page.html.select_one("[data-testid=form-errors]")
    outsider_shop = world.shops["城关1号线"][0]  # not invited
    fill(app, session, licence=outsider_shop.licence_no, status=400)
    fill(app, session, last4="12", status=400)  # not four digits
    fill(app, session, status=400)  # nothing entered
    assert not Invitation.objects.filter(session=session, attended_at__isnull=False).exists()


def test_bad_and_tampered_links_get_the_same_404(world, client):
    session = invited_session(world)
    code = checkin_code(session)
    for path in ("/trainings/checkin/nonsense/", f"/trainings/checkin/{code[:-2]}xx/",
                 f"/trainings/checkin/{session.checkin_token}/", "/trainings/checkin/" + "a" * 300 + "/"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.templates[0].name == "portal/invalid.html"


def test_check_in_is_closed_before_invitations_and_after_closing(world, app):
    session = invited_session(world)
    TrainingSession.objects.filter(pk=session.pk).update(status="closed")
    page = app.get(door(session))
    assert page.html.select_one("[data-testid=checkin-closed]") and "checkin-form" not in page.forms
    TrainingSession.objects.filter(pk=session.pk).update(status="invited")
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        fill(app, session, licence=world.shops["张湾1号线"][0].licence_no, status=400)


@override_settings(TRAINING_CHECKIN_FAILURES_PER_HOUR=3)
def test_failed_tries_are_rate_limited_per_address(world, app):
    session = invited_session(world)
    for _ in range(3):
        fill(app, session, licence="420301999999", status=400)
    page = fill(app, session, licence=world.shops["张湾1号线"][0].licence_no, status=429)
    assert "次数过多" in page.html.select_one("[data-testid=form-errors]").text
    assert not Invitation.objects.filter(session=session, attended_at__isnull=False).exists()


@override_settings(TRAINING_CHECKIN_FAILURES_PER_HOUR=2)
def test_successful_check_ins_do_not_use_up_the_limit(world, app):
    session = invited_session(world)
    for shop in world.shops["张湾1号线"] + world.shops["张湾2号线"]:
        fill(app, session, licence=shop.licence_no, status=200)
    assert Invitation.objects.filter(session=session, attended_at__isnull=False).count() == 4


def test_an_oversize_post_is_refused(world, client):
    session = invited_session(world)
    response = client.post(door(session), {"licence_no": "1" * 5000, "phone_last4": ""})
    assert response.status_code == 413
    assert not Invitation.objects.filter(session=session, attended_at__isnull=False).exists()


def test_ambiguous_last_digits_ask_for_the_licence(world, app):
    session = invited_session(world)
    a, b = world.shops["张湾1号线"]
    type(a).objects.filter(pk__in=[a.pk, b.pk]).update(phone="13800001234")
    page = fill(app, session, last4="1234", status=400)
    assert "许可证号" in page.html.select_one("[data-testid=form-errors]").text
