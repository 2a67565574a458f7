"""Visit forms filled and submitted as the pages render them (WebTest): the phone record page (check in, record,
file a request, move, cancel), planning from the shop page, the lists' filters, compliance, key lists, policies and
the 135 page; visit photos served only to those who may see the visit; short visits need a reason."""

import datetime as dt
import io

import pytest
import time_machine
from django.utils import timezone
from PIL import Image

from serviceloop.core.testing import text_of
from serviceloop.visits.models import CycleNote, KeyListSettings, Visit, VisitPolicy
from serviceloop.visits.services import visit_check_in, visit_record
from serviceloop.visits.tally import visit_change, visittally_add

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a Monday


def picture() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buf, "JPEG")
    return buf.getvalue()


def planned(world, *, day=None, shop=None, policy="三四星客户", manager=None):
    shop = shop or world.shops["张湾1号线"][0]
    visit = Visit.objects.create(customer=shop, manager=manager or world.account_manager, route=shop.route,
                                 source="generated", planned_on=day or timezone.localdate(),
                                 policy=VisitPolicy.objects.get(name=policy))  # fmt: skip
    visittally_add(
        [visit_change(visit, planned=1)]
    )  # made around the planning services: counted as they count
    return visit


def tick(form, name, *indexes):
    for index in indexes:
        form.get(name, index=index).checked = True


def test_the_account_manager_checks_in_records_the_visit_with_a_photo_and_sees_it(world, app):
    with time_machine.travel(NOON, tick=False):
        visit = planned(world)
        page = app.get("/visits/today/", user=world.account_manager)
        page = page.click(href=f"/visits/{visit.pk}/")
        page = page.forms["checkin"].submit().follow()
        assert text_of(page, "[data-testid=visit-status]") == "已签到"
        form = page.forms["visit-record"]
        outcomes = [value for value, _checked, *_label in form.fields["outcome"][0].options]
        assert outcomes == ["visited", "shop_closed", "owner_absent"]  # radios, each with its value
        items = visit.policy.checklist_items
        assert [b._value for b in form.fields["covered"]] == items
    with time_machine.travel(NOON + dt.timedelta(minutes=25), tick=False):
        form["outcome"] = "visited"
        tick(form, "covered", 0, 2)
        form["notes"] = "店主反映订货难"
        form["photo"] = ("counter.jpg", picture(), "image/jpeg")
        page = form.submit().follow()
    assert page.request.path == "/visits/today/" and "走访已记录" in text_of(page)
    visit.refresh_from_db()
    assert visit.status == "done" and visit.covered == [items[0], items[2]] and visit.minutes == 25
    assert visit.notes == "店主反映订货难" and visit.photo
    page = app.get(f"/visits/{visit.pk}/", user=world.account_manager)
    assert items[0] in text_of(page) and "25" in text_of(page)
    photo = page.click(href=f"/visits/{visit.pk}/photo/")
    assert photo.content_type == "image/jpeg" and photo.body == visit.photo.open("rb").read()


def test_visit_photos_are_served_only_within_the_viewers_scope_and_never_from_the_media_folder(world, app):
    with time_machine.travel(NOON, tick=False):
        visit = planned(world)
        visit_check_in(visit=visit, actor=world.account_manager, now=NOON)
    from django.core.files.uploadedfile import SimpleUploadedFile

    visit_record(visit=visit, outcome="visited", covered=["宣传政策法规"], actor=world.account_manager,
                 now=NOON + dt.timedelta(minutes=30), short_reason="",
                 photo=SimpleUploadedFile("p.jpg", picture(), "image/jpeg"))  # fmt: skip
    visit.refresh_from_db()
    assert app.get(f"/visits/{visit.pk}/photo/", user=world.station_head).status_code == 200
    app.get(f"/visits/{visit.pk}/photo/", user=world.outsider, status=404)
    app.get(f"/media/{visit.photo.name}", user=world.account_manager, status=404)
    no_photo = planned(world, shop=world.shops["张湾1号线"][1])
    app.get(f"/visits/{no_photo.pk}/photo/", user=world.account_manager, status=404)


