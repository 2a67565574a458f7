"""The demo city: reproducible from its seed, shares like the real file, consistent org and history."""

import datetime as dt
import hashlib
from collections import Counter
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.test import RequestFactory

from serviceloop.core.audit import trail_purge
from serviceloop.core.demo import COMPANY_NAME, DEMO_LOGINS, DEMO_PASSWORD, demo_build, demo_reset
from serviceloop.core.models import AuditEvent
from serviceloop.customers.models import Customer, CustomerChange, validate_licence_no
from serviceloop.org.models import Branch, Company, Role, Route, Station, User

NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
SHOPS = 2000
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """One 2,000-shop city for the whole module; each test runs in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        counts = demo_build(customers=SHOPS, seed=7, now=NOW)
        yield counts
        demo_reset()
        with trail_purge():
            AuditEvent.objects.filter(action="demo.build").delete()


def digest() -> str:
    """A hash of every demo row by natural keys (no ids, no wall-clock timestamps)."""
    h = hashlib.sha256()
    skip = {"id", "route", "station", "branch", "created_at", "updated_at"}
    fields = [f.name for f in Customer._meta.concrete_fields if f.name not in skip]
    rows = Customer.objects.order_by("licence_no").values_list(
        *fields, "route__name", "station__name", "branch__name"
    )
    users = User.objects.order_by("username").values_list(
        "username", "full_name", "phone", "role", "password", "is_superuser", "branch__name", "station__name"
    )
    routes = Route.objects.order_by("station__name", "name").values_list(
        "station__name", "name", "code", "account_manager__username", "market_manager__username"
    )
    changes = CustomerChange.objects.order_by("customer__licence_no", "field", "changed_at").values_list(
        "customer__licence_no", "field", "old_value", "new_value", "changed_at", "actor__username", "source"
    )
    # Route history holds route ids, which differ between builds: compare the routes' names instead.
    route_names = {str(pk): name for pk, name in Route.objects.values_list("pk", "name")}
    changes = [
        (no, f, route_names.get(old, old), route_names.get(new, new), *rest)
        if f == "route"
        else (no, f, old, new, *rest)
        for no, f, old, new, *rest in changes
    ]
    for part in (rows, users, routes, changes):
        for row in part:
            h.update(repr(row).encode())
    return h.hexdigest()


def shares(field: str) -> dict:
    total = Customer.objects.count()
    return {
        row[field]: 100 * row["n"] / total
        for row in Customer.objects.values(field).annotate(n=Count("id")).order_by()
    }


def test_it_builds_the_same_city_from_the_same_seed(city):
    demo_reset()
    demo_build(customers=300, seed=11, now=NOW)
    first = digest()
    assert Customer.objects.count() == 300
    demo_reset()
    assert not Customer.objects.exists() and not Company.objects.exists()
    demo_build(customers=300, seed=11, now=NOW)
    assert digest() == first


def test_it_builds_a_different_city_from_a_different_seed(city):
    demo_reset()
    demo_build(customers=300, seed=11, now=NOW)
    first = digest()
    names = set(Customer.objects.values_list("name", flat=True))
    demo_reset()
    demo_build(customers=300, seed=12, now=NOW)
    assert digest() != first
    assert set(Customer.objects.values_list("name", flat=True)) != names


def test_it_keeps_the_real_files_shares(city):
    assert Customer.objects.count() == SHOPS
    formats = shares("retail_format")
    for code, real in {"B": 85.9, "Q": 6.2, "Y": 4.8, "F": 1.9}.items():
        assert formats[code] == pytest.approx(real, abs=1.0), code
    assert set(formats) <= {"B", "Q", "Y", "F", "S", "N", "Z"}
    assert formats.get("Z", 0) > 0
    assert shares("market_type")["C"] == pytest.approx(74, abs=3)

    grades = shares("grade")
    assert sorted(grades) == list(range(1, 31))
    assert all(0.5 <= share <= 5.5 for share in grades.values())

    rated = Customer.objects.filter(stars__gt=0)
    stars = Counter(rated.values_list("stars", flat=True))
    for star, real in {5: 6, 4: 32, 3: 46, 2: 14, 1: 2}.items():
        assert 100 * stars[star] / rated.count() == pytest.approx(real, abs=1.0), star
    new = Customer.objects.filter(stars=0)
    assert 0 < new.count() < 0.06 * SHOPS
    assert not new.filter(joined_on__lt=NOW.date() - dt.timedelta(days=90)).exists()

    assert shares("credit_rating")["AA"] == pytest.approx(96.7, abs=1.0)
    assert shares("status")["active"] > 95 and {"suspended", "closed"} <= set(shares("status"))
    assert shares("order_cycle")["weekly"] > 90 and {"odd", "even"} <= set(shares("order_cycle"))
    weekdays = shares("order_weekday")
    assert sum(weekdays.get(d, 0) for d in (1, 2, 3, 4)) > 90
    assert shares("e_settlement")[True] == pytest.approx(90, abs=1)
    assert 10 <= shares("online_ordering")[True] <= 20
    care = Customer.objects.filter(care_flag=True)
    assert care.count() == pytest.approx(0.02 * SHOPS, abs=2)
    assert not care.filter(care_note="").exists()
    assert Customer.objects.filter(joined_on__lt=NOW.date() - dt.timedelta(days=10 * 365)).exists()


def test_it_gives_every_role_a_user_and_every_demo_login_works(city, client):
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert not User.objects.filter(full_name="").exists()
    assert {username for username, _, _ in DEMO_LOGINS} <= set(
        User.objects.values_list("username", flat=True)
    )
    for username, role, description in DEMO_LOGINS:
        user = User.objects.get(username=username)
        assert user.role == role and description
        assert client.login(
            request=RequestFactory().post("/login/"), username=username, password=DEMO_PASSWORD
        ), username
        client.logout()
        # Their home pages show data: every demo log-in sees some shops.
        assert Customer.objects.visible_to(user).exists(), username
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    first_branch = Branch.objects.get(name="城区烟草专卖局(营销部)")
    manager = User.objects.get(username="manager")
    assert manager.station.branch == first_branch
    assert Route.objects.filter(account_manager=manager, market_manager__username="market").exists()
    assert User.objects.get(username="station").station == manager.station
    assert User.objects.get(username="branch").branch == first_branch


def test_it_places_every_shop_on_its_routes_station_and_branch(city):
    assert not Customer.objects.exclude(station=F("route__station")).exists()
    assert not Customer.objects.exclude(branch=F("route__station__branch")).exists()
    assert Station.objects.filter(branch__company__name=COMPANY_NAME).count() == 27
    assert Branch.objects.count() == 7


def test_it_makes_one_route_per_account_manager_and_order_day(city):
    routes = Route.objects.annotate(n=Count("customers"))
    assert all(route.n > 0 and route.account_manager and route.market_manager for route in routes)
    assert all(route.account_manager.station_id == route.station_id for route in routes)
    days = Counter(
        (route.account_manager_id, day)
        for route in routes
        for day in {c.order_weekday for c in route.customers.all() if c.order_weekday}
    )
    assert set(days.values()) == {1}
    mm_branch = Route.objects.exclude(market_manager__branch=F("station__branch"))
    assert not mm_branch.exists()


def test_it_gives_valid_unique_licence_numbers(city):
    licences = list(Customer.objects.values_list("licence_no", "branch__code"))
    assert len({no for no, _ in licences}) == len(licences) == SHOPS
    for no, _ in licences:
        try:
            validate_licence_no(no)
        except ValidationError:  # pragma: no cover - the assertion below names the bad number
            pytest.fail(f"invalid licence number {no}")
    assert {no[6] for no, _ in licences} == {"1", "2"}
    divisions = {no[:6] for no, branch in licences if branch == "420325"}
    assert divisions <= {"420325", "420323"}


def test_it_writes_some_grade_changes_and_no_baseline_rows(city):
    assert not CustomerChange.objects.filter(old_value="").exists()  # a new shop's values are its start
    moves = CustomerChange.objects.filter(field="grade")
    assert 0.02 * SHOPS <= moves.count() <= 0.08 * SHOPS
    down = [c for c in moves if int(c.new_value) < int(c.old_value)]
    assert down and len(down) < moves.count()
    for change in moves.select_related("customer"):
        assert change.new_value == str(change.customer.grade)
        assert change.customer.joined_on < change.changed_at.date() and change.changed_at < NOW
    closed = Customer.objects.exclude(status="active")
    assert CustomerChange.objects.filter(field="status", customer__in=closed, old_value="active").exists()


def test_it_does_not_duplicate_when_run_twice(city):
    out = StringIO()
    call_command("demo", stdout=out)
    assert "已存在" in out.getvalue()
    assert Customer.objects.count() == SHOPS and Company.objects.count() == 1

    demo_reset()
    call_command("demo", "--customers", "40", "--seed", "3", stdout=StringIO())
    call_command("demo", "--customers", "40", "--seed", "3", stdout=StringIO())
    assert Customer.objects.count() == 40 and Company.objects.count() == 1
    assert User.objects.filter(username="admin").count() == 1


def test_it_prints_counts_and_logins(city):
    demo_reset()
    out = StringIO()
    call_command("demo", "--customers", "30", stdout=out)
    text = out.getvalue()
    assert "零售客户：30" in text and "线路" in text and DEMO_PASSWORD in text
    assert all(username in text for username, _, _ in DEMO_LOGINS)
    out = StringIO()
    call_command("demo", "--logins", stdout=out)
    assert all(username in out.getvalue() for username, _, _ in DEMO_LOGINS)


def test_it_resets_only_when_nothing_else_points_at_demo_rows(city):
    out = StringIO()
    call_command("demo", "--reset", "--customers", "25", stdout=out)
    assert "已删除" in out.getvalue()
    assert Customer.objects.count() == 25

    AuditEvent.objects.create(at=NOW, actor=User.objects.get(username="manager"), action="customer.update")
    with pytest.raises(CommandError, match="无法安全删除.*审计"):
        call_command("demo", "--reset", stdout=StringIO())
    assert Customer.objects.count() == 25


def test_it_does_not_reset_shops_that_were_edited_or_imported(city):
    shop = Customer.objects.first()
    CustomerChange.objects.create(
        customer=shop,
        field="grade",
        old_value=str(shop.grade),
        new_value="30",
        changed_at=NOW,
        source="import",
    )
    with pytest.raises(CommandError, match="已被编辑或导入"):
        call_command("demo", "--reset", "--customers", "10", stdout=StringIO())
    assert Customer.objects.count() == SHOPS


def test_it_scores_the_care_list_of_its_settlements(city):
    """The demo writes settlements in bulk, around the imports that keep the care list's scores: it scores them
    itself, so the care list is not empty on a new demo."""
    from serviceloop.customers.models import Customer
    from serviceloop.growth.care import settlement_risks
    from serviceloop.growth.models import SettlementRisk

    kept = dict(SettlementRisk.objects.values_list("customer_id", "score"))
    computed_at = SettlementRisk.objects.values_list("computed_at", flat=True).first()
    live = {cid: r.score for cid, r in settlement_risks(Customer.objects.all(), now=computed_at).items()}
    assert kept and kept == live
