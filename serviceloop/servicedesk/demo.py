"""Demo part: a year of service requests in the demo city, in every state, with their whole trail.

Called once at the end of ``core.demo.demo_build``. Deterministic for a seed; bulk inserts only (the rows
are what the services would have written: events, milestones, handling reports, follow-ups, escalations).
"""

import datetime as dt
import json
from collections import defaultdict

from serviceloop.customers.models import Customer
from serviceloop.org.models import Role, User

from . import clock
from .conf import conf
from .models import (
    FINAL,
    Category,
    Closure,
    Escalation,
    EscalationReason,
    EventKind,
    FollowUp,
    HandlingReport,
    Kind,
    MilestoneState,
    Notification,
    ReferenceCounter,
    RequestEvent,
    RequestMilestone,
    ServiceRequest,
    ShopMessage,
    SlaPolicy,
    Status,
)
from .sla import working_calendar

REQUESTS_PER_SHOP_YEAR = 1.0
CHANNELS = {
    "phone": 35,
    "hotline_12313": 10,
    "qr": 20,
    "wechat": 10,
    "visit": 15,
    "walk_in": 5,
    "survey": 3,
    "other_system": 2,
}
KINDS = {"inquiry": 35, "request": 20, "complaint": 25, "suggestion": 10, "praise": 7, "report": 3}
CATEGORIES = {
    "ordering": 22,
    "delivery": 20,
    "quality": 8,
    "settlement": 12,
    "attitude": 8,
    "supply": 15,
    "policy": 10,
    "other": 5,
}
TEXTS = {
    "ordering": [
        "网上订货页面打不开，今天订不了货",
        "订单提交后显示失败，想确认是否订上",
        "想调整本周订货量",
        "订货时间能否延长到晚上",
    ],
    "delivery": [
        "今天的货还没送到",
        "送来的货少了两条",
        "送货时间太早，店里还没开门",
        "送货员没让签收就走了",
    ],
    "quality": ["有一条烟包装破损", "顾客反映烟受潮", "条盒上的码扫不出来"],
    "settlement": ["电子结算扣款失败", "银行卡换了，怎么改结算账户", "扣款金额和订单对不上"],
    "attitude": ["客户经理来店里态度不好", "电话打过去没人接", "送货员说话不客气"],
    "supply": ["紧俏烟这周又没分到", "想多要一些畅销品规", "档位调整后货源少了"],
    "policy": ["许可证延续需要带什么材料", "积分怎么算的", "想了解新店入网政策"],
    "other": ["店里要搬迁，想问手续", "希望多组织培训", "门口的服务牌掉了"],
}
PRAISE = ["客户经理服务很周到，特此表扬", "送货员帮忙搬货，非常感谢"]
REPORT = ["附近有店卖来路不明的烟", "有人在微信群里卖烟", "某店无证经营"]
SUGGESTION = ["建议订货平台增加语音提醒", "建议送货前打个电话"]
ANSWERS = ["已电话答复客户", "已告知办理流程和所需材料", "已解释政策并发送说明"]
ACTIONS = ["上门核实情况并向客户说明", "协调物流补送", "联系结算银行处理", "与客户经理当面沟通"]
OUTCOMES = ["问题已解决，客户认可", "已补送到位", "扣款已恢复正常", "客户表示理解"]


