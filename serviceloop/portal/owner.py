"""The shop owner's own business figures behind the QR link: ``/s/<token>/owner/`` asks once for the last four
digits of the shop's phone before the guidance book (sales, peers) or the suggested order is shown.

Why: the QR code hangs on the counter, so anyone in the shop can scan it. Filing a request or reading the
shop's contacts needs nothing more, but sales figures and order quantities are the owner's business. A right
answer is remembered on that phone for 30 days in a signed cookie that names the shop; only wrong answers are
counted (per shop and per client address, the portal's counters), so four digits cannot be guessed at speed
while the owner, once in, is never locked out. A shop with no phone on file is told to ask its account manager,
who can print the book."""

from django import forms
from django.conf import settings
from django.core.signing import BadSignature
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from .intake import client_address
from .models import TokenPurpose
from .ratelimit import Over, rate_over, rate_take
from .selectors import shoptoken_resolve

COOKIE = "sl_owner"
SALT = "portal.owner"
MAX_AGE = 30 * 24 * 3600
MAX_SHOPS = 5  # shops one phone remembers (an owner with a second shop, a family member helping)
MAX_BODY = 2048  # the form is a few dozen bytes


def _targets(token: str) -> dict[str, str]:
    """The pages an answer may lead to; ``next`` is one of these names, never a URL (no open redirect)."""
    return {
        "book": reverse("guidance_public:book", args=[token]),
        "advice": reverse("portal:shop-advice", args=[token]),
    }


def _remembered(request) -> list[str]:
    try:
        value = request.get_signed_cookie(COOKIE, salt=SALT, max_age=MAX_AGE)
    except (KeyError, BadSignature):
        return []
    return [part for part in value.split(",") if part.isascii() and part.isdigit()]


def owner_verified(request, customer_id: int) -> bool:
    return str(customer_id) in _remembered(request)


def owner_required(request, token: str, customer_id: int, page: str):
    """None when this phone has answered for the shop; else the redirect to the question."""
    if owner_verified(request, customer_id):
        return None
    return redirect(reverse("portal:shop-owner", args=[token]) + "?" + urlencode({"next": page}))


def _phone_last4(phone: str) -> str:
    digits = "".join(ch for ch in phone or "" if ch.isascii() and ch.isdigit())
    return digits[-4:] if len(digits) >= 7 else ""


class OwnerForm(forms.Form):
    phone_last4 = forms.CharField(label=gettext_lazy("Last four digits of the shop's phone"), max_length=4)

    def clean_phone_last4(self):
        value = self.cleaned_data["phone_last4"].strip()
        if not (len(value) == 4 and value.isascii() and value.isdigit()):
            raise forms.ValidationError(_("Four digits, please."))
        return value


def _limits(customer_id: int, address: str) -> list[tuple[str, int]]:
    return [
        (f"portal:owner:shop:{customer_id}", settings.PORTAL_OWNER_FAILURES_PER_SHOP),
        (f"portal:owner:addr:{address}", settings.PORTAL_OWNER_FAILURES_PER_ADDRESS),
    ]


@require_http_methods(["GET", "POST"])
def owner_page(request, token):
    from .views import _public, invalid_link

    link = shoptoken_resolve(value=token, purpose=TokenPurpose.SHOP)
    if link is None or link.customer_id is None:
        return invalid_link(request)
    targets = _targets(token)
    page = request.GET.get("next", "book")
    if page not in targets:
        page = "book"
    last4 = _phone_last4(link.customer.phone)
    form, error, status = OwnerForm(), None, 200
    if request.method == "POST" and last4:
        try:
            too_big = int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY
        except ValueError:
            too_big = True
        limits = _limits(link.customer_id, client_address(request))
        if too_big:
            status, error = 413, _("The form sent is too large.")
        elif rate_over(limits) is not None:
            status = 429
            error = _("Too many wrong tries. Please try again in an hour, or ask your account manager.")
        else:
            form = OwnerForm(request.POST)
            if form.is_valid() and form.cleaned_data["phone_last4"] == last4:
                response = redirect(targets[page])
                shops = [s for s in _remembered(request) if s != str(link.customer_id)]
                shops = (shops + [str(link.customer_id)])[-MAX_SHOPS:]
                response.set_signed_cookie(COOKIE, ",".join(shops), salt=SALT, max_age=MAX_AGE, httponly=True,
                                           samesite="Lax", secure=request.is_secure())  # fmt: skip
                return _public(response)
            status = 400
            if form.is_valid():
                form.add_error("phone_last4", _("That is not the phone we have for this shop."))
            _count_failure(limits)
    context = {
        "customer": link.customer,
        "form": form,
        "error": error,
        "has_phone": bool(last4),
        "page": page,
    }
    return _public(render(request, "portal/owner.html", context, status=status))


def _count_failure(limits) -> None:
    try:
        with transaction.atomic():  # the database counter store counts inside a transaction
            rate_take(limits)
    except Over:
        pass  # the next try is refused by rate_over
