"""Server errors found by probing (issue 13), each now a clear 4xx in Chinese; and the hostile-upload set
against every upload endpoint: decompression bombs, XXE / billion laughs, shared-strings bombs, row bombs,
files broken half-way and files of the wrong type."""

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient
from webtest import Upload

from serviceloop.core.tests import hostile
from serviceloop.servicedesk.models import Category, ServiceRequest

pytestmark = pytest.mark.django_db


# --- NUL characters in the query string (PostgreSQL: DataError → 500 on 15 list and export pages) ------------
@pytest.mark.parametrize(
    "url",
    [
        "/customers/",
        "/customers/export/",
        "/servicedesk/ledger/",
        "/servicedesk/ledger/export/",
        "/servicedesk/shops/",
        "/tags/",
        "/visits/",
        "/audit/",
        "/allocation/",
    ],
)
def test_a_nul_in_the_query_is_a_clear_400_on_every_page(client, world, url):
    client.force_login(world.city_admin)
    response = client.get(url + "?q=a%00")
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()


def test_a_nul_in_an_api_query_is_a_json_400(world):
    client = APIClient()
    client.force_authenticate(world.city_admin)
    for url in ("/api/v1/customers/?q=a%00", "/api/v1/service-requests/?q=%00"):
        response = client.get(url)
        assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
        assert "控制字符" in response.json()["detail"]


# --- an 11 MB form field -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [{"text": "送货\x00员"}, {"rows": [{"许可证号": "x", "备注": ["a\x00"]}]}, {"a\x00": 1}],
)
def test_a_nul_in_an_api_body_is_a_json_400_before_any_service_runs(world, body):
    api = APIClient()
    api.force_authenticate(world.city_admin)  # may file requests and import trade data
    for path in ("/api/v1/service-requests/", "/api/v1/trade/orders/bulk/"):
        response = api.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert response.status_code == 400, (path, response.content)
        assert "NUL" in response.json()["detail"]


def test_an_oversize_form_field_gets_a_clear_chinese_message(app, world):
    page = app.get(reverse("password-change"), user=world.station_head)
    form = page.forms["password-change"]
    form["old_password"] = "x" * (11 * 1024 * 1024)
    response = form.submit(expect_errors=True)
    assert response.status_code == 413
    assert "提交的内容过大" in response.text and "10 MB" in response.text


