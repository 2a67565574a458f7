"""A generated month (or year) of raw events for the KPI reconciliation tests and the benchmark.

Everything is written with ``bulk_create`` (the benchmark makes a city-year), with a seeded random
generator so a failing test can be replayed. The rows are realistic enough to exercise every branch of
every KPI: late and on-time milestones, reopened and repeated requests, escalations to the branch,
short and cancelled visits, tags at each step of their loop, answered and unanswered survey targets,
corrected orders, late or damaged deliveries and failed e-settlements.
"""

import datetime as dt
import random
import secrets
from decimal import Decimal

from django.utils import timezone

from .compute import next_month


def _at(month: dt.date, rng: random.Random, *, days=None) -> dt.datetime:
    tz = timezone.get_current_timezone()
    last = (next_month(month) - dt.timedelta(days=1)).day
    day = rng.randint(1, days or last)
    return dt.datetime(month.year, month.month, day, rng.randint(8, 17), rng.randint(0, 59), tzinfo=tz)


def generate_month(
    *,
    month: dt.date,
    shops: list,
    seed: int = 1,
    per_shop: float = 1.0,
    requests_per_shop: float | None = None,
) -> dict:
    """Raw events of ``month`` for ``shops`` (Customer rows with route, station, branch loaded).
    ``requests_per_shop`` (default 2 × per_shop) sets the request volume apart: a real city files about
    one request per ten shops a month, far fewer than the visits and orders."""
    rng = random.Random(seed)
    counts = {}
    rate = 2 * per_shop if requests_per_shop is None else requests_per_shop
    counts["requests"] = _requests(month, shops, rng, rate / 2)
    counts["visits"] = _visits(month, shops, rng, per_shop)
    counts["tags"] = _tags(month, shops, rng, per_shop)
    counts["survey"] = _survey(month, shops, rng)
    counts["orders"] = _trade(month, shops, rng, per_shop)
    return counts


def _requests(month, shops, rng, per_shop):
    from serviceloop.org.models import User
    from serviceloop.servicedesk.models import Category, Escalation, RequestMilestone, ServiceRequest

    categories = list(Category.objects.filter(active=True)[:6])
    staff = list(User.objects.filter(station__isnull=False)[:5]) + list(
        User.objects.filter(station__isnull=True, role__in=["agent", "branch_manager"])[:3]
    )
    prefix = secrets.token_hex(3)
    rows = []
    n = max(1, int(len(shops) * 2 * per_shop))
    for i in range(n):
        shop = shops[rng.randrange(len(shops))]
        created = _at(month, rng, days=25)
        resolved = created + dt.timedelta(hours=rng.randint(1, 200)) if rng.random() < 0.8 else None
        kind = rng.choice(["complaint", "complaint", "request", "inquiry", "suggestion"])
        rows.append(ServiceRequest(
            reference=f"K{prefix}{i:07d}", shop=shop, branch_id=shop.branch_id, station_id=shop.station_id,
            route_id=shop.route_id, channel="phone", kind=kind, category=rng.choice(categories),
            text="生成的诉求", status=rng.choice(["closed", "followed_up", "resolved"]) if resolved else
            rng.choice(["new", "acknowledged", "dispatched", "cancelled"]),
            owner=rng.choice(staff) if staff else None,
            satisfaction=rng.choice([None, 2, 3, 4, 5, 5]) if resolved else None,
            follow_up_attempts=rng.choice([0, 1, 1, 2]) if resolved else 0,
            reopen_count=1 if rng.random() < 0.1 else 0,
            created_at=created, updated_at=created,
            acknowledged_at=created + dt.timedelta(minutes=rng.randint(1, 120)) if rng.random() < 0.9 else None,
            resolved_at=resolved,
        ))  # fmt: skip
    ServiceRequest.objects.bulk_create(rows, batch_size=2000)
    # repeats point at an earlier complaint of the same shop
    first = {}
    repeats = []
    for r in rows:
        if r.kind != "complaint":
            continue
        if r.shop_id in first and rng.random() < 0.5:
            r.repeat_of_id = first[r.shop_id]
            repeats.append(r)
        first.setdefault(r.shop_id, r.pk)
    ServiceRequest.objects.bulk_update(repeats, ["repeat_of"], batch_size=2000)
    milestones, escalations = [], []
    for r in rows:
        for kind in ("acknowledge", "answer", "plan", "resolve"):
            if rng.random() < 0.3:
                continue
            due = r.created_at + dt.timedelta(hours=rng.randint(1, 96))
            state = rng.choice(["met", "met", "pending", "cancelled"])
            milestones.append(RequestMilestone(
                request=r, milestone=kind, clock="calendar", duration=dt.timedelta(hours=4),
                started_at=r.created_at, due_at=due, warn_at=due - dt.timedelta(hours=1), state=state,
                breached=rng.random() < 0.2, met_at=due if state == "met" else None,
            ))  # fmt: skip
        if r.resolved_at and rng.random() < 0.15:
            escalations.append(Escalation(request=r, reason=rng.choice(["breach", "breach_branch", "breach_city"]),
                                          at=r.created_at + dt.timedelta(hours=5)))  # fmt: skip
    RequestMilestone.objects.bulk_create(milestones, batch_size=5000)
    from serviceloop.servicedesk.sla import next_due_rebuild

    next_due_rebuild()  # bulk milestones bypass the service that keeps each request's next deadline
    Escalation.objects.bulk_create(escalations, batch_size=5000)
    return len(rows)


