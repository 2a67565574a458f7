"""Filing a request from a shop's QR page: idempotency, rate limits, and the tracking link.

The request itself is filed by the service desk's ``servicerequest_file`` — this module adds only what is
particular to an anonymous public page.
"""

from django.conf import settings
from django.db import IntegrityError, transaction

from serviceloop.servicedesk.models import Channel, ServiceRequest
from serviceloop.servicedesk.services import servicerequest_file

from .models import ShopToken
from .ratelimit import Over, address_key, rate_take, shop_key
from .services import trackingtoken_ensure


class RateLimited(Exception):
    def __init__(self, scope: str):
        super().__init__(scope)
        self.scope = scope  # "shop" or "address"


def client_address(request) -> str:
    """The client's address. Behind a proxy, set PORTAL_CLIENT_ADDRESS_HEADER (e.g. HTTP_X_FORWARDED_FOR):
    the right-most entry is taken — the one the proxy itself added, which the client cannot forge."""
    header = settings.PORTAL_CLIENT_ADDRESS_HEADER
    if header:
        hops = [h.strip() for h in request.META.get(header, "").split(",") if h.strip()]
        if hops:
            return hops[-1][:64]
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


def idempotency_key_for(link: ShopToken, key: str) -> str:
    # Namespaced by shop, so a key copied from another shop's page can never return that shop's request.
    return f"qr:{link.customer_id}:{key}"


def portal_request_file(
    *,
    link: ShopToken,
    category,
    kind: str,
    text: str,
    callback_phone: str = "",
    photo=None,
    idempotency_key: str,
    client_address: str,
    now,
) -> tuple[ServiceRequest, ShopToken, bool]:
    """File the owner's request for the shop of ``link``. Returns (request, tracking link, newly filed).

    One transaction holds the rate-limit slots, the request, its event, deadlines, tracking link and message:
    a refusal, a failure or a double tap rolls it all back (slots included). A repeated idempotency key (a
    double tap, a reload of the POST) is recognised by the request's unique key when the insert fails — the
    common filing spends no query looking for it — and returns the first request, counting nothing.
    Raises RateLimited, or ValidationError from the service desk."""
    key = idempotency_key_for(link, idempotency_key)
    limits = [
        (shop_key(link.customer_id), settings.PORTAL_RATE_SHOP_PER_HOUR),
        (address_key(client_address), settings.PORTAL_RATE_ADDRESS_PER_HOUR),
    ]
    slots = None
    try:
        with transaction.atomic():
            try:
                slots = rate_take(limits)
            except Over as e:
                raise RateLimited("shop" if e.key == limits[0][0] else "address") from None
            request, _created = servicerequest_file(
                customer=link.customer,
                channel=Channel.QR,
                kind=kind,
                category=category,
                text=text,
                callback_phone=callback_phone,
                photos=[photo] if photo else (),
                actor=None,
                now=now,
                idempotency_key=key,
                duplicate_raises=True,
            )
            # The link made by servicerequest_file for its first message to the shop.
            tracking = getattr(request, "tracking_link", None) or trackingtoken_ensure(
                service_request=request, now=now
            )
    except IntegrityError:
        if slots is not None:
            slots.give_back()
        existing = ServiceRequest.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return existing, trackingtoken_ensure(service_request=existing, now=now), False
    except BaseException:
        if slots is not None:
            slots.give_back()
        raise
    return request, tracking, True
