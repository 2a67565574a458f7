"""Writes of visit policies, plans, records and 135 notes. Views, jobs and the demo call these."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.customers.models import Customer, CustomerStatus
from serviceloop.org.models import Role
from serviceloop.org.scope import can_manage_org

from .models import (
    CycleNote,
    KeyCustomerEntry,
    KeyListSettings,
    Visit,
    VisitEvent,
    VisitOutcome,
    VisitPolicy,
    VisitSource,
    VisitStatus,
)
from .planning import PolicyBook, PolicyInput, ShopInput, plan_visits
from .tally import day_change, visit_change, visittally_add

VISITOR_ROLES = {Role.ACCOUNT_MANAGER, Role.MARKET_MANAGER, Role.STATION_HEAD}
PLAN_DAYS_AHEAD = 7


def may_visit(user, customer) -> bool:
    """Account managers visit their routes' shops; market managers and station heads the shops they oversee."""
    if not user.is_authenticated or user.role not in VISITOR_ROLES:
        return False
    return Customer.objects.visible_to(user).filter(pk=customer.pk).exists()


def may_record(user, visit: Visit) -> bool:
    return user.pk == visit.manager_id and may_visit(user, visit.customer)


def may_manage_plan(user, visit: Visit) -> bool:
    """The visit's own manager, or a station head / market manager whose scope holds the shop."""
    if user.pk == visit.manager_id:
        return may_visit(user, visit.customer)
    return user.role in (Role.STATION_HEAD, Role.MARKET_MANAGER) and may_visit(user, visit.customer)


def missed_for(user, visit: Visit, today: dt.date) -> bool:
    """Whether ``visit`` is closed to ``user``'s moving or cancelling because its day has passed. A visit still
    planned after its day is a visit missed, and counts against the plan (the compliance page and the KPI leave
    cancelled visits out): from then on only a station head or a market manager may move or cancel it, not the
    account manager whose rate it is."""
    return visit.planned_on < today and user.role not in (Role.STATION_HEAD, Role.MARKET_MANAGER)


def may_move_or_cancel(user, visit: Visit, today: dt.date) -> bool:
    """The two checks ``visit_move`` and ``visit_cancel`` make, for a page or the API to say so beforehand."""
    return may_manage_plan(user, visit) and not missed_for(user, visit, today)


def _check_not_missed(actor, visit: Visit, now) -> None:
    if missed_for(actor, visit, timezone.localdate(now)):
        raise ValidationError(
            _("The day of this visit has passed, so it counts as not done. Only the station head or the market "
              "manager can move or cancel it."),
            code="missed_visit",
        )  # fmt: skip


def _event(visit, action, actor, now, **data):
    VisitEvent.objects.create(visit=visit, action=action, actor=actor, at=now, data=data)


# --- policies ----------------------------------------------------------------------------------------
@transaction.atomic
def policy_save(*, policy: VisitPolicy | None, data: dict, actor, now) -> VisitPolicy:
    if not can_manage_org(actor):
        raise PermissionDenied
    policy = policy or VisitPolicy()
    before = {f: getattr(policy, f) for f in data} if policy.pk else {}
    for field, value in data.items():
        setattr(policy, field, value)
    policy.updated_at = now
    policy.full_clean()
    policy.save()
    audit_record(actor=actor, action="visit.policy", obj=policy, summary=policy.name, now=now,
                 data={"before": {k: str(v) for k, v in before.items()}, "after": {k: str(v) for k, v in data.items()}})  # fmt: skip
    return policy


@transaction.atomic
def keylist_settings_save(*, data: dict, actor, now) -> KeyListSettings:
    if not can_manage_org(actor):
        raise PermissionDenied
    settings_row = KeyListSettings.current()
    for field, value in data.items():
        setattr(settings_row, field, value)
    settings_row.updated_at = now
    settings_row.full_clean()
    settings_row.save()
    audit_record(actor=actor, action="visit.keylist_settings", obj=settings_row, now=now,
                 data={k: str(v) for k, v in data.items()})  # fmt: skip
    return settings_row


# --- plans -------------------------------------------------------------------------------------------
def policy_book() -> PolicyBook:
    return PolicyBook(
        PolicyInput(p.id, p.kind, p.visits_per_month, p.stars_min, p.stars_max, p.key_list)
        for p in VisitPolicy.objects.filter(active=True)
    )


