"""Visit-plan generation: a pure function from shops and policies to (shop, day) pairs. No database here.

Rules (documented for managers on the policy page):
- Visits fall on working days Monday–Saturday. A shop's base day is its order day (its route's visiting
  day); Sunday order days and shops without one get a base day spread by shop id.
- A policy asks for at least N visits a calendar month. N ≥ 4: k = ceil(N / 4) visits every week, on the base
  day and days spread evenly after it (every month has at least 4 of each weekday, so ≥ 4k ≥ N).
  N = 1, 2, 3: every 4, 2 or 1 weeks on the base day (≥ N in any month, February included). Shops ordering
  in odd or even weeks are visited fortnightly in their own ordering weeks.
- Which policy: a new shop (in its first ``new_shop_months``) takes the new-shop policy; otherwise the most
  frequent of its star policy and the policies of the key lists it is on (a tie goes to the key list).
- Closed and suspended shops, and shops whose route has no account manager, get no plan.
"""

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass

WORKDAYS = 6  # Monday..Saturday


@dataclass(frozen=True, slots=True)
class ShopInput:
    id: int
    manager_id: int | None
    route_id: int
    stars: int
    order_cycle: str  # weekly / odd / even / none
    order_weekday: int | None  # 1 = Monday … 7 = Sunday
    joined_on: dt.date | None
    key_lists: frozenset = frozenset()
    status: str = "active"


@dataclass(frozen=True, slots=True)
class PolicyInput:
    id: int
    kind: str  # stars / new_shop / key_list
    visits_per_month: int
    stars_min: int = 0
    stars_max: int = 5
    key_list: str = ""


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    customer_id: int
    manager_id: int
    route_id: int
    policy_id: int
    day: dt.date


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def is_new_shop(joined_on: dt.date | None, day: dt.date, new_shop_months: int) -> bool:
    """In its first ``new_shop_months`` months: joined on or before ``day`` and ``day`` before the anniversary."""
    return joined_on is not None and joined_on <= day < add_months(joined_on, new_shop_months)


class PolicyBook:
    """The active policies, indexed for fast choice."""

    def __init__(self, policies: Iterable[PolicyInput]):
        policies = list(policies)
        self.new_shop = max((p for p in policies if p.kind == "new_shop"), key=lambda p: p.visits_per_month,
                            default=None)  # fmt: skip
        self.by_stars: dict[int, PolicyInput] = {}
        for stars in range(6):
            matching = [p for p in policies if p.kind == "stars" and p.stars_min <= stars <= p.stars_max]
            if matching:
                self.by_stars[stars] = max(matching, key=lambda p: p.visits_per_month)
        self.by_list: dict[str, PolicyInput] = {}
        for p in policies:
            if p.kind == "key_list" and p.key_list:
                best = self.by_list.get(p.key_list)
                if best is None or p.visits_per_month > best.visits_per_month:
                    self.by_list[p.key_list] = p

    def choose(self, shop: ShopInput, day: dt.date, new_shop_months: int) -> PolicyInput | None:
        if self.new_shop and new_shop_months and is_new_shop(shop.joined_on, day, new_shop_months):
            return self.new_shop
        best = self.by_stars.get(shop.stars)
        for name in shop.key_lists:
            p = self.by_list.get(name)
            if p is not None and (best is None or p.visits_per_month >= best.visits_per_month):
                best = p
        return best


def base_weekday(shop: ShopInput) -> int:
    """1..6 (Monday..Saturday)."""
    if shop.order_weekday and 1 <= shop.order_weekday <= WORKDAYS:
        return shop.order_weekday
    return shop.id % WORKDAYS + 1


@functools.lru_cache(maxsize=64)
def weekly_days(base: int, k: int) -> frozenset[int]:
    """k working weekdays spread evenly over the week, starting at ``base``."""
    k = max(1, min(k, WORKDAYS))
    return frozenset((base - 1 + (i * WORKDAYS) // k) % WORKDAYS + 1 for i in range(k))


_EPOCH = dt.date(2024, 1, 1)  # a Monday


def visits_on(shop: ShopInput, policy: PolicyInput, day: dt.date) -> bool:
    weekday = day.isoweekday()
    if weekday > WORKDAYS:
        return False
    n = policy.visits_per_month
    base = base_weekday(shop)
    if n >= 4:
        return weekday in weekly_days(base, -(-n // 4))
    if weekday != base:
        return False
    every = 4 // n  # 1 → 4 weeks, 2 → 2, 3 → 1
    if every == 1:
        return True
    if every == 2 and shop.order_cycle in ("odd", "even"):
        return day.isocalendar().week % 2 == (1 if shop.order_cycle == "odd" else 0)
    week = (day - _EPOCH).days // 7
    return week % every == shop.id % every


def plan_visits(
    shops: Iterable[ShopInput],
    policies: PolicyBook,
    start: dt.date,
    end: dt.date,
    *,
    new_shop_months: int = 3,
) -> list[PlannedVisit]:
    """Every visit due from ``start`` to ``end`` inclusive, in day order per shop."""
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    days = [d for d in days if d.isoweekday() <= WORKDAYS]
    out: list[PlannedVisit] = []
    append = out.append
    for shop in shops:
        if shop.manager_id is None or shop.status != "active":
            continue
        regular = policies.choose(
            shop, start, 0
        )  # without the new-shop rule the choice does not depend on the day
        joined, new_until = shop.joined_on, None
        if joined is not None and policies.new_shop is not None:
            new_until = add_months(joined, new_shop_months)
        for day in days:
            policy = policies.new_shop if new_until is not None and joined <= day < new_until else regular
            if policy is not None and visits_on(shop, policy, day):
                append(PlannedVisit(shop.id, shop.manager_id, shop.route_id, policy.id, day))
    return out
