"""SLA policies applied to requests: choose milestones, meet, pause, resume and cancel them."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Min, OuterRef, Q, Subquery

from serviceloop.core.refcache import reference

from . import clock
from .conf import conf
from .models import (
    FINAL,
    MILESTONE_MET_BY,
    Holiday,
    MilestoneKind,
    MilestoneState,
    RequestMilestone,
    ServiceRequest,
    SlaPolicy,
)


def _hm(value: str) -> time:
    h, m = value.split(":")
    return time(int(h), int(m))


def working_calendar(*, around: date | None = None) -> clock.WorkingCalendar:
    """The company's working calendar: the statutory one plus its own days off and working days."""
    rows = Holiday.objects.all()
    if around is not None:
        rows = rows.filter(date__gte=around - timedelta(days=400), date__lte=around + timedelta(days=400))
    return clock.WorkingCalendar(
        tz=ZoneInfo(settings.TIME_ZONE),
        day_start=_hm(conf("WORK_START")),
        day_end=_hm(conf("WORK_END")),
        overrides=dict(rows.values_list("date", "is_workday")),
    )


def active_policies() -> list[SlaPolicy]:
    """Every active policy with its milestones, best first (kept a minute per process: core.refcache)."""

    def load():
        policies = SlaPolicy.objects.filter(active=True).order_by("-priority", "id")
        return list(policies.prefetch_related("milestones"))

    return reference("sla:policies", load)


def cached_policy_for(request: ServiceRequest) -> SlaPolicy | None:
    """``policy_for`` from the kept policies (no query once loaded): the filing paths use it."""
    names = ("kind", "complexity", "urgency", "channel")
    for policy in active_policies():
        if all(getattr(policy, n) in ("", getattr(request, n)) for n in names):
            return policy
    return None


def policy_for(request: ServiceRequest) -> SlaPolicy | None:
    """The highest-priority active policy whose criteria (blank = any) all match the request."""
    q = Q(active=True)
    for name in ("kind", "complexity", "urgency", "channel"):
        q &= Q(**{name: ""}) | Q(**{name: getattr(request, name)})
    return SlaPolicy.objects.filter(q).order_by("-priority", "id").prefetch_related("milestones").first()


def milestones_start(*, request: ServiceRequest, now: datetime, **plan) -> list[RequestMilestone]:
    """Stores the policy's milestones (``milestones_plan``, with its ``round``/``only``/``calendar``) and keeps
    the request's earliest deadline."""
    rows = milestones_plan(request=request, now=now, **plan)
    made = RequestMilestone.objects.bulk_create(rows)
    # New running milestones can only bring the earliest deadline forward: no need to ask the database for the
    # minimum again (one query less on every public filing).
    due = min([r.due_at for r in rows] + ([request.next_due_at] if request.next_due_at else []), default=None)
    if request.status in FINAL or due is None:
        next_due_refresh(request=request)
    elif due != request.next_due_at:
        ServiceRequest.objects.filter(pk=request.pk).update(next_due_at=due)
        request.next_due_at = due
    return made


def milestones_plan(
    *,
    request: ServiceRequest,
    now: datetime,
    round: int = 0,
    only=None,
    calendar: clock.WorkingCalendar | None = None,
) -> list[RequestMilestone]:
    """The policy's milestones for ``request`` from ``now``, not saved (the request itself may not be yet)."""
    policy = cached_policy_for(request)
    if policy is None:
        return []
    if calendar is None:
        day = now.date()
        calendar = reference(f"sla:calendar:{day}", lambda: working_calendar(around=day))
    default_share = conf("WARN_SHARE")
    rows = []
    for m in policy.milestones.all():
        if only is not None and m.milestone not in only:
            continue
        share = float(m.warn_share) if m.warn_share is not None else default_share
        rows.append(
            RequestMilestone(
                request=request,
                milestone=m.milestone,
                clock=m.clock,
                duration=m.duration,
                started_at=now,
                due_at=clock.add(now, m.duration, clock=m.clock, calendar=calendar),
                warn_at=clock.warn_time(now, m.duration, share, clock=m.clock, calendar=calendar),
                round=round,
            )
        )
    return rows