def _pick(rng, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def build_servicedesk_demo(city) -> dict[str, int]:
    rng = city.rng("servicedesk")
    again = city.rng("servicedesk-second-round")  # its own generator: the first rounds stay as they were
    now, today = city.now, city.today
    tz = city.tz
    calendar = working_calendar(around=today)
    cats = {c.code: c for c in Category.objects.all()}
    policies = list(
        SlaPolicy.objects.filter(active=True).prefetch_related("milestones").order_by("-priority", "id")
    )
    shops = list(
        Customer.objects.filter(branch__company=city.company)
        .order_by("licence_no")
        .values_list("id", "branch_id", "station_id", "route_id", "route__account_manager_id", "phone")
    )
    if not shops or not cats:
        return {}
    staff = User.objects.filter(company=city.company, is_active=True)
    agents = list(
        staff.filter(role=Role.AGENT, branch__isnull=True).order_by("username").values_list("id", flat=True)
    )
    agents = agents or list(staff.filter(role=Role.AGENT).order_by("username").values_list("id", flat=True))
    supervisors = (
        list(staff.filter(role=Role.SUPERVISOR).order_by("username").values_list("id", flat=True)) or agents
    )
    inspectors = (
        list(staff.filter(role=Role.INSPECTOR).order_by("username").values_list("id", flat=True)) or agents
    )
    heads = dict(staff.filter(role=Role.STATION_HEAD).values_list("station_id", "id"))
    # Settlement matters go to the finance department (one-stop handling), when the city has one.
    finance = list(
        staff.filter(role=Role.DEPARTMENT_STAFF, department__code="finance")
        .order_by("username")
        .values_list("id", "department_id")
    )

    total = int(len(shops) * REQUESTS_PER_SHOP_YEAR)
    start = today - dt.timedelta(days=365)
    counters = defaultdict(int, {c.day: c.last for c in ReferenceCounter.objects.filter(day__gte=start)})
    plans = []
    for _ in range(total):
        day = start + dt.timedelta(days=int(365 * rng.random() ** 0.9))  # a little busier recently
        at = city.at(min(day, today), rng)
        plans.append((at, rng.choice(shops)))
    plans.sort(key=lambda p: p[0])

    requests, life = [], []
    last_complaint = {}
    for at, shop in plans:
        shop_id, branch_id, station_id, route_id, am_id, phone = shop
        kind = _pick(rng, KINDS)
        code = _pick(rng, CATEGORIES)
        if kind == "inquiry" and code in ("quality", "attitude"):
            code = "policy"
        channel = "visit" if kind == "report" and rng.random() < 0.3 else _pick(rng, CHANNELS)
        text = (
            rng.choice(PRAISE)
            if kind == "praise"
            else rng.choice(REPORT)
            if kind == "report"
            else rng.choice(SUGGESTION)
            if kind == "suggestion"
            else rng.choice(TEXTS[code])
        )
        local_day = at.astimezone(tz).date()
        counters[local_day] += 1
        sr = ServiceRequest(
            reference=f"SR{local_day:%Y%m%d}-{counters[local_day]:04d}",
            shop_id=shop_id,
            branch_id=branch_id,
            station_id=station_id,
            route_id=route_id,
            channel=channel,
            kind=kind,
            category=cats[code],
            urgency="high" if rng.random() < 0.08 else "normal",
            complexity="complex" if kind == "complaint" and rng.random() < 0.25 else "simple",
            text=text,
            callback_phone=phone if rng.random() < 0.6 else "",
            created_at=at,
            updated_at=at,
            created_by_id=am_id if channel == "visit" and am_id else rng.choice(agents),
        )
        if kind == "complaint":
            key = (shop_id, code)
            prev = last_complaint.get(key)
            if prev is not None and (at - prev.created_at).days < conf("REPEAT_DAYS"):
                sr._repeat = prev
            last_complaint[key] = sr
        requests.append(sr)
        owner = (
            am_id
            if (cats[code].field_matter and am_id)
            else (rng.choice(inspectors) if kind == "report" else rng.choice(agents))
        )
        department = None
        if code == "settlement" and kind != "report" and finance:
            owner, department = finance[len(requests) % len(finance)]
        life.append(_life(rng, sr, now, owner, supervisors, again, department))
    for sr, steps in zip(requests, life, strict=True):
        for name, value in steps[-1]["fields"].items():
            setattr(sr, name, value)
    ServiceRequest.objects.bulk_create(requests, batch_size=2000)
    repeats = [sr for sr in requests if hasattr(sr, "_repeat")]
    for sr in repeats:
        sr.repeat_of_id = sr._repeat.pk
    ServiceRequest.objects.bulk_update(repeats, ["repeat_of"], batch_size=2000)
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(day=d, last=n) for d, n in counters.items()],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["day"],
        update_fields=["last"],
    )

    events, milestones, reports, follow_ups, messages, escalations, notes = [], [], [], [], [], [], []
    for sr, steps in zip(requests, life, strict=True):
        final = steps[-1]
        events.append(
            RequestEvent(
                request=sr,
                kind=EventKind.FILED,
                actor_id=sr.created_by_id,
                to_status=Status.NEW,
                at=sr.created_at,
                data={"channel": sr.channel, "photos": 0},
            )
        )
        messages.append(
            ShopMessage(
                request=sr,
                phone=sr.callback_phone,
                text=f"您的诉求已登记，编号 {sr.reference}。",
                created_at=sr.created_at,
                notifier="LogNotifier",
                state="sent",  # the demo's history: already delivered, never sent again
                attempts=1,
                sent_at=sr.created_at,
            )
        )
        for step in steps:
            for ev in step["events"]:
                events.append(RequestEvent(request=sr, **ev))
            if step.get("report"):
                reports.append(HandlingReport(request=sr, **step["report"]))
            if step.get("follow_up"):
                follow_ups.append(FollowUp(request=sr, **step["follow_up"]))
        milestones += _milestones(sr, policies, calendar, final["met"], now)
    _insert_events(events)
    RequestMilestone.objects.bulk_create(milestones, batch_size=5000)
    from .sla import next_due_rebuild

    next_due_rebuild()  # milestones written in bulk, past the service that keeps each request's next deadline
    # A reopened request's owner deadline is its new round's resolve limit (as the service sets it).
    round_one = {m.request_id: m.due_at for m in milestones if m.round == 1 and m.milestone == "resolve"}
    reopened = [sr for sr in requests if sr.pk in round_one]
    for sr in reopened:
        sr.owner_due_at = round_one[sr.pk]
    ServiceRequest.objects.bulk_update(reopened, ["owner_due_at"], batch_size=2000)
    HandlingReport.objects.bulk_create(reports, batch_size=5000)
    FollowUp.objects.bulk_create(follow_ups, batch_size=5000)
    ShopMessage.objects.bulk_create(messages, batch_size=5000)
    # Escalations the sweep and the follow-ups would have raised, with the station head's notifications.
    for m in milestones:
        if m.breached and m.request.station_id in heads:
            esc = Escalation(
                request=m.request,
                milestone=m,
                reason=EscalationReason.BREACH,
                round=m.round,
                recipients=[heads[m.request.station_id]],
                at=m.due_at,
            )
            escalations.append(esc)
            notes.append(
                Notification(
                    user_id=heads[m.request.station_id],
                    request=m.request,
                    title=f"已超时：{m.request.reference}",
                    body=m.get_milestone_display(),
                    created_at=m.due_at,
                    digested=True,
                    read_at=m.due_at + dt.timedelta(hours=2) if m.state != "pending" else None,
                )
            )
    Escalation.objects.bulk_create(escalations, batch_size=5000)
    Notification.objects.bulk_create(notes, batch_size=5000)
    counts = {
        "service_requests": len(requests),
        "request_events": len(events),
        "request_milestones": len(milestones),
    }
    city.counts.update(counts)
    return counts


