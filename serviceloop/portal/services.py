"""Writes of the portal: QR links of shops (create, revoke and replace) and tracking links of requests."""

import secrets

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.core.bulk import insert_instance
from serviceloop.customers.models import Customer
from serviceloop.customers.services import may_edit_customers
from serviceloop.servicedesk.models import ServiceRequest

from .models import ShopToken, TokenPurpose


def new_token_value() -> str:
    return secrets.token_urlsafe(18)  # 144 random bits, 24 URL-safe characters


def may_regenerate_shop_link(user) -> bool:
    """Those who keep the archive may replace a shop's QR code (a lost or copied card)."""
    return may_edit_customers(user)


@transaction.atomic
def shoptoken_ensure(*, customer: Customer, actor, now) -> ShopToken:
    """The shop's live QR link, created on first use (first card printed or QR shown)."""
    return shoptokens_ensure(customers=[customer], actor=actor, now=now)[customer.pk]


@transaction.atomic
def shoptokens_ensure(*, customers, actor, now) -> dict[int, ShopToken]:
    """Live QR links of many shops (a whole route), creating the missing ones in one insert."""
    ids = [c.pk for c in customers]
    live = {
        t.customer_id: t
        for t in ShopToken.objects.filter(
            customer_id__in=ids, purpose=TokenPurpose.SHOP, revoked_at__isnull=True
        )
    }
    missing = [pk for pk in ids if pk not in live]
    if missing:
        rows = [
            ShopToken(
                value=new_token_value(),
                customer_id=pk,
                purpose=TokenPurpose.SHOP,
                created_at=now,
                created_by=_person(actor),
            )
            for pk in missing
        ]
        try:
            with transaction.atomic():
                ShopToken.objects.bulk_create(rows)
        except IntegrityError:
            # Someone printed the same shops at the same moment: their links stand, read them back.
            pass
        live = {
            t.customer_id: t
            for t in ShopToken.objects.filter(
                customer_id__in=ids, purpose=TokenPurpose.SHOP, revoked_at__isnull=True
            )
        }
    return live


@transaction.atomic
def shoptoken_regenerate(*, customer: Customer, actor, now) -> ShopToken:
    """Revoke the shop's QR link and issue a new one: old printed cards stop working at once."""
    if actor is not None and not may_regenerate_shop_link(actor):
        raise PermissionDenied(_("Your role may not replace QR codes."))
    Customer.objects.select_for_update().filter(pk=customer.pk).first()  # serialise two clicks on one shop
    revoked = ShopToken.objects.filter(
        customer=customer, purpose=TokenPurpose.SHOP, revoked_at__isnull=True
    ).update(revoked_at=now, revoked_by=_person(actor))
    token = ShopToken.objects.create(
        value=new_token_value(),
        customer=customer,
        purpose=TokenPurpose.SHOP,
        created_at=now,
        created_by=_person(actor),
    )
    audit_record(
        actor=actor,
        action="portal.qr_regenerate",
        obj=customer,
        now=now,
        summary=_("QR code replaced; the old code no longer works"),
        data={"revoked": revoked},
    )
    return token


@transaction.atomic
def shoptoken_revoke(*, token: ShopToken, actor, now) -> None:
    """Revoke one link (e.g. a tracking link sent to the wrong number)."""
    if actor is not None and not may_regenerate_shop_link(actor):
        raise PermissionDenied(_("Your role may not replace QR codes."))
    ShopToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=_person(actor)
    )
    audit_record(
        actor=actor,
        action="portal.link_revoke",
        obj=token.customer,
        now=now,
        summary=_("Public link revoked"),
        data={"token_id": token.pk, "purpose": token.purpose},
    )


def _person(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def trackingtokens_ensure(*, service_requests, now) -> list[tuple[ServiceRequest, ShopToken]]:
    """Each request with its live tracking link: the existing links in one query, the missing ones made."""
    requests = list(service_requests)
    live = {
        t.service_request_id: t
        for t in ShopToken.objects.filter(
            service_request__in=[r.pk for r in requests], revoked_at__isnull=True
        )
    }
    return [(r, live.get(r.pk) or trackingtoken_ensure(service_request=r, now=now)) for r in requests]


def trackingtoken_create(*, service_request: ServiceRequest, now) -> ShopToken:
    """The tracking link of a request saved in this very transaction (it cannot have one yet): one insert."""
    token = ShopToken(
        value=new_token_value(),
        customer_id=service_request.shop_id,
        purpose=TokenPurpose.TRACK,
        service_request=service_request,
        created_at=now,
    )
    insert_instance(token)
    service_request.tracking_link = token
    return token


@transaction.atomic
def trackingtoken_ensure(*, service_request: ServiceRequest, now) -> ShopToken:
    """The request's live tracking link (``/t/<token>/``), created once. Other apps may call it to put
    the link in a message to the shop."""
    live = ShopToken.objects.filter(service_request=service_request, revoked_at__isnull=True).first()
    if live is not None:
        return live
    try:
        with transaction.atomic():
            return ShopToken.objects.create(
                value=new_token_value(),
                customer_id=service_request.shop_id,
                purpose=TokenPurpose.TRACK,
                service_request=service_request,
                created_at=now,
            )
    except IntegrityError:  # created by a parallel double tap
        return ShopToken.objects.get(service_request=service_request, revoked_at__isnull=True)
