"""A yes/no column with one value over the whole file (the real 优质客户 = 是 on all 15,020 rows) is reported in
the check and only imported when the user keeps it."""

import pytest
from webtest import Upload

from serviceloop.customers.models import Customer

from .test_import_helpers import HEADER, row, run, write

pytestmark = pytest.mark.django_db

ROWS = 25  # above CONSTANT_MIN_ROWS


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def constant_file(tmp_path, fmt="xlsx", **cells):
    return write(tmp_path, fmt, [HEADER] + [row(n, licence=f"42030129{n:04d}", **cells) for n in range(ROWS)])


def imported():
    return Customer.objects.filter(licence_no__startswith="42030129")


def test_the_check_reports_a_constant_yes_no_column_and_leaves_it_out(world, tmp_path):
    path = constant_file(tmp_path)
    report = run(path, dry_run=True)
    assert [(c.header, c.field, c.value, c.kept) for c in report.constant_columns] == [
        ("优质客户", "quality_terminal", "是", False)
    ]
    report = run(path)
    assert report.committed and report.created == ROWS
    assert not imported().filter(quality_terminal=True).exists()


def test_a_kept_constant_column_is_imported(world, tmp_path):
    report = run(constant_file(tmp_path, fmt="csv-gb18030"), keep_constant=["quality_terminal"])
    assert report.constant_columns[0].kept
    assert imported().filter(quality_terminal=True).count() == ROWS


def test_a_column_with_two_values_or_a_small_file_is_imported_as_it_is(world, tmp_path):
    rows = [HEADER] + [
        row(n, licence=f"42030129{n:04d}", 优质客户="是" if n % 2 else "否") for n in range(ROWS)
    ]
    report = run(write(tmp_path, "xlsx", rows))
    assert report.constant_columns == []
    assert imported().filter(quality_terminal=True).count() == ROWS // 2
    few = [HEADER] + [row(n, licence=f"42030128{n:04d}") for n in range(3)]  # a few shops typed by hand
    report = run(write(tmp_path, "xlsx", few, name="few"))
    assert report.constant_columns == []
    assert Customer.objects.filter(licence_no__startswith="42030128", quality_terminal=True).count() == 3


def _checked(app, world, path):
    """Upload as rendered; the check runs in the background; its page links to the result, as a user clicks."""
    page = app.get("/customers/import/", user=world.city_admin)
    form = page.forms["import-upload"]
    form["file"] = Upload(str(path))
    return _result(form.submit())


def _result(redirect_to_work):
    work_page = redirect_to_work.follow()
    return work_page.click(linkid=None, href=r"/customers/import/\d+/$")


def test_the_page_shows_the_column_and_imports_without_it_unless_ticked(app, world, tmp_path):
    checked = _checked(app, world, constant_file(tmp_path))
    assert checked.status_code == 200
    warning = checked.html.select_one("[data-testid=constant-columns]").get_text()
    assert "优质客户" in warning and "是" in warning and str(ROWS) in warning
    confirm = checked.forms["import-confirm"]
    assert confirm["keep"].value is None or confirm.get("keep", index=0).checked is False
    done = _result(confirm.submit())
    assert done.status_code == 200
    assert "未导入" in done.html.select_one("[data-testid=constant-columns]").get_text()
    assert imported().count() == ROWS and not imported().filter(quality_terminal=True).exists()


def test_the_page_imports_a_ticked_constant_column(app, world, tmp_path):
    checked = _checked(app, world, constant_file(tmp_path))
    confirm = checked.forms["import-confirm"]
    confirm.get("keep", index=0).checked = True
    done = _result(confirm.submit())
    assert done.status_code == 200
    assert imported().filter(quality_terminal=True).count() == ROWS


def test_keeping_a_column_the_check_did_not_report_is_refused(app, world, tmp_path):
    checked = _checked(app, world, constant_file(tmp_path))
    confirm = checked.forms["import-confirm"]
    forged = [("csrfmiddlewaretoken", confirm["csrfmiddlewaretoken"].value), ("keep", "e_settlement")]
    refused = app.post(confirm.action, forged, user=world.city_admin).follow()
    assert "请重新上传" in refused.text or "没有可导入" in refused.text
    assert not imported().exists()