def _life(rng, sr, now, owner, supervisors, again, department=None) -> list[dict]:
    """What happened to the request up to ``now``: a list of steps, each with its events and field values."""
    t = sr.created_at
    age = now - t
    fields, met = {}, {}
    steps = []
    actor = sr.created_by_id

    def step(to, frm, when, who, note="", **extra):
        nonlocal t
        t = min(when, now)
        ev = {
            "kind": EventKind.TRANSITION,
            "actor_id": who,
            "from_status": frm,
            "to_status": to,
            "at": t,
            "note": note,
        }
        ev.update(extra.pop("event", {}))
        fields.update(status=to, updated_at=t)
        data = {"events": [ev], "fields": dict(fields), "met": met}
        data.update(extra)
        steps.append(data)
        return t

    # How far the request got depends on its age; a few recent ones are late or stuck.
    late = rng.random() < 0.07
    # Recent requests are often still under way: stop some of them at a stage.
    stall = (
        rng.choice([Status.ACKNOWLEDGED, Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED, None, None])
        if age < dt.timedelta(days=14)
        else None
    )
    ack_delay = dt.timedelta(minutes=rng.randint(20, 90) if late else rng.randint(2, 14))
    if age < ack_delay or (age < dt.timedelta(days=3) and rng.random() < 0.3):
        return [{"events": [], "fields": {"status": Status.NEW}, "met": met}]
    if rng.random() < 0.02:
        step(Status.CANCELLED, Status.NEW, t + ack_delay, actor, "客户撤回")
        fields["cancel_reason"] = "客户撤回"
        steps[-1]["fields"] = dict(fields)
        return steps
    when = step(Status.ACKNOWLEDGED, Status.NEW, t + ack_delay, actor)
    fields["acknowledged_at"] = when
    met["acknowledge"] = when
    steps[-1]["fields"] = dict(fields)
    if stall == Status.ACKNOWLEDGED:
        return steps
    if sr.kind == Kind.INQUIRY:
        answer_at = t + dt.timedelta(minutes=rng.randint(60, 150) if late else rng.randint(5, 55))
        if answer_at > now:
            return steps
        when = step(Status.ANSWERED, Status.ACKNOWLEDGED, answer_at, actor, rng.choice(ANSWERS))
        fields.update(resolved_at=when, handler_id=actor)
        met["answer"] = when
        steps[-1]["fields"] = dict(fields)
        return _follow_up(rng, step, steps, fields, met, now, actor, supervisors, Status.ANSWERED, again)
    dispatch_at = t + dt.timedelta(minutes=rng.randint(5, 120))
    if dispatch_at > now:
        return steps
    hours = 72 if sr.complexity == "complex" else 24
    fields.update(
        owner_id=owner,
        owner_due_at=sr.created_at + dt.timedelta(hours=hours),
        dispatched_at=dispatch_at,
        department_id=department,
    )
    step(
        Status.DISPATCHED,
        Status.ACKNOWLEDGED,
        dispatch_at,
        actor,
        event={"data": {"owner": owner, "due_at": (sr.created_at + dt.timedelta(hours=hours)).isoformat()}},
    )
    if stall == Status.DISPATCHED:
        return steps
    start_at = t + dt.timedelta(hours=rng.uniform(0.5, 8))
    if start_at > now:
        return steps
    when = step(Status.IN_PROGRESS, Status.DISPATCHED, start_at, owner, "已联系客户，安排处理")
    met["plan"] = when
    if stall == Status.IN_PROGRESS:
        return steps
    if rng.random() < 0.04 and now - t < dt.timedelta(days=20):
        step(Status.ON_HOLD, Status.IN_PROGRESS, t + dt.timedelta(hours=1), owner, "等待客户提供凭证")
        fields.update(hold_reason="等待客户提供凭证", held_from=Status.IN_PROGRESS)
        steps[-1]["fields"] = dict(fields)
        return steps
    spread = hours * (1.6 if late else 0.7)
    resolve_at = t + dt.timedelta(hours=rng.uniform(1, spread))
    if resolve_at > now:
        return steps
    report = {
        "author_id": owner,
        "actions_taken": rng.choice(ACTIONS),
        "outcome": rng.choice(OUTCOMES),
        "created_at": min(resolve_at, now),
    }
    steps[-1]["report"] = report
    steps[-1]["events"].append(
        {
            "kind": EventKind.REPORT,
            "actor_id": owner,
            "at": report["created_at"],
            "note": f"{report['actions_taken']}\n{report['outcome']}",
        }
    )
    when = step(Status.RESOLVED, Status.IN_PROGRESS, resolve_at, owner)
    fields.update(resolved_at=when, handler_id=owner)
    met["resolve"] = when
    steps[-1]["fields"] = dict(fields)
    if stall == Status.RESOLVED:
        return steps
    return _follow_up(rng, step, steps, fields, met, now, actor, supervisors, Status.RESOLVED, again)


