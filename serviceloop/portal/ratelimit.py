"""Fixed-window counters in Django's cache: at most N filings per shop and per client address an hour.

A slot is taken before filing and given back when nothing new was stored (refused, failed, or a double
tap answered with the existing request), so the counter is the number of requests actually filed in the
window. The window starts with the first filing and lasts ``window`` seconds.

The default cache is per process (LocMemCache): with several gunicorn workers each worker counts on its
own, so the effective limit is N × workers. Set ``CACHE_URL=redis://…`` to share one counter.
"""

import contextlib

from django.core.cache import cache

WINDOW_SECONDS = 3600


def rate_take(limits: list[tuple[str, int]], *, window: int = WINDOW_SECONDS) -> str | None:
    """Take one slot under each ``(key, limit)``. Returns the first key that is over its limit (after
    giving every slot back), or None when all slots were taken. A limit of 0 or less means unlimited."""
    taken = []
    for key, limit in limits:
        if limit <= 0:
            continue
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 0, timeout=window)
            count = cache.incr(key)
        taken.append(key)
        if count > limit:
            rate_give_back(taken)
            return key
    return None


def rate_give_back(keys: list[str]) -> None:
    for key in keys:
        with contextlib.suppress(ValueError):  # the window ended meanwhile; nothing to give back
            cache.decr(key)


def shop_key(customer_id: int) -> str:
    return f"portal:rate:shop:{customer_id}"


def address_key(address: str) -> str:
    return f"portal:rate:addr:{address}"
