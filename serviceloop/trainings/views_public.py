"""The door's check-in page /trainings/checkin/<code>/: no login, phone-sized, works without JavaScript.

The owner types the shop's licence number or the last four digits of its phone. Failed tries are counted per
client address and per session (the portal's fixed-window counters), so numbers cannot be guessed at speed."""

from django.conf import settings
from django.db import transaction
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from serviceloop.portal.intake import client_address
from serviceloop.portal.ratelimit import Over, rate_over, rate_take
from serviceloop.portal.views import _public, invalid_link

from . import services
from .forms import CheckInForm
from .models import CHECK_IN_OPEN

# A check-in form is a few dozen bytes; anything much bigger is not from this page.
MAX_BODY = 2048


def _limits(session, address):
    return [
        (f"trainings:rate:addr:{address}", settings.TRAINING_CHECKIN_FAILURES_PER_HOUR),
        (f"trainings:rate:session:{session.pk}", settings.TRAINING_CHECKIN_FAILURES_PER_SESSION),
    ]


@require_http_methods(["GET", "POST"])
def checkin_page(request, code):
    session = services.session_from_code(code)
    if session is None:
        return invalid_link(request)
    now = timezone.now()
    form, done, status = CheckInForm(), None, 200
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = MAX_BODY + 1
        if length > MAX_BODY:
            return _public(render(request, "trainings/checkin.html",
                                  {"session": session, "form": form, "error": _("The form sent is too large.")},
                                  status=413))  # fmt: skip
        form = CheckInForm(request.POST)
        address = client_address(request)
        limits = _limits(session, address)
        if rate_over(limits) is not None:
            status = 429
            form.add_error(None, _("Too many tries. Please wait a while, or ask the staff at the desk."))
        elif form.is_valid():
            try:
                done = services.checkin(session=session, licence_no=form.cleaned_data["licence_no"],
                                        phone_last4=form.cleaned_data["phone_last4"], now=now)  # fmt: skip
            except services.CheckInRefused as exc:
                status = 400
                form.add_error(None, exc.message)
                _count_failure(limits)  # only failed tries count
        else:
            status = 400
    context = {"session": session, "form": form, "done": done, "open": session.status in CHECK_IN_OPEN}
    return _public(render(request, "trainings/checkin.html", context, status=status))


def _count_failure(limits) -> None:
    try:
        with transaction.atomic():
            rate_take(limits)
    except Over:
        pass  # the next try is refused by rate_over