def _visits(month, shops, rng, per_shop):
    from serviceloop.visits.models import Visit

    rows = []
    for shop in shops:
        manager = shop.route.account_manager_id
        if not manager:
            continue
        for _ in range(max(1, round(2 * per_shop))):
            planned = _at(month, rng).date()
            status = rng.choice(["done", "done", "done", "planned", "cancelled"])
            check_in = _at(month, rng) if status == "done" else None
            minutes = rng.randint(3, 40) if check_in else None
            rows.append(Visit(
                customer=shop, manager_id=manager, route_id=shop.route_id, planned_on=planned, source="manual",
                status=status, check_in_at=check_in,
                check_out_at=check_in + dt.timedelta(minutes=minutes) if check_in else None,
                minutes_spent=minutes, outcome="visited" if check_in else "",
            ))  # fmt: skip
    Visit.objects.bulk_create(rows, batch_size=5000)
    from serviceloop.visits.tally import visitkeys_note, visittally_rebuild

    # bulk, past the planning services: their month keys and day counts
    visitkeys_note((v.manager_id, v.route_id, v.planned_on) for v in rows)
    visittally_rebuild(months=sorted({v.planned_on.replace(day=1) for v in rows}))
    return len(rows)


def _tags(month, shops, rng, per_shop):
    from serviceloop.tags.models import CustomerTag, ProblemTag

    tags = list(ProblemTag.objects.filter(active=True).values_list("pk", flat=True)[:8])
    if not tags:
        return 0
    # one live tag of a kind per shop (the database says so): skip pairs still open from earlier months
    live = set(
        CustomerTag.objects.filter(status__in=["attached", "removed", "sent_back"]).values_list(
            "customer_id", "tag_id"
        )
    )
    rows = []
    for shop in shops:
        if rng.random() > min(1.0, 0.5 * per_shop):
            continue
        tag = tags[rng.randrange(len(tags))]
        if (shop.pk, tag) in live:
            continue
        attached = _at(month, rng, days=10)
        step = rng.choice(["attached", "removed", "verified", "verified"])
        removed = (
            attached + dt.timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 20))
            if step != "attached"
            else None
        )
        verified = (
            removed + dt.timedelta(days=rng.randint(0, 5), hours=rng.randint(0, 20))
            if step == "verified"
            else None
        )
        if step != "verified":
            live.add((shop.pk, tag))
        rows.append(CustomerTag(
            customer=shop, tag_id=tag, status=step, source="visit", reason="生成的标签", attached_at=attached,
            due_at=attached + dt.timedelta(days=14), removed_at=removed, verified_at=verified,
        ))  # fmt: skip
    CustomerTag.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _survey(month, shops, rng):
    from serviceloop.surveys.models import Answer, Item, Questionnaire, Wave, WaveTarget

    item = Item.objects.filter(is_overall=True).select_related("section__questionnaire").first()
    if item is None or not shops:
        return 0
    questionnaire: Questionnaire = item.section.questionnaire
    now = _at(month, rng)
    end = next_month(month) - dt.timedelta(days=1)
    wave = Wave.objects.create(
        company_id=shops[0].branch.company_id, questionnaire=questionnaire, name=f"{month:%Y-%m} 调查",
        period_start=month, period_end=end, status="closed", created_at=now,
    )  # fmt: skip
    targets = [
        WaveTarget(wave=wave, customer=shop, branch_id=shop.branch_id, station_id=shop.station_id,
                   route_id=shop.route_id, account_manager_id=shop.route.account_manager_id,
                   token=secrets.token_urlsafe(16))
        for shop in shops if rng.random() < 0.6
    ]  # fmt: skip
    WaveTarget.objects.bulk_create(targets, batch_size=5000)
    answers = []
    for t in targets:
        if rng.random() < 0.7:
            at = _at(month, rng)
            submitted = rng.random() < 0.85
            answers.append(Answer(
                wave=wave, target=t, customer_id=t.customer_id, channel="phone",
                status="submitted" if submitted else "in_progress",
                values={item.code: rng.randint(1, item.scale_max)}, started_at=at, updated_at=at,
                submitted_at=at if submitted else None,
            ))  # fmt: skip
    Answer.objects.bulk_create(answers, batch_size=5000)
    return len(targets)


