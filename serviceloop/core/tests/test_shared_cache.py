"""Rate-limit counters shared by every worker (issue 13): the database cache by default, Redis through
django-redis when CACHE_URL says so. The public-form limits used to live in each worker's memory."""

import socket
import threading
import time

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from serviceloop.portal.ratelimit import rate_take

pytestmark = pytest.mark.django_db


def test_the_default_cache_is_the_database_so_every_worker_counts_together():
    assert settings.CACHES["default"]["BACKEND"] == "serviceloop.core.cache.DatabaseCache"
    cache.clear()
    assert rate_take([("portal:rate:shop:1", 5)]) is None
    with connection.cursor() as cursor:  # what another process would read
        cursor.execute("SELECT COUNT(*) FROM serviceloop_cache")
        assert cursor.fetchone()[0] == 1
    caches.close_all()
    del caches["default"]  # a fresh handler, as in another worker
    for _ in range(4):
        assert rate_take([("portal:rate:shop:1", 5)]) is None
    assert rate_take([("portal:rate:shop:1", 5)]) == "portal:rate:shop:1"


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
        results = [rate_take([(key, 3)]) for _ in range(5)]
        assert results == [None, None, None, key, key]
        assert caches["default"].ttl(key) > 3500
        caches["default"].delete(key)


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
