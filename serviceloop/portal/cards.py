"""The service card (暖心服务牌): QR codes (segno) and the printable PDF (WeasyPrint, embedded CJK font).

Chinese needs a CJK font on the machine (Debian: fonts-wqy-microhei, installed by ``make setup``);
WeasyPrint embeds the subset it uses, so the PDF prints the same everywhere.
"""

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.template.loader import render_to_string

from serviceloop.customers.models import Customer

from .selectors import Contact, contacts_for_routes, public_url
from .services import shoptokens_ensure

if TYPE_CHECKING:
    import segno

LAYOUTS = {1: "one card per A6 page", 4: "four cards per A4 page"}


def qr_for(url: str) -> "segno.QRCode":
    import segno  # 9 MB: only where a code is drawn

    # Level M survives a scuffed or partly covered counter card and stays a small, quick-to-scan code.
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str, *, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    qr_for(url).save(buf, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, title="QR")
    return buf.getvalue()


def qr_png(url: str, *, scale: int = 10) -> bytes:
    buf = io.BytesIO()
    qr_for(url).save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


@dataclass
class Card:
    customer: Customer
    url: str
    qr_data_uri: str
    contacts: list[Contact]


def build_cards(*, customers, actor, now) -> list[Card]:
    """One card per shop; the shops' QR links are created on first print. Queries do not grow per shop."""
    customers = list(customers)
    tokens = shoptokens_ensure(customers=customers, actor=actor, now=now)
    routes = {c.route_id: c.route for c in customers}
    contacts = contacts_for_routes(routes.values())
    cards = []
    for customer in customers:
        url = public_url(tokens[customer.pk])
        cards.append(
            Card(
                customer=customer,
                url=url,
                contacts=contacts[customer.route_id],
                qr_data_uri=qr_for(url).svg_data_uri(scale=8, border=2),
            )
        )
    return cards


def cards_pdf(cards: list[Card], *, per_page: int = 4) -> bytes:
    from weasyprint import HTML  # heavy import, only where PDFs are made

    if per_page not in LAYOUTS:
        per_page = 4
    sheets = [cards[i : i + per_page] for i in range(0, len(cards), per_page)]
    html = render_to_string("portal/cards_pdf.html", {"sheets": sheets, "per_page": per_page})
    return HTML(string=html).write_pdf()
