"""Training pages as rendered (WebTest): plan a session, invite by a tag, tick attendance, hold, send the feedback
survey, coverage with filters and export, topics; bad input; scope (outsiders 404/403); query counts."""

import datetime as dt
from urllib.parse import urlencode

import pytest
import time_machine
from openpyxl import load_workbook

from serviceloop.core.models import AuditEvent
from serviceloop.core.testing import text_of
from serviceloop.tags.models import ProblemTag
from serviceloop.tags.services import customertag_attach
from serviceloop.trainings.models import Invitation, SessionStatus, TrainingSession, TrainingTopic
from serviceloop.trainings.services import attendance_set, session_transition

from .helpers import NOW, START, invited_session, make_session, topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_station_head_plans_invites_ticks_holds_and_asks_for_feedback(world, app):
    head = world.station_head
    tag = ProblemTag.objects.get(name="不会网上订货")
    tagged = world.shops["张湾1号线"][1]
    customertag_attach(customer=tagged, tag=tag, source="visit", reason="不会下单", actor=None, now=NOW)
    page = app.get("/trainings/", user=head).click(href="/trainings/new/")
    form = page.forms["session-form"]
    form["topic"] = str(topic("订货").pk)
    form["trainer"] = str(world.account_manager.pk)
    form["place"] = "张湾服务站二楼会议室"
    form["starts_at"] = "2026-11-23T09:00"
    form["ends_at"] = "2026-11-23T11:00"
    form["capacity"] = "20"
    invite_page = form.submit().follow()
    session = TrainingSession.objects.get(place="张湾服务站二楼会议室")
    assert session.station == world.station_a1 and session.status == SessionStatus.PLANNED
    # Choose by problem tag, look at the matching shops, invite them.
    filt = invite_page.forms["invite-filter"]
    filt["tag"] = str(tag.pk)
    preview = filt.submit()
    assert "1" in preview.html.select_one("[data-testid=matching]").text
    assert tagged.name in text_of(preview, "[data-testid=preview-list]")
    shown = preview.forms["invite-form"].submit().follow()
    assert Invitation.objects.get(session=session).customer == tagged
    session.refresh_from_db()
    assert session.status == SessionStatus.INVITED
    # Tick attendance on the (phone) session page.
    att = shown.forms["attendance-form"]
    att.get("attended", index=0).checked = True
    after = att.submit().follow()
    assert Invitation.objects.get(session=session).checkin_method == "staff"
    assert "已签到" in text_of(after, "[data-testid=invitation-table]") or after.status_code == 200
    with time_machine.travel(START.replace(day=23, hour=10), tick=False):
        page = app.get(f"/trainings/{session.pk}/", user=head)
        held = page.forms["step-form"].submit("action", value="hold").follow()
        session.refresh_from_db()
        assert session.status == SessionStatus.HELD
        done = held.forms["feedback-form"].submit().follow()
    session.refresh_from_db()
    assert session.wave is not None and session.wave.targets.count() == 1
    assert "feedback-form" not in done.forms  # once
    assert AuditEvent.objects.filter(action="training.feedback_send").exists()


def test_the_session_form_reports_bad_input(world, app):
    page = app.get("/trainings/new/", user=world.station_head)
    form = page.forms["session-form"]
    form["topic"] = str(topic().pk)
    form["trainer"] = str(world.account_manager.pk)
    form["place"] = "会" * 201
    form["starts_at"] = "2026-11-23T11:00"
    form["ends_at"] = "2026-11-23T09:00"
    form["capacity"] = "abc"
    bad = form.submit(status=200)
    errors = text_of(bad, ".invalid-feedback")
    assert errors and "结束时间早于开始时间" in errors
    assert not TrainingSession.objects.exists()
    # A station head cannot pick another station (the form offers only their own; a forged id is refused).
    form = bad.forms["session-form"]
    form["place"] = "会议室"
    form["ends_at"] = "2026-11-23T12:00"
    form["capacity"] = "30"
    form["station"].force_value(str(world.station_b1.pk))
    form.submit(status=200)
    assert not TrainingSession.objects.exists()


def test_inviting_without_a_choice_is_refused_and_a_double_submit_invites_once(world, app):
    session = make_session(world)
    page = app.get(f"/trainings/{session.pk}/invite/", user=world.station_head)
    refused = app.post(f"/trainings/{session.pk}/invite/", {"csrfmiddlewaretoken": page.forms["invite-filter"]
                       .fields.get("csrfmiddlewaretoken", [None])[0] or ""}, user=world.station_head, status="*")  # fmt: skip
    assert refused.status_code in (400, 403)
    licences = " ".join(s.licence_no for s in world.shops["张湾1号线"])
    filt = page.forms["invite-filter"]
    filt["licences"] = licences
    preview = filt.submit()
    form = preview.forms["invite-form"]
    form.submit().follow()
    again = form.submit(status=400)  # the same form sent twice
    assert "均已邀请" in text_of(again, "[data-testid=form-errors]")
    assert Invitation.objects.filter(session=session).count() == 2


def test_attendance_of_someone_elses_invitation_is_refused(world, app):
    session = invited_session(world)
    other = invited_session(world, start=START + dt.timedelta(days=1))
    foreign = Invitation.objects.filter(session=other).first()
    page = app.get(f"/trainings/{session.pk}/", user=world.station_head)
    form = page.forms["attendance-form"]
    form.fields["attended"][0].force_value(str(foreign.pk))
    form.submit().follow()
    assert not Invitation.objects.filter(attended_at__isnull=False).exists()


