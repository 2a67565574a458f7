"""Every KPI reconciles exactly with a count made from the raw events of a generated month (issue 11).

The reference counts below walk the raw rows in Python, one KPI each, written from the catalogue's
definitions without reusing the aggregation code; the job's numerator and denominator must equal them
for the city and for one unit of each level."""

import datetime as dt

import pytest
from django.utils import timezone

from serviceloop.customers.models import Customer
from serviceloop.kpis.compute import kpivalues_compute, next_month
from serviceloop.kpis.models import Kpi, KpiValue
from serviceloop.kpis.testing import generate_month

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 10, 1)
AS_OF = dt.date(2026, 12, 2)


@pytest.fixture
def month(world):
    shops = list(Customer.objects.select_related("route", "branch"))
    generate_month(month=MONTH, shops=shops, seed=7, per_shop=3)
    # the month before, so that churn has something to compare with
    generate_month(month=dt.date(2026, 9, 1), shops=shops, seed=8, per_shop=1)
    kpivalues_compute(months=[MONTH], now=timezone.make_aware(dt.datetime(2026, 12, 2, 9)))
    return world


def units(w):
    return [
        ("city", 0, lambda shop_or_route: True),
        ("branch", w.branch_a.pk, lambda r: r is not None and r.station.branch_id == w.branch_a.pk),
        ("station", w.station_a1.pk, lambda r: r is not None and r.station_id == w.station_a1.pk),
        ("route", w.route_a1_1.pk, lambda r: r is not None and r.pk == w.route_a1_1.pk),
        (
            "manager",
            w.account_manager.pk,
            lambda r: r is not None and r.account_manager_id == w.account_manager.pk,
        ),
    ]


def in_month(value, month=MONTH):
    if value is None:
        return False
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return month <= value < next_month(month)


def requests():
    from serviceloop.servicedesk.models import ServiceRequest

    return [
        r for r in ServiceRequest.objects.select_related("route__station", "owner")
        if r.status not in ("merged", "cancelled") and r.kind != "report"
    ]  # fmt: skip


def count(rows, route_of, keep, num, den=lambda x: 1):
    n = d = 0.0
    for row in rows:
        if keep(route_of(row)):
            n += num(row)
            d += den(row)
    return n, d


def req_route(r):
    return r.route


def resolved():
    return [r for r in requests() if in_month(r.resolved_at)]


def filed():
    return [r for r in requests() if in_month(r.created_at)]


def ref_followup_satisfaction(keep):
    return count([r for r in resolved() if r.satisfaction is not None], req_route, keep,
                 lambda r: r.satisfaction >= 4)  # fmt: skip


def ref_ack_minutes(keep):
    rows = [r for r in filed() if r.acknowledged_at]
    return count(rows, req_route, keep, lambda r: (r.acknowledged_at - r.created_at).total_seconds() / 60)


def ref_resolve_hours(keep):
    return count(resolved(), req_route, keep, lambda r: (r.resolved_at - r.created_at).total_seconds() / 3600)


def ref_on_time(kind):
    def ref(keep):
        from serviceloop.servicedesk.models import RequestMilestone

        ok = {r.pk: r for r in requests()}
        rows = [m for m in RequestMilestone.objects.filter(milestone=kind)
                if m.request_id in ok and in_month(m.due_at) and (m.state == "met" or m.breached)]  # fmt: skip
        return count(rows, lambda m: ok[m.request_id].route, keep, lambda m: not m.breached)

    return ref


def ref_follow_up_rate(keep):
    return count(
        resolved(), req_route, keep, lambda r: r.follow_up_attempts > 0 or r.satisfaction is not None
    )


def ref_reopen_rate(keep):
    return count(resolved(), req_route, keep, lambda r: r.reopen_count > 0)


def ref_repeat_complaint_rate(keep):
    return count(
        [r for r in filed() if r.kind == "complaint"], req_route, keep, lambda r: r.repeat_of_id is not None
    )


