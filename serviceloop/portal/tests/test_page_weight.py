"""The QR page on the owner's phone: ≤ 50 KB on first load, no icon font, and usable with JavaScript off."""

import gzip

import pytest

from serviceloop.core.pageweight import first_load_bytes
from serviceloop.servicedesk.models import ServiceRequest

from .helpers import shop_url

pytestmark = pytest.mark.django_db


def test_the_qr_page_downloads_at_most_50_kb_on_first_load(client, shop_link):
    page = client.get(shop_url(shop_link), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert page["Content-Encoding"] == "gzip"  # the page itself is compressed too
    html = gzip.decompress(page.content).decode()
    sizes = first_load_bytes(html, html_on_wire=len(page.content))
    assert "bootstrap-icons" not in html and not any(name.endswith((".woff", ".woff2")) for name in sizes)
    assert "<svg" in html  # the icons are drawn inline
    assert sum(sizes.values()) <= 50 * 1024, sizes  # was ~180 KB, 134 KB of it the icon font


def test_the_tracking_and_invalid_link_pages_load_no_icon_font_either(client, shop_link):
    for url in ("/t/made-up-link-000000000/", shop_url(shop_link)):
        html = client.get(url).content.decode()
        assert "bootstrap-icons" not in html and 'class="bi bi-' not in html


def test_the_form_as_rendered_works_without_javascript(app, shop_link):
    """WebTest runs no script: the owner taps a category radio, writes, and sends."""
    page = app.get(shop_url(shop_link))
    form = page.forms["intake"]
    form["category"] = "delivery"
    form["kind"] = "complaint"
    form["text"] = "送货员态度不好。"
    form["callback_phone"] = "0719-8123456"
    sent = form.submit()
    assert sent.status_code == 302 and sent.location.startswith("/t/")
    tracking = sent.follow()
    assert tracking.status_code == 200
    sr = ServiceRequest.objects.get()
    assert (sr.kind, sr.category.code, sr.callback_phone, sr.channel) == (
        "complaint",
        "delivery",
        "07198123456",
        "qr",
    )
    again = form.submit()  # the back button and a second tap: the same request, no second one
    assert again.location.split("?")[0] == sent.location.split("?")[0]
    assert ServiceRequest.objects.count() == 1
