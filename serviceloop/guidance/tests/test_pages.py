"""Pages: the remarks form as rendered, bad input, scope, the list (search, filters, paging, export), the batch
in the background, and the shop's public sub-page behind its QR token."""

import io
import zipfile

import pytest
from django.core.cache import cache
from django.urls import reverse

from serviceloop.core.models import AuditEvent
from serviceloop.core.testing import owner_unlock
from serviceloop.guidance.models import MAX_REMARKS, GuidanceBook
from serviceloop.guidance.services import guidancebook_generate
from serviceloop.org.selectors import routes_visible_to

from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(year):
    world, shop, new, _tag = year
    return world, guidancebook_generate(customer=shop, actor=world.account_manager, now=NOW), shop, new


def test_customer_page_links_to_the_shops_books_and_the_manager_makes_one(app, year):
    world, shop, _new, _tag = year
    page = app.get(reverse("customers:detail", args=[shop.pk]), user=world.account_manager)
    books = page.click(href=reverse("guidance:shop", args=[shop.pk]))
    result = books.forms["book-generate"].submit().follow()
    book = GuidanceBook.objects.get(customer=shop)
    assert result.request.path == reverse("guidance:book", args=[book.pk])
    assert "一、经营概况" in result.text and "五、经营建议" in result.text
    assert AuditEvent.objects.filter(action="guidancebook.generate").count() == 1


def test_remarks_form_as_rendered_saves_and_refuses_oversize_text(app, book):
    world, b, _shop, _new = book
    page = app.get(reverse("guidance:book", args=[b.pk]), user=world.account_manager)
    form = page.forms["remarks-form"]
    form["remarks"] = "建议增加中高档卷烟陈列"
    result = form.submit().follow()
    assert "建议增加中高档卷烟陈列" in result.html.select_one('[data-testid="book-remarks"]').text
    b.refresh_from_db()
    assert b.remarks == "建议增加中高档卷烟陈列" and b.remarks_by == world.account_manager
    assert AuditEvent.objects.filter(action="guidancebook.remarks", object_id=str(b.pk)).exists()
    form = result.forms["remarks-form"]
    form["remarks"] = "长" * (MAX_REMARKS + 1)
    refused = form.submit(status=400)
    assert refused.html.select_one('[data-testid="remarks-error"]')
    b.refresh_from_db()
    assert b.remarks == "建议增加中高档卷烟陈列"  # nothing lost, nothing half-saved


def test_readers_see_the_book_but_may_not_write_remarks(app, book, client):
    world, b, _shop, _new = book
    page = app.get(reverse("guidance:book", args=[b.pk]), user=world.agent)
    assert "remarks-form" not in page.forms
    client.force_login(world.agent)
    assert client.post(reverse("guidance:book", args=[b.pk]), {"remarks": "x"}).status_code == 403
    assert client.post(reverse("guidance:shop", args=[b.customer_id])).status_code == 403


def test_outsiders_get_404_on_another_shops_book_and_files(book, client):
    world, b, shop, _new = book
    client.force_login(world.outsider)
    for url in (reverse("guidance:book", args=[b.pk]), reverse("guidance:download", args=[b.pk, "pdf"]),
                reverse("guidance:shop", args=[shop.pk])):  # fmt: skip
        assert client.get(url).status_code == 404
    assert client.post(reverse("guidance:book", args=[b.pk]), {"remarks": "x"}).status_code == 404
    assert client.post(reverse("guidance:shop", args=[shop.pk])).status_code == 404
    assert not GuidanceBook.objects.exclude(pk=b.pk).exists()


def test_downloads_and_unknown_format(book, client):
    world, b, _shop, _new = book
    client.force_login(world.account_manager)
    pdf = client.get(reverse("guidance:download", args=[b.pk, "pdf"]))
    assert (
        pdf.status_code == 200
        and pdf.content.startswith(b"%PDF")
        and "filename*=UTF-8''" in pdf["Content-Disposition"]
    )
    docx = client.get(reverse("guidance:download", args=[b.pk, "docx"]))
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert client.get(reverse("guidance:download", args=[b.pk, "exe"])).status_code == 404