def shop_inputs(customers) -> list[ShopInput]:
    """Plan inputs for a customer queryset, in two queries (shops with managers, key-list memberships)."""
    rows = customers.values_list(
        "id",
        "route__account_manager_id",
        "route_id",
        "stars",
        "order_cycle",
        "order_weekday",
        "joined_on",
        "status",
    )
    lists: dict[int, set] = {}
    for cid, name in KeyCustomerEntry.objects.filter(customer__in=customers.values("pk")).values_list(
        "customer_id", "key_list"
    ):
        lists.setdefault(cid, set()).add(name)
    return [
        ShopInput(cid, mid, rid, stars, cycle, weekday, joined, frozenset(lists.get(cid, ())), status)
        for cid, mid, rid, stars, cycle, weekday, joined, status in rows.iterator(chunk_size=5000)
    ]


@transaction.atomic
def visits_generate(*, start: dt.date, end: dt.date, now, customers=None) -> int:
    """Creates the policy-driven plan from ``start`` to ``end``; idempotent (one generated visit per shop and day,
    kept even when moved or cancelled). Returns the number of visits created."""
    customers = Customer.objects.all() if customers is None else customers
    months = KeyListSettings.current().new_shop_months
    planned = plan_visits(shop_inputs(customers), policy_book(), start, end, new_shop_months=months)
    existing = set(
        Visit.objects.filter(
            generated_for__range=(start, end), customer__in=customers.values("pk")
        ).values_list("customer_id", "generated_for")
    )
    new = [
        (p.customer_id, p.manager_id, p.route_id, p.policy_id, p.day, p.day)
        for p in planned
        if (p.customer_id, p.day) not in existing
    ]
    _insert_generated(new)
    visittally_add(day_change(day, manager, route, planned=1) for _c, manager, route, _p, day, _g in new)
    return len(new)


def _insert_generated(rows) -> None:
    """One multi-row insert per 5,000 visits, only the columns a plan has (bulk_create spends most of its
    time preparing 17 fields per row and, on SQLite, sends 58 rows per statement). A concurrent run's rows
    are skipped by the unique (shop, generated day) index."""
    columns = ["customer", "manager", "route", "policy", "planned_on", "generated_for", "source", "status",
               "outcome", "covered", "notes", "photo", "short_reason"]  # fmt: skip
    names = ", ".join(connection.ops.quote_name(Visit._meta.get_field(c).column) for c in columns)
    sql = (f"INSERT INTO {connection.ops.quote_name(Visit._meta.db_table)} ({names}) "
           f"VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT DO NOTHING")  # fmt: skip
    fixed = (VisitSource.GENERATED, VisitStatus.PLANNED, "", "[]", "", "", "")
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, [row + fixed for row in rows[i : i + 5000]])


@transaction.atomic
def visits_follow_routes(*, now) -> int:
    """Planned visits from today on follow their shop: a shop moved to another route, or a route handed to another
    account manager, takes its planned visits along. Done and past visits keep who made them."""
    today = timezone.localdate(now)
    planned = Visit.objects.filter(status=VisitStatus.PLANNED, planned_on__gte=today)
    stale = list(
        planned.exclude(route_id=F("customer__route_id"), manager_id=F("customer__route__account_manager_id"))
        .filter(customer__route__account_manager__isnull=False)
        .values_list(
            "pk",
            "customer__route_id",
            "customer__route__account_manager_id",
            "planned_on",
            "route_id",
            "manager_id",
        )
    )
    for pk, route_id, manager_id, *_rest in stale:
        Visit.objects.filter(pk=pk).update(route_id=route_id, manager_id=manager_id)
    visittally_add(
        change
        for _pk, r, m, day, old_route, old_manager in stale
        for change in (day_change(day, old_manager, old_route, planned=-1), day_change(day, m, r, planned=1))
    )
    VisitEvent.objects.bulk_create(
        [
            VisitEvent(visit_id=pk, action="reassign", at=now, data={"route": r, "manager": m})
            for pk, r, m, *_rest in stale
        ]
    )
    return len(stale)


def job_plan_coming_days(now) -> str:
    """Background job: planned visits follow route changes, then today and the next PLAN_DAYS_AHEAD days are planned."""
    moved = visits_follow_routes(now=now)
    today = timezone.localdate(now)
    n = visits_generate(start=today, end=today + dt.timedelta(days=PLAN_DAYS_AHEAD), now=now)
    return f"planned {n} visit(s), {moved} reassigned"


