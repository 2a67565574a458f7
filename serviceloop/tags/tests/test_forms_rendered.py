"""Every tag form, filled and submitted as the page renders it (WebTest), by the role that uses it."""

import datetime as dt
import io
from urllib.parse import unquote

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from serviceloop.core.testing import text_of
from serviceloop.tags.models import CustomerTag, CustomerTagEvent, LibraryEdit, ProblemTag
from serviceloop.tags.services import customertag_attach, customertag_transition

pytestmark = pytest.mark.django_db


def picture() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "JPEG")
    return buf.getvalue()


def attached(world, shop=None, name="不会网上订货"):
    return customertag_attach(customer=shop or world.shops["张湾1号线"][0], tag=ProblemTag.objects.get(name=name),
                              source="visit", reason="不会下单", actor=world.account_manager, now=timezone.now())  # fmt: skip


def removed(world):
    ctag = attached(world)
    return customertag_transition(ctag=ctag, action="remove", actor=world.account_manager, now=timezone.now(),
                                  note="教会了", steps=["1"])  # fmt: skip


def tick(form, name, *indexes):
    for index in indexes:
        form.get(name, index=index).checked = True


def test_the_account_manager_removes_a_tag_by_ticking_the_strategy_steps_the_page_shows(world, app):
    ctag = attached(world)
    steps = ctag.tag.strategy.steps
    page = app.get(f"/tags/{ctag.pk}/", user=world.account_manager)
    form = page.forms["tag-action"]
    boxes = form.fields["steps"]
    assert [b._value for b in boxes] == [str(i) for i in range(1, len(steps) + 1)]  # one box per step, valued
    for step in steps:
        assert step in page.text
    form["note"] = "手把手教会了网上订货"
    tick(form, "steps", 0, 1)
    result = form.submit("action", value="remove").follow()
    assert "已保存" in result.text
    ctag.refresh_from_db()
    assert ctag.status == "removed" and ctag.removed_by == world.account_manager
    event = ctag.events.get(action="remove")
    assert event.data["steps"] == [1, 2] and event.note == "手把手教会了网上订货"
    history = text_of(result, "[data-testid=tag-events]")
    assert steps[0] in history and steps[1] in history and "1, 2" not in history  # the steps in words


def test_removing_without_ticking_a_step_says_so_and_keeps_the_note(world, app):
    ctag = attached(world)
    form = app.get(f"/tags/{ctag.pk}/", user=world.account_manager).forms["tag-action"]
    form["note"] = "做了"
    result = form.submit("action", value="remove")
    assert result.status_code == 200 and "请勾选已执行的策略步骤" in result.text
    assert result.forms["tag-action"]["note"].value == "做了"
    ctag.refresh_from_db()
    assert ctag.status == "attached"


def test_the_station_head_verifies_a_removed_tag_on_the_page(world, app):
    ctag = removed(world)
    page = app.get(f"/tags/{ctag.pk}/", user=world.station_head)
    form = page.forms["tag-action"]
    assert "steps" not in form.fields  # nothing to tick when verifying
    form["note"] = "回访确认已会下单"
    result = form.submit("action", value="verify").follow()
    ctag.refresh_from_db()
    assert ctag.status == "verified" and ctag.verified_by == world.station_head
    assert "已验证" in text_of(result, "h1")
    assert ctag.events.get(action="verify").note == "回访确认已会下单"


def test_the_station_head_sends_a_removed_tag_back_with_a_reason_and_a_photo(world, app):
    ctag = removed(world)
    form = app.get(f"/tags/{ctag.pk}/", user=world.station_head).forms["tag-action"]
    result = form.submit("action", value="send_back")
    assert result.status_code == 200 and "请填写退回原因" in result.text
    form = result.forms["tag-action"]
    form["note"] = "店主仍不会下单"
    form["photo"] = ("shop.jpg", picture(), "image/jpeg")
    result = form.submit("action", value="send_back").follow()
    ctag.refresh_from_db()
    assert ctag.status == "sent_back"
    event = ctag.events.get(action="send_back")
    assert event.note == "店主仍不会下单" and event.photo
    assert "店主仍不会下单" in text_of(result, "[data-testid=tag-events]")
    photo = result.click(href=f"/tags/events/{event.pk}/photo/")
    assert photo.content_type == "image/jpeg"
    app.get(f"/tags/events/{event.pk}/photo/", user=world.outsider, status=404)


@pytest.mark.parametrize("who", ["supervisor", "city_admin", "branch_manager"])
def test_the_supervision_samples_a_verified_tag_and_confirms_it(world, app, who):
    ctag = removed(world)
    customertag_transition(ctag=ctag, action="verify", actor=world.station_head, now=timezone.now())
    form = app.get(f"/tags/{ctag.pk}/", user=getattr(world, who)).forms["tag-action"]
    form["note"] = "抽查属实"
    form.submit("action", value="sample_pass").follow()
    ctag.refresh_from_db()
    assert ctag.sampled_at is not None and ctag.status == "verified"
    assert ctag.events.filter(action="sample_pass", note="抽查属实").exists()


