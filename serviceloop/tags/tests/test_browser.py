"""Real browser (Debian's Chromium, Playwright): the tag loop as its people click it. The account manager removes a
tag on a 375-px phone, ticking the strategy steps the page shows; the station head then verifies it on a desktop."""

import pytest

from serviceloop.core.testing import browser_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def tagged(transactional_db):
    from django.utils import timezone

    from serviceloop.core.testing import build_world, make_customer
    from serviceloop.tags.models import ProblemTag
    from serviceloop.tags.services import customertag_attach

    w = build_world()
    w.shop = make_customer(w.route_a1_1, name="老街口便利店")
    w.ctag = customertag_attach(customer=w.shop, tag=ProblemTag.objects.get(name="不会网上订货"), source="visit",
                                reason="店主不会网上下单", actor=w.account_manager, now=timezone.now())  # fmt: skip
    w.steps = w.ctag.tag.strategy.steps
    return w


def test_the_station_head_verifies_a_tag_the_account_manager_removed_on_a_phone(browser, live_server, tagged):
    phone = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    browser_log_in(page, live_server, "account_manager")
    page.goto(f"{live_server.url}/customers/{tagged.shop.pk}/")
    page.click(f"[data-testid=customer-timeline] a[href='/tags/{tagged.ctag.pk}/']")
    page.wait_for_url(f"{live_server.url}/tags/{tagged.ctag.pk}/")
    form = page.locator("#tag-action")
    # each strategy step is its own box, with its words beside it, big enough to tap
    for step in tagged.steps:
        assert form.get_by_label(step).is_visible()
    box = form.get_by_label(tagged.steps[0]).bounding_box()
    assert box["width"] >= 14 and box["height"] >= 14
    form.get_by_label(tagged.steps[0]).check()
    form.get_by_label(tagged.steps[1]).check()
    form.locator("textarea[name=note]").fill("手把手教会了网上订货")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the tag page is {width}px wide on a 375px screen"
    form.locator("[data-testid=action-remove]").tap()
    page.wait_for_selector(".alert-success")
    assert "已保存" in page.locator(".alert-success").inner_text()
    assert "已揭标签，待验证" in page.locator("h1").inner_text()
    history = page.locator("[data-testid=tag-events]").inner_text()
    assert tagged.steps[0] in history and tagged.steps[1] in history and "手把手教会了网上订货" in history
    assert page.locator("#tag-action").count() == 0  # nothing left for the one who removed it to do
    phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    browser_log_in(page, live_server, "station_head")
    page.goto(f"{live_server.url}/tags/?to_verify=1")
    page.click(f"#tag-table a[href='/tags/{tagged.ctag.pk}/']")
    page.wait_for_url(f"{live_server.url}/tags/{tagged.ctag.pk}/")
    assert page.locator("#tag-action input[name=steps]").count() == 0  # verifying ticks nothing
    assert tagged.steps[1] in page.locator("[data-testid=tag-events]").inner_text()
    page.fill("#tag-action textarea[name=note]", "电话回访，店主已能自行下单")
    page.click("[data-testid=action-verify]")
    page.wait_for_selector(".alert-success")
    assert "已验证" in page.locator("h1").inner_text()
    assert "电话回访，店主已能自行下单" in page.locator("[data-testid=tag-events]").inner_text()
    desk.close()
    tagged.ctag.refresh_from_db()
    assert tagged.ctag.status == "verified" and tagged.ctag.verified_by == tagged.station_head


def test_a_supervisor_narrows_the_loop_board_to_a_station_and_a_period_and_it_holds_on_a_phone(
    browser, live_server, tagged
):
    import datetime as dt

    from django.utils import timezone

    from serviceloop.core.testing import make_customer
    from serviceloop.tags.models import ProblemTag
    from serviceloop.tags.services import customertag_attach

    elsewhere = make_customer(tagged.route_b1_1, name="远郊老店")
    customertag_attach(customer=elsewhere, tag=ProblemTag.objects.get(name="陈列不规范"), source="visit",
                       reason="货架乱", actor=tagged.city_admin, now=timezone.now() - dt.timedelta(days=400))  # fmt: skip
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    browser_log_in(page, live_server, "city_admin")
    page.goto(f"{live_server.url}/tags/board/")
    totals = page.locator("[data-testid=board-totals]")
    # the last 12 months: this month's tag is counted, the 400-day-old one only as overdue
    assert page.locator("#board-filter input[name=date_from]").input_value().endswith("-01")
    assert "超时\n1" in totals.inner_text() or "超时 1" in totals.inner_text()
    assert page.locator("#board-chart canvas").count() == 1  # the chart drew
    page.select_option("#board-filter select[name=station]", label=tagged.station_a1.name)
    page.click("#board-filter button[type=submit]")
    page.wait_for_url("**station=*")
    rows = page.locator("[data-testid=board-table] tbody tr")
    assert rows.count() == 1 and tagged.station_a1.name in rows.first.inner_text()
    page.click("text=按月")
    page.wait_for_url("**group=month*")
    assert page.locator("#board-filter select[name=station]").input_value() == str(tagged.station_a1.pk)
    assert timezone.localdate().strftime("%Y-%m") in page.locator("[data-testid=board-table]").inner_text()
    desk.close()

    phone = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    browser_log_in(page, live_server, "station_head")
    page.goto(f"{live_server.url}/tags/board/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the loop board is {width}px wide on a 375px screen"
    assert page.locator("#board-filter input[name=date_to]").is_visible()
    phone.close()
