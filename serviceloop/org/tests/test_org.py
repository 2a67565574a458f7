"""Organisation management: only the city administrator; moves keep shops' copies true; roles fit units."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from serviceloop.core.models import AuditEvent
from serviceloop.customers.models import Customer
from serviceloop.org.models import Role, Route, User
from serviceloop.org.services import org_unit_save

pytestmark = pytest.mark.django_db

PAGES = [
    "/org/",
    "/org/routes/",
    "/org/staff/",
    "/org/staff/new/",
    "/org/route/new/",
    "/customers/import/",
    "/audit/",
]


@pytest.mark.parametrize(
    "who", ["branch_manager", "station_head", "account_manager", "agent", "supervisor", "outsider"]
)
def test_it_refuses_org_pages_to_everyone_but_the_city_admin(world, login, who):
    client = login(getattr(world, who))
    for page in PAGES:
        assert client.get(page).status_code == 403, page


def test_it_shows_org_pages_to_the_city_admin(world, login):
    client = login(world.city_admin)
    for page in PAGES:
        assert client.get(page).status_code == 200, page
    assert "张湾服务站" in client.get("/org/").content.decode()


def test_it_creates_a_route_and_audits_it(world, login):
    client = login(world.city_admin)
    response = client.post(
        "/org/route/new/",
        {"station": world.station_a2.pk, "name": "茅箭2号线", "account_manager": world.account_manager.pk},
    )
    assert response.status_code == 302
    route = Route.objects.get(name="茅箭2号线")
    assert AuditEvent.objects.filter(action="org.route.create", object_id=str(route.pk)).exists()


def test_it_refuses_a_duplicate_route_name_in_a_station(world, login):
    response = login(world.city_admin).post(
        "/org/route/new/", {"station": world.station_a1.pk, "name": "张湾1号线"}
    )
    assert response.status_code == 200 and response.context["form"].errors


def test_it_moves_a_routes_shops_with_it(world):
    route = world.route_a1_2
    org_unit_save(unit=route, data={"station": world.station_b1}, actor=world.city_admin, now=timezone.now())
    shops = Customer.objects.filter(route=route)
    assert {(s.station_id, s.branch_id) for s in shops} == {(world.station_b1.pk, world.branch_b.pk)}
    # …and scope follows: the branch B account manager's colleagues now see them, branch A's no longer do.
    assert not Customer.objects.visible_to(world.station_head).filter(route=route).exists()


def test_it_moves_a_stations_shops_with_it(world):
    org_unit_save(
        unit=world.station_a2, data={"branch": world.branch_b}, actor=world.city_admin, now=timezone.now()
    )
    assert set(Customer.objects.filter(station=world.station_a2).values_list("branch_id", flat=True)) == {
        world.branch_b.pk
    }


def test_it_creates_staff_with_a_password(world, login):
    client = login(world.city_admin)
    response = client.post(
        "/org/staff/new/",
        {
            "username": "newam",
            "full_name": "李四",
            "role": Role.ACCOUNT_MANAGER,
            "company": world.company.pk,
            "station": world.station_a2.pk,
            "password": "Str0ng-pass-9",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    user = User.objects.get(username="newam")
    assert user.branch == world.branch_a and user.check_password("Str0ng-pass-9")
    assert AuditEvent.objects.get(action="org.staff.create").data["password_changed"] is True


def test_it_refuses_a_role_at_the_wrong_level(world, login):
    client = login(world.city_admin)
    response = client.post(
        "/org/staff/new/",
        {
            "username": "badhead",
            "role": Role.STATION_HEAD,
            "company": world.company.pk,
            "branch": world.branch_a.pk,
            "password": "Str0ng-pass-9",
        },
    )
    assert response.status_code == 200 and "role" in response.context["form"].errors
    user = User(username="x", role=Role.ACCOUNT_MANAGER, company=world.company)
    with pytest.raises(ValidationError):
        user.clean()


def test_it_refuses_a_weak_password(world, login):
    response = login(world.city_admin).post(
        "/org/staff/new/",
        {
            "username": "weak",
            "role": Role.AGENT,
            "company": world.company.pk,
            "password": "123",
        },
    )
    assert response.status_code == 200 and "password" in response.context["form"].errors


def test_each_user_has_one_scope_level_and_its_filter_shows_that_much_of_the_city(world):
    """``scope_level`` names what ``scope_q`` filters by: every role's shops as the customers' list sees them."""
    from django.contrib.auth.models import AnonymousUser

    from serviceloop.org.scope import scope_level

    levels = {u: scope_level(getattr(world, u)) for u in ("city_admin", "branch_manager", "station_head",
              "market_manager", "account_manager", "agent", "outsider")}  # fmt: skip
    assert levels == {"city_admin": "company", "branch_manager": "branch", "station_head": "station",
                      "market_manager": "route", "account_manager": "route", "agent": "company",
                      "outsider": "route"}  # fmt: skip
    shops = {u: Customer.objects.visible_to(getattr(world, u)).count() for u in levels}
    assert shops == {"city_admin": 8, "branch_manager": 6, "station_head": 4, "market_manager": 4,
                     "account_manager": 2, "agent": 8, "outsider": 2}  # fmt: skip
    world.station_head.is_active = False
    assert scope_level(world.station_head) == scope_level(AnonymousUser()) == "none"
    assert not Customer.objects.visible_to(world.station_head).exists()