def test_the_supervisor_overturns_a_verified_tag_in_sampling(world, app):
    ctag = removed(world)
    customertag_transition(ctag=ctag, action="verify", actor=world.station_head, now=timezone.now())
    form = app.get(f"/tags/{ctag.pk}/", user=world.supervisor).forms["tag-action"]
    form["note"] = "抽查发现仍未开通"
    result = form.submit("action", value="overturn").follow()
    ctag.refresh_from_db()
    assert ctag.status == "sent_back" and "已退回" in text_of(result, "h1")


def test_an_outsider_gets_no_action_form_and_cannot_open_another_areas_tag(world, app):
    ctag = removed(world)
    page = app.get(f"/tags/{ctag.pk}/", user=world.account_manager)  # removed it: may not verify it
    assert "tag-action" not in page.forms
    app.get(f"/tags/{ctag.pk}/", user=world.outsider, status=404)


def test_the_account_manager_attaches_a_tag_with_a_photo_from_the_shop_page(world, app):
    shop = world.shops["张湾1号线"][0]
    page = app.get(f"/customers/{shop.pk}/", user=world.account_manager)
    page = page.click(href=f"/tags/attach/{shop.pk}/")
    form = page.forms["tag-attach"]
    tag = ProblemTag.objects.get(name="陈列不规范")
    form["tag"] = str(tag.pk)
    form["source"] = "visit"
    form["reason"] = "价签缺失"
    form["evidence"] = "柜台无价签"
    form["photo"] = ("price.jpg", picture(), "image/jpeg")
    result = form.submit().follow()
    assert "陈列不规范" in result.text
    ctag = CustomerTag.objects.get(customer=shop, tag=tag)
    assert ctag.reason == "价签缺失" and ctag.evidence == "柜台无价签" and ctag.photo
    detail = app.get(f"/tags/{ctag.pk}/", user=world.station_head)
    photo = detail.click(href=f"/tags/{ctag.pk}/photo/")
    assert photo.content_type == "image/jpeg" and photo.body == ctag.photo.open("rb").read()
    app.get(f"/tags/{ctag.pk}/photo/", user=world.outsider, status=404)
    app.get(f"/media/{ctag.photo.name}", user=world.station_head, status=404)
    # the same tag again is refused with a clear message, nothing is lost
    form = app.get(f"/tags/attach/{shop.pk}/", user=world.account_manager).forms["tag-attach"]
    form["tag"] = str(tag.pk)
    form["reason"] = "又缺"
    again = form.submit()
    assert again.status_code == 200 and "已带有" in again.text
    assert again.forms["tag-attach"]["reason"].value == "又缺"
    assert CustomerTag.objects.filter(customer=shop).count() == 1


def test_the_city_admin_attaches_a_tag_to_the_shops_of_a_filter(world, app):
    page = app.get("/tags/bulk/", user=world.city_admin)
    flt = page.forms["bulk-filter"]
    assert [label for _v, _s, label in flt["route"].options] == ["全部线路"]  # a station first (issue 14)
    flt["station"] = str(world.station_a1.pk)
    page = flt.submit()
    assert "4" in text_of(page, "[data-testid=bulk-count]")
    flt = page.forms["bulk-filter"]
    assert [label for _v, _s, label in flt["route"].options] == ["全部线路", "张湾1号线", "张湾2号线"]
    flt["route"] = str(world.route_a1_2.pk)
    assert "2" in text_of(flt.submit(), "[data-testid=bulk-count]")
    form = page.forms["bulk-attach"]
    form["tag"] = str(ProblemTag.objects.get(name="不会网上订货").pk)
    form["reason"] = "未开通网上订货"
    result = form.submit().follow()
    assert CustomerTag.objects.filter(customer__station=world.station_a1).count() == 4
    assert len(result.html.select("#tag-table tbody tr")) == 4


def test_the_city_admin_edits_the_tag_library_on_the_page(world, app):
    tag = ProblemTag.objects.get(name="不会网上订货")
    versions = LibraryEdit.objects.filter(tag=tag).count()
    page = app.get("/tags/library/", user=world.city_admin)
    page = page.click(href=f"/tags/library/{tag.pk}/")
    form = page.forms["library-edit"]
    assert form["active"].checked  # the single box shows the stored value
    form["actions"] = "讲解网上订货\n现场演示下单"
    form["time_limit_days"] = "9"
    form["active"] = False
    result = form.submit().follow()
    assert "已保存" in result.text
    tag.refresh_from_db()
    assert tag.strategy.steps == ["讲解网上订货", "现场演示下单"] and tag.strategy.time_limit_days == 9
    assert tag.active is False and LibraryEdit.objects.filter(tag=tag).count() == versions + 1
    # a new tag
    form = app.get("/tags/library/new/", user=world.city_admin).forms["library-edit"]
    form["category"] = "ordering"
    form["name"] = "不会扫码支付"
    form["discovery_source"] = "visit"
    form["severity"] = "3"
    form["actions"] = "讲解\n演示"
    form["responsible_role"] = "account_manager"
    form["time_limit_days"] = "5"
    form.submit().follow()
    new = ProblemTag.objects.get(name="不会扫码支付")
    assert new.active and new.severity == 3 and new.strategy.time_limit_days == 5
    app.get("/tags/library/new/", user=world.station_head, status=403)