def milestones_restart(*, request: ServiceRequest, now: datetime, round: int) -> list[RequestMilestone]:
    """A reopened request's new round: the policy's plan and resolve limits, and always a resolve limit —
    an inquiry's policy has none (acknowledge + answer), yet a reopened inquiry must be settled in time."""
    calendar = working_calendar(around=now.date())
    rows = milestones_start(
        request=request,
        now=now,
        round=round,
        only={MilestoneKind.PLAN, MilestoneKind.RESOLVE},
        calendar=calendar,
    )
    if not any(r.milestone == MilestoneKind.RESOLVE for r in rows):
        duration = conf("REOPEN_RESOLVE")
        rows.append(
            RequestMilestone.objects.create(
                request=request,
                milestone=MilestoneKind.RESOLVE,
                clock=clock.CALENDAR,
                duration=duration,
                started_at=now,
                due_at=now + duration,
                warn_at=now + duration * conf("WARN_SHARE"),
                round=round,
            )
        )
        next_due_refresh(request=request)
    return rows


def milestones_meet(*, request: ServiceRequest, status: str, now: datetime) -> list[RequestMilestone]:
    met = []
    for m in request.milestones.filter(state=MilestoneState.PENDING):
        if status in MILESTONE_MET_BY.get(m.milestone, ()):
            m.state = MilestoneState.MET
            m.met_at = now
            if now > m.due_at and not m.breached:
                m.breached, m.breached_at = True, m.due_at
            m.save(update_fields=["state", "met_at", "breached", "breached_at"])
            met.append(m)
    if met:
        next_due_refresh(request=request)
    return met


def milestones_pause(*, request: ServiceRequest, now: datetime) -> int:
    n = request.milestones.filter(state=MilestoneState.PENDING, paused_at__isnull=True).update(paused_at=now)
    next_due_refresh(request=request)
    return n


def milestones_resume(*, request: ServiceRequest, now: datetime) -> int:
    calendar = working_calendar(around=now.date())
    rows = list(request.milestones.filter(state=MilestoneState.PENDING, paused_at__isnull=False))
    for m in rows:
        m.paused_total += clock.elapsed(m.paused_at, now, clock=m.clock, calendar=calendar)
        m.due_at = clock.resume(m.due_at, m.paused_at, now, clock=m.clock, calendar=calendar)
        m.warn_at = clock.resume(m.warn_at, m.paused_at, now, clock=m.clock, calendar=calendar)
        m.paused_at = None
        m.save(update_fields=["paused_total", "due_at", "warn_at", "paused_at"])
    next_due_refresh(request=request)
    return len(rows)


def milestones_cancel(*, request: ServiceRequest, now: datetime) -> int:
    n = request.milestones.filter(state=MilestoneState.PENDING).update(
        state=MilestoneState.CANCELLED, paused_at=None
    )
    next_due_refresh(request=request)
    return n


def _next_due() -> Subquery:
    running = RequestMilestone.objects.filter(
        request=OuterRef("pk"), state=MilestoneState.PENDING, paused_at__isnull=True
    ).order_by()
    return Subquery(running.values("request").annotate(m=Min("due_at")).values("m")[:1])


def next_due_refresh(*, request: ServiceRequest) -> None:
    """Keeps ``ServiceRequest.next_due_at`` (the earliest running deadline) after its milestones changed."""
    due = None
    if request.status not in FINAL:
        due = RequestMilestone.objects.filter(
            request=request, state=MilestoneState.PENDING, paused_at__isnull=True
        ).aggregate(m=Min("due_at"))["m"]
    ServiceRequest.objects.filter(pk=request.pk).update(next_due_at=due)
    request.next_due_at = due


def next_due_rebuild() -> int:
    """Recomputes every request's ``next_due_at`` from its milestones (the rebuild job and command; bulk
    generators that write milestones directly). Returns the number of requests with a running deadline."""
    ServiceRequest.objects.filter(status__in=FINAL, next_due_at__isnull=False).update(next_due_at=None)
    live = ServiceRequest.objects.exclude(status__in=FINAL)
    live.update(next_due_at=_next_due())
    return live.filter(next_due_at__isnull=False).count()


def milestone_left(m: RequestMilestone, now: datetime) -> timedelta:
    """Clock time left before the deadline (negative when overdue), for pages."""
    calendar = working_calendar(around=now.date())
    ref = m.paused_at or now
    if ref <= m.due_at:
        return clock.elapsed(ref, m.due_at, clock=m.clock, calendar=calendar)
    return -clock.elapsed(m.due_at, ref, clock=m.clock, calendar=calendar)
