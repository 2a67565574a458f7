"""The owner's four-digit phone check before the shop's own figures (book, suggested order): the form as
rendered, wrong and malformed answers, the failure limit, a shop with no phone, another shop's cookie, a forged
cookie, an oversize body and no open redirect."""

import pytest
from django.utils import timezone

from serviceloop.core.testing import owner_cookie, owner_unlock
from serviceloop.portal.owner import COOKIE

pytestmark = pytest.mark.django_db


def advice_url(link) -> str:
    return f"/s/{link.value}/advice/"


def test_the_advice_link_asks_once_then_remembers_the_phone(app, shop_link):
    shop = shop_link.customer
    qr = app.get(f"/s/{shop_link.value}/")
    asked = qr.click(href="advice/")
    assert asked.status_int == 302 and asked.headers["Location"] == f"/s/{shop_link.value}/owner/?next=advice"
    question = asked.follow()
    assert question.headers["Cache-Control"] == "no-store"
    assert shop.name in question.text and shop.phone not in question.text  # nothing of the phone is shown
    page = owner_unlock(asked, shop.phone)
    assert page.request.path == advice_url(shop_link)
    assert page.html.select_one('[data-testid="public-advice"]')
    # The same phone opens it again without a question, and the book too (the cookie names the shop).
    assert app.get(advice_url(shop_link)).status_int == 200
    assert app.get(f"/s/{shop_link.value}/book/").status_int == 200


def test_a_wrong_answer_is_refused_and_counted_until_the_limit(app, shop_link, settings, world):
    settings.PORTAL_OWNER_FAILURES_PER_SHOP = 3
    shop = shop_link.customer
    wrong = "0000" if not shop.phone.endswith("0000") else "1111"
    question = app.get(advice_url(shop_link)).follow()
    for _ in range(3):
        form = question.forms["owner-form"]
        form["phone_last4"] = wrong
        question = form.submit(status=400)
        assert "不是本店登记的电话" in question.html.select_one('[data-testid="field-error"]').text
    # Over the limit even the right answer waits: four digits cannot be guessed at speed.
    form = question.forms["owner-form"]
    form["phone_last4"] = shop.phone[-4:]
    refused = form.submit(status=429)
    assert "尝试次数过多" in refused.html.select_one('[data-testid="form-errors"]').text
    assert app.get(advice_url(shop_link)).status_int == 302
    # Another shop is not locked out by this shop's failures (the address limit is higher).
    from serviceloop.portal.services import shoptoken_ensure

    other = world.shops["张湾1号线"][1]
    link = shoptoken_ensure(customer=other, actor=None, now=timezone.now())
    assert owner_unlock(app.get(advice_url(link)), other.phone).request.path == advice_url(link)


@pytest.mark.parametrize("answer", ["", "12", "12345", "abcd", "１２３４", "²³⁴⁵", "12\x0034"])
def test_malformed_answers_get_a_clear_error(app, shop_link, answer):
    question = app.get(advice_url(shop_link)).follow()
    form = question.forms["owner-form"]
    form["phone_last4"] = answer
    page = form.submit(status=400)
    assert page.html.select_one('[data-testid="field-error"]') or page.html.select_one(
        '[data-testid="form-errors"]'
    )
    assert app.get(advice_url(shop_link)).status_int == 302


def test_an_oversize_body_is_refused_before_any_check(client, shop_link):
    response = client.post(f"/s/{shop_link.value}/owner/", {"phone_last4": "1" * 5000})
    assert response.status_code == 413
    assert client.get(advice_url(shop_link)).status_code == 302


def test_a_shop_with_no_phone_is_told_to_ask_its_account_manager(app, shop_link):
    shop = shop_link.customer
    shop.phone = ""
    shop.save(update_fields=["phone"])
    page = app.get(advice_url(shop_link)).follow()
    assert page.html.select_one('[data-testid="no-phone"]') and "owner-form" not in page.forms
    assert "客户经理" in page.html.select_one('[data-testid="no-phone"]').text


def test_another_shops_cookie_and_a_forged_cookie_open_nothing(client, shop_link, world):
    other = world.shops["张湾2号线"][0]
    owner_cookie(client, other.pk)
    assert client.get(advice_url(shop_link)).status_code == 302
    client.cookies[COOKIE] = f"{shop_link.customer_id}:forged-signature"
    assert client.get(advice_url(shop_link)).status_code == 302
    owner_cookie(client, other.pk, shop_link.customer_id)
    assert client.get(advice_url(shop_link)).status_code == 200


def test_next_names_a_page_never_a_url(client, shop_link):
    shop = shop_link.customer
    for target, landing in (
        ("advice", "/advice/"),
        ("https://evil.example/", "/book/"),
        ("//evil", "/book/"),
    ):
        client.cookies.clear()
        response = client.post(f"/s/{shop_link.value}/owner/?next={target}", {"phone_last4": shop.phone[-4:]})
        assert response.status_code == 302 and response["Location"] == f"/s/{shop_link.value}{landing}"


def test_a_bad_or_revoked_link_gets_the_friendly_404(client, shop_link, world):
    from serviceloop.portal.services import shoptoken_revoke

    assert client.get("/s/not-a-real-token-123456/owner/").status_code == 404
    shoptoken_revoke(token=shop_link, actor=world.city_admin, now=timezone.now())
    assert client.post(f"/s/{shop_link.value}/owner/", {"phone_last4": "1234"}).status_code == 404
