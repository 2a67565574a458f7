"""Real browser: log in, search a shop, open it — in Debian's Chromium driven by Playwright."""

import pytest
from playwright.sync_api import expect

from serviceloop.core.testing import browser_log_in

# serialized_rollback: data migrations (code aliases, categories…) survive, and the flush after each test does
# not re-create content types that the next serialized test restores.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def seeded(transactional_db):
    from serviceloop.core.testing import build_world, make_customer

    w = build_world()
    w.target = make_customer(w.route_a1_1, name="老街口便利店", owner_name="王秀英", phone="13911112222")
    return w


def test_it_logs_in_searches_a_shop_and_opens_it(page, live_server, seeded):
    browser_log_in(page, live_server, "account_manager")
    assert page.locator('[data-testid="total-shops"]').inner_text() == "3"
    page.goto(f"{live_server.url}/customers/")
    page.fill('[data-testid="customer-search"]', "老街口")
    # The table refreshes itself as the user types (HTMX), no button needed.
    # (a locator assertion, not wait_for_function: the page's CSP forbids evaluating script strings)
    expect(page.locator("[data-testid=customer-table] tbody tr")).to_have_count(1)
    page.click("text=老街口便利店")
    page.wait_for_url(f"{live_server.url}/customers/{seeded.target.pk}/")
    assert page.locator('[data-testid="customer-name"]').inner_text() == "老街口便利店"
    assert "13911112222" in page.content()


def test_it_fits_a_phone_screen(browser, live_server, seeded):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    browser_log_in(page, live_server, "account_manager")
    page.goto(f"{live_server.url}/customers/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide on a 375px screen"
    assert page.locator("text=老街口便利店").is_visible()
    context.close()


def test_the_route_filter_follows_the_chosen_station(page, live_server, seeded):
    """A city admin picks a station, then one of its routes; another station empties the route (issue 14)."""
    browser_log_in(page, live_server, "city_admin")
    page.goto(f"{live_server.url}/customers/")
    routes = page.locator("#id_route option")
    expect(routes).to_have_count(1)  # "全部线路" only, until a station is chosen
    page.select_option("#id_station", label="张湾服务站")
    expect(routes).to_have_text(["全部线路", "张湾1号线", "张湾2号线"])
    page.select_option("#id_route", label="张湾1号线")
    expect(page.locator("[data-testid=customer-table] tbody tr")).to_have_count(3)
    assert "route=" in page.url and "station=" in page.url
    page.select_option("#id_station", label="茅箭服务站")
    expect(routes).to_have_text(["全部线路", "茅箭1号线"])
    expect(page.locator("#id_route")).to_have_value("")
    expect(page.locator("[data-testid=customer-table] tbody tr")).to_have_count(2)
