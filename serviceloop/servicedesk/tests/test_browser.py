"""Real browser (Debian's Chromium, Playwright): one request around the whole loop, as its people click it.

The shop owner files on the QR page (phone) → the agent acknowledges and dispatches (desktop) → the account
manager handles it on a 375-px phone → the follow-up call finds the owner dissatisfied, so it goes back to the
account manager with a new deadline → handled again → satisfied → closed; the tracking page says so."""

import re

import pytest
from playwright.sync_api import expect

# serialized_rollback: the categories and time limits come from data migrations a flushed database would lose.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


@pytest.fixture
def city(transactional_db):
    from django.utils import timezone

    from serviceloop.core.testing import build_world
    from serviceloop.portal.services import shoptoken_ensure

    w = build_world()
    w.shop = w.shops["张湾1号线"][0]
    w.link = shoptoken_ensure(customer=w.shop, actor=None, now=timezone.now())
    return w


def log_in(context, live_server, username):
    from serviceloop.core.testing import browser_log_in

    page = context.new_page()
    browser_log_in(page, live_server, username)
    return page


def act(page, action, fields=None, *, tap=False):
    """Opens the action's panel on the request page, fills it as shown, and submits it."""
    page.click(f"[data-testid=action-{action}] summary")
    form = page.locator(f"#act-{action}")
    for name, value in (fields or {}).items():
        field = form.locator(f"[name='{action}-{name}']")
        if field.first.get_attribute("type") == "radio":
            form.locator(f"[name='{action}-{name}'][value='{value}']").check()
        elif field.first.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    button = form.locator("button[type=submit]")
    button.tap() if tap else button.click()
    page.wait_for_selector(".alert-success")


def status(page) -> str:
    return page.locator("h1 [data-testid=status]").inner_text()


