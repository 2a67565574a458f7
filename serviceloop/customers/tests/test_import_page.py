"""The upload page: check first (dry run, in the background), then import the same file on confirmation."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from serviceloop.core.models import AuditEvent, Work
from serviceloop.customers.models import Customer

from .test_import_helpers import HEADER, row, write

pytestmark = pytest.mark.django_db


def upload(client, path, name=None):
    with open(path, "rb") as fh:
        data = SimpleUploadedFile(name or path.name, fh.read())
    return client.post("/customers/import/", {"file": data})


def result(client, response):
    """The result page of the background work the response redirected to (the test backend ran it at once)."""
    assert response.status_code == 302, response.status_code
    work_page = client.get(response["Location"])
    assert work_page.status_code == 200
    work = Work.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert work.result_url, work.message
    return client.get(work.result_url)


def test_it_checks_then_imports_on_confirmation(world, login, tmp_path):
    client = login(world.city_admin)
    path = write(
        tmp_path, "csv-gb18030", [HEADER, row(1, licence="420301199001"), row(2, licence="420301199002")]
    )
    checked = result(client, upload(client, path))
    assert checked.status_code == 200
    assert checked.context["report"].created == 2 and checked.context["report"].errors == []
    assert "确认导入" in checked.content.decode()
    assert Customer.objects.count() == 8  # nothing written by the check

    check = Work.objects.get(func_path__endswith="check_customer_file")
    confirm_url = f"/customers/import/{check.pk}/confirm/"
    done = result(client, client.post(confirm_url))
    assert done.status_code == 200 and done.context["report"].committed
    assert Customer.objects.count() == 10
    assert AuditEvent.objects.filter(action="customer.import", actor=world.city_admin).count() == 1
    # The pending file is gone: confirming twice imports nothing more.
    again = client.post(confirm_url, follow=True)
    assert "请重新上传" in again.content.decode() or "没有可导入" in again.content.decode()
    assert Customer.objects.count() == 10
    # The check's page no longer offers the import.
    assert "确认导入" not in client.get(f"/customers/import/{check.pk}/").content.decode()


def test_it_lists_every_bad_row_and_offers_no_confirmation(world, login, tmp_path):
    client = login(world.city_admin)
    path = write(
        tmp_path,
        "xlsx",
        [HEADER, row(1, licence="420301199001", GRADE="四十档"), row(2, licence="1.04203E+11")],
    )
    response = result(client, upload(client, path))
    report = response.context["report"]
    assert {e.line for e in report.errors} == {2, 3}
    body = response.content.decode()
    assert "确认导入" not in body and "四十档" in body
    check = Work.objects.get(func_path__endswith="check_customer_file")
    assert client.post(f"/customers/import/{check.pk}/confirm/").status_code == 302
    assert Customer.objects.count() == 8


def test_it_refuses_files_that_are_not_spreadsheets(world, login):
    client = login(world.city_admin)
    response = client.post("/customers/import/", {"file": SimpleUploadedFile("shops.pdf", b"%PDF-1.4")})
    assert response.status_code == 200 and "file" in response.context["form"].errors
    garbage = client.post("/customers/import/", {"file": SimpleUploadedFile("shops.xlsx", b"not a zip file")})
    assert result(client, garbage).context["report"].errors


def test_it_refuses_the_page_to_everyone_but_the_city_admin(world, login, tmp_path):
    path = write(tmp_path, "csv-utf8", [HEADER, row(1, licence="420301199001")])
    admin = login(world.city_admin)
    result(admin, upload(admin, path))
    check = Work.objects.get(func_path__endswith="check_customer_file")
    for who in (world.branch_manager, world.station_head, world.account_manager, world.outsider):
        client = login(who)
        assert upload(client, path).status_code == 403
        assert client.post(f"/customers/import/{check.pk}/confirm/").status_code == 403
        assert client.get(f"/customers/import/{check.pk}/").status_code == 403
    assert Customer.objects.count() == 8


def test_another_admins_check_is_not_found(world, login, tmp_path):
    from serviceloop.core.testing import make_user
    from serviceloop.org.models import Role

    path = write(tmp_path, "csv-utf8", [HEADER, row(1, licence="420301199001")])
    admin = login(world.city_admin)
    result(admin, upload(admin, path))
    check = Work.objects.get(func_path__endswith="check_customer_file")
    other = login(make_user("admin2", Role.CITY_ADMIN, company=world.company))
    assert other.get(f"/customers/import/{check.pk}/").status_code == 404
    assert other.post(f"/customers/import/{check.pk}/confirm/").status_code == 404
    assert Customer.objects.count() == 8
