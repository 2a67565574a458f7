"""``counted``: each relation counted apart, equal to the plain counts, zero where there is nothing."""

import pytest

from serviceloop.core.subqueries import counted
from serviceloop.customers.models import Customer, CustomerStatus
from serviceloop.org.models import Branch, Route, Station

pytestmark = pytest.mark.django_db


def test_it_counts_each_relation_apart(world, app):
    empty = Station.objects.create(branch=world.branch_b, name="空服务站")
    rows = Station.objects.annotate(n_routes=counted(Station, "routes"), shops=counted(Station, "customers"))
    for station in rows:
        assert station.n_routes == Route.objects.filter(station=station).count()
        assert station.shops == Customer.objects.filter(station=station).count()
    assert next(s for s in rows if s.pk == empty.pk).shops == 0
    active = Branch.objects.annotate(n=counted(Branch, "customers", status=CustomerStatus.ACTIVE))
    for branch in active:
        assert branch.n == Customer.objects.filter(branch=branch, status=CustomerStatus.ACTIVE).count()
    page = app.get("/org/", user=world.city_admin)  # the organisation page draws both counts per unit
    assert page.status_code == 200 and "空服务站" in page.text


def test_the_route_list_counts_every_shop_of_each_route(world, app):
    from serviceloop.org.selectors import routes_with_counts

    empty = Route.objects.create(station=world.station_a1, name="空线路")
    rows = list(routes_with_counts(user=world.city_admin))
    assert {r.pk: r.customer_count for r in rows} == {
        r.pk: Customer.objects.filter(route=r).count() for r in Route.objects.all()
    }
    assert next(r for r in rows if r.pk == empty.pk).customer_count == 0
    assert "空线路" in app.get("/org/routes/", user=world.city_admin).text


def test_the_organisation_page_counts_shops_from_the_kept_tally(world, app):
    from serviceloop.customers.tally import shoptally_rebuild

    shoptally_rebuild()  # the test world's shops are made in bulk, around the services that keep the tally
    page = app.get("/org/", user=world.city_admin)
    branches = {b.pk: b.customer_count for b in page.context["branches"]}
    stations = {s.pk: s.customer_count for s in page.context["stations"]}
    assert branches == {b.pk: Customer.objects.filter(branch=b).count() for b in Branch.objects.all()}
    assert stations == {s.pk: Customer.objects.filter(station=s).count() for s in Station.objects.all()}
    assert sum(stations.values()) > 0
