"""API authentication by the users' own named tokens (``Authorization: Token <secret>``), next to DRF's single
``authtoken`` kept for existing integrations; and the token's scope: a read token may not write (403)."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from serviceloop.core.api_auth import ThrottledTokenAuthentication

from .models import ApiToken, TokenScope, hash_secret

# "Last used" is written at most once a minute per token: not one UPDATE per API call.
LAST_USED_EVERY = dt.timedelta(minutes=1)


class ApiTokenAuthentication(ThrottledTokenAuthentication):
    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_secret(key)).first()
        if token is None:
            return super().authenticate_credentials(key)  # a DRF authtoken (full scope), or a wrong token
        now = timezone.now()
        if not token.is_live(now):
            raise AuthenticationFailed(_("This API token was revoked or has expired."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


class TokenScopePermission(BasePermission):
    """A token with the read scope may only read; everything else (session, write tokens, authtoken) is left to
    the view's own rules."""

    def has_permission(self, request, view):
        token = request.auth
        if (
            isinstance(token, ApiToken)
            and token.scope == TokenScope.READ
            and request.method not in SAFE_METHODS
        ):
            raise PermissionDenied(
                _("This API token may only read; make a token with the write scope to change data.")
            )
        return True
