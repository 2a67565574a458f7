"""Allocation over the API: upload a sheet (city admins, idempotent), rerun, results per product and per shop
(the caller's shops only)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from serviceloop.growth.models import AllocationRun

from .helpers import sheet_bytes

pytestmark = pytest.mark.django_db
URL = "/api/v1/allocation/runs/"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload(client, content=None, name="week.xlsx", **extra):
    f = SimpleUploadedFile(name, content or sheet_bytes({"ADV": 16}), content_type="application/octet-stream")
    return client.post(URL, {"file": f}, format="multipart", **extra)


def test_a_city_admin_uploads_once_per_key_and_others_are_refused(world):
    admin = api(world.city_admin)
    content = sheet_bytes({"ADV": 16})
    one = upload(admin, content, HTTP_IDEMPOTENCY_KEY="w38")
    two = upload(admin, content, HTTP_IDEMPOTENCY_KEY="w38")
    assert one.status_code == two.status_code == 201 and one.json()["id"] == two.json()["id"]
    assert AllocationRun.objects.count() == 1
    assert upload(api(world.account_manager)).status_code == 403
    bad = upload(admin, b"not a sheet", name="week.txt")
    assert bad.status_code == 400 and "file" in bad.json()
    broken = upload(admin, b"PK broken", name="week.xlsx")
    assert broken.status_code == 400 and "non_field_errors" in broken.json()
    again = admin.post(f"{URL}{one.json()['id']}/rerun/", format="json")
    assert again.status_code == 201 and again.json()["rerun_of"] == one.json()["id"]


def test_results_per_product_and_per_shop_in_scope(world):
    run = upload(api(world.city_admin)).json()
    products = api(world.account_manager).get(f"{URL}{run['id']}/products/").json()
    assert products and products[0]["target"] == 16
    mine = api(world.account_manager).get(f"{URL}{run['id']}/shops/").json()
    licences = {r["licence_no"] for r in mine["results"]}
    assert licences and licences <= {s.licence_no for s in world.shops["张湾1号线"]}
    everyone = api(world.city_admin).get(f"{URL}{run['id']}/shops/", {"product": products[0]["id"]}).json()
    assert everyone["count"] >= len(licences)
    assert api(world.account_manager).get(URL).json()["count"] == 1
    assert api(world.account_manager).get(f"{URL}999999/").status_code == 404