# --- the Django admin ------------------------------------------------------------------------------------
def test_every_admin_page_opens_for_a_superuser(client, world, category):
    """The change page of each registered model (one object each where the test world has one), its list
    and its add page: a wrong ``has_add_permission`` signature made every service request's page a 500."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from serviceloop.servicedesk.services import servicerequest_file

    servicerequest_file(
        customer=world.shops["张湾1号线"][0], channel="phone", kind="complaint", category=category,
        text="送货员态度不好", actor=world.agent, now=timezone.now(),
    )  # fmt: skip
    root = get_user_model().objects.create_superuser("root", "root@example.cn", "Root-pass-2026")
    client.force_login(root)
    for model in admin.site._registry:
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        assert client.get(base).status_code == 200, base
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            url = f"{base}{obj.pk}/change/"
            assert client.get(url).status_code == 200, url


# --- decompression bombs ----------------------------------------------------------------------------------
@pytest.fixture
def category(world):
    return Category.objects.filter(active=True).first()


def test_a_pixel_bomb_on_the_staff_intake_page_is_refused_in_chinese(app, world, category):
    shop = world.shops["张湾1号线"][0]
    page = app.get(reverse("servicedesk:new") + f"?shop={shop.pk}", user=world.agent)
    form = next(f for f in page.forms.values() if "text" in f.fields)
    form["kind"], form["category"], form["text"] = "complaint", str(category.pk), "送货员态度不好"
    form["photos"] = [Upload("bomb.png", hostile.png_bomb(), "image/png")]
    response = form.submit(expect_errors=True)
    assert response.status_code == 400 and "像素" in response.text
    assert not ServiceRequest.objects.exists()


def test_a_pixel_bomb_on_the_api_is_a_json_400(world, category):
    client = APIClient()
    client.force_authenticate(world.agent)
    response = client.post(
        "/api/v1/service-requests/",
        {
            "shop": world.shops["张湾1号线"][0].pk,
            "channel": "phone",
            "kind": "complaint",
            "category": category.code,
            "text": "送货员态度不好",
            "photos": [SimpleUploadedFile("bomb.png", hostile.png_bomb(), "image/png")],
        },
        format="multipart",
    )
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert "像素" in str(response.json())
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    "form_path", ["serviceloop.tags.forms.AttachForm", "serviceloop.visits.views.RecordForm"]
)
def test_photo_forms_refuse_a_pixel_bomb(form_path, world):
    from django.utils.module_loading import import_string

    form = import_string(form_path)(data={}, files={"photo": SimpleUploadedFile("b.png", hostile.png_bomb())})
    form.is_valid()
    assert "photo" in form.errors


# --- spreadsheets: the allocation sheet and the points file ---------------------------------------------
HOSTILE_XLSX = {
    "billion laughs": (hostile.xlsx_billion_laughs, "DOCTYPE"),
    "XXE": (hostile.xlsx_xxe, "DOCTYPE"),
    "broken after the header": (hostile.xlsx_broken_after_header, "损坏"),
    "shared-strings bomb": (hostile.xlsx_shared_strings_bomb, "解压后过大"),
    "not a zip": (lambda **_: hostile.NOT_XLSX, "不是 Excel"),
}


@pytest.mark.parametrize("name", HOSTILE_XLSX)
def test_the_allocation_sheet_upload_refuses_hostile_files_in_chinese(app, world, name):
    make, expected = HOSTILE_XLSX[name]
    page = app.get(reverse("growth:runs"), user=world.city_admin)
    form = next(f for f in page.forms.values() if "file" in f.fields)
    form["file"] = Upload(
        "week.xlsx", make(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = form.submit(expect_errors=True)
    assert response.status_code == 400 and expected in response.text, response.text[-2000:]
    assert "Error" not in response.text and "BadZip" not in response.text


def test_the_allocation_sheet_upload_stops_a_row_bomb(app, world):
    page = app.get(reverse("growth:runs"), user=world.city_admin)
    form = next(f for f in page.forms.values() if "file" in f.fields)
    form["file"] = Upload(
        "week.xlsx", hostile.xlsx_empty_rows(400_000, header=("ADV",)), "application/octet-stream"
    )
    response = form.submit(expect_errors=True)
    assert response.status_code == 400 and "行" in response.text


@pytest.mark.parametrize("name", HOSTILE_XLSX)
def test_the_points_import_refuses_hostile_files_in_chinese(app, world, name):
    make, expected = HOSTILE_XLSX[name]
    page = app.get(reverse("growth:points"), user=world.city_admin)
    form = next(f for f in page.forms.values() if "imp-file" in f.fields)
    form["imp-cycle"] = "2026-W48"
    form["imp-file"] = Upload("p.xlsx", make(), "application/octet-stream")
    response = form.submit("imp-submit", expect_errors=True)
    assert response.status_code == 400 and expected in response.text, response.text[-2000:]
    assert "Error" not in response.text and "BadZip" not in response.text


def test_the_points_import_stops_a_row_bomb(app, world):
    page = app.get(reverse("growth:points"), user=world.city_admin)
    form = next(f for f in page.forms.values() if "imp-file" in f.fields)
    form["imp-cycle"] = "2026-W48"
    form["imp-file"] = Upload("p.xlsx", hostile.xlsx_empty_rows(400_000), "application/octet-stream")
    response = form.submit("imp-submit", expect_errors=True)
    assert response.status_code == 400 and "200,000" in response.text


def test_a_pixel_bomb_on_the_public_shop_page_is_refused(app, world):
    from django.utils import timezone

    from serviceloop.portal.services import shoptoken_ensure

    link = shoptoken_ensure(customer=world.shops["张湾1号线"][0], actor=None, now=timezone.now())
    page = app.get(f"/s/{link.value}/")
    form = page.forms["intake"]
    form["category"] = form["category"].options[0][0]
    form["text"] = "送货晚了"
    form["photo"] = Upload("bomb.png", hostile.png_bomb(), "image/png")
    response = form.submit(expect_errors=True)
    assert response.status_code == 400 and ("照片" in response.text or "像素" in response.text)
    assert not ServiceRequest.objects.exists()


CUSTOMER_HOSTILE = {
    **HOSTILE_XLSX,
    "not a zip": (lambda **_: hostile.NOT_XLSX + b"\x00" * 8, "不是 Excel"),
    "broken after the header": (hostile.xlsx_broken_after_header, "损坏"),
}


@pytest.mark.parametrize("name", CUSTOMER_HOSTILE)
def test_the_customer_import_refuses_hostile_files_in_chinese(app, world, name):
    make, expected = CUSTOMER_HOSTILE[name]
    if name in ("billion laughs", "XXE", "broken after the header", "shared-strings bomb"):
        content = make(header=("许可证号", "客户名称")) if name != "shared-strings bomb" else make()
    else:
        content = make()
    page = app.get(reverse("customers:import"), user=world.city_admin)
    form = next(f for f in page.forms.values() if "file" in f.fields)
    form["file"] = Upload("customers.xlsx", content, "application/octet-stream")
    response = form.submit(expect_errors=True)
    if response.status_code in (301, 302):
        response = response.follow(expect_errors=True)
    assert response.status_code < 500 and expected in response.text, response.text[-1500:]
    assert "Error" not in response.text and "BadZip" not in response.text


def test_the_customer_import_stops_a_row_bomb(world, tmp_path, monkeypatch):
    from serviceloop.customers.importing import reader
    from serviceloop.customers.importing.reader import UnreadableFile, read_sheet

    bomb = hostile.xlsx_empty_rows(400_000, header=("许可证号", "客户名称"))
    # calamine skips rows without cells: the sheet is what it holds, a header.
    assert [line for line, _ in read_sheet(bomb).rows] == [1]
    # openpyxl (which reads what calamine gives up on) yields every empty row: it stops at 200,000.
    monkeypatch.setattr(reader, "calamine_sheet", lambda *a, **k: None)
    sheet = read_sheet(bomb)
    with pytest.raises(UnreadableFile, match="200,000"):
        for _ in sheet.rows:
            pass