def test_a_visit_shorter_than_the_policy_minimum_warns_at_check_out_and_asks_why(world, app):
    with time_machine.travel(NOON, tick=False):
        visit = planned(world)
        page = app.get(f"/visits/{visit.pk}/", user=world.account_manager).forms["checkin"].submit().follow()
    with time_machine.travel(NOON + dt.timedelta(minutes=5), tick=False):
        form = page.forms["visit-record"]
        form["outcome"] = "visited"
        tick(form, "covered", 0)
        form["notes"] = "匆匆一看"
        warned = form.submit()
        assert warned.status_code == 200
        assert "5 分钟" in text_of(warned, "[data-testid=short-visit]")
        assert "20 分钟" in text_of(warned, "[data-testid=short-visit]")
        visit.refresh_from_db()
        assert visit.status == "in_progress"  # nothing recorded yet, and nothing typed is lost
        form = warned.forms["visit-record"]
        assert form["notes"].value == "匆匆一看" and form.get("covered", index=0).checked
        form["short_reason"] = "店主临时外出，约好明天再来"
        form.submit().follow()
    visit.refresh_from_db()
    assert (
        visit.status == "done" and visit.minutes == 5 and visit.short_reason == "店主临时外出，约好明天再来"
    )
    page = app.get("/visits/compliance/?month=2026-06", user=world.station_head)
    assert "店主临时外出" in text_of(page, "[data-testid=short-visits]")


def test_a_shop_found_closed_needs_no_reason_for_a_short_visit(world, app):
    with time_machine.travel(NOON, tick=False):
        visit = planned(world)
        page = app.get(f"/visits/{visit.pk}/", user=world.account_manager).forms["checkin"].submit().follow()
        form = page.forms["visit-record"]
        form["outcome"] = "shop_closed"
        form.submit().follow()
    visit.refresh_from_db()
    assert visit.status == "done" and visit.outcome == "shop_closed"


def test_the_account_manager_files_a_request_from_the_visit_once(world, app):
    from serviceloop.servicedesk.models import Category, ServiceRequest

    visit = planned(world)
    page = app.get(f"/visits/{visit.pk}/", user=world.account_manager).forms["checkin"].submit().follow()
    form = page.forms["visit-request"]
    form["sr-kind"] = "request"
    form["sr-category"] = str(Category.objects.filter(active=True).first().pk)
    form["sr-text"] = "店主希望增加紧俏烟供应"
    page = form.submit().follow()
    sr = ServiceRequest.objects.get()
    assert sr.shop == visit.customer and sr.channel == "visit" and sr.text == "店主希望增加紧俏烟供应"
    assert sr.reference in text_of(page, "[data-testid=filed-requests]")
    again = form.submit().follow()  # the same form sent twice (a double tap) files one request
    assert ServiceRequest.objects.count() == 1 and sr.reference in text_of(again, ".alert")


def test_the_station_head_moves_and_cancels_planned_visits_on_the_page(world, app):
    today = timezone.localdate()
    visit = planned(world)
    form = app.get(f"/visits/{visit.pk}/", user=world.station_head).forms["visit-move"]
    form["move-day"] = (today + dt.timedelta(days=2)).isoformat()
    form.submit().follow()
    visit.refresh_from_db()
    assert visit.planned_on == today + dt.timedelta(days=2)
    form = app.get(f"/visits/{visit.pk}/", user=world.station_head).forms["visit-cancel"]
    form["reason"] = "店铺装修停业"
    form.submit().follow()
    visit.refresh_from_db()
    assert visit.status == "cancelled" and visit.events.get(action="cancel").data["reason"] == "店铺装修停业"
    form = app.get(f"/visits/{planned(world).pk}/", user=world.station_head).forms["visit-move"]
    form["move-day"] = (today - dt.timedelta(days=1)).isoformat()
    result = form.submit()
    assert result.status_code == 200 and "不能把走访安排在过去" in text_of(result)


def test_a_missed_visit_offers_no_move_or_cancel_to_its_manager_but_does_to_the_station_head(world, app):
    missed = planned(world, day=timezone.localdate() - dt.timedelta(days=2))
    page = app.get(f"/visits/{missed.pk}/", user=world.account_manager)
    assert "visit-cancel" not in page.forms and "visit-move" not in page.forms
    assert "只有站长或市场经理可以改期或取消" in text_of(page, "[data-testid=missed-visit]")
    page = app.get(f"/visits/{missed.pk}/", user=world.station_head)
    assert not page.html.select("[data-testid=missed-visit]")
    form = page.forms["visit-cancel"]
    form["reason"] = "客户停业装修"
    form.submit().follow()
    missed.refresh_from_db()
    assert missed.status == "cancelled"


