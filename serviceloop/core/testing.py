"""Named actors and a small organisation for tests: every test module starts from the same world.

city → 城区分公司 (branch A) → 张湾服务站 (station A1) → routes A1-1 (manager: account_manager) and A1-2
                                → 茅箭服务站 (station A2) → route A2-1
     → 房县分公司 (branch B)   → 城关服务站 (station B1) → route B1-1 (manager: outsider)
"""

import itertools
from types import SimpleNamespace

from django.test import TestCase
from django.utils import timezone

from serviceloop.customers.models import Customer
from serviceloop.customers.services import customer_create
from serviceloop.org.models import Branch, Company, Role, Route, Station, User

PASSWORD = "test-pass-123"
_serial = itertools.count(1)


def make_user(username, role, *, company, branch=None, station=None, **extra) -> User:
    user = User(
        username=username,
        role=role,
        company=company,
        branch=branch,
        station=station,
        full_name=extra.pop("full_name", username),
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def make_customer(route: Route, **fields) -> Customer:
    """A valid shop on the route; pass any field to override. Licence numbers are unique per test run."""
    n = next(_serial)
    data = {
        "licence_no": fields.pop("licence_no", f"420301{1}{n:05d}"),
        "name": f"测试便利店{n}号",
        "owner_name": "张三",
        "phone": f"138{n:08d}",
        "retail_format": "B",
        "market_type": "C",
        "business_scale": "2",
        "grade": 10,
        "stars": 3,
        "credit_rating": "AA",
        "route": route,
    }
    data.update(fields)
    return customer_create(data=data, actor=None, now=timezone.now())


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.company = Company.objects.create(name="十堰市烟草公司")
    w.branch_a = Branch.objects.create(company=w.company, name="城区分公司")
    w.branch_b = Branch.objects.create(company=w.company, name="房县分公司")
    w.station_a1 = Station.objects.create(branch=w.branch_a, name="张湾服务站")
    w.station_a2 = Station.objects.create(branch=w.branch_a, name="茅箭服务站")
    w.station_b1 = Station.objects.create(branch=w.branch_b, name="城关服务站")
    c, ba, a1 = w.company, w.branch_a, w.station_a1
    w.city_admin = make_user("city_admin", Role.CITY_ADMIN, company=c)
    w.branch_manager = make_user("branch_manager", Role.BRANCH_MANAGER, company=c, branch=ba)
    w.station_head = make_user("station_head", Role.STATION_HEAD, company=c, branch=ba, station=a1)
    w.market_manager = make_user("market_manager", Role.MARKET_MANAGER, company=c, branch=ba)
    w.account_manager = make_user("account_manager", Role.ACCOUNT_MANAGER, company=c, branch=ba, station=a1)
    w.agent = make_user("agent", Role.AGENT, company=c)
    w.supervisor = make_user("supervisor", Role.SUPERVISOR, company=c)
    w.inspector = make_user("inspector", Role.INSPECTOR, company=c, branch=ba)
    w.outsider = make_user(
        "outsider", Role.ACCOUNT_MANAGER, company=c, branch=w.branch_b, station=w.station_b1
    )
    w.route_a1_1 = Route.objects.create(
        station=a1, name="张湾1号线", account_manager=w.account_manager, market_manager=w.market_manager
    )
    w.route_a1_2 = Route.objects.create(station=a1, name="张湾2号线")
    w.route_a2_1 = Route.objects.create(
        station=w.station_a2, name="茅箭1号线", market_manager=w.market_manager
    )
    w.route_b1_1 = Route.objects.create(station=w.station_b1, name="城关1号线", account_manager=w.outsider)
    # Two shops per route, so each scope has something to see and something to miss.
    w.shops = {
        route.name: [make_customer(route), make_customer(route)]
        for route in (w.route_a1_1, w.route_a1_2, w.route_a2_1, w.route_b1_1)
    }
    return w


class BaseTestCase(TestCase):
    """unittest-style tests get the same world as the pytest ``world`` fixture."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()


def browser_log_in(page, live_server, username):
    """Logs ``username`` in through the login form in a Playwright ``page`` (the browser tests' first step)."""
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def owner_cookie(client, *customer_ids: int) -> None:
    """The signed cookie a phone gets after answering the owner's four-digit check for these shops
    (portal/owner.py), for a Django test client."""
    from django.core.signing import get_cookie_signer

    from serviceloop.portal.owner import COOKIE, SALT

    client.cookies[COOKIE] = get_cookie_signer(salt=COOKIE + SALT).sign(",".join(map(str, customer_ids)))


def owner_unlock(response, phone: str):
    """A WebTest response that led to the owner's four-digit check: answer it as rendered with the last four
    digits of ``phone`` and return the page the answer leads to."""
    page = response.follow() if response.status_int in (301, 302) else response
    form = page.forms["owner-form"]
    form["phone_last4"] = phone[-4:]
    return form.submit().follow()


def text_of(response, selector: str = "main") -> str:
    """The visible text of the elements matching ``selector`` on a WebTest page, joined by spaces."""
    return " ".join(el.get_text(" ", strip=True) for el in response.html.select(selector))


def work_file(client, response) -> bytes:
    """The file of background work a view started: it redirected to the work's page (the test backend has run
    the work already); the file is downloaded from that page's link, as the user would."""
    assert response.status_code == 302, response.status_code
    work_url = response["Location"]
    assert client.get(work_url).status_code == 200
    download = client.get(work_url + "download/")
    assert download.status_code == 200, download.status_code
    return b"".join(download.streaming_content)


def work_workbook(page):
    """The workbook of a background export, from its work page (WebTest: the export's redirect, followed): the
    page's download link clicked as the user would."""
    import io

    import openpyxl

    assert "/work/" in page.request.path
    link = page.html.select_one('[data-testid="work-download"]')
    assert link is not None, page.text
    response = page.click(href=link["href"])
    assert response.content_type.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(response.body))


def work_rows(page) -> list[tuple]:
    """The first sheet's rows of a background export (see ``work_workbook``)."""
    return list(work_workbook(page).active.iter_rows(values_only=True))
