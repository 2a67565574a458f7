"""Real browser, the city admin's journey (issue 9): import a customer file (check, then import, each in the
background with its progress page), export the customer list (wait for the work, download the file), and run a
scarce-product allocation — asserting what the user sees at each step."""

import pytest
from openpyxl import load_workbook

from serviceloop.core.testing import browser_log_in

# serialized_rollback: data migrations (code aliases, categories…) survive the flush between browser tests.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

N_ROWS = 25  # above the constant-column threshold: the file's 优质客户 column is 是 on every row


@pytest.fixture
def seeded(transactional_db):
    from serviceloop.core.testing import build_world

    return build_world()


def wait_for_work(page):
    """The work page polls until done; returns its message."""
    page.wait_for_selector('[data-testid="work-status"][data-status="done"]', timeout=60_000)
    return page.locator('[data-testid="work-message"]').inner_text()


def test_the_city_admin_imports_exports_and_allocates(page, live_server, seeded, tmp_path):
    from serviceloop.customers.models import Customer
    from serviceloop.customers.tests.test_import_helpers import HEADER, row, write
    from serviceloop.growth.tests.helpers import sheet_bytes

    path = write(tmp_path, "xlsx", [HEADER] + [row(n, licence=f"42030129{n:04d}") for n in range(N_ROWS)])
    browser_log_in(page, live_server, "city_admin")

    # 1. Import: check first.
    page.goto(f"{live_server.url}/customers/import/")
    page.set_input_files("#import-upload input[type=file]", str(path))
    page.click("#import-upload button[type=submit]")
    page.wait_for_url("**/work/*/")
    assert "没有问题" in wait_for_work(page)
    page.click('[data-testid="work-result"]')
    report = page.locator('[data-testid="import-report"]')
    assert f"新增客户: {N_ROWS}" in report.inner_text().replace("：", ": ")
    warning = page.locator('[data-testid="constant-columns"]').inner_text()
    assert "优质客户" in warning and "是" in warning
    assert not page.locator("#import-confirm input[name=keep]").is_checked()  # left out unless ticked
    assert Customer.objects.filter(licence_no__startswith="42030129").count() == 0

    # …then import (the constant column left out).
    page.click('[data-testid="import-confirm"]')
    page.wait_for_url("**/work/*/")
    assert f"新增 {N_ROWS}" in wait_for_work(page)
    page.click('[data-testid="work-result"]')
    assert "导入完成" in page.locator('[data-testid="import-report"]').inner_text()
    imported = Customer.objects.filter(licence_no__startswith="42030129")
    assert imported.count() == N_ROWS and not imported.filter(quality_terminal=True).exists()

    # 2. Export the customer list: the work page offers the file when done.
    page.goto(f"{live_server.url}/customers/")
    page.click("#export-link")
    page.wait_for_url("**/work/*/")
    assert f"{N_ROWS + 8}" in wait_for_work(page)
    with page.expect_download() as download:
        page.click('[data-testid="work-download"]')
    saved = tmp_path / "export.xlsx"  # openpyxl reads paths ending in .xlsx only; the download has no name
    download.value.save_as(saved)
    sheet = load_workbook(saved, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "许可证号" and len(rows) == 1 + N_ROWS + 8

    # 3. Run an allocation from a weekly sheet.
    sheet_path = tmp_path / "week.xlsx"
    sheet_path.write_bytes(
        sheet_bytes({"ADV": 16}, {"DELIVERY_METHOD": "按价位段自选投放", "DELIVERY_AREA": "丹江"})
    )
    page.goto(f"{live_server.url}/allocation/")
    page.set_input_files("#sheet-upload input[type=file]", str(sheet_path))
    page.click("#sheet-upload button[type=submit]")
    page.wait_for_url("**/work/*/")  # the allocation runs in the background; its work page links to the run
    assert "共分配 16 条" in wait_for_work(page)
    page.click('[data-testid="work-result"]')
    page.wait_for_url("**/allocation/*/")
    body = page.locator("main").inner_text()
    assert "测试烟1" in body and "分配量 16" in body and "总误差 0" in body
    assert "1 种卷烟本方法不处理" in body  # the 按价位段自选投放 line is left to its own method
