"""Writes of the integrations app: API tokens (the user's own) and event subscriptions (the city admin's)."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.core.refcache import reference_forget
from serviceloop.org.scope import can_manage_org

from .models import ApiToken, EventKind, Subscription, TokenScope, hash_secret

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
    unknown = [k for k in sub.kinds if k not in EventKind.values]
    if unknown or not sub.kinds:
        raise ValidationError({"kinds": [_("Choose at least one event kind.")]})
    sub.full_clean()
    sub.save()
    transaction.on_commit(lambda: reference_forget("integrations:subscriptions"))  # core.refcache
    audit_record(actor=actor, action=f"api.subscription.{'create' if creating else 'update'}", obj=sub,
                 summary=f"{sub.name} {sub.url}", data={"kinds": sub.kinds, "active": sub.active}, now=now)  # fmt: skip
    return sub