def test_the_account_manager_plans_a_visit_from_the_shop_page(world, app):
    shop = world.shops["张湾1号线"][1]
    form = app.get(f"/customers/{shop.pk}/", user=world.account_manager).forms["plan-visit"]
    day = timezone.localdate() + dt.timedelta(days=3)
    form["day"] = day.isoformat()
    page = form.submit().follow()
    visit = Visit.objects.get(customer=shop)
    assert (
        visit.planned_on == day and visit.source == "manual" and page.request.path == f"/visits/{visit.pk}/"
    )


def test_the_visit_list_filter_narrows_the_list_as_rendered(world, app):
    today = timezone.localdate()
    planned(world, day=today - dt.timedelta(days=10))
    planned(world, day=today, shop=world.shops["张湾1号线"][1])
    form = app.get("/visits/", user=world.station_head).forms["visit-filter"]
    form["date_from"] = (today - dt.timedelta(days=1)).isoformat()
    form["status"] = "planned"
    result = form.submit()
    assert len(result.html.select("#visit-table tbody tr")) == 1


def test_this_months_completion_rate_counts_only_the_plan_to_date(world, app):
    with time_machine.travel(NOON, tick=False):
        done = planned(world, day=dt.date(2026, 6, 10))
        visit_check_in(visit=done, actor=world.account_manager, now=NOON - dt.timedelta(days=5))
        visit_record(visit=done, outcome="visited", covered=["宣传政策法规"], actor=world.account_manager,
                     now=NOON - dt.timedelta(days=5, minutes=-30))  # fmt: skip
        planned(world, day=dt.date(2026, 6, 12), shop=world.shops["张湾1号线"][1])  # missed
        planned(world, day=dt.date(2026, 6, 25))  # still ahead
        planned(world, day=dt.date(2026, 6, 29), shop=world.shops["张湾1号线"][1])  # still ahead
        page = app.get("/visits/compliance/", user=world.station_head)
        form = page.forms["compliance-filter"]
        assert form["month"].value == "2026-06"
        page = form.submit()
    row = page.html.select_one("[data-testid=compliance-table] tbody tr")
    cells = {td["data-label"]: td.get_text(strip=True) for td in row.select("td[data-label]")}
    assert cells["本月计划"] == "4" and cells["截至今日应访"] == "2" and cells["完成"] == "1"
    assert cells["截至今日完成率（%）"] == "50.0"
    with time_machine.travel(
        NOON + dt.timedelta(days=30), tick=False
    ):  # a past month: the whole plan was due
        form = app.get("/visits/compliance/", user=world.station_head).forms["compliance-filter"]
        form["month"] = "2026-06"
        row = form.submit().html.select_one("[data-testid=compliance-table] tbody tr")
    cells = {td["data-label"]: td.get_text(strip=True) for td in row.select("td[data-label]")}
    assert cells["截至今日应访"] == "4" and cells["截至今日完成率（%）"] == "25.0"


def test_the_city_admin_changes_the_key_list_thresholds_and_searches_a_list(world, app):
    page = app.get("/visits/key-lists/", user=world.city_admin)
    form = page.forms["keylist-settings"]
    form["closed_min_visits"] = "5"
    form.submit().follow()
    assert KeyListSettings.current().closed_min_visits == 5
    page = app.get("/visits/key-lists/?list=care", user=world.city_admin)
    form = page.forms["keylist-search"]
    form["q"] = "不存在的店"
    assert "keylist-table" in form.submit().text
    assert "keylist-settings" not in app.get("/visits/key-lists/", user=world.station_head).forms