@transaction.atomic
def visit_add(*, customer, day: dt.date, actor, now) -> Visit:
    """A visit added by hand (e.g. an unplanned call on a shop)."""
    if not may_visit(actor, customer):
        raise PermissionDenied
    if day < timezone.localdate(now):
        raise ValidationError(_("A visit cannot be planned in the past."))
    manager = actor if actor.role == Role.ACCOUNT_MANAGER else (customer.route.account_manager or actor)
    visit = Visit.objects.create(customer=customer, manager=manager, route=customer.route, planned_on=day,
                                 source=VisitSource.MANUAL)  # fmt: skip
    visittally_add([visit_change(visit, planned=1)])
    _event(visit, "add", actor, now, day=day.isoformat())
    return visit


@transaction.atomic
def visit_move(*, visit: Visit, day: dt.date, actor, now) -> Visit:
    visit = Visit.objects.select_for_update(of=("self",)).get(pk=visit.pk)
    if not may_manage_plan(actor, visit):
        raise PermissionDenied
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError(_("Only a planned visit can be moved."))
    _check_not_missed(actor, visit, now)
    if day < timezone.localdate(now):
        raise ValidationError(_("A visit cannot be planned in the past."))
    old = visit.planned_on
    before = visit_change(visit, planned=-1)
    visit.planned_on = day
    visit.save(update_fields=["planned_on"])
    visittally_add([before, visit_change(visit, planned=1)])
    _event(visit, "move", actor, now, old=old.isoformat(), new=day.isoformat())
    return visit


@transaction.atomic
def visit_cancel(*, visit: Visit, reason: str, actor, now) -> Visit:
    visit = Visit.objects.select_for_update(of=("self",)).get(pk=visit.pk)
    if not may_manage_plan(actor, visit):
        raise PermissionDenied
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError(_("Only a planned visit can be cancelled."))
    _check_not_missed(actor, visit, now)
    if not reason.strip():
        raise ValidationError(_("Give the reason for cancelling."))
    visit.status = VisitStatus.CANCELLED
    visit.save(update_fields=["status"])
    visittally_add([visit_change(visit, planned=-1)])
    _event(visit, "cancel", actor, now, reason=reason.strip())
    return visit


@transaction.atomic
def visit_check_in(*, visit: Visit, actor, now, latitude=None, longitude=None) -> Visit:
    visit = Visit.objects.select_for_update(of=("self",)).select_related("customer").get(pk=visit.pk)
    if not may_record(actor, visit):
        raise PermissionDenied
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError(_("This visit is already checked in."))
    visit.status, visit.check_in_at = VisitStatus.IN_PROGRESS, now
    if latitude is not None and longitude is not None:
        visit.latitude, visit.longitude = Decimal(str(latitude)), Decimal(str(longitude))
    before = visit_change(visit, planned=-1)
    if timezone.localdate(now) != visit.planned_on:  # done on another day than planned: the record says when
        visit.planned_on = timezone.localdate(now)
    visit.save(update_fields=["status", "check_in_at", "latitude", "longitude", "planned_on"])
    visittally_add([before, visit_change(visit, planned=1)])  # nothing when the day is the one planned
    _event(visit, "check_in", actor, now)
    return visit