def _follow_up(rng, step, steps, fields, met, now, actor, supervisors, frm, again):
    by = rng.choice(supervisors)
    t = steps[-1]["events"][-1]["at"]
    call_at = t + dt.timedelta(hours=rng.uniform(2, 30))
    if call_at > now:
        return steps
    roll = rng.random()
    if roll < 0.05:  # never reached: three calls over two days, then closed as unreachable
        tries = [call_at + dt.timedelta(hours=h) for h in (0, 24, 50)]
        if tries[-1] > now:
            return steps
        for at in tries:
            steps[-1]["events"].append(
                {
                    "kind": EventKind.FOLLOW_UP,
                    "actor_id": by,
                    "at": at,
                    "note": "无人接听",
                    "data": {"reached": False, "satisfaction": None},
                }
            )
        for at in tries:
            steps.append(
                {
                    "events": [],
                    "fields": dict(fields),
                    "met": met,
                    "follow_up": {"by_id": by, "at": at, "reached": False, "comment": "无人接听"},
                }
            )
        fields.update(
            follow_up_attempts=3,
            closure=Closure.UNREACHABLE,
            closure_reason="三次回访均无人接听",
            closed_at=tries[-1],
        )
        step(Status.CLOSED, frm, tries[-1], by, "回访 3 次未联系上，按无法联系关闭。")
        steps[-1]["fields"] = dict(fields)
        return steps
    satisfaction = rng.choices([5, 4, 3, 2, 1], weights=[62, 25, 7, 4, 2])[0]
    fields.update(satisfaction=satisfaction, follow_up_attempts=0)
    steps[-1]["follow_up"] = {
        "by_id": by,
        "at": call_at,
        "reached": True,
        "satisfaction": satisfaction,
        "comment": "满意" if satisfaction >= 4 else "一般" if satisfaction == 3 else "问题没解决",
    }
    steps[-1]["events"].append(
        {
            "kind": EventKind.FOLLOW_UP,
            "actor_id": by,
            "at": call_at,
            "note": "",
            "data": {"reached": True, "satisfaction": satisfaction},
        }
    )
    if satisfaction <= conf("DISSATISFIED_AT"):
        return _second_round(again, step, steps, fields, met, now, by, frm, call_at, satisfaction)
    step(Status.FOLLOWED_UP, frm, call_at, by)
    close_at = call_at + dt.timedelta(minutes=rng.randint(1, 60))
    if close_at > now:
        steps[-1]["fields"] = dict(fields)
        return steps
    fields.update(closure=Closure.DONE, closed_at=close_at)
    step(Status.CLOSED, Status.FOLLOWED_UP, close_at, by)
    steps[-1]["fields"] = dict(fields)
    return steps