def _trade(month, shops, rng, per_shop):
    """Orders, deliveries and settlements written as an import would, then trade's own regrouping of
    the shop-month aggregates (the KPIs read those)."""
    from serviceloop.trade import aggregates
    from serviceloop.trade.models import Delivery, ImportBatch, Order, Settlement

    now = timezone.now()
    batch = ImportBatch.objects.create(kind="orders", source="demo", status="committed", started_at=now)
    prefix = secrets.token_hex(3)
    orders, deliveries, settlements = [], [], []
    n = 0
    for shop in shops:
        if rng.random() < 0.15:
            continue  # did not order this month
        for _ in range(max(1, round(3 * per_shop))):
            n += 1
            day = _at(month, rng).date()
            order_no = f"O{prefix}{n:08d}"
            common = dict(order_no=order_no, content_hash=n, batch=batch, customer=shop, route_id=shop.route_id,
                          station_id=shop.station_id, branch_id=shop.branch_id, month=month)  # fmt: skip
            corrected = rng.random() < 0.05
            status = "cancelled" if rng.random() < 0.03 else "active"
            if corrected:
                orders.append(Order(**common, revision=1, is_current=False, order_date=day,
                                    week=day - dt.timedelta(days=day.weekday()), channel="phone", status=status))  # fmt: skip
            orders.append(Order(
                **common, revision=2 if corrected else 1, order_date=day, week=day - dt.timedelta(days=day.weekday()),
                channel=rng.choice(["online", "online", "online", "phone", "visit"]), status=status,
                lines=3, qty_asked=20, qty_supplied=18, amount=Decimal("1000.00"),
            ))  # fmt: skip
            cartons = rng.randint(5, 30)
            outcome = rng.choice(["signed"] * 9 + ["refused"])
            deliveries.append(Delivery(
                **common, planned_date=day, outcome=outcome, cartons=cartons,
                damaged_cartons=1 if rng.random() < 0.05 else 0, on_time=rng.random() < 0.95,
                accurate=outcome == "signed" and rng.random() < 0.97,
            ))  # fmt: skip
            method = rng.choice(["e", "e", "e", "transfer"])
            state = rng.choice(["success"] * 19 + ["failed"])
            settlements.append(Settlement(
                **common, method=method, amount=Decimal("1000.00"), state=state,
                first_attempt_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
                attempts=1 if state == "success" else 2, failed_attempts=0 if state == "success" else 2,
            ))  # fmt: skip
    Order.objects.bulk_create(orders, batch_size=5000)
    Delivery.objects.bulk_create(deliveries, batch_size=5000)
    Settlement.objects.bulk_create(settlements, batch_size=5000)
    aggregates.create_key_tables()
    aggregates.add_keys(table=aggregates.KEYS_WEEK, select_sql="SELECT customer_id, week FROM trade_order "
                        "WHERE batch_id = %s", params=[batch.pk])  # fmt: skip
    aggregates.add_keys(table=aggregates.KEYS_MONTH, select_sql="SELECT customer_id, month FROM trade_order "
                        "WHERE batch_id = %s", params=[batch.pk])  # fmt: skip
    aggregates.refresh_from_keys()
    return len(orders)