def ref_complaint_share(keep):
    return count(filed(), req_route, keep, lambda r: r.kind == "complaint")


def ref_complaints_per_100(keep):
    n, _ = count([r for r in filed() if r.kind == "complaint" and r.shop_id], req_route, keep, lambda r: 1)
    _, d = count(Customer.objects.filter(status="active").select_related("route__station"), lambda c: c.route, keep,
                 lambda c: 0)  # fmt: skip
    return n, d


def ref_settled_locally(keep):
    from serviceloop.servicedesk.models import Escalation

    up = set(
        Escalation.objects.filter(reason__in=["breach_branch", "breach_city"]).values_list(
            "request_id", flat=True
        )
    )
    rows = [r for r in resolved() if r.shop_id]
    return count(rows, req_route, keep, lambda r: bool(r.owner and r.owner.station_id) and r.pk not in up)


def visits():
    from serviceloop.visits.models import Visit

    return list(Visit.objects.select_related("route__station"))


def ref_visit_compliance(keep):
    return count(
        [v for v in visits() if in_month(v.planned_on) and v.status != "cancelled"],
        lambda v: v.route,
        keep,
        lambda v: v.status == "done",
    )


def ref_visit_minutes(keep):
    rows = [
        v for v in visits() if in_month(v.planned_on) and v.status == "done" and v.minutes_spent is not None
    ]
    return count(rows, lambda v: v.route, keep, lambda v: v.minutes_spent)


def ref_tag(field, start, end):
    def ref(keep):
        from serviceloop.tags.models import CustomerTag

        rows = [t for t in CustomerTag.objects.select_related("customer__route__station")
                if in_month(getattr(t, field)) and getattr(t, start)]  # fmt: skip
        return count(rows, lambda t: t.customer.route, keep,
                     lambda t: (getattr(t, end) - getattr(t, start)).total_seconds() / 86400)  # fmt: skip

    return ref


def ref_survey_index(keep):
    from serviceloop.surveys.models import Answer, Item

    overall = {
        i.section.questionnaire_id: i for i in Item.objects.filter(is_overall=True).select_related("section")
    }
    rows = [a for a in Answer.objects.select_related("wave", "target__route__station")
            if a.status == "submitted" and in_month(a.submitted_at) and a.wave.questionnaire_id in overall
            and overall[a.wave.questionnaire_id].code in a.values]  # fmt: skip

    def score(a):
        item = overall[a.wave.questionnaire_id]
        return float(a.values[item.code]) * 100 / item.scale_max

    return count(rows, lambda a: a.target.route, keep, score)


def ref_survey_coverage(keep):
    from serviceloop.surveys.models import Answer, WaveTarget

    done = set(Answer.objects.filter(status="submitted").values_list("target_id", flat=True))
    rows = [
        t for t in WaveTarget.objects.select_related("wave", "route__station") if in_month(t.wave.period_end)
    ]
    return count(rows, lambda t: t.route, keep, lambda t: t.pk in done)


def orders():
    from serviceloop.trade.models import Order

    return [
        o for o in Order.objects.filter(is_current=True).select_related("route__station") if o.month == MONTH
    ]


def current(model):
    return [
        x for x in model.objects.filter(is_current=True).select_related("route__station") if x.month == MONTH
    ]


def ref_order_capture_accuracy(keep):
    return count(
        [o for o in orders() if o.status == "active"], lambda o: o.route, keep, lambda o: o.revision == 1
    )


def ref_online_share(keep):
    return count(
        [o for o in orders() if o.status == "active"],
        lambda o: o.route,
        keep,
        lambda o: o.channel == "online",
    )


def ref_delivery(field):
    def ref(keep):
        from serviceloop.trade.models import Delivery

        return count(current(Delivery), lambda x: x.route, keep, lambda x: getattr(x, field))

    return ref


def ref_damage_rate(keep):
    from serviceloop.trade.models import Delivery

    return count(current(Delivery), lambda x: x.route, keep, lambda x: x.damaged_cartons, lambda x: x.cartons)