def _second_round(rng, step, steps, fields, met, now, by, frm, call_at, satisfaction):
    """Reopened after a dissatisfied call, as the service does it: back to whoever had it (the owner, or
    who answered), with a new deadline (set with the milestones); handled again when there was time."""
    owner = fields.get("owner_id") or fields.get("handler_id")
    fields.update(reopen_count=1, resolved_at=None, satisfaction=None, owner_id=owner, closure="")
    step(
        Status.REOPENED, frm, call_at, by, f"客户不满意（{satisfaction}/5）", event={"data": {"owner": owner}}
    )
    met["reopened_at"] = call_at
    steps[-1]["fields"] = dict(fields)
    start_at = call_at + dt.timedelta(hours=rng.uniform(1, 6))
    if start_at > now:
        return steps
    when = step(Status.IN_PROGRESS, Status.REOPENED, start_at, owner, "再次联系客户，重新处理")
    met["plan@1"] = when
    resolve_at = when + dt.timedelta(hours=rng.uniform(2, 20))
    if resolve_at > now:
        return steps
    report = {
        "author_id": owner,
        "actions_taken": "再次上门，当面解决",
        "outcome": "问题已解决，客户认可",
        "created_at": resolve_at,
    }
    steps[-1]["report"] = report
    steps[-1]["events"].append(
        {
            "kind": EventKind.REPORT,
            "actor_id": owner,
            "at": resolve_at,
            "note": f"{report['actions_taken']}\n{report['outcome']}",
        }
    )
    when = step(Status.RESOLVED, Status.IN_PROGRESS, resolve_at, owner)
    fields.update(resolved_at=when, handler_id=owner)
    met["resolve@1"] = when
    steps[-1]["fields"] = dict(fields)
    call_at = when + dt.timedelta(hours=rng.uniform(2, 24))
    if call_at > now:
        return steps
    satisfaction = rng.choice([4, 5])
    steps[-1]["follow_up"] = {
        "by_id": by,
        "at": call_at,
        "reached": True,
        "satisfaction": satisfaction,
        "comment": "这次满意",
    }
    steps[-1]["events"].append(
        {
            "kind": EventKind.FOLLOW_UP,
            "actor_id": by,
            "at": call_at,
            "note": "这次满意",
            "data": {"reached": True, "satisfaction": satisfaction},
        }
    )
    fields.update(satisfaction=satisfaction)
    step(Status.FOLLOWED_UP, Status.RESOLVED, call_at, by)
    steps[-1]["fields"] = dict(fields)
    close_at = call_at + dt.timedelta(minutes=rng.randint(1, 60))
    if close_at > now:
        return steps
    fields.update(closure=Closure.DONE, closed_at=close_at)
    step(Status.CLOSED, Status.FOLLOWED_UP, close_at, by)
    steps[-1]["fields"] = dict(fields)
    return steps


