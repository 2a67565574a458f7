"""The customer-tag list is exported in the background (issue 14): the page's export link queues the work, and the
file holds the tags of the user's scope with the page's filters, as the page shows them."""

import pytest
from django.utils import timezone

from serviceloop.core.models import Work
from serviceloop.core.testing import work_rows as download
from serviceloop.tags.models import ProblemTag
from serviceloop.tags.services import customertag_attach

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged(world):
    """Each shop of 张湾1号线 (the account manager's route) gets two tags; the other routes' shops one each."""
    ordering, display = ProblemTag.objects.get(name="不会网上订货"), ProblemTag.objects.get(name="陈列不规范")
    for route, shops in world.shops.items():
        for shop in shops:
            tags = [ordering, display] if route == "张湾1号线" else [display]
            for tag in tags:
                customertag_attach(customer=shop, tag=tag, source="visit", reason="需整改", actor=world.city_admin,
                                   now=timezone.now())  # fmt: skip
    return ordering, display


def test_the_tag_export_holds_the_scope_and_the_filter(app, world, tagged):
    ordering, _display = tagged
    mine = {s.licence_no for s in world.shops["张湾1号线"]}
    page = app.get("/tags/", user=world.account_manager)
    rows = download(page.click(href="/tags/export/").follow())
    assert rows[0][:5] == ("许可证号", "客户名称", "服务站", "线路", "标签")
    assert len(rows) == 5 and {r[0] for r in rows[1:]} == mine  # four tags on two shops, no other route's

    form = page.forms["tag-filter"]
    form["tag"] = str(ordering.pk)
    filtered = form.submit()
    rows = download(filtered.click(href="/tags/export/").follow())
    assert len(rows) == 3 and {r[4] for r in rows[1:]} == {"不会网上订货"}

    city = app.get("/tags/", {"station": world.station_b1.pk}, user=world.city_admin)
    rows = download(city.click(href="/tags/export/").follow())
    assert {r[0] for r in rows[1:]} == {s.licence_no for s in world.shops["城关1号线"]}


def test_an_outsider_exports_only_their_own_route_and_one_not_logged_in_cannot_start_it(app, world, tagged):
    rows = download(app.get("/tags/", user=world.outsider).click(href="/tags/export/").follow())
    assert {r[0] for r in rows[1:]} == {s.licence_no for s in world.shops["城关1号线"]}
    app.reset()
    response = app.get("/tags/export/", status=302)
    assert "/login/" in response["Location"] and Work.objects.count() == 1
