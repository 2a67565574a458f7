"""Records to inspect, made directly (the apps that own them test how they are made)."""

import datetime as dt

from django.utils import timezone

from serviceloop.servicedesk.models import Category, FollowUp
from serviceloop.servicedesk.services import servicerequest_file
from serviceloop.visits.models import Visit, VisitPolicy

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
MONTH = dt.date(2026, 11, 1)


def done_visit(world, shop, *, at, minutes=30, manager=None):
    return Visit.objects.create(
        customer=shop, manager=manager or world.account_manager, route=shop.route, source="manual",
        planned_on=timezone.localdate(at), policy=VisitPolicy.objects.get(name="三四星客户"), status="done",
        outcome="visited", check_in_at=at, check_out_at=at + dt.timedelta(minutes=minutes), minutes_spent=minutes,
    )  # fmt: skip


def visits(world, n=6, *, at=NOW - dt.timedelta(days=5), minutes=30):
    shops = world.shops["张湾1号线"] + world.shops["张湾2号线"]
    return [
        done_visit(world, shops[i % len(shops)], at=at + dt.timedelta(hours=i), minutes=minutes)
        for i in range(n)
    ]


def complaint(world, shop, *, at, kind="complaint"):
    sr, _ = servicerequest_file(customer=shop, channel="phone", kind=kind,
                                category=Category.objects.filter(active=True).order_by("pk").first(),
                                text="送货员态度不好", actor=world.agent, now=at)  # fmt: skip
    return sr


def followed_up(world, shop, *, at, satisfaction):
    sr = complaint(world, shop, at=at - dt.timedelta(days=1), kind="request")
    FollowUp.objects.create(request=sr, by=world.agent, at=at, reached=True, satisfaction=satisfaction)
    return sr