def test_the_tag_list_filter_narrows_the_list_as_rendered(world, app):
    attached(world)
    customertag_attach(
        customer=world.shops["茅箭1号线"][0],
        tag=ProblemTag.objects.get(name="陈列不规范"),
        source="data",
        reason="乱",
        actor=world.city_admin,
        now=timezone.now(),
    )
    page = app.get("/tags/", user=world.city_admin)
    form = page.forms["tag-filter"]
    form["station"] = str(world.station_a2.pk)
    result = form.submit()
    assert len(result.html.select("#tag-table tbody tr")) == 1 and "陈列不规范" in result.text
    assert CustomerTagEvent.objects.count() == 2


def test_the_tag_library_search_finds_a_tag_by_name(world, app):
    form = app.get("/tags/library/", user=world.station_head).forms["library-search"]
    form["q"] = "网上订货"
    rows = form.submit().html.select("tbody tr")
    assert rows and all("网上订货" in row.get_text() for row in rows)


def test_the_loop_board_filters_by_period_and_station_as_rendered_and_keeps_them_across_views(world, app):
    old = customertag_attach(customer=world.shops["茅箭1号线"][0], tag=ProblemTag.objects.get(name="陈列不规范"),
                             source="visit", reason="乱", actor=world.city_admin,
                             now=timezone.now() - dt.timedelta(days=500))  # fmt: skip
    attached(world)  # today, 张湾
    page = app.get("/tags/board/", user=world.city_admin)
    form = page.forms["board-filter"]
    today = timezone.localdate()
    assert (
        form["date_from"].value == f"{today.year - (today.month < 12)}-{today.month % 12 + 1:02d}-01"
    )  # 12 months
    assert form["date_to"].value == ""
    # today's tag is counted; the old one is outside the period but still counted as overdue
    assert page.context["data"]["totals"]["attached"] == 1 and page.context["data"]["totals"]["overdue"] == 1
    assert text_of(page, "[data-testid=board-overdue]") == "超时 1" and "期间内贴上的标签" in page.text
    # clearing the start shows every tag ever attached
    form["date_from"] = ""
    page = form.submit()
    assert page.context["data"]["totals"]["attached"] == 2
    # a station, chosen from the options the page offers
    form = page.forms["board-filter"]
    form["station"] = str(old.customer.station_id)
    page = form.submit()
    assert page.context["data"]["totals"] == {**page.context["data"]["totals"], "attached": 1, "overdue": 1}
    assert page.html.select_one("[data-testid=board-overdue]")["href"].endswith(
        f"?overdue=1&station={old.customer.station_id}")  # fmt: skip
    # another grouping keeps the filters, and so does the export
    page = page.click(href="group=month")
    assert page.context["group"] == "month" and page.context["data"]["totals"]["attached"] == 1
    export = page.click(href="export=1")
    assert unquote(export["Content-Disposition"]).endswith(
        f"全部~{today}.xlsx"
    )  # the file says what it covers
    sheet = load_workbook(io.BytesIO(export.body)).active
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == [1]  # one month row: one attached
    # a reversed period says so; malformed values filter nothing and break nothing
    form = page.forms["board-filter"]
    form["date_from"], form["date_to"] = "2030-01-02", "2030-01-01"
    assert "开始日期晚于结束日期" in form.submit().text
    for query in ("date_from=2027-02-30&station=abc", "station=1e3", "date_to=²"):
        assert app.get(f"/tags/board/?{query}", user=world.city_admin).status_code == 200


def test_a_station_head_is_offered_their_own_station_only_on_the_board(world, app):
    attached(world)
    page = app.get("/tags/board/", user=world.station_head)
    offered = [value for value, _selected, _text in page.forms["board-filter"]["station"].options if value]
    assert offered == [str(world.station_head.station_id)]
    other = world.shops["茅箭1号线"][
        0
    ].station_id  # another station's id in the link is ignored: their own board
    page = app.get(f"/tags/board/?station={other}", user=world.station_head)
    assert [r["key"] for r in page.context["data"]["rows"]] == ["张湾服务站"]
    assert page.html.select_one("[data-testid=board-overdue]")["href"].endswith("?overdue=1")
