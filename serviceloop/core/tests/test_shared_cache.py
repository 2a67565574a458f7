"""Rate-limit counters shared by every worker (issue 13): a database table by default (issue 14: one upsert
instead of the database cache's 14 queries), Redis through django-redis when CACHE_URL says so. The
public-form limits used to live in each worker's memory. The database cache still holds other cached data."""

import socket
import threading
import time

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from serviceloop.portal.ratelimit import Over, rate_take

pytestmark = pytest.mark.django_db


def taken(key, limit):
    """None when a slot was taken, else the key that was over its limit (as the public form sees it)."""
    try:
        with transaction.atomic():
            rate_take([(key, limit)])
    except Over as e:
        return e.key
    return None


def test_the_default_counters_are_in_the_database_so_every_worker_counts_together():
    assert settings.CACHES["default"]["BACKEND"] == "serviceloop.core.cache.DatabaseCache"
    assert taken("portal:rate:shop:1", 5) is None
    with connection.cursor() as cursor:  # what another process would read
        cursor.execute("SELECT key, count FROM portal_ratecounter")
        assert cursor.fetchall() == [("portal:rate:shop:1", 1)]
    for _ in range(4):
        assert taken("portal:rate:shop:1", 5) is None
    assert taken("portal:rate:shop:1", 5) == "portal:rate:shop:1"


def test_a_refused_or_rolled_back_filing_gives_its_slots_back(django_assert_num_queries):
    with django_assert_num_queries(3), transaction.atomic():  # savepoint, one upsert for both keys, release
        rate_take([("a", 5), ("b", 5)])
    with pytest.raises(Over), transaction.atomic():
        rate_take([("a", 5), ("b", 1)])  # b is over: a's slot goes back with the rollback
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        rate_take([("a", 5)])
        1 / 0  # noqa: B018 — the filing failed after taking its slot
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, count FROM portal_ratecounter ORDER BY key")
        assert cursor.fetchall() == [("a", 1), ("b", 1)]


def test_a_new_window_starts_the_count_again_and_old_addresses_are_purged():
    from serviceloop.portal.ratelimit import ratecounters_purge

    hour = 3600 * 500_000
    with transaction.atomic():
        for _ in range(3):
            rate_take([("k", 3)], now=hour)
    with transaction.atomic():
        rate_take([("k", 3)], now=hour + 3600)  # next hour: 1 of 3
        rate_take([("old", 3)], now=hour - 2 * 86400)
    assert ratecounters_purge(now=hour + 3600) == 1


def test_counting_keeps_the_window_instead_of_resetting_it_to_the_default_timeout():
    cache.clear()
    cache.add("w", 0, timeout=3600)
    for _ in range(3):
        cache.incr("w")
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM serviceloop_cache")
        (expires,) = cursor.fetchone()
    from serviceloop.core.cache import _as_datetime

    left = (_as_datetime(connection, expires) - timezone.now()).total_seconds()
    assert left > 3500, left  # Django's stock incr would have set it to 300 s
    assert cache.get("w") == 3
    assert cache.decr("w") == 2


def test_an_expired_counter_counts_as_missing():
    cache.clear()
    cache.add("gone", 5, timeout=1)
    time.sleep(1.2)
    with pytest.raises(ValueError):
        cache.incr("gone")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="threads share an in-memory SQLite test database"
)
# serialized_rollback: the flush after this test must not re-create content types under new ids (the next
# serialized-rollback test reloads them and would hit their unique constraint).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_increments_are_not_lost_on_postgresql():
    cache.clear()
    cache.add("race", 0, timeout=600)

    def bump():
        from django.db import connections

        for _ in range(10):
            cache.incr("race")
        connections.close_all()

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.get("race") == 80


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_reachable(), reason="no Redis at 127.0.0.1:6379")
def test_with_cache_url_redis_the_limits_hold_in_redis():
    redis_cache = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": f"sl-test-{time.time_ns()}",
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
    with override_settings(CACHES=redis_cache):
        assert type(caches["default"]).__module__.startswith("django_redis")
        key = "portal:rate:addr:10.0.0.7"
        with CaptureQueriesContext(connection) as queries:
            results = [taken(key, 3) for _ in range(5)]
        assert results == [None, None, None, key, key]
        assert not [q for q in queries.captured_queries if "ratecounter" in q["sql"]]  # no database counting
        redis = caches["default"].client.get_client()
        (stored,) = redis.keys(caches["default"].make_key(key) + ":*")
        assert int(redis.get(stored)) == 3 and redis.ttl(stored) > 3500  # refused ones were given back
        slots = rate_take([(key, 10)])
        slots.give_back()
        assert int(redis.get(stored)) == 3
        redis.delete(stored)


def test_settings_choose_django_redis_for_a_redis_cache_url():
    import os
    import subprocess
    import sys

    env = {**os.environ, "CACHE_URL": "redis://127.0.0.1:6379/3"}
    env.pop("PYTEST_VERSION", None)
    out = subprocess.run(
        [sys.executable, "-c", "from config import settings as s; print(s.CACHES['default']['BACKEND'])"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.stdout.strip() == "django_redis.cache.RedisCache", out.stderr