def test_outsiders_are_refused(world, app):
    session = invited_session(world)
    for path in (
        f"/trainings/{session.pk}/",
        f"/trainings/{session.pk}/invite/",
        f"/trainings/{session.pk}/door/",
    ):
        app.get(path, user=world.outsider, status=404)
    app.get(f"/trainings/{session.pk}/invite/", user=world.account_manager, status=403)
    app.get("/trainings/", user=world.outsider)
    token = app.cookies["csrftoken"]
    for path in ("attendance/", "step/", "feedback/"):
        app.post(f"/trainings/{session.pk}/{path}", {"csrfmiddlewaretoken": token, "action": "cancel"},
                 user=world.outsider, status=404)  # fmt: skip
    session.refresh_from_db()
    assert session.status == SessionStatus.INVITED


def test_the_list_filters_and_exports(world, app):
    make_session(world, name="陈列")
    invited_session(world, start=START + dt.timedelta(days=2))
    make_session(world, actor=world.city_admin, station=world.station_b1)
    page = app.get("/trainings/", user=world.station_head)
    assert len(page.html.select("[data-testid=session-table] tbody tr")) == 2
    filtered = app.get(f"/trainings/?topic={topic('陈列').pk}&status=planned", user=world.station_head)
    assert len(filtered.html.select("[data-testid=session-table] tbody tr")) == 1
    query = urlencode({"q": "张湾", "from": "2026-11-01", "to": "2026-12-31"})
    searched = app.get(f"/trainings/?{query}", user=world.city_admin)
    assert len(searched.html.select("[data-testid=session-table] tbody tr")) == 3
    work = app.get("/trainings/export/?status=invited", user=world.station_head).follow()
    download = work.click(href="download/")
    sheet = load_workbook(__import__("io").BytesIO(download.body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "订货" and rows[1][8] == 4


def test_coverage_by_station_with_effect_and_export(world, app):
    session = invited_session(world)
    shop_ids = Invitation.objects.filter(session=session).values_list("pk", flat=True)[:2]
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        attendance_set(session=session, attended_ids=shop_ids, actor=world.station_head, now=START)
        session_transition(
            session=session, action="hold", actor=world.station_head, now=START + dt.timedelta(hours=1)
        )
        page = app.get("/trainings/coverage/", user=world.branch_manager)
        # Station A1 has 4 active shops, 2 trained this year: 50 %.
        assert page.html.select_one(f"[data-testid=coverage-{world.station_a1.pk}]").text.strip() == "50%"
        assert page.html.select_one("[data-testid=effect-attended]")
        form = page.forms["coverage-filter"]
        form["station"] = str(world.station_a2.pk)
        only_a2 = form.submit()
        assert (
            len(only_a2.html.select("[data-testid=coverage-table] tbody tr")) == 2
        )  # the station and the total
        work = app.get(
            f"/trainings/coverage/export/?branch={world.branch_a.pk}", user=world.branch_manager
        ).follow()
        book = load_workbook(__import__("io").BytesIO(work.click(href="download/").body))
        first = list(book.worksheets[0].iter_rows(values_only=True))
        assert any(r[1] == world.station_a1.name and r[6] == 2 for r in first)
        assert len(book.worksheets) == 2
    app.get("/trainings/coverage/", user=world.account_manager, status=403)


def test_the_city_admin_edits_topics_and_links_tags(world, app):
    page = app.get("/trainings/topics/", user=world.city_admin).click(href="/trainings/topics/new/")
    form = page.forms["topic-form"]
    form["name"] = "诚信经营"
    form["description"] = "守法诚信"
    form["order"] = "7"
    tag = ProblemTag.objects.filter(category="law").first()
    for box in form.fields["tags"]:
        if box._value == str(tag.pk):
            box.checked = True
    form.submit().follow()
    created = TrainingTopic.objects.get(name="诚信经营")
    assert list(created.tags.all()) == [tag]
    dup = app.get("/trainings/topics/new/", user=world.city_admin).forms["topic-form"]
    dup["name"] = "诚信经营"
    dup["order"] = "1"
    assert "已有同名" in text_of(dup.submit(status=200), ".invalid-feedback")
    app.get("/trainings/topics/new/", user=world.station_head, status=403)


def test_list_pages_keep_their_query_count(world, app, django_assert_max_num_queries):
    for i in range(3):
        invited_session(world, start=START + dt.timedelta(days=i))
    make_session(world, actor=world.city_admin, station=world.station_b1)
    session = TrainingSession.objects.filter(status="invited").first()
    pages = [
        ("/trainings/", world.city_admin, 12),
        (f"/trainings/{session.pk}/", world.station_head, 14),
        ("/trainings/coverage/", world.city_admin, 14),
        ("/trainings/topics/", world.city_admin, 8),
    ]
    for path, user, most in pages:
        app.get(path, user=user)  # the first request of a user logs them in
        with django_assert_max_num_queries(most):
            app.get(path, user=user)


def test_a_session_is_changed_through_its_form_but_not_below_the_invited_count(world, app):
    session = invited_session(world)  # 4 shops invited
    form = (
        app.get(f"/trainings/{session.pk}/", user=world.station_head)
        .click(href="edit/")
        .forms["session-form"]
    )
    assert form["place"].value == session.place
    form["capacity"] = "3"
    refused = form.submit(status=200)
    assert "已邀请 4 户" in text_of(refused, ".invalid-feedback")
    form = refused.forms["session-form"]
    form["capacity"] = "12"
    form["place"] = "茅箭大厦三楼"
    form.submit().follow()
    session.refresh_from_db()
    assert (session.capacity, session.place) == (12, "茅箭大厦三楼")
    assert AuditEvent.objects.filter(action="training.session_edit", object_id=str(session.pk)).exists()
    app.get(f"/trainings/{session.pk}/edit/", user=world.account_manager, status=403)
