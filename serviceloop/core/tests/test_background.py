"""Long work runs off the request thread with its progress on a page, and only its owner sees the result."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook

from serviceloop.core.background import (
    WorkFailed,
    background,
    export_sheets,
    exportable,
    run_work,
    start_work,
)
from serviceloop.core.jobs import purge_finished_work
from serviceloop.core.models import Work, WorkStatus
from serviceloop.core.testing import build_world
from serviceloop.customers.models import Customer

pytestmark = pytest.mark.django_db


@background
def count_shops(progress, *, note: str) -> None:
    shops = list(Customer.objects.order_by("pk"))
    progress.set_total(len(shops))
    for _shop in shops:
        progress.advance()
    progress.attach(io.BytesIO(b"abc"), filename="结果.txt")
    progress.note(note)


@background
def refuse(progress) -> None:
    raise WorkFailed("文件第 3 行：许可证号为空")


@background
def crash(progress) -> None:
    raise ZeroDivisionError


def not_marked(progress) -> None:  # pragma: no cover - must never run
    raise AssertionError


@exportable(count=lambda user, params: Customer.objects.count())
def shop_sheets(user, params):
    rows = ([c.licence_no, c.name, params.get("q", "")] for c in Customer.objects.order_by("pk"))
    return [("客户", ["许可证号", "名称", "查询"], rows)]


def unmarked_sheets(user, params):  # pragma: no cover - must never run
    raise AssertionError


def test_it_runs_the_work_and_keeps_its_progress_and_file(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    work = start_work(count_shops, user=world.city_admin, title="统计", note="完成")
    assert work.status == WorkStatus.DONE
    assert (work.done, work.total, work.percent) == (8, 8, 100)
    assert work.message == "完成" and work.filename == "结果.txt"
    assert (tmp_path / work.file).read_bytes() == b"abc"
    assert work.started_at and work.finished_at


def test_it_shows_a_chinese_message_when_work_refuses(world):
    work = start_work(refuse, user=world.city_admin, title="导入")
    assert work.status == WorkStatus.FAILED
    assert work.message == "文件第 3 行：许可证号为空"


def test_it_fails_cleanly_and_names_the_work_on_an_unexpected_error(world):
    work = start_work(crash, user=world.city_admin, title="x")
    assert work.status == WorkStatus.FAILED
    assert f"{work.pk}" in work.message and "ZeroDivisionError" not in work.message


def test_it_refuses_functions_not_marked_background(world):
    with pytest.raises(ValueError):
        start_work(not_marked, user=world.city_admin, title="x")
    # A forged row naming an unmarked function is refused by the worker too.
    work = Work.objects.create(
        title="x",
        func_path=f"{__name__}.not_marked",
        created_by=world.city_admin,
        created_at=timezone.now(),
    )
    result = run_work.enqueue(work.pk)
    assert result.status == "FAILED"


def test_it_exports_in_the_background_with_the_request_filters(world, app, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    work = start_work(
        export_sheets,
        user=world.city_admin,
        title="导出",
        builder=f"{__name__}.shop_sheets",
        user_id=world.city_admin.pk,
        params={"q": ["=1+2"]},
        filename="客户.xlsx",
    )
    assert work.status == WorkStatus.DONE and work.total == 8 and work.done == 8
    page = app.get(work.get_absolute_url(), user=world.city_admin)
    assert "100%" in page.text and "已完成" in page.text and "已导出 8 行。" in page.text
    download = page.click(href=f"/work/{work.pk}/download/")
    ws = load_workbook(io.BytesIO(download.body)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("许可证号", "名称", "查询") and len(rows) == 9
    assert rows[1][2] == "'=1+2"  # the export writer neutralised the formula


def test_it_refuses_to_export_with_a_builder_not_marked_exportable(world):
    work = start_work(
        export_sheets,
        user=world.city_admin,
        title="x",
        builder=f"{__name__}.unmarked_sheets",
        user_id=world.city_admin.pk,
        params={},
        filename="x.xlsx",
    )
    assert work.status == WorkStatus.FAILED


def test_it_shows_work_and_its_file_to_its_owner_only(world, app, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    work = start_work(count_shops, user=world.account_manager, title="统计", note="完成")
    mine = app.get("/work/", user=world.account_manager)
    assert "统计" in mine.text
    for url in (work.get_absolute_url(), f"/work/{work.pk}/download/"):
        assert app.get(url, user=world.outsider, expect_errors=True).status_code == 404
    assert "统计" not in app.get("/work/", user=world.outsider).text
    app.reset()  # forget the session: anonymous → log-in
    assert app.get("/work/").status_code == 302


def test_it_polls_until_done(world, client):
    work = Work.objects.create(
        title="排队中", func_path=f"{__name__}.count_shops", created_by=world.agent, created_at=timezone.now()
    )
    client.force_login(world.agent)
    partial = client.get(work.get_absolute_url(), headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in partial.content.decode()
    Work.objects.filter(pk=work.pk).update(status=WorkStatus.DONE, finished_at=timezone.now())
    partial = client.get(work.get_absolute_url(), headers={"HX-Request": "true"})
    assert "hx-trigger" not in partial.content.decode()


# Committed rows and no test transaction around the worker: it closes its connection between tasks, as in
# production, which a test transaction would not survive on PostgreSQL. Seeded rows come back afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}})
def test_it_queues_work_for_the_database_worker(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    work = start_work(count_shops, user=world.city_admin, title="统计", note="完成")
    assert work.status == WorkStatus.QUEUED  # nothing ran on the request thread
    call_command("db_worker", "--batch", "--interval", "0", verbosity=0)
    work.refresh_from_db()
    assert work.status == WorkStatus.DONE and work.done == 8


def test_it_removes_old_work_files(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    work = start_work(count_shops, user=world.city_admin, title="统计", note="完成")
    path = Path(tmp_path) / work.file
    assert path.exists()
    purge_finished_work(timezone.now() + timedelta(days=settings.WORK_KEEP_DAYS - 1))
    assert path.exists()
    purge_finished_work(timezone.now() + timedelta(days=settings.WORK_KEEP_DAYS + 1))
    work.refresh_from_db()
    assert not path.exists() and work.file == ""


def test_an_export_of_a_listed_queryset_counts_its_rows_for_the_progress_bar(world):

    def shops(*, user, params):
        return Customer.objects.visible_to(user).filter(route__name__in=params.get("route", []))

    @exportable(listed=shops)
    def sheets(user, params):
        return [("shops", ["name"], ([c.name] for c in shops(user=user, params=params)))]

    params = {"route": ["张湾1号线", "茅箭1号线"]}
    assert (
        sheets.exportable
        and sheets.count(world.city_admin, params) == shops(user=world.city_admin, params=params).count() > 0
    )
    assert (
        sheets.count(world.account_manager, params)
        == Customer.objects.filter(route__name="张湾1号线").count()
    )