def _milestone_row(sr, *, kind, duration, clock_kind, started, warn_share, calendar, done, now, round=0):
    due = clock.add(started, duration, clock=clock_kind, calendar=calendar)
    warn = clock.warn_time(started, duration, warn_share, clock=clock_kind, calendar=calendar)
    row = RequestMilestone(
        request=sr,
        milestone=kind,
        clock=clock_kind,
        duration=duration,
        started_at=started,
        due_at=due,
        warn_at=warn,
        round=round,
    )
    if done is not None:
        row.state, row.met_at = MilestoneState.MET, done
        row.breached = done > due
    elif sr.status in FINAL:
        row.state = MilestoneState.CANCELLED
    elif sr.status == Status.ON_HOLD:
        row.paused_at = sr.updated_at
    if row.state == MilestoneState.PENDING and warn <= now:
        row.warned_at = warn
    if not row.breached and row.state == MilestoneState.PENDING and due <= now and row.paused_at is None:
        row.breached, row.escalation_level = True, 1
    if row.breached:
        row.breached_at = due
        row.escalation_level = max(row.escalation_level, 1)
    return row


def _milestones(sr, policies, calendar, met, now) -> list[RequestMilestone]:
    policy = next(
        (
            p
            for p in policies
            if all(
                getattr(p, f) in ("", getattr(sr, f)) for f in ("kind", "complexity", "urgency", "channel")
            )
        ),
        None,
    )
    rows = []
    share = conf("WARN_SHARE")
    reopened = met.get("reopened_at")
    for m in policy.milestones.all() if policy is not None else ():
        done = met.get(m.milestone) or (met.get("answer") if m.milestone == "resolve" else None)
        if reopened is not None and done is None:
            done = reopened  # round 0 ended with the first answer/resolution, before the reopening
        rows.append(
            _milestone_row(sr, kind=m.milestone, duration=m.duration, clock_kind=m.clock, started=sr.created_at,
                           warn_share=float(m.warn_share or share), calendar=calendar, done=done, now=now)
        )  # fmt: skip
    if reopened is not None:
        # The new round, as sla.milestones_restart: the policy's plan/resolve limits, always a resolve limit.
        again = [m for m in (policy.milestones.all() if policy else ()) if m.milestone in ("plan", "resolve")]
        limits = [(m.milestone, m.duration, m.clock, float(m.warn_share or share)) for m in again]
        if not any(k == "resolve" for k, *_ in limits):
            limits.append(("resolve", conf("REOPEN_RESOLVE"), clock.CALENDAR, share))
        for kind, duration, clock_kind, warn_share in limits:
            rows.append(
                _milestone_row(sr, kind=kind, duration=duration, clock_kind=clock_kind, started=reopened,
                               warn_share=warn_share, calendar=calendar, done=met.get(f"{kind}@1"), now=now,
                               round=1)
            )  # fmt: skip
    return rows


def _insert_events(events: list) -> None:
    """The trail is most of the rows: inserted with executemany, skipping the ORM's per-value preparation."""
    from django.db import connection

    table = RequestEvent._meta.db_table
    cols = ["request_id", "kind", "actor_id", "from_status", "to_status", "note", "at", "data"]
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        (
            e.request_id,
            e.kind,
            e.actor_id,
            e.from_status,
            e.to_status,
            e.note,
            adapt(e.at),
            json.dumps(e.data, ensure_ascii=False),
        )
        for e in events
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])
