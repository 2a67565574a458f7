"""Reads of the portal: resolving public links and the contacts printed on a shop's service card."""

import functools
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import JSONField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, JSONObject, NullIf
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from serviceloop.customers.models import Customer
from serviceloop.org.models import Role, Route, User

from .models import ShopToken, TokenPurpose

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,40}")  # what secrets.token_urlsafe makes


def shoptoken_resolve(*, value: str, purpose: str) -> ShopToken | None:
    """The live link with this value and purpose, or None (unknown, tampered, revoked or of another kind).

    With the shop (a tracking link also with its request and category), in one query on the token's unique
    value. The QR page's contacts come from ``contacts_for_customer`` (kept a minute per process): joining the
    route's managers and the station people's subqueries here cost two thirds of the page's query compiling.
    Callers answer every None the same way, so a revoked link tells nothing a made-up one would not."""
    if not _is_token(value):
        return None
    tokens = ShopToken.objects.filter(value=value, purpose=purpose, revoked_at__isnull=True)
    if purpose == TokenPurpose.SHOP:
        tokens = tokens.select_related("customer")
    else:
        tokens = tokens.select_related("customer", "service_request__category")
    return next(iter(tokens.order_by()[:1]), None)  # the value is unique: no ORDER BY to compile or run


def _is_token(value) -> bool:
    # Checked before the database: PostgreSQL refuses NUL bytes with an error.
    return bool(TOKEN_RE.fullmatch(value or ""))


# The QR page is the busiest public page, and its two reads are fixed statements. Written in SQL (column and
# table names from the models), they cost 0.15 and 0.10 ms of CPU; Django compiled the same queries for 0.6 and
# 0.5 ms (issue 14).
#
# What the QR page and a filing read of the shop: its name (page), route (contacts), the allocation's order days
# and grade, the units a request is filed under, its phone (the message) and licence (the outbound event). Any
# other field is read by a query of its own when used (Django's deferred fields). Only text, integer and foreign
# key fields, which the database returns as Python has them: the rows are taken without the ORM's converters.
QR_SHOP_FIELDS = ("name", "licence_no", "phone", "status", "route_id", "station_id", "branch_id",
                  "order_cycle", "order_weekday", "grade")  # fmt: skip


def qr_link_resolve(value: str) -> ShopToken | None:
    """The shop's live QR link with this value, with the shop's ``QR_SHOP_FIELDS``, or None (as
    ``shoptoken_resolve`` answers: unknown, tampered, revoked and tracking links alike)."""
    if not _is_token(value):
        return None
    sql, shop_fields, token_fields = _qr_link_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value, TokenPurpose.SHOP])
        row = cursor.fetchone()
    if row is None:
        return None
    customer = Customer.from_db(connection.alias, shop_fields, row[1:])
    known = {"id": row[0], "value": value, "customer_id": customer.pk, "purpose": TokenPurpose.SHOP}
    link = ShopToken.from_db(connection.alias, token_fields, [known[n] for n in token_fields])
    link.customer = customer
    return link


SHOP_OPEN_REQUESTS_SHOWN = 20


def shop_open_requests(customer: Customer) -> list[tuple]:
    """The shop's requests still in the loop, newest first, at most ``SHOP_OPEN_REQUESTS_SHOWN``, each with the
    value of its live tracking link, as (request, value) pairs. The value is None for a request taken by phone
    before links existed: the QR page makes it one. A request has at most one live link (a unique constraint).

    Only this shop's, and only what identifies them: the page shows reference, date and status, never text.
    The requests hold only those fields (and the shop's key); any other is loaded when read."""
    from serviceloop.servicedesk.models import OPEN, ServiceRequest

    sql, fields = _shop_open_requests_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [TokenPurpose.TRACK, customer.pk, *OPEN])
        rows = cursor.fetchall()
    if not rows:
        return []
    # SQLite answers the time as text: the field's converters (what the ORM applies) make it an aware datetime.
    field = ServiceRequest._meta.get_field("created_at")
    created_at = field.get_col(ServiceRequest._meta.db_table)
    converters = connection.ops.get_db_converters(created_at) + field.get_db_converters(connection)
    at = fields.index("created_at")
    pairs = []
    for row in rows:
        values = list(row[:-1])
        for convert in converters:
            values[at] = convert(values[at], created_at, connection)
        pairs.append((ServiceRequest.from_db(connection.alias, fields, values), row[-1]))
    return pairs


# The two statements are written once per process (and database vendor, for its quoting): building them from the
# models' names cost as much as running them.


@functools.cache
def _qr_link_statement(vendor: str) -> tuple[str, list[str], list[str]]:
    """The QR link's SELECT, the shop's fields it reads in the order of its columns (``Model.from_db`` takes them
    in the model's order of fields) and the link's own fields it knows."""
    token, shop = ShopToken._meta, Customer._meta
    shop_fields = [
        f.attname for f in shop.concrete_fields if f.attname == "id" or f.attname in QR_SHOP_FIELDS
    ]
    token_fields = [
        f.attname for f in token.concrete_fields if f.attname in ("id", "value", "customer_id", "purpose")
    ]
    sql = (
        f"SELECT t.{_column(token, 'id')}, {', '.join(f's.{_column(shop, f)}' for f in shop_fields)} "
        f"FROM {_quote(token.db_table)} t "
        f"JOIN {_quote(shop.db_table)} s ON s.{_column(shop, 'id')} = t.{_column(token, 'customer_id')} "
        f"WHERE t.{_column(token, 'value')} = %s AND t.{_column(token, 'purpose')} = %s "
        f"AND t.{_column(token, 'revoked_at')} IS NULL"
    )
    return sql, shop_fields, token_fields