def test_one_request_goes_round_the_whole_loop(browser, live_server, city):
    from serviceloop.servicedesk.models import ServiceRequest

    # 1. the shop owner scans the card and files on the phone
    owner_phone = browser.new_context(**PHONE)
    shop_page = owner_phone.new_page()
    shop_page.goto(f"{live_server.url}/s/{city.link.value}/")
    shop_page.locator("label", has_text="送货").tap()
    shop_page.fill("textarea[name=text]", "今天的货少送了两条，请核实。")
    shop_page.fill("input[name=callback_phone]", "13912345678")
    shop_page.locator("#submit").tap()
    shop_page.wait_for_url(f"{live_server.url}/t/**")
    track_url = shop_page.url.split("?")[0]
    assert shop_page.locator("[data-testid=status]").inner_text() == "已收到"
    sr = ServiceRequest.objects.get()
    ref = sr.reference
    assert shop_page.locator("[data-testid=reference]").inner_text() == ref

    # 2. the agent finds it waiting, acknowledges and dispatches it to the shop's account manager
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    agent = log_in(desk, live_server, "agent")
    agent.goto(f"{live_server.url}/servicedesk/")
    agent.locator("[data-testid=tasks-new]").get_by_role("link", name=ref).click()
    agent.wait_for_url(f"{live_server.url}/servicedesk/{sr.pk}/")
    assert "13912345678" in agent.locator("main").inner_text()  # the callback number, to call at once
    act(agent, "acknowledge")
    assert status(agent) == "已受理"
    act(agent, "dispatch", {"owner": str(city.account_manager.pk)})
    assert status(agent) == "已派单"
    assert city.account_manager.full_name in agent.locator("[data-testid=owner]").inner_text()

    # 3. the account manager handles it on the phone
    am_phone = browser.new_context(**PHONE)
    am = log_in(am_phone, live_server, "account_manager")
    am.goto(f"{live_server.url}/servicedesk/")
    mine = am.locator("[data-testid=tasks-mine]")
    assert ref in mine.inner_text()
    mine.get_by_role("link", name=ref).tap()
    am.wait_for_url(f"{live_server.url}/servicedesk/{sr.pk}/")
    shop_phone = am.locator("[data-testid=shop-phone] a[href^='tel:']")
    assert shop_phone.count() >= 1  # one tap to call the shop
    act(am, "start", {"note": "下午上门核实"}, tap=True)
    act(am, "report", {"actions_taken": "上门补送两条", "outcome": "客户已收到"}, tap=True)
    act(am, "resolve", tap=True)
    assert status(am) == "已办结"
    width = am.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the request page is {width}px wide on a 375-px phone"

    # 4. the follow-up call: dissatisfied → back to the account manager, named, with a new deadline
    supervisor = log_in(browser.new_context(locale="zh-CN"), live_server, "supervisor")
    supervisor.goto(f"{live_server.url}/servicedesk/{sr.pk}/")
    act(supervisor, "follow_up", {"reached": "yes", "satisfaction": "2", "comment": "少的烟还没补齐"})
    assert status(supervisor) == "已重新打开"
    owner_text = supervisor.locator("[data-testid=owner]").inner_text()
    assert city.account_manager.full_name in owner_text and re.search(r"\d\d-\d\d \d\d:\d\d", owner_text)
    shop_page.goto(track_url)
    assert shop_page.locator("[data-testid=status]").inner_text() == "重新处理中"
    assert "不满意" in shop_page.locator("[data-testid=call]").inner_text()

    # 5. it is back on the account manager's list, with a notice; handled again
    am.goto(f"{live_server.url}/servicedesk/")
    assert ref in am.locator("[data-testid=tasks-mine]").inner_text()
    am.goto(f"{live_server.url}/servicedesk/notifications/")
    assert f"重新打开，交回您处理：{ref}" in am.locator("[data-testid=notifications]").inner_text()
    am.goto(f"{live_server.url}/servicedesk/{sr.pk}/")
    act(am, "start", {"note": "再次上门"}, tap=True)
    act(am, "report", {"actions_taken": "补齐了两条并当面清点", "outcome": "客户确认无误"}, tap=True)
    act(am, "resolve", tap=True)

    # 6. satisfied this time; the agent closes the loop
    supervisor.goto(f"{live_server.url}/servicedesk/{sr.pk}/")
    act(supervisor, "follow_up", {"reached": "yes", "satisfaction": "5", "comment": "满意"})
    assert status(supervisor) == "已回访"
    agent.goto(f"{live_server.url}/servicedesk/{sr.pk}/")
    act(agent, "close")
    assert status(agent) == "已关闭"
    shop_page.goto(track_url)
    assert shop_page.locator("[data-testid=status]").inner_text() == "已办结"
    assert "补齐了两条并当面清点" in shop_page.locator("[data-testid=done]").inner_text()
    assert "5 分" in shop_page.locator("[data-testid=call]").inner_text()
    for context in (owner_phone, desk, am_phone):
        context.close()


def test_the_ledgers_route_filter_follows_the_chosen_station(browser, live_server, city):
    """A city admin filters the work ledger by station, then by one of its routes; another station empties the
    route (issue 14: the province's 2,000 routes are offered a station at a time)."""
    from django.utils import timezone

    from serviceloop.servicedesk.services import servicerequest_file

    for shop in (city.shops["张湾1号线"][0], city.shops["张湾2号线"][0], city.shops["茅箭1号线"][0]):
        servicerequest_file(customer=shop, channel="phone", kind="complaint", category="attitude",
                            text="送货员态度不好", actor=city.agent, now=timezone.now())  # fmt: skip
    page = log_in(browser.new_context(locale="zh-CN"), live_server, "city_admin")
    page.goto(f"{live_server.url}/servicedesk/ledger/")
    rows = page.locator("[data-testid=ledger-table] tbody tr")
    routes = page.locator("#id_route option")
    expect(rows).to_have_count(3)
    expect(routes).to_have_count(1)  # "全部线路" only, until a station is chosen
    page.select_option("#id_station", label="张湾服务站")
    expect(routes).to_have_text(["全部线路", "张湾1号线", "张湾2号线"])
    expect(rows).to_have_count(2)
    page.select_option("#id_route", label="张湾2号线")
    expect(rows).to_have_count(1)
    assert "route=" in page.url and "station=" in page.url
    page.select_option("#id_station", label="茅箭服务站")
    expect(routes).to_have_text(["全部线路", "茅箭1号线"])
    expect(page.locator("#id_route")).to_have_value("")
    expect(rows).to_have_count(1)
