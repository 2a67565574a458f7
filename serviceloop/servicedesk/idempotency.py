"""Idempotency keys of staff filings (API and desk form), scoped to the caller and the shop.

A key alone is not enough: two callers (or two shops) that happen to send the same key must each get their
own filing, never the other's request (issue 13). The portal scopes its keys by shop the same way.
"""


def scoped_key(source: str, user, shop, key: str) -> str:
    """The stored idempotency key: the caller's key, namespaced by caller and shop (hashed to fit)."""
    import hashlib

    digest = hashlib.sha256(str(key).encode()).hexdigest()[:40]
    return f"{source}:{user.pk}:{shop.pk if shop else '-'}:{digest}"[:64]


def same_filing(earlier, data) -> bool:
    return (
        earlier.kind == data["kind"]
        and earlier.channel == data["channel"]
        and earlier.category_id == data["category"].pk
        and earlier.text == data["text"]
        and (earlier.callback_phone or "") == (data.get("callback_phone") or "")
    )