@functools.cache
def _shop_open_requests_statement(vendor: str) -> tuple:
    """The open requests' SELECT and the request's fields it reads."""
    from serviceloop.servicedesk.models import OPEN, ServiceRequest

    request, token = ServiceRequest._meta, ShopToken._meta
    # Model.from_db takes the values in the model's order of fields.
    fields = [
        f.attname
        for f in request.concrete_fields
        if f.attname in ("id", "reference", "status", "created_at", "shop_id")
    ]
    r = {f: f"r.{_column(request, f)}" for f in fields}
    t = {f: f"t.{_column(token, f)}" for f in ("value", "service_request_id", "purpose", "revoked_at")}
    sql = (
        f"SELECT {', '.join(r.values())}, {t['value']} "
        f"FROM {_quote(request.db_table)} r LEFT JOIN {_quote(token.db_table)} t "
        f"ON {t['service_request_id']} = {r['id']} AND {t['purpose']} = %s AND {t['revoked_at']} IS NULL "
        f"WHERE {r['shop_id']} = %s AND {r['status']} IN ({', '.join(['%s'] * len(OPEN))}) "
        f"ORDER BY {r['created_at']} DESC, {r['id']} DESC LIMIT {SHOP_OPEN_REQUESTS_SHOWN}"
    )
    return sql, fields


def _column(meta, field: str) -> str:
    return _quote(meta.get_field(field).column)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


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


STATION_PEOPLE = ("station_head", "squad_leader")


def _first_person(users) -> Subquery:
    """The longest-serving (lowest id) active one of ``users`` as {"name", "phone"} — a scalar subquery."""
    person = JSONObject(name=Coalesce(NullIf("full_name", Value("")), "username"), phone="phone")
    return Subquery(
        users.filter(is_active=True).order_by("id").values_list(person)[:1], output_field=JSONField()
    )


def station_people(route: str = "") -> dict:
    """Annotations naming the station head and the inspection squad leader of the route at ``route`` (a path
    from the annotated model, e.g. "customer__route__"), each {"name", "phone"} or None:

    - station head: the route's station's station head;
    - inspection squad leader (专卖稽查中队长): an inspector posted at the station, else one posted at the
      station's branch (branch-level inspectors form the county squads); the longest-serving (lowest id)
      when there are several — there is no squad-leader flag in the staff records.
    """
    station, branch = OuterRef(f"{route}station_id"), OuterRef(f"{route}station__branch_id")
    return {
        "station_head": _first_person(User.objects.filter(role=Role.STATION_HEAD, station_id=station)),
        "squad_leader": Coalesce(
            _first_person(User.objects.filter(role=Role.INSPECTOR, station_id=station)),
            _first_person(User.objects.filter(role=Role.INSPECTOR, station__isnull=True, branch_id=branch)),
            output_field=JSONField(),
        ),
    }


def contacts_for_routes(routes) -> dict[int, list[Contact]]:
    """The four people printed on each shop's card, per route (shops of one route share them): the station
    head and the inspection squad leader (``station_people``), the market manager and the account manager
    named on the route. One query whatever the number of routes (none when the routes come with their
    ``station_people``, as the QR page's route does)."""
    routes = list(routes)
    missing, people = [r.pk for r in routes if not hasattr(r, "station_people")], {}
    if missing:
        found = (
            Route.objects.filter(pk__in=missing).annotate(**station_people()).values("pk", *STATION_PEOPLE)
        )
        people = {row["pk"]: row for row in found}
    result = {}
    for route in routes:
        known = getattr(route, "station_people", None) or people.get(route.pk, {})
        head, squad = known.get("station_head"), known.get("squad_leader")
        rows = [
            (_("Station head"), head and head["name"], head and head["phone"]),
            (_("Inspection squad leader"), squad and squad["name"], squad and squad["phone"]),
            (_("Market manager"), route.market_manager, route.market_manager),
            (_("Account manager"), route.account_manager, route.account_manager),
        ]
        result[route.pk] = [
            Contact(
                role=str(label),
                name=str(name) if name else "",
                phone=(phone.phone if isinstance(phone, User) else phone) or "",
            )
            for label, name, phone in rows
        ]
    return result


def contacts_for_customer(customer: Customer) -> list[Contact]:
    """The contacts of the shop's route, kept a minute per process (``core.refcache``): one query — the route
    with its managers and station people — when not kept. Every QR view printed them from a token query that
    joined four tables and ran three subqueries (~8 ms of compiling on a loaded machine, twice the rest of the
    look-up); staff change route a few times a year, and a name a minute late on a shop's page harms no one."""
    from serviceloop.core.refcache import reference

    def load():
        route = (
            Route.objects.filter(pk=customer.route_id)
            .select_related("account_manager", "market_manager")
            .annotate(**station_people())
            .get()
        )
        route.station_people = {name: getattr(route, name) for name in STATION_PEOPLE}
        return contacts_for_routes([route])[route.pk]

    return reference(f"portal:contacts:{customer.route_id}", load)


CARD_RELATED = ("route__station__branch__company", "route__account_manager", "route__market_manager")


def route_customers(route: Route):
    """The shops printed when a whole route is printed: active and suspended ones, not closed ones."""
    return (
        Customer.objects.filter(route=route)
        .exclude(status="closed")
        .select_related(*CARD_RELATED)
        .order_by("name", "licence_no")
    )
