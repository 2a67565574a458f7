"""Demo part: a month of visit plans and records for every demo account manager, and tags in every state.

Called once at the end of ``core.demo.demo_build``; deterministic for a seed, bulk inserts only.
"""

import datetime as dt

from serviceloop.customers.models import Customer
from serviceloop.tags.models import CustomerTag, CustomerTagEvent, ProblemTag, TagAction, TagStatus
from serviceloop.tags.services import due_at_for

from .keylists import keylists_refresh
from .models import Visit, VisitOutcome, VisitPolicy, VisitSource, VisitStatus
from .planning import PolicyBook, PolicyInput, plan_visits
from .services import shop_inputs, visitdue_refresh

TAG_SHARE = 0.06  # shops carrying a tag in the demo
REASONS = {
    "visit": "走访时发现：{}",
    "data": "数据分析发现：{}",
    "survey": "满意度调查反映：{}",
    "customer": "客户来电反映：{}",
}


def build_loop_demo(city) -> dict[str, int]:
    rng = city.rng("visits-tags")
    now, today = city.now, city.today
    customers = Customer.objects.filter(branch__company=city.company)
    # Key lists first, so plans follow the lists' policies.
    keylists_refresh(now=now)
    policies = {p.id: p for p in VisitPolicy.objects.filter(active=True)}
    book = PolicyBook(PolicyInput(p.id, p.kind, p.visits_per_month, p.stars_min, p.stars_max, p.key_list)
                      for p in policies.values())  # fmt: skip
    start, end = today - dt.timedelta(days=30), today + dt.timedelta(days=7)
    planned = plan_visits(shop_inputs(customers), book, start, end)
    visits = []
    for p in planned:
        v = Visit(customer_id=p.customer_id, manager_id=p.manager_id, route_id=p.route_id, policy_id=p.policy_id,
                  planned_on=p.day, generated_for=p.day, source=VisitSource.GENERATED)  # fmt: skip
        if p.day < today:
            roll = rng.random()
            if roll < 0.86:  # done; some closed or owner absent, some short
                minimum = policies[p.policy_id].min_minutes
                check_in = city.at(p.day, rng)
                minutes = rng.randint(max(3, minimum - 10), minimum + 25)
                v.status, v.check_in_at = VisitStatus.DONE, check_in
                v.check_out_at = check_in + dt.timedelta(minutes=minutes)
                v.minutes_spent = minutes
                outcome = rng.random()
                if outcome < 0.05:
                    v.outcome = VisitOutcome.SHOP_CLOSED
                elif outcome < 0.09:
                    v.outcome = VisitOutcome.OWNER_ABSENT
                else:
                    v.outcome = VisitOutcome.VISITED
                    items = policies[p.policy_id].checklist_items
                    v.covered = rng.sample(items, k=min(len(items), rng.randint(2, 4)))
            elif roll < 0.90:
                v.status = VisitStatus.CANCELLED
        visits.append(v)
    Visit.objects.bulk_create(visits, batch_size=2000)

    # Tags in every state, with their events.
    tags = list(ProblemTag.objects.filter(active=True).select_related("strategy").order_by("pk"))
    shops = list(
        customers.filter(route__account_manager__isnull=False)
        .values_list("pk", "route__account_manager_id", "station_id")
        .order_by("pk")
    )
    heads = _station_heads(city)
    chosen = rng.sample(shops, k=int(len(shops) * TAG_SHARE)) if shops else []
    rows, plans = [], []
    for shop_id, manager_id, station_id in chosen:
        tag = rng.choice(tags)
        attached_at = city.at(today - dt.timedelta(days=rng.randint(1, 60)), rng)
        source = tag.discovery_source
        ctag = CustomerTag(customer_id=shop_id, tag=tag, source=source, attached_by_id=manager_id,
                           attached_at=attached_at, due_at=due_at_for(attached_at, tag.strategy.time_limit_days),
                           reason=REASONS[source].format(tag.description or tag.name))  # fmt: skip
        stage = rng.random()
        steps = list(range(1, len(tag.strategy.steps) + 1))
        events = [
            (
                TagAction.ATTACH,
                "",
                TagStatus.ATTACHED,
                manager_id,
                attached_at,
                ctag.reason,
                {"source": source},
            )
        ]
        head = heads.get(station_id)
        if stage > 0.35:  # removed
            removed_at = min(
                now, attached_at + dt.timedelta(hours=rng.randint(20, 24 * tag.strategy.time_limit_days))
            )
            ctag.status, ctag.removed_at, ctag.removed_by_id = TagStatus.REMOVED, removed_at, manager_id
            events.append((TagAction.REMOVE, TagStatus.ATTACHED, TagStatus.REMOVED, manager_id, removed_at,
                           "已按策略完成整改", {"steps": steps}))  # fmt: skip
            if stage > 0.55 and head:
                checked_at = min(now, removed_at + dt.timedelta(hours=rng.randint(2, 96)))
                if stage > 0.62:
                    ctag.status, ctag.verified_at, ctag.verified_by_id = TagStatus.VERIFIED, checked_at, head
                    events.append(
                        (TagAction.VERIFY, TagStatus.REMOVED, TagStatus.VERIFIED, head, checked_at, "", {})
                    )
                else:
                    ctag.status = TagStatus.SENT_BACK
                    ctag.due_at = due_at_for(checked_at, tag.strategy.time_limit_days)
                    events.append((TagAction.SEND_BACK, TagStatus.REMOVED, TagStatus.SENT_BACK, head, checked_at,
                                   "整改不到位，请补充佐证", {}))  # fmt: skip
        rows.append(ctag)
        plans.append(events)
    CustomerTag.objects.bulk_create(rows, batch_size=2000)
    CustomerTagEvent.objects.bulk_create(
        [CustomerTagEvent(customer_tag=ctag, action=a, from_status=f, to_status=t, actor_id=actor, at=at, note=note,
                          data=data)
         for ctag, events in zip(rows, plans, strict=True) for a, f, t, actor, at, note, data in events],
        batch_size=2000,
    )  # fmt: skip
    keylists_refresh(now=now)  # capital-pressure tags now exist
    visitdue_refresh(now=now)
    city.counts["visits"] = len(visits)
    city.counts["customer_tags"] = len(rows)
    return {"visits": len(visits), "customer_tags": len(rows)}


def _station_heads(city) -> dict[int, int]:
    from serviceloop.org.models import Role, User

    heads = {}
    for pk, station_id in (
        User.objects.filter(company=city.company, role=Role.STATION_HEAD)
        .order_by("pk")
        .values_list("pk", "station_id")
    ):
        heads.setdefault(station_id, pk)
    return heads
