"""Which records an inspection plan draws: the candidates of one station, month and record kind, and a
reproducible sample of them.

The sample is seeded by plan, station, month and record kind, and taken from the candidates in id order, so the
same plan drawn again for the same station and month picks the same records (an inspector can show how an item
was chosen; nobody can re-draw until a friendlier sample comes out).
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import Source


def sample_ids(ids: list[int], k: int, seed: str) -> list[int]:
    """``k`` of ``ids`` (all when fewer), chosen by a generator seeded with ``seed``; sorted."""
    pool = sorted(set(ids))
    if len(pool) <= k:
        return pool
    return sorted(random.Random(seed).sample(pool, k))


def seed_for(plan_id: int, station_id: int, month: dt.date, source: str) -> str:
    return f"plan:{plan_id}|station:{station_id}|month:{month:%Y-%m}|source:{source}"


def month_range(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local calendar month as aware datetimes."""
    tz = timezone.get_current_timezone()
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return dt.datetime.combine(first, dt.time.min, tz), dt.datetime.combine(nxt, dt.time.min, tz)


@dataclass
class Candidate:
    object_id: int
    customer_id: int | None
    person_id: int | None
    summary: str


def candidate_ids(source: str, station_id: int, month: dt.date) -> list[int]:
    return list(_queryset(source, station_id, month).values_list("pk", flat=True))


def _queryset(source: str, station_id: int, month: dt.date):
    start, end = month_range(month)
    first = month.replace(day=1)
    if source == Source.VISITS:
        from serviceloop.visits.models import Visit, VisitOutcome, VisitStatus

        # the station's work: visits made on its routes (a visit keeps its route when the shop moves on), as the
        # requests and orders below are the station's they were filed or placed in
        return Visit.objects.filter(route__station_id=station_id, status=VisitStatus.DONE,
                                    outcome=VisitOutcome.VISITED, check_in_at__gte=start, check_in_at__lt=end)  # fmt: skip
    if source == Source.REQUESTS:
        from serviceloop.servicedesk.models import FollowUp, ServiceRequest

        followed = FollowUp.objects.filter(request=OuterRef("pk"), reached=True, at__gte=start, at__lt=end)
        return ServiceRequest.objects.filter(Exists(followed), station_id=station_id)
    if source == Source.ORDERS:
        from serviceloop.trade.models import Order

        return Order.objects.filter(station_id=station_id, month=first, is_current=True)
    if source == Source.DELIVERIES:
        from serviceloop.trade.models import Delivery

        return Delivery.objects.filter(station_id=station_id, month=first, is_current=True)
    if source == Source.TAG_REMOVALS:
        from serviceloop.tags.models import CustomerTag

        return CustomerTag.objects.filter(
            customer__station_id=station_id, removed_at__gte=start, removed_at__lt=end
        )
    raise ValueError(source)


def describe(source: str, ids: list[int]) -> list[Candidate]:
    """What the work list shows of each drawn record, and whose work it was."""
    if not ids:
        return []
    if source == Source.VISITS:
        from serviceloop.visits.models import Visit

        rows = Visit.objects.filter(pk__in=ids).select_related("customer", "policy")
        return [Candidate(v.pk, v.customer_id, v.manager_id,
                          f"{v.customer.name or v.customer.licence_no} · {timezone.localtime(v.check_in_at):%m-%d %H:%M}"
                          f" · {v.minutes if v.minutes is not None else '?'}′"
                          + (f"/{v.policy.min_minutes}′" if v.policy else ""))
                for v in rows]  # fmt: skip
    if source == Source.REQUESTS:
        from serviceloop.servicedesk.models import ServiceRequest

        rows = (
            ServiceRequest.objects.filter(pk__in=ids)
            .select_related("shop", "route")
            .prefetch_related("follow_ups")
        )
        out = []
        for sr in rows:
            last = [f for f in sr.follow_ups.all() if f.reached]
            by = last[-1].by_id if last else (sr.route.account_manager_id if sr.route else None)
            shop = sr.shop.name if sr.shop else ""
            out.append(Candidate(sr.pk, sr.shop_id, by, f"{sr.reference} · {shop} · {sr.text[:60]}"))
        return out
    if source in (Source.ORDERS, Source.DELIVERIES):
        from serviceloop.trade.models import Delivery, Order

        model = Order if source == Source.ORDERS else Delivery
        rows = model.objects.filter(pk__in=ids).select_related("customer", "route")
        out = []
        for r in rows:
            day = r.order_date if source == Source.ORDERS else r.planned_date
            out.append(Candidate(r.pk, r.customer_id, r.route.account_manager_id if r.route else None,
                                 f"{r.order_no} · {r.customer.name or r.customer.licence_no} · {day:%m-%d}"))  # fmt: skip
        return out
    if source == Source.TAG_REMOVALS:
        from serviceloop.tags.models import CustomerTag

        rows = CustomerTag.objects.filter(pk__in=ids).select_related("customer", "tag")
        return [Candidate(t.pk, t.customer_id, t.removed_by_id,
                          f"{t.tag.name} · {t.customer.name or t.customer.licence_no} · {timezone.localtime(t.removed_at):%m-%d}")
                for t in rows]  # fmt: skip
    raise ValueError(source)


def record_url(source: str, object_id: int) -> str | None:
    """The page of the drawn record, for the inspector to open (scope is checked there)."""
    from django.urls import reverse

    names = {Source.VISITS: "visits:record", Source.REQUESTS: "servicedesk:detail", Source.ORDERS: "trade:order",
             Source.TAG_REMOVALS: "tags:detail"}  # fmt: skip
    name = names.get(source)
    return reverse(name, kwargs={"pk": object_id}) if name else None
