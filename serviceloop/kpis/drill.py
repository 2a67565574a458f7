"""Drill-down: the raw events behind one KPI value (one unit, one month), as the aggregation counted them.

Each KPI names the event list (requests, visits, tags, survey targets, shop-months) and the filter of its
denominator; ``hit`` marks the rows counted in the numerator. The unit filter uses the same paths as the
aggregation, so the list's length is the value's denominator."""

import datetime as dt

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _

from . import compute as c

REQUESTS, VISITS, TAGS, TARGETS, SHOP_MONTHS = "requests", "visits", "tags", "targets", "shop_months"
KIND_LABELS = {
    REQUESTS: _("Service requests"),
    VISITS: _("Visits"),
    TAGS: _("Problem tags"),
    TARGETS: _("Survey targets"),
    SHOP_MONTHS: _("Shop months (orders, deliveries, settlements)"),
}


def _requests_of(qs):
    return qs.select_related("shop", "category", "owner")


def _milestones(kind):
    def build(month, as_of):
        from serviceloop.servicedesk.models import RequestMilestone

        start, end = c._bounds(month)
        ms = RequestMilestone.objects.filter(
            milestone=kind, due_at__gte=start, due_at__lt=end, request_id=OuterRef("pk")
        ).filter(Q(state="met") | Q(breached=True))
        late = ms.filter(breached=True)
        qs = c._requests().annotate(m=Exists(ms), late=Exists(late)).filter(m=True)
        return REQUESTS, _requests_of(qs), c.REQUEST_PATHS, Q(late=False)

    return build


def _req(base, hit):
    def build(month, as_of):
        return REQUESTS, _requests_of(base(month)), c.REQUEST_PATHS, hit

    return build


def _settled(month, as_of):
    from serviceloop.servicedesk.models import Escalation

    up = Escalation.objects.filter(request=OuterRef("pk"), reason__in=["breach_branch", "breach_city"])
    qs = c._resolved(month).filter(shop__isnull=False).annotate(up=Exists(up))
    return REQUESTS, _requests_of(qs), c.REQUEST_PATHS, Q(owner__station__isnull=False, up=False)


def _visit(done_only):
    def build(month, as_of):
        if done_only:
            qs = c._visits(month, c.next_month(month)).filter(status="done", minutes_spent__isnull=False)
        else:
            qs = c._planned_visits(month, as_of)
        return VISITS, qs.select_related("customer", "manager", "route"), c.VISIT_PATHS, Q(status="done")

    return build


def _tags(field, start_field):
    def build(month, as_of):
        from serviceloop.tags.models import CustomerTag

        start, end = c._bounds(month)
        qs = CustomerTag.objects.filter(**{f"{field}__gte": start, f"{field}__lt": end,
                                           f"{start_field}__isnull": False})  # fmt: skip
        return TAGS, qs.select_related("customer", "tag"), c.CUSTOMER_PATHS, None

    return build


def _targets(submitted_in_month):
    def build(month, as_of):
        from serviceloop.surveys.models import WaveTarget

        if submitted_in_month:
            start, end = c._bounds(month)
            qs = WaveTarget.objects.filter(answer__status="submitted", answer__submitted_at__gte=start,
                                           answer__submitted_at__lt=end)  # fmt: skip
        else:
            qs = WaveTarget.objects.filter(
                wave__period_end__gte=month, wave__period_end__lt=c.next_month(month)
            )
        qs = qs.select_related("customer", "wave", "answer")
        return TARGETS, qs, c.TARGET_PATHS, Q(answer__status="submitted")

    return build


def _shop_months(filter_q=None, hit=None, previous=False):
    def build(month, as_of):
        from serviceloop.trade.models import ShopMonth

        if previous:
            prev = c.month_start(month - dt.timedelta(days=1))
            still = ShopMonth.objects.filter(customer=OuterRef("customer"), month=month, orders__gt=0)
            qs = ShopMonth.objects.filter(month=prev, orders__gt=0).annotate(still=Exists(still))
        else:
            qs = ShopMonth.objects.filter(month=month)
        if filter_q is not None:
            qs = qs.filter(filter_q)
        return SHOP_MONTHS, qs.select_related("customer"), c.TRADE_PATHS, hit

    return build


DRILL = {
    "followup_satisfaction": _req(
        lambda m: c._resolved(m).filter(satisfaction__isnull=False), Q(satisfaction__gte=4)
    ),
    "survey_index": _targets(True),
    "ack_minutes": _req(lambda m: c._filed(m).filter(acknowledged_at__isnull=False), None),
    "resolve_hours": _req(c._resolved, None),
    "on_time_acknowledge": _milestones("acknowledge"),
    "on_time_answer": _milestones("answer"),
    "on_time_plan": _milestones("plan"),
    "on_time_resolve": _milestones("resolve"),
    "follow_up_rate": _req(c._resolved, Q(follow_up_attempts__gt=0) | Q(satisfaction__isnull=False)),
    "reopen_rate": _req(c._resolved, Q(reopen_count__gt=0)),
    "repeat_complaint_rate": _req(lambda m: c._filed(m).filter(kind="complaint"), Q(repeat_of__isnull=False)),
    "complaint_share": _req(c._filed, Q(kind="complaint")),
    "complaints_per_100": _req(lambda m: c._filed(m).filter(kind="complaint", shop__isnull=False), None),
    "settled_locally": _settled,
    "visit_compliance": _visit(False),
    "visit_minutes": _visit(True),
    "tag_remove_days": _tags("removed_at", "attached_at"),
    "tag_verify_days": _tags("verified_at", "removed_at"),
    "tag_loop_days": _tags("verified_at", "attached_at"),
    "survey_coverage": _targets(False),
    "order_capture_accuracy": _shop_months(Q(orders__gt=0)),
    "delivery_on_time": _shop_months(Q(deliveries__gt=0)),
    "delivery_accuracy": _shop_months(Q(deliveries__gt=0)),
    "damage_rate": _shop_months(Q(cartons_delivered__gt=0)),
    "e_settlement_success": _shop_months(Q(e_settlements__gt=0)),
    "online_share": _shop_months(Q(orders__gt=0)),
    "active_shop_rate": _shop_months(Q(orders__gt=0)),
    "churn_rate": _shop_months(previous=True, hit=Q(still=False)),
}


def events(*, code: str, level: str, unit_id: int, month: dt.date, as_of: dt.date, part: str = ""):
    """(kind, queryset with a boolean ``hit`` where the KPI has one) of one unit's month."""
    kind, qs, paths, hit = DRILL[code](month, as_of)
    if level != "city":
        qs = qs.filter(**{paths[level]: unit_id})
    if part and kind == REQUESTS:
        qs = qs.filter(category__code=part)
    if hit is not None:
        qs = qs.annotate(
            hit=Case(When(hit, then=Value(True)), default=Value(False), output_field=BooleanField())
        )
    return kind, qs.order_by("-pk")
