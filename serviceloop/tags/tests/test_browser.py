"""Real browser (Debian's Chromium, Playwright): the tag loop as its people click it. The account manager removes a
tag on a 375-px phone, ticking the strategy steps the page shows; the station head then verifies it on a desktop."""

import pytest

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


def log_in(page, live_server, username):
    from serviceloop.core.testing import PASSWORD

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_the_station_head_verifies_a_tag_the_account_manager_removed_on_a_phone(browser, live_server, tagged):
    phone = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    log_in(page, live_server, "account_manager")
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
    log_in(page, live_server, "station_head")
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
