"""Writes of the integrations app: API tokens (the user's own) and event subscriptions (the city admin's)."""

import datetime as dt
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.core.refcache import reference_forget
from serviceloop.org.scope import can_manage_org

from . import events
from .models import (
    SUBSCRIBABLE,
    ApiToken,
    Delivery,
    DeliveryStatus,
    EventKind,
    OutboxEvent,
    Subscription,
    TokenScope,
    hash_secret,
)

MAX_LIVE_TOKENS = 20


def may_have_tokens(user) -> bool:
    """Staff with a role (or a superuser); a user without a role has nothing to read."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role))


def may_manage_subscriptions(user) -> bool:
    return can_manage_org(user)


@transaction.atomic
def apitoken_create(*, user, name: str, scope: str, expires_at, actor, now) -> tuple[ApiToken, str]:
    """Makes a token and returns it with its secret, which is never stored (only its SHA-256) nor shown again."""
    if actor.pk != user.pk or not may_have_tokens(user):
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the token a name (what will use it).")]})
    if scope not in TokenScope.values:
        raise ValidationError({"scope": [_("Choose read or read-and-write.")]})
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": [_("The expiry date must be in the future.")]})
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True).exclude(expires_at__lte=now).count()
    if live >= MAX_LIVE_TOKENS:
        raise ValidationError(
            _("At most %(n)d tokens at a time; revoke one you no longer use.") % {"n": MAX_LIVE_TOKENS}
        )
    secret = "slk_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=secret[:8], key_hash=hash_secret(secret),
                                    scope=scope, created_at=now, expires_at=expires_at)  # fmt: skip
    audit_record(
        actor=actor,
        action="api.token.create",
        obj=token,
        summary=f"{token.name}（{TokenScope(scope).label}）",
        now=now,
    )
    return token, secret


@transaction.atomic
def apitoken_revoke(*, token: ApiToken, actor, now) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if actor.pk != token.user_id and not can_manage_org(actor):
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api.token.revoke", obj=token, summary=token.name, now=now)
    return token


@transaction.atomic
def subscription_save(*, subscription: Subscription | None, data: dict, actor, now) -> Subscription:
    """Creates or edits a subscription; a new one without a secret gets a generated one."""
    if not may_manage_subscriptions(actor):
        raise PermissionDenied
    creating = subscription is None
    sub = subscription or Subscription(created_by=actor, created_at=now)
    for field in ("name", "url", "secret", "kinds", "active"):
        if field in data:
            setattr(sub, field, data[field])
    if not sub.secret:
        sub.secret = secrets.token_urlsafe(32)
    unknown = [k for k in sub.kinds if k not in dict(SUBSCRIBABLE)]
    if unknown or not sub.kinds:
        raise ValidationError({"kinds": [_("Choose at least one event kind.")]})
    sub.full_clean()
    sub.save()
    transaction.on_commit(lambda: reference_forget("integrations:subscriptions"))  # core.refcache
    audit_record(actor=actor, action=f"api.subscription.{'create' if creating else 'update'}", obj=sub,
                 summary=f"{sub.name} {sub.url}", data={"kinds": sub.kinds, "active": sub.active}, now=now)  # fmt: skip
    return sub


@transaction.atomic
def subscription_delete(*, subscription: Subscription, actor, now) -> None:
    """Removes a subscription with its pending deliveries and their log (the audit row keeps what it was)."""
    if not may_manage_subscriptions(actor):
        raise PermissionDenied
    audit_record(actor=actor, action="api.subscription.delete", obj=subscription,
                 summary=f"{subscription.name} {subscription.url}",
                 data={"kinds": subscription.kinds, "deliveries": subscription.deliveries.count()}, now=now)  # fmt: skip
    subscription.delete()


def _send_now(delivery: Delivery, *, now) -> Delivery:
    """One immediate attempt, outside any transaction (the POST may take up to the timeout); a failure is logged
    and left to the usual back-off, except for a test send, which is never retried."""
    delivery = events.deliver(delivery, now=now)
    if delivery.event.kind == EventKind.PING and delivery.status == DeliveryStatus.PENDING:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        delivery.save(update_fields=["status", "next_attempt_at"])
    return delivery


def subscription_test_send(*, subscription: Subscription, actor, now) -> Delivery:
    """Sends a signed ``ping`` event to the subscription's URL at once (active or not) and logs the answer in the
    delivery log like any other delivery. The receiver checks the signature exactly as for real events."""
    if not may_manage_subscriptions(actor):
        raise PermissionDenied
    with transaction.atomic():
        event = OutboxEvent.objects.create(kind=EventKind.PING, at=now, payload={
            "subscription": subscription.pk, "name": subscription.name, "by": actor.pk,
            "text": "ServiceLoop test send",
        })  # fmt: skip
        delivery = Delivery.objects.create(event=event, subscription=subscription, next_attempt_at=None)
        audit_record(actor=actor, action="api.subscription.test", obj=subscription, summary=subscription.url,
                     data={"delivery": delivery.pk}, now=now)  # fmt: skip
    return _send_now(Delivery.objects.select_related("event", "subscription").get(pk=delivery.pk), now=now)


def delivery_resend(*, delivery: Delivery, actor, now) -> Delivery:
    """Sends a past delivery's event again to its subscription as a new delivery (its own number in
    ``X-ServiceLoop-Delivery``, so that a receiver that kept the first one does not drop it), tried at once and
    then retried like any other. The original delivery and its log stay as they were."""
    if not may_manage_subscriptions(actor):
        raise PermissionDenied
    if not delivery.subscription.active:
        raise ValidationError(_("This subscription is inactive: activate it before sending again."))
    if delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0:
        raise ValidationError(_("This delivery has not been tried yet; it is sent within a minute."))
    with transaction.atomic():
        # leased like a claimed delivery: the job runner leaves it to this request, or picks it up if it dies
        lease = now + dt.timedelta(seconds=events.TIMEOUT_SECONDS * 3)
        again = Delivery.objects.create(
            event=delivery.event, subscription=delivery.subscription, next_attempt_at=lease
        )
        audit_record(actor=actor, action="api.delivery.resend", obj=delivery.subscription,
                     summary=f"{delivery.event.kind} #{delivery.event_id}",
                     data={"delivery": delivery.pk, "new_delivery": again.pk}, now=now)  # fmt: skip
    return _send_now(Delivery.objects.select_related("event", "subscription").get(pk=again.pk), now=now)
