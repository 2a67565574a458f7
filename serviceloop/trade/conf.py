"""Settings of the trade app, read at call time so that tests can override them.

``TRADE_PRICE_CLASS_THRESHOLDS``: wholesale price per carton (元/条, ex-tax) at or above which a product is in
price class 1, 2, 3 and 4; below the last it is class 5. The industry's usual lines are 100 / 70 / 30 / 16.5.
"""

from decimal import Decimal
from pathlib import Path

from django.conf import settings

DEFAULT_THRESHOLDS = ("100", "70", "30", "16.5")


def price_class_thresholds() -> tuple[Decimal, ...]:
    values = getattr(settings, "TRADE_PRICE_CLASS_THRESHOLDS", DEFAULT_THRESHOLDS)
    thresholds = tuple(Decimal(str(v)) for v in values)
    if len(thresholds) != 4 or list(thresholds) != sorted(thresholds, reverse=True):
        raise ValueError("TRADE_PRICE_CLASS_THRESHOLDS must be four prices, highest first")
    return thresholds


def price_class_for(wholesale_price) -> int | None:
    """Price class 1 (highest) to 5 from the wholesale price per carton; None when the price is unknown."""
    if wholesale_price is None:
        return None
    price = Decimal(str(wholesale_price))
    for klass, threshold in enumerate(price_class_thresholds(), start=1):
        if price >= threshold:
            return klass
    return 5


def drop_folder() -> Path:
    """Where other systems drop their nightly exports; the ``trade_drop_folder`` job picks them up."""
    return Path(getattr(settings, "TRADE_DROP_FOLDER", "") or Path(settings.MEDIA_ROOT) / "trade_drop")


def error_limit() -> int:
    """Bad rows kept with a batch and shown on its page (all of them are counted)."""
    return int(getattr(settings, "TRADE_ERROR_LIMIT", 1000))


def api_max_rows() -> int:
    return int(getattr(settings, "TRADE_API_MAX_ROWS", 50_000))
