"""Real browser on a phone-sized screen: an owner scans the card, taps a category, types, sends, sees progress."""

import pytest

# serialized_rollback: the categories come from a data migration, which a flushed test database would lose.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def link(transactional_db):
    from django.utils import timezone

    from serviceloop.core.testing import build_world
    from serviceloop.portal.services import shoptoken_ensure

    w = build_world()
    return shoptoken_ensure(customer=w.shops["张湾1号线"][0], actor=None, now=timezone.now())


def test_it_files_a_request_from_the_qr_page_on_a_phone(browser, live_server, link):
    from serviceloop.servicedesk.models import ServiceRequest

    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{link.value}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    button = page.locator("label", has_text="送货")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 140, f"big enough to tap: {box}"
    button.tap()
    page.fill("textarea[name=text]", "今天的货少送了两条，请核实。")
    page.fill("input[name=callback_phone]", "13912345678")
    page.locator("#submit").tap()
    page.wait_for_url(f"{live_server.url}/t/**")
    assert "已收到" in page.locator('[data-testid="filed"]').inner_text()
    assert page.locator('[data-testid="timeline"] li').count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    request = ServiceRequest.objects.get()
    assert page.locator('[data-testid="reference"]').inner_text() == request.reference
    assert (request.category.code, request.callback_phone) == ("delivery", "13912345678")
    context.close()


def test_it_tells_the_owner_what_is_missing_without_losing_the_text(browser, live_server, link):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{link.value}/")
    assert page.locator('[data-testid="categories"] label').count() >= 7
    page.fill("textarea[name=text]", "送货员态度不好")
    page.locator("#submit").tap()
    page.wait_for_load_state()
    assert "请先点选上面的一个大按钮" in page.locator('[data-testid="category-error"]').inner_text()
    assert page.locator("textarea[name=text]").input_value() == "送货员态度不好"
    context.close()


def test_an_owner_who_lost_the_link_scans_the_card_again_and_finds_the_request(browser, live_server, link):
    """A request taken by phone; the owner scans the card later and taps through to its progress (issue 9)."""
    from django.utils import timezone

    from serviceloop.org.models import User
    from serviceloop.servicedesk.services import servicerequest_file

    sr, _created = servicerequest_file(
        customer=link.customer, channel="phone", kind="complaint", category="delivery",
        text="电话反映：烟送少了", actor=User.objects.get(username="agent"), now=timezone.now(),
    )  # fmt: skip
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{link.value}/")
    listed = page.locator('[data-testid="open-request"]')
    assert listed.count() == 1 and sr.reference in listed.inner_text()
    assert "烟送少了" not in page.locator("main, body").first.inner_text()  # no request text on the card page
    listed.tap()
    page.wait_for_url(f"{live_server.url}/t/**")
    assert page.locator('[data-testid="reference"]').inner_text() == sr.reference
    context.close()


def test_the_form_counts_the_words_and_refuses_a_photo_too_large_at_once(browser, live_server, link):
    """The page's behaviours come from the site's script (no inline script): the count under the text, and a
    photo over the limit refused before a long upload on a village network."""
    from serviceloop.portal.forms import MAX_PHOTO_BYTES

    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{link.value}/")
    page.fill("textarea[name=text]", "今天的货少送了两条")
    assert page.locator("#text-count").inner_text() == "9"
    big = {"name": "big.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * (MAX_PHOTO_BYTES + 1)}
    page.set_input_files("input[name=photo]", files=[big])
    assert page.locator('[data-testid="photo-error"]').inner_text() == "照片太大，请换一张小一点的照片。"
    assert page.evaluate("document.querySelector('input[name=photo]').files.length") == 0
    small = {"name": "small.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * 1000}
    page.set_input_files("input[name=photo]", files=[small])
    assert page.locator('[data-testid="photo-error"]').inner_text() == ""
    context.close()
