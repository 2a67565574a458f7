"""What the QR page keeps a minute per process (core.refcache, issue 14): the route's contacts and the latest
allocation runs. The process that changes them shows the change at once; staff pages never read the copy."""

import pytest
from django.utils import timezone

from serviceloop.core.refcache import reference_forget

from .helpers import shop_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings):
    settings.REFERENCE_CACHE_SECONDS = 60  # as in production (0 in tests)
    reference_forget()
    yield
    reference_forget()


def _contacts(app, link) -> str:
    return app.get(shop_url(link)).html.select_one("[data-testid=contacts]").get_text()


def test_a_renamed_account_manager_shows_on_the_qr_page_at_once(
    app, world, shop_link, kept, django_capture_on_commit_callbacks
):
    from serviceloop.org.services import staff_save

    assert world.account_manager.full_name in _contacts(app, shop_link)
    with django_capture_on_commit_callbacks(execute=True):
        staff_save(staff=world.account_manager, data={"full_name": "新客户经理"}, password=None,
                   actor=world.city_admin, now=timezone.now())  # fmt: skip
    assert "新客户经理" in _contacts(app, shop_link)


def test_another_account_manager_on_the_route_shows_on_the_qr_page_at_once(
    app, world, shop_link, kept, django_capture_on_commit_callbacks
):
    from serviceloop.core.testing import make_user
    from serviceloop.org.models import Role
    from serviceloop.org.services import routes_assign_account_manager

    route = shop_link.customer.route
    _contacts(app, shop_link)  # kept
    other = make_user("am2", Role.ACCOUNT_MANAGER, company=world.company, branch=route.station.branch,
                      station=route.station, full_name="接任经理", phone="13900000009")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        routes_assign_account_manager(
            routes=[route], manager=other, actor=world.city_admin, now=timezone.now()
        )
    text = _contacts(app, shop_link)
    assert "接任经理" in text and "13900000009" in text


def test_staff_read_the_latest_runs_afresh_while_the_qr_page_keeps_its_copy(world, kept):
    from serviceloop.growth.selectors import shop_allocation_for
    from serviceloop.growth.services import allocationrun_create
    from serviceloop.growth.tests.helpers import sheet_bytes

    shop = world.shops["张湾1号线"][0]
    assert shop_allocation_for(shop, public=True)["run"] is None  # kept: no run yet
    # A run made by another process (its commit hook does not reach this one's copy).
    run = allocationrun_create(content=sheet_bytes({"ADV": 16}), filename="w.xlsx", actor=world.city_admin,
                               now=timezone.now())  # fmt: skip
    assert shop_allocation_for(shop)["run"] == run  # staff pages: afresh
    assert shop_allocation_for(shop, public=True)["run"] is None  # the QR page, within its minute
    reference_forget("growth:latest_runs")  # the minute is over
    assert shop_allocation_for(shop, public=True)["run"] == run
