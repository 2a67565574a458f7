"""The ledger's export runs in the background (issue 14): the page's export link queues the work, and the file holds
the rows of the user's scope with the page's filters, as the page shows them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from serviceloop.core.models import AuditEvent, Work
from serviceloop.core.testing import work_rows as download

pytestmark = pytest.mark.django_db


@pytest.fixture
def requests(world, file_request):
    at = timezone.now() - timedelta(minutes=5)
    own = [
        file_request(world.shops["张湾1号线"][0], kind="complaint", category="ordering", at=at),
        file_request(world.shops["张湾2号线"][1], kind="inquiry", category="policy", at=at),
        file_request(world.shops["张湾1号线"][1], kind="inquiry", category="other", at=at),
    ]
    theirs = [  # another station's (茅箭) and another branch's (城关)
        file_request(world.shops["茅箭1号线"][0], kind="inquiry", category="other", at=at),
        file_request(world.shops["城关1号线"][0], kind="inquiry", category="other", at=at),
    ]
    return own, theirs


def test_the_ledger_export_holds_the_scope_and_the_filter(app, world, requests):
    own, theirs = requests
    page = app.get("/servicedesk/ledger/", user=world.station_head)
    rows = download(page.click(href="/servicedesk/ledger/export/").follow())
    assert rows[0][:3] == ("诉求编号", "登记时间", "渠道") and any("受理" in str(h) for h in rows[0])
    assert sorted(r[0] for r in rows[1:]) == sorted(sr.reference for sr in own)
    assert not {sr.reference for sr in theirs} & {r[0] for r in rows}

    filtered = app.get("/servicedesk/ledger/", {"kind": "inquiry"}, user=world.station_head)
    rows = download(filtered.click(href="/servicedesk/ledger/export/").follow())
    assert sorted(r[0] for r in rows[1:]) == sorted(sr.reference for sr in own[1:])
    assert AuditEvent.objects.filter(action="servicedesk.export", actor=world.station_head).count() == 2

    # the city sees every station's requests, filtered the same way
    everything = app.get("/servicedesk/ledger/", {"kind": "inquiry"}, user=world.city_admin)
    rows = download(everything.click(href="/servicedesk/ledger/export/").follow())
    assert sorted(r[0] for r in rows[1:]) == sorted(sr.reference for sr in own[1:] + theirs)


def test_the_work_page_counts_the_rows_and_is_the_starters_only(app, world, requests):
    work = app.get("/servicedesk/ledger/export/", {"kind": "inquiry"}, user=world.station_head).follow()
    job = Work.objects.get(created_by=world.station_head)
    assert job.status == "done" and job.total == job.done == 2 and job.filename.startswith("工作台账-")
    assert "已导出 2 行" in work.html.select_one("[data-testid=work-message]").text
    app.get(work.request.path, user=world.outsider, status=404)
    app.get(work.request.path + "download/", user=world.outsider, status=404)


def test_one_who_is_not_logged_in_cannot_start_the_export(app, world, requests):
    response = app.get("/servicedesk/ledger/export/", status=302)
    assert "/login/" in response["Location"] and not Work.objects.exists()


def test_too_big_an_export_is_sent_back_to_the_filter(app, world, requests, settings):
    settings.EXPORT_MAX_ROWS = 2
    back = app.get("/servicedesk/ledger/export/", {"kind": "complaint"}, user=world.city_admin)
    assert "/work/" in back["Location"]  # one row: allowed
    refused = app.get("/servicedesk/ledger/export/", user=world.city_admin).follow()
    assert refused.request.path == "/servicedesk/ledger/" and Work.objects.count() == 1
    assert "导出行数过多（5 行）" in refused.text
