"""Token authentication that stops guessing: wrong tokens are counted per client address (shared cache), and
once ``bad_token`` (DEFAULT_THROTTLE_RATES) is reached every token from that address gets 429 until the
window passes. DRF's own throttles run only after authentication, so they never see a wrong token."""

import time

from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.throttling import SimpleRateThrottle

from .clients import client_address


class BadTokenThrottle(SimpleRateThrottle):
    scope = "bad_token"

    def key_for(self, request) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}

    def wait_seconds(self, request) -> float | None:
        """Seconds until this address may try again, or None when it may try now."""
        now = time.time()
        history = [t for t in cache.get(self.key_for(request), []) if t > now - self.duration]
        if len(history) < self.num_requests:
            return None
        return max(1.0, self.duration - (now - history[-1]))

    def record_failure(self, request) -> None:
        now = time.time()
        key = self.key_for(request)
        history = [t for t in cache.get(key, []) if t > now - self.duration]
        cache.set(key, [now, *history][: self.num_requests + 1], self.duration)


class ThrottledTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        throttle = BadTokenThrottle()
        wait = throttle.wait_seconds(request)
        if wait is not None:
            raise Throttled(
                wait=wait,
                detail=_("Too many wrong API tokens were sent from this address. Try again in %(n)d minutes.")
                % {"n": max(1, round(wait / 60))},
            )
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            throttle.record_failure(request)
            raise
