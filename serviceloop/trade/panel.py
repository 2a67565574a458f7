"""The shop's dynamic archive (R1): weekly sales, price-class and brand mix, channels, delivery and settlement
record, and the comparison with its peers (same retail format and market type in the station).

Seven small queries, each over aggregates or one shop's index range — never a scan of the order lines.
"""

import datetime as dt

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext

from serviceloop.customers.models import Customer

from .models import Delivery, Settlement, ShopMonth, ShopWeek

WEEKS = 52
PEER_WEEKS = 13
# Peers' averages are the same for every shop of one station, format and market type, and change only when
# trade is imported: kept in the shared cache under the current aggregates' version, an hour at most (a shop
# moved to another format or station joins its new peers within the hour).
PEER_SECONDS = 3600
PEER_VERSION = "trade:peers:version"


def peers_changed() -> None:
    """The shop-week aggregates changed: every kept peer average is left behind (its key names the version)."""

    def bump():
        try:
            cache.incr(PEER_VERSION)
        except ValueError:  # no version yet (or evicted)
            cache.set(PEER_VERSION, 1, None)

    transaction.on_commit(bump)


def _peers(customer: Customer, peer_since: dt.date) -> dict:
    key = (f"trade:peers:{cache.get(PEER_VERSION, 0)}:{customer.station_id}:{customer.retail_format}:"
           f"{customer.market_type}:{peer_since.isoformat()}")  # fmt: skip
    peers = cache.get(key)
    if peers is None:
        peers = (
            # The peers' station is asked of the shop too: without it PostgreSQL hash-joined every shop of that
            # format and market type in the whole company (17 ms at 14,000 shops, growing with the province);
            # with it the station's index finds them. Still a read of every peer's weeks (79–119 ms for a
            # station of 10,000 shops on PostgreSQL): hence the cache.
            ShopWeek.objects.filter(week__gte=peer_since, station_id=customer.station_id,
                                    customer__station_id=customer.station_id,
                                    customer__retail_format=customer.retail_format,
                                    customer__market_type=customer.market_type)
            .aggregate(v=Sum("qty_supplied"), a=Sum("amount"), n=Count("customer", distinct=True))
        )  # fmt: skip
        cache.set(key, peers, PEER_SECONDS)
    return peers


def shop_panel_data(customer: Customer, *, now=None) -> dict:
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    since = monday - dt.timedelta(weeks=WEEKS - 1)
    weeks = list(
        ShopWeek.objects.filter(customer=customer, week__gte=since)
        .order_by("week")
        .values_list("week", "qty_supplied", "amount", "qty_class1", "qty_class2", "qty_class3", "qty_class4",
                     "qty_class5")
    )  # fmt: skip
    classes = [sum(w[3 + k] for w in weeks) for k in range(5)]
    peer_since = monday - dt.timedelta(weeks=PEER_WEEKS - 1)
    mine = [w for w in weeks if w[0] >= peer_since]
    my_volume = sum(w[1] for w in mine)
    my_amount = float(sum(w[2] for w in mine))
    peers = _peers(customer, peer_since)
    peer_n = peers["n"] or 0
    peer_volume = (peers["v"] or 0) / peer_n if peer_n else 0
    peer_amount = float(peers["a"] or 0) / peer_n if peer_n else 0
    channels = ShopMonth.objects.filter(customer=customer, month__gte=since.replace(day=1)).aggregate(
        online=Sum("online_orders"), phone=Sum("phone_orders"), visit=Sum("visit_orders"), other=Sum("other_orders"),
        e=Sum("e_settlements"), e_paid=Sum("e_settlements_paid"), failed=Sum("settlements_failed"),
        deliveries=Sum("deliveries"), on_time=Sum("deliveries_on_time"), damaged=Sum("cartons_damaged"),
    )  # fmt: skip
    brands = _brands(customer, peer_since)
    chart = {
        "weeks": [w[0].strftime("%m-%d") for w in weeks],
        "volume": [w[1] for w in weeks],
        "amount": [float(w[2]) for w in weeks],
        "classes": classes,
        "brands": brands,
        "channels": [channels[k] or 0 for k in ("online", "phone", "visit", "other")],
        # Labels travel with the data: the charts are drawn by static/js/app.js (no inline script under the CSP).
        "labels": {"cartons": gettext("cartons"), "amount": gettext("amount"), "classes": gettext("Price classes"),
                   "brands": gettext("Brands"), "class_names": ["一类", "二类", "三类", "四类", "五类"]},
    }  # fmt: skip
    return {
        "has_sales": bool(weeks),
        "chart": chart,
        "classes": classes,
        "brands": brands,
        "channels": channels,
        "deliveries": Delivery.objects.current().filter(customer=customer).order_by("-planned_date")[:6],
        "settlements": Settlement.objects.current()
        .filter(customer=customer)
        .order_by("-first_attempt_at")[:6],
        "peer": {
            "n": peer_n,
            "volume": round(peer_volume),
            "amount": round(peer_amount),
            "my_volume": my_volume,
            "my_amount": round(my_amount),
            "weeks": PEER_WEEKS,
            "ratio": round(100 * my_volume / peer_volume) if peer_volume else None,
        },  # fmt: skip
    }


def _brands(customer: Customer, since: dt.date) -> list[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.brand, SUM(l.qty_supplied) FROM trade_orderline l JOIN trade_product p ON p.id = l.product_id "
            "WHERE l.customer_id = %s AND l.order_date >= %s AND l.live GROUP BY p.brand ORDER BY 2 DESC",
            [customer.pk, since.isoformat()],
        )
        rows = cursor.fetchall()
    top = [(brand or "—", int(q)) for brand, q in rows[:7]]
    rest = sum(int(q) for _b, q in rows[7:])
    return top + ([("其他", rest)] if rest else [])
