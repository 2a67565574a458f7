"""Reads of the portal: resolving public links and the contacts printed on a shop's service card."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from serviceloop.customers.models import Customer
from serviceloop.org.models import Role, Route, User

from .models import ShopToken, TokenPurpose

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,40}")  # what secrets.token_urlsafe makes


def shoptoken_resolve(*, value: str, purpose: str) -> ShopToken | None:
    """The live link with this value and purpose, or None (unknown, tampered, revoked or of another kind).

    Callers answer every None the same way, so a revoked link tells nothing a made-up one would not."""
    if not TOKEN_RE.fullmatch(value or ""):  # before the database: PostgreSQL refuses NUL bytes with an error
        return None
    return (
        ShopToken.objects.select_related(
            "customer__route__station__branch__company",
            "customer__route__account_manager",
            "customer__route__market_manager",
            "service_request__category",
        )
        .filter(value=value, purpose=purpose, revoked_at__isnull=True)
        .first()
    )


SHOP_OPEN_REQUESTS_SHOWN = 20


def shop_open_requests(customer: Customer):
    """The shop's requests still in the loop, newest first (the QR page lists them with their tracking links).

    Only this shop's, and only what identifies them: the page shows reference, date and status, never text."""
    from serviceloop.servicedesk.models import OPEN, ServiceRequest

    return (
        ServiceRequest.objects.filter(shop=customer, status__in=OPEN)
        .only("pk", "reference", "status", "created_at", "shop_id")
        .order_by("-created_at", "-id")[:SHOP_OPEN_REQUESTS_SHOWN]
    )


def public_base_problem(base: str | None = None) -> str:
    """Why ``PUBLIC_BASE_URL`` cannot be reached from a shop's phone ("" when it can, as far as one can tell).

    Cards encode this address: a loopback (127.0.0.1, localhost) or private one (10.x, 192.168.x…) works on
    the server or the office network only, so every printed code would be a dead link for the owner."""
    import ipaddress
    from urllib.parse import urlsplit

    base = settings.PUBLIC_BASE_URL if base is None else base
    try:
        parts = urlsplit(base)
        host = (parts.hostname or "").lower()
    except ValueError:
        host, parts = "", None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        return "invalid"
    if host == "localhost" or host.endswith((".localhost", ".local", ".lan", ".internal")):
        return "loopback" if "localhost" in host else "private"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "" if "." in host else "private"  # a bare name ("server1") resolves on the office network only
    if address.is_loopback or address.is_unspecified:
        return "loopback"
    if address.is_private or address.is_link_local or address.is_reserved:
        return "private"
    return ""


def public_url(token: ShopToken) -> str:
    """Absolute link for a card or a message; the host comes from ``PUBLIC_BASE_URL``."""
    name = "portal:shop" if token.purpose == TokenPurpose.SHOP else "portal:track"
    return settings.PUBLIC_BASE_URL + reverse(name, args=[token.value])


@dataclass(frozen=True)
class Contact:
    role: str
    name: str
    phone: str


def contacts_for_routes(routes) -> dict[int, list[Contact]]:
    """The four people printed on each shop's card, per route (shops of one route share them).

    - station head: the route's station's station head;
    - inspection squad leader (专卖稽查中队长): an inspector posted at the station, else one posted at the
      station's branch (branch-level inspectors form the county squads); the longest-serving (lowest id)
      when there are several — there is no squad-leader flag in the staff records;
    - market manager and account manager: those named on the route.
    One query whatever the number of routes (the routes come with their station, branch and managers).
    """
    routes = list(routes)
    station_ids = {r.station_id for r in routes}
    branch_ids = {r.station.branch_id for r in routes}
    heads, station_inspectors, branch_inspectors = {}, {}, {}
    people = User.objects.filter(is_active=True).filter(
        Q(role=Role.STATION_HEAD, station_id__in=station_ids)
        | Q(role=Role.INSPECTOR, station_id__in=station_ids)
        | Q(role=Role.INSPECTOR, station__isnull=True, branch_id__in=branch_ids)
    )
    for user in people.order_by("id"):
        if user.role == Role.STATION_HEAD:
            heads.setdefault(user.station_id, user)
        elif user.station_id:
            station_inspectors.setdefault(user.station_id, user)
        else:
            branch_inspectors.setdefault(user.branch_id, user)
    result = {}
    for route in routes:
        inspector = station_inspectors.get(route.station_id) or branch_inspectors.get(route.station.branch_id)
        people = [
            (_("Station head"), heads.get(route.station_id)),
            (_("Inspection squad leader"), inspector),
            (_("Market manager"), route.market_manager),
            (_("Account manager"), route.account_manager),
        ]
        result[route.pk] = [
            Contact(role=str(label), name=str(person) if person else "", phone=person.phone if person else "")
            for label, person in people
        ]
    return result


def contacts_for_customer(customer: Customer) -> list[Contact]:
    """The contacts of the shop's route (loaded with the shop by ``shoptoken_resolve``: one query for the people)."""
    return contacts_for_routes([customer.route])[customer.route_id]


CARD_RELATED = ("route__station__branch__company", "route__account_manager", "route__market_manager")


def route_customers(route: Route):
    """The shops printed when a whole route is printed: active and suspended ones, not closed ones."""
    return (
        Customer.objects.filter(route=route)
        .exclude(status="closed")
        .select_related(*CARD_RELATED)
        .order_by("name", "licence_no")
    )
