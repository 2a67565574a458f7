"""Public pages for shop owners: no login, phone-sized, Chinese. ``/s/<token>/`` files, ``/t/<token>/`` tracks."""

import uuid

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from serviceloop.core.refcache import reference
from serviceloop.servicedesk.selectors import servicerequest_public_result, servicerequest_public_timeline

from .forms import MAX_PHOTO_BYTES, MAX_TEXT, IntakeForm
from .intake import RateLimited, client_address, portal_request_file
from .models import ShopToken, TokenPurpose
from .selectors import contacts_for_customer, qr_link_resolve, shop_open_requests, shoptoken_resolve
from .services import trackingtokens_ensure


def _public(response):
    # Links carry the token: never cache them, never pass them to other sites in a Referer (same-origin: a
    # stricter "no-referrer" makes browsers send "Origin: null" and CSRF refuses the form), never index them.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def invalid_link(request):
    """The same friendly page for unknown, mistyped, tampered and revoked links: nothing to tell them apart."""
    return _public(render(request, "portal/invalid.html", status=404))


@require_http_methods(["GET", "POST"])
def shop_page(request, token):
    link = qr_link_resolve(token)
    if link is None:
        return invalid_link(request)
    status = 200
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                _request, tracking, _created = portal_request_file(
                    link=link,
                    category=data["category"],
                    kind=data["kind"],
                    text=data["text"],
                    callback_phone=data["callback_phone"],
                    photo=data["photo"],
                    idempotency_key=data["idempotency_key"],
                    client_address=client_address(request),
                    now=timezone.now(),
                )
            except RateLimited as e:
                status = 429
                form.add_error(
                    None,
                    _(
                        "This shop has sent many messages in the last hour. Please try again later, or call your "
                        "account manager (number below)."
                    )
                    if e.scope == "shop"
                    else _(
                        "Many messages were sent from this network in the last hour. Please try again later, or "
                        "call your account manager (number below)."
                    ),
                )
            except ValidationError as e:
                status = 400
                for message in e.messages:
                    form.add_error(None, message)
            else:
                return _public(redirect(reverse("portal:track", args=[tracking.value]) + "?sent=1"))
        else:
            status = 400
    else:
        form = None  # a blank form: its fields are drawn once a minute (_blank_fields_html)
    # An owner who lost a tracking link finds it again by scanning the card: each open request with its link
    # (requests taken by phone before links existed get theirs here, once).
    open_requests = [
        (r, ShopToken(value=tracking_value) if tracking_value else None)
        for r, tracking_value in shop_open_requests(link.customer)
    ]
    if any(token is None for _r, token in open_requests):
        open_requests = trackingtokens_ensure(
            service_requests=[r for r, _t in open_requests], now=timezone.now()
        )
    context = {
        "link": link,
        "customer": link.customer,
        "open_requests": open_requests,
        "contacts": [c for c in contacts_for_customer(link.customer) if c.name],
    }
    if form is None:  # each page its own key: a double tap sends the same key twice, a new page another
        context.update(idempotency_key=uuid.uuid4().hex, fields_html=_blank_fields_html())
    else:
        context.update(_fields_context(form), idempotency_key=form["idempotency_key"].value() or "")
    return _public(render(request, "portal/shop.html", context, status=status))


def _fields_context(form):
    return {
        "form": form,
        "categories": form.radios("category"),
        "kinds": form.radios("kind"),
        "max_text": MAX_TEXT,
        "max_photo_mb": MAX_PHOTO_BYTES // (1024 * 1024),
        "max_photo_bytes": MAX_PHOTO_BYTES,
    }


def _blank_fields_html():
    """The form's fields before anything is typed: the same for every shop, so drawn once a minute per process
    and language (the bulk of the page's template time). Named under the categories' reference, so an edit of
    the categories drops it with them."""
    return reference(
        f"servicedesk:categories:intake-fields:{get_language()}",
        lambda: mark_safe(render_to_string("portal/_intake_fields.html", _fields_context(IntakeForm()))),
    )


@require_GET
def track_page(request, token):
    link = shoptoken_resolve(value=token, purpose=TokenPurpose.TRACK)
    if link is None or link.service_request_id is None:
        return invalid_link(request)
    service_request = link.service_request
    shop_link = (
        ShopToken.objects.filter(
            customer_id=link.customer_id, purpose=TokenPurpose.SHOP, revoked_at__isnull=True
        )
        .only("value")
        .first()
        if link.customer_id
        else None
    )
    context = {
        "service_request": service_request,
        "timeline": servicerequest_public_timeline(request=service_request),
        "result": servicerequest_public_result(request=service_request),
        "messages_to_shop": list(service_request.shop_messages.order_by("created_at", "id")),
        "shop_link": shop_link,
        "just_filed": request.GET.get("sent") == "1",
    }
    return _public(render(request, "portal/track.html", context))