def test_list_scope_search_filters_and_export(app, book, client, django_assert_max_num_queries):
    world, b, shop, new = book
    other = world.shops[world.route_b1_1.name][0]
    guidancebook_generate(customer=new, actor=world.account_manager, now=NOW)
    guidancebook_generate(customer=other, actor=world.outsider, now=NOW)
    client.force_login(world.account_manager)
    client.get(reverse("guidance:list"))
    with django_assert_max_num_queries(8):  # session, user, count, stations, routes, rows (+ session save)
        assert client.get(reverse("guidance:list") + "?station=1").status_code == 200
    page = app.get(reverse("guidance:list"), user=world.account_manager)
    rows = page.html.select('[data-testid="books-table"] tbody tr')
    assert len(rows) == 2 and other.name not in page.text
    form = page.forms["books-filter"]
    form["q"] = shop.licence_no
    result = form.submit()
    assert shop.name in result.text and new.name not in result.text
    form = page.forms["books-filter"]
    form["q"] = ""
    form["period"] = "2026-11"
    form["remarks"] = "no"
    assert len(form.submit().html.select('[data-testid="books-table"] tbody tr')) == 2
    form = page.forms["books-filter"]  # the route options are drawn by a tag: pick one as rendered
    form["period"] = ""
    form["route"] = str(shop.route_id)
    chosen = form.submit()
    assert chosen.html.select_one(f'select[name="route"] option[value="{shop.route_id}"]').has_attr(
        "selected"
    )
    assert shop.name in chosen.text
    assert {o["value"] for o in page.html.select('select[name="route"] option')} == {
        "",
        *(str(pk) for pk in routes_visible_to(world.account_manager).values_list("pk", flat=True)),
    }
    odd = app.get(reverse("guidance:list"), {"period": "abc", "route": "x", "station": "-1", "q": "长" * 300},
                  user=world.account_manager)  # fmt: skip
    assert odd.status_code == 200
    export = app.get(reverse("guidance:export"), user=world.account_manager).follow()
    download = app.get(export.request.path + "download/", user=world.account_manager)
    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(download.body)).active
    assert ws.max_row == 3  # header and the manager's two books
    assert other.name in app.get(reverse("guidance:list"), user=world.outsider).text


def test_batch_of_a_route_runs_in_the_background_and_zips_the_books(app, year):
    world, shop, new, _tag = year
    page = app.get(reverse("guidance:batch"), user=world.account_manager)
    form = page.forms[f"batch-route-{world.route_a1_1.pk}"]
    form["fmt"] = "docx"
    work = form.submit().follow()
    assert "/work/" in work.request.path
    download = app.get(work.request.path + "download/", user=world.account_manager)
    with zipfile.ZipFile(io.BytesIO(download.body)) as zf:
        names = zf.namelist()
    assert len(names) == len(world.shops[world.route_a1_1.name]) and all(n.endswith(".docx") for n in names)
    assert GuidanceBook.objects.filter(customer__route=world.route_a1_1).count() == len(names)


def test_batch_refuses_bad_input_and_other_routes(app, year, client):
    world, *_ = year
    client.force_login(world.account_manager)
    url = reverse("guidance:batch")
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"route": world.route_a1_1.pk, "station": world.station_a1.pk}).status_code == 400
    assert client.post(url, {"route": "abc"}).status_code == 400
    assert client.post(url, {"route": world.route_a1_1.pk, "fmt": "exe"}).status_code == 400
    assert client.post(url, {"route": world.route_b1_1.pk}).status_code == 404
    assert client.post(url, {"station": world.station_b1.pk}).status_code == 404
    client.force_login(world.agent)
    assert client.post(url, {"route": world.route_a1_1.pk}).status_code == 403
    assert not GuidanceBook.objects.exists()


def test_public_page_shows_only_that_shops_latest_book(app, book):
    from serviceloop.portal.services import shoptoken_ensure

    world, b, shop, new = book
    cache.clear()
    b.remarks = "给店主的话"
    b.save()
    guidancebook_generate(customer=new, actor=world.account_manager, now=NOW)
    token = shoptoken_ensure(customer=shop, actor=None, now=NOW).value
    qr = app.get(reverse("portal:shop", args=[token]))
    page = owner_unlock(qr.click(href=f"/s/{token}/book/"), shop.phone)
    assert page.request.path == f"/s/{token}/book/"
    assert shop.name in page.text and "给店主的话" in page.text and new.name not in page.text
    assert shop.licence_no not in page.text
    pdf = page.click(href=f"/s/{token}/book/pdf/")
    assert pdf.body.startswith(b"%PDF") and pdf.headers["Cache-Control"] == "no-store"
    other = world.shops[world.route_b1_1.name][0]
    empty = shoptoken_ensure(customer=other, actor=None, now=NOW).value
    assert app.get(f"/s/{empty}/book/").status_int == 302  # this phone answered for the first shop only
    assert owner_unlock(app.get(f"/s/{empty}/book/"), other.phone).html.select_one('[data-testid="no-book"]')
    assert app.get(f"/s/{empty}/book/pdf/", status=404)
    for bad in ("x" * 20, token[:-1] + ("A" if token[-1] != "A" else "B"), "../etc"):
        assert app.get(f"/s/{bad}/book/", status=404)


def test_public_page_is_rate_limited(app, book, settings):
    from serviceloop.portal.services import shoptoken_ensure

    world, b, shop, _new = book
    cache.clear()
    settings.GUIDANCE_PUBLIC_RATE_SHOP_PER_HOUR = 2
    token = shoptoken_ensure(customer=shop, actor=None, now=NOW).value
    owner_unlock(app.get(f"/s/{token}/book/"), shop.phone)  # the answer's page is the first view
    app.get(f"/s/{token}/book/")
    assert app.get(f"/s/{token}/book/", status=429)
    cache.clear()
