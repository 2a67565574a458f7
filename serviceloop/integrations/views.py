"""Pages: a user's own API tokens; the city admin's event subscriptions and their delivery log."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serviceloop.core.paging import query_without

from . import services
from .forms import SubscriptionForm, TokenForm
from .models import ApiToken, Delivery, DeliveryStatus, Subscription


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    if not services.may_have_tokens(request.user):
        raise PermissionDenied
    now = timezone.now()
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        expires = None
        if d["expires_on"]:
            expires = timezone.make_aware(dt.datetime.combine(d["expires_on"], dt.time.min))
        try:
            token, secret = services.apitoken_create(user=request.user, name=d["name"], scope=d["scope"],
                                                     expires_at=expires, actor=request.user, now=now)  # fmt: skip
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            for field, texts in errors.items():
                field = {"expires_at": "expires_on"}.get(field, field)
                for text in texts:
                    form.add_error(field if field in form.fields else None, text)
        else:
            messages.success(request, _("Token “%(name)s” made. Copy the secret now: it is not shown again.")
                             % {"name": token.name})  # fmt: skip
            form = TokenForm()
    rows = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-id")
    return render(request, "integrations/tokens.html",
                  {"form": form, "tokens": rows, "secret": secret, "now": now},
                  status=400 if request.method == "POST" and secret is None else 200)  # fmt: skip


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.apitoken_revoke(token=token, actor=request.user, now=timezone.now())
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("integrations:tokens")


def _city_admin(request):
    if not services.may_manage_subscriptions(request.user):
        raise PermissionDenied


@login_required
@require_GET
def subscriptions(request):
    _city_admin(request)
    return render(request, "integrations/subscriptions.html", {"subscriptions": Subscription.objects.all()})


@login_required
@require_http_methods(["GET", "POST"])
def subscription_edit(request, pk=None):
    _city_admin(request)
    sub = get_object_or_404(Subscription, pk=pk) if pk else None
    form = SubscriptionForm(request.POST or None, instance=Subscription() if sub is None else
                            Subscription.objects.get(pk=sub.pk))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_save(subscription=sub, data=form.cleaned_data, actor=request.user,
                                       now=timezone.now())  # fmt: skip
        except ValidationError as exc:
            for e in exc.messages:
                form.add_error(None, e)
        else:
            messages.success(request, _("Saved."))
            return redirect("integrations:subscriptions")
    return render(request, "integrations/subscription_edit.html", {"form": form, "subscription": sub})


@login_required
@require_GET
def deliveries(request):
    """The delivery log: each event sent to each subscription, its attempts and the receivers' answer codes."""
    _city_admin(request)
    qs = Delivery.objects.select_related("event", "subscription").prefetch_related("log").order_by("-id")
    if request.GET.get("status") in DeliveryStatus.values:
        qs = qs.filter(status=request.GET["status"])
    sub = request.GET.get("subscription") or ""
    if sub.isascii() and sub.isdigit():  # "²".isdigit() too
        qs = qs.filter(subscription_id=int(sub))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "integrations/deliveries.html",
                  {"page": page, "query": query_without(request), "statuses": DeliveryStatus.choices,
                   "subscriptions": Subscription.objects.all()})  # fmt: skip


@login_required
@require_POST
def subscription_test(request, pk):
    """Test send: a signed ping to the subscription's URL now; the answer code is shown and logged."""
    _city_admin(request)
    sub = get_object_or_404(Subscription, pk=pk)
    delivery = services.subscription_test_send(subscription=sub, actor=request.user, now=timezone.now())
    if delivery.status == DeliveryStatus.DELIVERED:
        messages.success(request, _("Test send to “%(name)s” answered %(code)s.")
                         % {"name": sub.name, "code": delivery.last_status_code})  # fmt: skip
    else:
        messages.error(request, _("Test send to “%(name)s” failed: %(error)s")
                       % {"name": sub.name, "error": delivery.last_error or delivery.last_status_code})  # fmt: skip
    return redirect(f"{reverse('integrations:deliveries')}?subscription={sub.pk}")


@login_required
@require_POST
def delivery_resend(request, pk):
    _city_admin(request)
    delivery = get_object_or_404(Delivery.objects.select_related("event", "subscription"), pk=pk)
    try:
        again = services.delivery_resend(delivery=delivery, actor=request.user, now=timezone.now())
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("Sent again as delivery #%(n)d: %(status)s.")
                         % {"n": again.pk, "status": again.get_status_display()})  # fmt: skip
    return redirect("integrations:deliveries")


@login_required
@require_POST
def subscription_delete(request, pk):
    _city_admin(request)
    sub = get_object_or_404(Subscription, pk=pk)
    services.subscription_delete(subscription=sub, actor=request.user, now=timezone.now())
    messages.success(request, _("Subscription “%(name)s” deleted.") % {"name": sub.name})
    return redirect("integrations:subscriptions")
