"""The company's holiday calendar: fixed-date holidays in every year, the city admin's page for the rest,
and a warning while the coming year's schedule is missing."""

from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from serviceloop.core.models import AuditEvent
from serviceloop.core.testing import text_of
from serviceloop.servicedesk.holidays import missing_years
from serviceloop.servicedesk.models import Holiday, SlaMilestone, SlaPolicy

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def test_a_request_filed_on_31_december_2026_does_not_count_new_years_day_2027(world, file_request):
    policy = SlaPolicy.objects.create(name="工作时间", kind="suggestion", priority=99)
    SlaMilestone.objects.create(
        policy=policy, milestone="resolve", duration=timedelta(hours=2), clock="working"
    )
    sr = file_request(kind="suggestion", at=datetime(2026, 12, 31, 16, 0, tzinfo=TZ))
    due = sr.milestones.get(milestone="resolve").due_at
    # 16:00–17:30 on Thursday, then Fri 1 Jan (元旦) and the weekend off: Mon 4 Jan 09:00
    assert due == datetime(2027, 1, 4, 9, 0, tzinfo=TZ)


def test_the_city_admin_enters_next_years_spring_festival_through_the_page(world, app):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=TZ), tick=False):
        home = app.get("/", user=world.city_admin)
        assert "2027 年的节假日安排尚未录入" in text_of(home, "[data-testid=holiday-warning]")
        page = home.click(href="/servicedesk/holidays/", index=0)
        assert "2027" in text_of(page, "[data-testid=holiday-warning]")
        form = page.forms["holiday-add"]
        form["first"] = "2027-02-06"
        form["last"] = "2027-02-13"
        form["is_workday"] = "off"
        form["name"] = "春节"
        page = form.submit().follow()
        form = page.forms["holiday-add"]
        form["first"] = "2027-02-14"
        form["is_workday"] = "work"
        form["name"] = "春节调休"
        page = form.submit().follow()
        assert Holiday.objects.filter(date__year=2027, is_workday=False).count() == 8
        assert Holiday.objects.get(date=date(2027, 2, 14)).is_workday
        table = text_of(page, "[data-testid=holidays]")
        assert "2027-02-06" in table and "春节调休" in table and "调休上班" in table
        assert not page.html.select("[data-testid=holiday-warning]")  # the schedule is in now
        assert AuditEvent.objects.filter(action="servicedesk.holiday").count() == 2

        export = app.get(reverse("servicedesk:holidays-export") + "?year=2027", user=world.city_admin)
        sheet = load_workbook(BytesIO(export.body)).active
        assert sheet.max_row == 10 and sheet.cell(2, 1).value == "2027-02-06"

        row = Holiday.objects.get(date=date(2027, 2, 14))
        page = page.forms[f"holiday-delete-{row.pk}"].submit().follow()
        assert not Holiday.objects.filter(pk=row.pk).exists()
        assert AuditEvent.objects.filter(action="servicedesk.holiday_delete").exists()


def test_the_clock_uses_the_entered_days(world, file_request):
    Holiday.objects.create(date=date(2027, 2, 8), is_workday=False, name="春节")  # a Monday
    policy = SlaPolicy.objects.create(name="工作时间", kind="suggestion", priority=99)
    SlaMilestone.objects.create(
        policy=policy, milestone="resolve", duration=timedelta(hours=1), clock="working"
    )
    sr = file_request(kind="suggestion", at=datetime(2027, 2, 5, 17, 0, tzinfo=TZ))  # Friday
    assert sr.milestones.get(milestone="resolve").due_at == datetime(2027, 2, 9, 9, 0, tzinfo=TZ)


def test_bad_ranges_are_refused_in_chinese(world, app):
    page = app.get(reverse("servicedesk:holidays"), user=world.city_admin)
    form = page.forms["holiday-add"]
    form["first"] = "2027-02-13"
    form["last"] = "2027-02-06"
    result = form.submit(status=400)
    assert "结束日期早于开始日期" in result.text
    form["first"] = "不是日期"
    assert "有效的日期" in form.submit(status=400).text
    assert not Holiday.objects.exists()


def test_only_the_city_admin_keeps_the_calendar(world, app, client, login):
    row = Holiday.objects.create(date=date(2027, 2, 8), name="春节")
    for user in (world.agent, world.branch_manager, world.station_head, world.supervisor):
        assert app.get(reverse("servicedesk:holidays"), user=user, status=403).status_code == 403
        c = login(user)
        assert c.post(reverse("servicedesk:holiday-delete", args=[row.pk])).status_code == 403
    assert Holiday.objects.filter(pk=row.pk).exists()


def test_the_warning_starts_on_1_november_and_stops_once_the_schedule_is_in():
    assert missing_years(date(2026, 10, 31)) == []  # the package knows 2026
    assert missing_years(date(2026, 11, 1)) == [2027]
    Holiday.objects.bulk_create([Holiday(date=date(2027, 2, d), name="春节") for d in range(6, 12)])
    assert missing_years(date(2026, 11, 1)) == []
    assert missing_years(date(2028, 3, 1)) == [2028]  # a year nobody entered, even when already under way
