"""The shop's latest guidance book behind its QR link: ``/s/<token>/book/`` shows it, ``…/book/pdf/`` downloads it.

Only the shop the signed token names, only its latest book; every bad or revoked token gets the portal's own
"invalid link" page. The book shows the shop's sales, and the QR code hangs on the counter for anyone to scan, so
the owner first answers the four-digit phone check (``portal/owner.py``). Views and downloads are counted per shop and per client address an hour (the portal's
counters), because drawing a PDF costs a second of CPU.
"""

from django.conf import settings
from django.db import transaction
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from serviceloop.core.clients import client_address
from serviceloop.portal.models import TokenPurpose
from serviceloop.portal.owner import owner_required
from serviceloop.portal.ratelimit import Over, rate_take
from serviceloop.portal.selectors import shoptoken_resolve
from serviceloop.portal.views import _public, invalid_link

from .render import book_context
from .selectors import latest_book
from .views import file_response


def _limited(request, customer_id: int):
    try:
        with transaction.atomic():  # the database counter store counts inside a transaction
            rate_take([
                (f"guidance:rate:shop:{customer_id}", settings.GUIDANCE_PUBLIC_RATE_SHOP_PER_HOUR),
                (f"guidance:rate:addr:{client_address(request)}", settings.GUIDANCE_PUBLIC_RATE_ADDRESS_PER_HOUR),
            ])  # fmt: skip
    except Over:
        pass
    else:
        return None
    text = _("The book was opened many times in the last hour. Please try again later.")
    return _public(render(request, "guidance/public_message.html", {"text": text}, status=429))


@require_GET
def public_book(request, token):
    link = shoptoken_resolve(value=token, purpose=TokenPurpose.SHOP)
    if link is None:
        return invalid_link(request)
    refused = owner_required(request, token, link.customer_id, "book") or _limited(request, link.customer_id)
    if refused:
        return refused
    book = latest_book(link.customer)
    context = {
        **(book_context(book) if book else {}),
        "book": book,
        "token": token,
        "customer": link.customer,
    }
    return _public(render(request, "guidance/public_book.html", context))


@require_GET
def public_book_file(request, token, fmt):
    link = shoptoken_resolve(value=token, purpose=TokenPurpose.SHOP)
    if link is None:
        return invalid_link(request)
    refused = owner_required(request, token, link.customer_id, "book")
    if refused:
        return refused
    book = latest_book(link.customer)
    if book is None or fmt not in ("pdf", "docx"):
        return invalid_link(request)
    refused = _limited(request, link.customer_id)
    if refused:
        return refused
    return _public(file_response(book, fmt))