def test_the_city_admin_edits_and_adds_visit_policies_on_the_page(world, app):
    policy = VisitPolicy.objects.get(name="三四星客户")
    page = app.get("/visits/policies/", user=world.city_admin).click(href=f"/visits/policies/{policy.pk}/")
    form = page.forms["policy-edit"]
    assert form["active"].checked
    form["min_minutes"] = "25"
    form["checklist"] = "宣传政策法规\n收集客户意见"
    form.submit().follow()
    policy.refresh_from_db()
    assert policy.min_minutes == 25 and policy.checklist_items == ["宣传政策法规", "收集客户意见"]
    form = app.get("/visits/policies/new/", user=world.city_admin).forms["policy-edit"]
    form["name"] = "困难客户"
    form["kind"] = "key_list"
    form["key_list"] = "capital_pressure"
    form["visits_per_month"] = "2"
    form["min_minutes"] = "15"
    form["max_gap_days"] = "20"
    form["checklist"] = "了解资金情况"
    form["active"] = False
    form.submit().follow()
    new = VisitPolicy.objects.get(name="困难客户")
    assert new.key_list == "capital_pressure" and new.active is False
    app.get("/visits/policies/new/", user=world.station_head, status=403)


def test_the_account_manager_writes_the_weekly_135_notes(world, app):
    form = app.get("/visits/cycle/", user=world.account_manager).forms["cycle-notes"]
    form["analysis"] = "三家店订货下降"
    form["improvement"] = "下周重点走访"
    page = form.submit().follow()
    note = CycleNote.objects.get(manager=world.account_manager)
    assert note.analysis == "三家店订货下降" and note.improvement == "下周重点走访"
    assert page.forms["cycle-notes"]["analysis"].value == "三家店订货下降"


@pytest.mark.parametrize("who", ["station_head", "branch_manager", "city_admin"])
def test_superiors_open_an_account_managers_135_page_read_only(world, app, who):
    CycleNote.objects.create(manager=world.account_manager, week_start=timezone.localdate()
                             - dt.timedelta(days=timezone.localdate().weekday()), analysis="订货下降",
                             updated_at=timezone.now())  # fmt: skip
    page = app.get("/visits/cycle/", user=getattr(world, who))
    form = page.forms["cycle-manager"]
    if who == "city_admin":  # a city-wide user picks the station first
        assert form["manager"].options[1:] == []
        form["station"] = str(world.station_a1.pk)
        form = form.submit().forms["cycle-manager"]
    names = [label for _v, _s, label in form["manager"].options]
    assert "account_manager" in names
    page = form.submit() if form["manager"].value == str(world.account_manager.pk) else None
    if page is None:
        form["manager"] = str(world.account_manager.pk)
        page = form.submit()
    assert "account_manager" in text_of(page, "h1") and "订货下降" in text_of(page)
    assert "cycle-notes" not in page.forms  # read-only
    app.post(f"/visits/cycle/?manager={world.account_manager.pk}", {"analysis": "改"},
             user=getattr(world, who), status=403)  # fmt: skip
    assert CycleNote.objects.get().analysis == "订货下降"


def test_a_city_wide_user_chooses_a_station_before_its_account_managers(world, app):
    """The province's 2,000 account managers were one select (issue 14): a city admin is offered the managers of
    the station chosen, stationed there or running one of its routes; the one already chosen stays offered."""
    page = app.get("/visits/cycle/", user=world.city_admin)
    form = page.forms["cycle-manager"]
    assert [label for _v, _s, label in form["manager"].options] == ["选择客户经理"]
    assert "先选择站点" in text_of(page)
    form["station"] = str(world.station_b1.pk)
    form = form.submit().forms["cycle-manager"]
    names = [label for _v, _s, label in form["manager"].options]
    assert "account_manager" not in names and len(names) > 1  # station B1's managers, not station A1's
    form["station"] = str(world.station_a1.pk)
    form = form.submit().forms["cycle-manager"]
    form["manager"] = str(world.account_manager.pk)
    page = form.submit()
    assert "account_manager" in text_of(page, "h1")
    # the manager chosen stays offered when the link carries no station (the week arrows, a shared link)
    page = app.get(f"/visits/cycle/?manager={world.account_manager.pk}", user=world.city_admin)
    assert page.forms["cycle-manager"]["manager"].value == str(world.account_manager.pk)
    app.get("/visits/cycle/", {"station": "²"}, user=world.city_admin)  # odd values are harmless


def test_the_135_page_of_a_manager_outside_the_scope_is_not_found(world, app):
    app.get(f"/visits/cycle/?manager={world.outsider.pk}", user=world.station_head, status=404)
    app.get(f"/visits/cycle/?manager={world.outsider.pk}", user=world.account_manager, status=403)
    app.get("/visits/cycle/", user=world.agent, status=403)
