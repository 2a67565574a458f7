"""Test and benchmark helpers: a year of weekly orders for some shops, imported as the source systems send them
(so the weekly aggregates the book reads are filled by the import, as in production)."""

import datetime as dt

from django.utils import timezone

# (code, cartons asked, cartons supplied) of one weekly order; the quantities drift by week so the trend moves
BASKET = [("31020002", 2, 1), ("42020005", 4, 4), ("53010014", 6, 5), ("41010064", 8, 8), ("02010001", 3, 3)]


def import_year(shops, *, now, weeks: int = 52) -> None:
    """Imports ``weeks`` weekly orders (one per shop and week, on Mondays, the last in the week of ``now``)."""
    from serviceloop.trade.importing import import_trade_file
    from serviceloop.trade.models import Product
    from serviceloop.trade.testing import ORDER_HEADER, csv_bytes, make_products, order_rows

    if not Product.objects.filter(code=BASKET[0][0]).exists():
        make_products()
    today = timezone.localdate(now)
    rows = []
    for s, shop in enumerate(shops):
        for w in range(weeks):
            day = today - dt.timedelta(weeks=weeks - 1 - w, days=today.weekday())
            items = [(code, asked + (w + s) % 3, supplied + (w + s) % 3) for code, asked, supplied in BASKET]
            rows += order_rows(shop, f"G{shop.pk}-{w:03d}", day, items)
    import_trade_file(file=csv_bytes(ORDER_HEADER, rows), kind="orders", now=now)
