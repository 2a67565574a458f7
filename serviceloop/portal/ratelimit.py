"""Fixed-window counters shared by every gunicorn worker: at most N filings per shop and per client address an hour.

The approach of django-ratelimit: the window is the clock's hour (its number is part of the count), one atomic
increment per key, no read-then-write. Two stores:

- **Redis** (when the default cache is django-redis, i.e. ``REDIS_URL``/``CACHE_URL`` is ``redis://…``): one
  pipelined round trip of ``INCR`` + ``EXPIRE`` per key, no database query at all. Slots of a filing that stores
  nothing (refused, failed, a double tap) are given back with ``DECR``.
- **The database** otherwise (table ``portal_ratecounter``): one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``
  for all keys of a filing (SQLite ≥ 3.35 and PostgreSQL), run inside the filing's transaction — a filing that
  stores nothing rolls back and its slots with it. It replaced Django's database cache, whose ``add`` counts the
  whole cache table (``COUNT(*)``) to cull it and took 14 queries per filing. Rows are reused window after
  window; ``ratecounters_purge`` (a job) drops those of addresses not seen for a day.

A limit of 0 or less means unlimited. Tests run on the database store (no Redis needed).
"""

import time

from django.conf import settings
from django.db import connection, transaction

WINDOW_SECONDS = 3600


class _DatabaseStore:
    transactional = True  # slots go back when the caller's transaction rolls back

    def take(self, keys: list[str], period: int, window: int) -> dict[str, int]:
        from .models import RateCounter

        table = connection.ops.quote_name(RateCounter._meta.db_table)
        rows = ", ".join(["(%s, %s, 1)"] * len(keys))
        sql = (
            f"INSERT INTO {table} (key, period, count) VALUES {rows} "
            f"ON CONFLICT (key) DO UPDATE SET "
            f"count = CASE WHEN {table}.period = excluded.period THEN {table}.count + 1 ELSE 1 END, "
            f"period = excluded.period RETURNING key, count"
        )
        params = [p for key in keys for p in (key, period)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return dict(cursor.fetchall())

    def give_back(self, keys: list[str], period: int) -> None:
        pass  # the caller's rollback does it

    def counts(self, keys: list[str], period: int) -> dict[str, int]:
        from .models import RateCounter

        rows = RateCounter.objects.filter(key__in=keys, period=period).values_list("key", "count")
        return dict(rows)


class _RedisStore:
    transactional = False

    def __init__(self, cache):
        self.cache = cache

    def _key(self, key, period):
        return self.cache.make_and_validate_key(f"{key}:{period}")

    def take(self, keys: list[str], period: int, window: int) -> dict[str, int]:
        client = self.cache.client.get_client(write=True)
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.incr(self._key(key, period))
            pipe.expire(self._key(key, period), window + 60)
        counts = pipe.execute()[0::2]
        return dict(zip(keys, counts, strict=True))

    def give_back(self, keys: list[str], period: int) -> None:
        client = self.cache.client.get_client(write=True)
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.decr(self._key(key, period))
        pipe.execute()

    def counts(self, keys: list[str], period: int) -> dict[str, int]:
        values = self.cache.client.get_client(write=False).mget([self._key(key, period) for key in keys])
        return {key: int(value) for key, value in zip(keys, values, strict=True) if value is not None}


def store():
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend.startswith("django_redis."):
        from django.core.cache import cache

        return _RedisStore(cache)
    return _DatabaseStore()


class Slots:
    """The slots one filing took: ``give_back()`` when it stored nothing (a no-op on the database store,
    where the filing's rollback already did it)."""

    def __init__(self, store_, keys, period):
        self.store, self.keys, self.period = store_, keys, period

    def give_back(self) -> None:
        if self.keys:
            self.store.give_back(self.keys, self.period)
            self.keys = []


class Over(Exception):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def rate_take(
    limits: list[tuple[str, int]], *, window: int = WINDOW_SECONDS, now: float | None = None
) -> Slots:
    """Take one slot under each ``(key, limit)`` and return them; raises ``Over(key)`` for the first key over
    its limit, after giving every slot back. On the database store call it inside the filing's transaction."""
    counted = [(key, limit) for key, limit in limits if limit > 0]
    period = int((time.time() if now is None else now) // window)
    chosen = store()
    slots = Slots(chosen, [key for key, _limit in counted], period)
    if not counted:
        return slots
    if chosen.transactional and not connection.in_atomic_block:
        raise RuntimeError("rate_take on the database store belongs inside the filing's transaction")
    counts = chosen.take(slots.keys, period, window)
    for key, limit in counted:
        if counts[key] > limit:
            slots.give_back()
            raise Over(key)
    return slots


def rate_over(
    limits: list[tuple[str, int]], *, window: int = WINDOW_SECONDS, now: float | None = None
) -> str | None:
    """The first key that has used up its limit this window, without taking a slot. For limits on failures only
    (a training check-in counts wrong answers, not the shops that got in): look first, try, and ``rate_take``
    in a transaction of its own only when the try failed."""
    counted = [(key, limit) for key, limit in limits if limit > 0]
    if not counted:
        return None
    period = int((time.time() if now is None else now) // window)
    counts = store().counts([key for key, _limit in counted], period)
    return next((key for key, limit in counted if counts.get(key, 0) >= limit), None)


def ratecounters_purge(*, now: float | None = None, window: int = WINDOW_SECONDS) -> int:
    """Drops database counters of windows older than a day (addresses seen once would pile up)."""
    from .models import RateCounter

    period = int((time.time() if now is None else now) // window)
    with transaction.atomic():
        deleted, _ = RateCounter.objects.filter(period__lt=period - 86400 // window).delete()
    return deleted


def job_ratecounters_purge(now) -> str:
    """The job keeping the counters' table small: counters of addresses not seen for a day dropped."""
    return f"{ratecounters_purge(now=now.timestamp())} counters dropped"


def shop_key(customer_id: int) -> str:
    return f"portal:rate:shop:{customer_id}"


def address_key(address: str) -> str:
    return f"portal:rate:addr:{address}"