def ref_e_settlement_success(keep):
    from serviceloop.trade.models import Settlement

    rows = [s for s in current(Settlement) if s.method == "e"]
    return count(rows, lambda x: x.route, keep, lambda x: x.state == "success")


def ref_active_shop_rate(keep):
    ordered = {o.customer_id for o in orders() if o.status == "active"}
    return count(Customer.objects.filter(status="active").select_related("route__station"), lambda c: c.route, keep,
                 lambda c: c.pk in ordered)  # fmt: skip


def ref_churn_rate(keep):
    from serviceloop.trade.models import Order

    def shops(month):
        return {o.customer_id: o.route for o in Order.objects.filter(is_current=True, status="active",
                                                                     month=month).select_related("route__station")}  # fmt: skip

    before, now = shops(dt.date(2026, 9, 1)), shops(MONTH)
    return count(list(before.items()), lambda kv: kv[1], keep, lambda kv: kv[0] not in now)


REFERENCES = {
    "followup_satisfaction": ref_followup_satisfaction,
    "survey_index": ref_survey_index,
    "ack_minutes": ref_ack_minutes,
    "resolve_hours": ref_resolve_hours,
    "on_time_acknowledge": ref_on_time("acknowledge"),
    "on_time_answer": ref_on_time("answer"),
    "on_time_plan": ref_on_time("plan"),
    "on_time_resolve": ref_on_time("resolve"),
    "follow_up_rate": ref_follow_up_rate,
    "reopen_rate": ref_reopen_rate,
    "repeat_complaint_rate": ref_repeat_complaint_rate,
    "complaint_share": ref_complaint_share,
    "complaints_per_100": ref_complaints_per_100,
    "settled_locally": ref_settled_locally,
    "visit_compliance": ref_visit_compliance,
    "visit_minutes": ref_visit_minutes,
    "tag_remove_days": ref_tag("removed_at", "attached_at", "removed_at"),
    "tag_verify_days": ref_tag("verified_at", "removed_at", "verified_at"),
    "tag_loop_days": ref_tag("verified_at", "attached_at", "verified_at"),
    "survey_coverage": ref_survey_coverage,
    "order_capture_accuracy": ref_order_capture_accuracy,
    "delivery_on_time": ref_delivery("on_time"),
    "delivery_accuracy": ref_delivery("accurate"),
    "damage_rate": ref_damage_rate,
    "e_settlement_success": ref_e_settlement_success,
    "online_share": ref_online_share,
    "active_shop_rate": ref_active_shop_rate,
    "churn_rate": ref_churn_rate,
}


def test_the_catalogue_and_the_references_name_the_same_kpis(db):
    assert set(Kpi.objects.values_list("code", flat=True)) == set(REFERENCES)


@pytest.mark.parametrize("code", sorted(REFERENCES))
def test_it_reconciles_with_the_raw_events(month, code):
    kpi = Kpi.objects.get(code=code)
    seen_any = False
    for level, unit, keep in units(month):
        n, d = REFERENCES[code](keep)
        row = KpiValue.objects.filter(kpi=kpi, level=level, unit_id=unit, part="", period=MONTH).first()
        if not n and not d:
            assert row is None or (row.numerator == 0 and row.denominator == 0), (level, unit)
            continue
        assert row is not None, (code, level, unit, n, d)
        assert row.numerator == pytest.approx(n, abs=1e-6), (level, unit)
        assert row.denominator == pytest.approx(d, abs=1e-6), (level, unit)
        if d:
            assert row.value == pytest.approx(round(n / d * kpi.scale, 4), abs=1e-4)
        seen_any = seen_any or bool(d)
    assert seen_any, f"the generated month left {code} empty"


def test_complaints_by_cause_add_up_to_the_whole(month):
    rows = KpiValue.objects.filter(kpi__code="complaints_per_100", level="city", period=MONTH)
    whole = rows.get(part="")
    assert sum(r.numerator for r in rows.exclude(part="")) == whole.numerator > 0