@transaction.atomic
def visit_record(
    *, visit: Visit, outcome: str, covered=(), notes: str = "", photo=None, short_reason: str = "", actor, now
) -> Visit:
    """Checks out and records what happened. ``covered`` are items of the policy's checklist.

    A shop visited for less than the policy's minimum minutes may still be checked out, with the reason given in
    ``short_reason`` (kept on the visit and shown in compliance); without one a ``short_visit`` error says so.
    """
    visit = (
        Visit.objects.select_for_update(of=("self",)).select_related("customer", "policy").get(pk=visit.pk)
    )
    if not may_record(actor, visit):
        raise PermissionDenied
    if visit.status != VisitStatus.IN_PROGRESS:
        raise ValidationError(_("Check in before recording the visit."))
    if outcome not in VisitOutcome.values:
        raise ValidationError(_("Choose the outcome of the visit."))
    allowed = visit.policy.checklist_items if visit.policy else []
    covered = [c for c in dict.fromkeys(covered)]
    unknown = [c for c in covered if c not in allowed]
    if unknown:
        raise ValidationError(_("Not on this visit's checklist: %(items)s") % {"items": "、".join(unknown)})
    if outcome == VisitOutcome.VISITED and allowed and not covered:
        raise ValidationError(_("Tick what the visit covered."))
    check_out_at = max(now, visit.check_in_at)
    minutes = int((check_out_at - visit.check_in_at).total_seconds() // 60)
    short_reason = (short_reason or "").strip()
    minimum = visit.policy.min_minutes if visit.policy else 0
    visited = outcome == VisitOutcome.VISITED
    short = visited and minutes < minimum
    if short and not short_reason:
        raise ValidationError(
            _("This visit lasted %(minutes)d minutes, shorter than the %(minimum)d minutes its policy asks for. "
              "Give the reason to check out.") % {"minutes": minutes, "minimum": minimum},
            code="short_visit",
        )  # fmt: skip
    visit.status, visit.check_out_at, visit.outcome = VisitStatus.DONE, check_out_at, outcome
    visit.covered, visit.notes = covered, (notes or "").strip()
    visit.minutes_spent = minutes
    visit.short_reason = short_reason if short else ""
    fields = ["status", "check_out_at", "outcome", "covered", "notes", "minutes_spent", "short_reason"]
    if photo:
        visit.photo = photo
        fields.append("photo")
    visit.full_clean(exclude=["customer", "manager", "route", "policy"])
    visit.save(update_fields=fields)
    visittally_add([visit_change(visit, done=1, visited=int(visited), short=int(short))])
    extra = {"short_reason": visit.short_reason} if visit.short_reason else {}
    _event(visit, "record", actor, now, outcome=outcome, minutes=visit.minutes, **extra)
    visitdue_refresh(now=now, customers=Customer.objects.filter(pk=visit.customer_id))
    return visit


@transaction.atomic
def visitdue_refresh(*, now, customers=None) -> int:
    """Recomputes ``VisitDue`` for ``customers`` (default: every shop): the policy that applies today, the
    last completed visit and the day the longest gap runs out. Returns the number of rows written."""
    from django.db.models import Max

    from .models import VisitDue

    customers = Customer.objects.all() if customers is None else customers
    today = timezone.localdate(now)
    months = KeyListSettings.current().new_shop_months
    book = policy_book()
    gaps = dict(VisitPolicy.objects.filter(active=True).values_list("id", "max_gap_days"))
    last = dict(
        Visit.objects.filter(customer__in=customers.values("pk"), status=VisitStatus.DONE)
        .values("customer_id").annotate(last=Max("check_in_at")).values_list("customer_id", "last")
    )  # fmt: skip
    rows = []
    for shop in shop_inputs(customers.filter(status=CustomerStatus.ACTIVE)):
        chosen = book.choose(shop, today, months)
        if chosen is None:
            continue
        seen = last.get(shop.id)
        last_on = timezone.localdate(seen) if seen else None
        since = last_on or shop.joined_on
        due = since + dt.timedelta(days=gaps[chosen.id]) if since else None
        rows.append(VisitDue(customer_id=shop.id, policy_id=chosen.id, last_visit_on=last_on, since=since,
                             due_on=due, computed_at=now))  # fmt: skip
    VisitDue.objects.filter(customer__in=customers.values("pk")).delete()
    VisitDue.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def job_visit_due(now) -> str:
    return f"{visitdue_refresh(now=now)} shops"


@transaction.atomic
def cyclenote_save(*, manager, week_start: dt.date, data: dict, actor, now) -> CycleNote:
    if actor.pk != manager.pk:
        raise PermissionDenied
    note, _created = CycleNote.objects.get_or_create(manager=manager, week_start=week_start,
                                                     defaults={"updated_at": now})  # fmt: skip
    for field in ("analysis", "plan", "evaluation", "improvement"):
        if field in data:
            setattr(note, field, (data[field] or "").strip())
    note.updated_at = now
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def visit_file_request(
    *, visit: Visit, kind: str, category, text: str, actor, now, urgency: str = "normal", idempotency_key=None
):
    """Files a service request for the visited shop through the service desk's intake (channel "visit").

    Returns (request, created); the visit's event trail keeps the request's reference.
    """
    from serviceloop.servicedesk.services import servicerequest_file

    visit = Visit.objects.select_related("customer").get(pk=visit.pk)
    if not may_record(actor, visit):
        raise PermissionDenied
    if visit.status not in (VisitStatus.IN_PROGRESS, VisitStatus.DONE):
        raise ValidationError(_("Check in before filing a request from the visit."))
    request, created = servicerequest_file(
        customer=visit.customer, channel="visit", kind=kind, category=category, text=text, actor=actor, now=now,
        urgency=urgency, idempotency_key=idempotency_key,
    )  # fmt: skip
    if created:
        _event(visit, "request", actor, now, id=request.pk, reference=request.reference)
    return request, created
