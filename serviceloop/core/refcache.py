"""Reference data read on every public filing, kept a short while in each process.

Categories, SLA policies, the working calendar and webhook subscriptions change a few times a year, yet the QR
form read all four on every filing (4 of its queries). Each process keeps what it loaded for
``REFERENCE_CACHE_SECONDS`` (60 s; 0 in tests, so a test that changes them sees the change at once): an edit
reaches every worker within that time, and at once in the process that made it (its service calls
``reference_forget``). Only data whose staleness for a minute harms no one belongs here.
"""

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

T = TypeVar("T")
_values: dict[str, tuple[float, object]] = {}
_lock = threading.Lock()


def reference(name: str, load: Callable[[], T]) -> T:
    """``load()``'s value, from this process's copy when it is younger than REFERENCE_CACHE_SECONDS."""
    seconds = getattr(settings, "REFERENCE_CACHE_SECONDS", 0)
    if seconds <= 0:
        return load()
    now = time.monotonic()
    hit = _values.get(name)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    with _lock:
        _values[name] = (now + seconds, value)
    return value


def reference_forget(*prefixes: str) -> None:
    """Drop this process's copies whose names start with one of ``prefixes`` (all without any)."""
    with _lock:
        for name in list(_values):
            if not prefixes or name.startswith(prefixes):
                del _values[name]
