"""Escalation along the organisation chart, in-app notifications and webhook digests.

The sweep only reads PENDING milestones (indexed by state and time), so closed requests cost nothing. Each
step is claimed by a conditional update or a unique Escalation row, so running the sweep twice for the same
``now`` notifies nobody twice; webhook digests are unique per webhook and sweep.
"""

import json
import logging
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from serviceloop.integrations.events import request_event
from serviceloop.org.models import Role, User

from .conf import conf
from .models import (
    DeliveryState,
    Escalation,
    EscalationReason,
    EventKind,
    Kind,
    MilestoneState,
    Notification,
    RequestEvent,
    RequestMilestone,
    ServiceRequest,
    Webhook,
    WebhookDelivery,
    WebhookFormat,
)

log = logging.getLogger(__name__)


def _city(request) -> list[User]:
    q = Q(role=Role.CITY_ADMIN) | Q(role=Role.SUPERVISOR, branch__isnull=True, station__isnull=True)
    if request.kind == Kind.REPORT:
        q = Q(role=Role.CITY_ADMIN) | Q(role=Role.INSPECTOR, branch__isnull=True, station__isnull=True)
    return list(User.objects.filter(q, is_active=True).order_by("id"))


def recipients_for(request: ServiceRequest, *, level: int) -> list[User]:
    """Level 1: the station head; 2: the branch manager; 3: the city. Falls back upwards when a level is
    empty (a request without a shop goes to the city). Tip-offs only go to those allowed to see them."""
    if request.kind == Kind.REPORT:
        if level <= 2 and request.branch_id:
            found = list(
                User.objects.filter(role=Role.INSPECTOR, branch_id=request.branch_id, is_active=True)
            )
            if found:
                return found
        return _city(request)
    if level <= 1 and request.station_id:
        found = list(
            User.objects.filter(role=Role.STATION_HEAD, station_id=request.station_id, is_active=True)
        )
        if found:
            return found
    if level <= 2 and request.branch_id:
        found = list(
            User.objects.filter(role=Role.BRANCH_MANAGER, branch_id=request.branch_id, is_active=True)
        )
        if found:
            return found
    return _city(request)


TITLES = {
    EscalationReason.WARNING: gettext_noop("Near the time limit: %(ref)s"),
    EscalationReason.BREACH: gettext_noop("Overdue: %(ref)s"),
    EscalationReason.BREACH_BRANCH: gettext_noop("Still overdue: %(ref)s"),
    EscalationReason.BREACH_CITY: gettext_noop("Still overdue: %(ref)s"),
    EscalationReason.LOW_SATISFACTION: gettext_noop("Customer dissatisfied: %(ref)s"),
    EscalationReason.REPEAT_COMPLAINT: gettext_noop("Repeat complaint: %(ref)s"),
}


def escalate(
    *, request, reason: str, now: datetime, recipients, milestone=None, round: int = 0, note: str = ""
) -> Escalation | None:
    """One escalation step, at most once per request, milestone, reason and round; notifies each recipient."""
    people = list({u.pk: u for u in recipients if u is not None}.values())
    try:
        with transaction.atomic():
            esc = Escalation.objects.create(
                request=request,
                milestone=milestone,
                reason=reason,
                round=round,
                recipients=[u.pk for u in people],
                at=now,
            )
    except IntegrityError:
        return None
    title = _(TITLES[reason]) % {"ref": request.reference}
    body = note or (request.text[:80])
    Notification.objects.bulk_create(
        [Notification(user=u, request=request, title=title, body=body, created_at=now) for u in people]
    )
    RequestEvent.objects.create(
        request=request,
        kind=EventKind.ESCALATED,
        at=now,
        note=f"{title} {note}".strip(),
        data={"reason": reason, "to": [u.pk for u in people], "names": [str(u) for u in people]},
    )
    request_event(request, "escalated", now=now, reason=reason)  # outbound event (issue 15)
    return esc


OWNER_TITLES = {
    "dispatched": gettext_noop("New task for you: %(ref)s"),
    "reassigned": gettext_noop("Reassigned to you: %(ref)s"),
    "reopened": gettext_noop("Reopened, back to you: %(ref)s"),
}


def notify_owner(*, request, why: str, actor, now: datetime) -> Notification | None:
    """Tells the new owner (bell, then the next webhook digest) that a request is now theirs; nobody is
    told about what they did themselves."""
    owner = request.owner
    if owner is None or (actor is not None and actor.pk == owner.pk):
        return None
    parts = [request.category.name]
    if request.shop_id:
        parts.append(request.shop.name)
    if request.owner_due_at:
        parts.append(_("due %(due)s") % {"due": f"{timezone.localtime(request.owner_due_at):%m-%d %H:%M}"})
    return Notification.objects.create(
        user=owner,
        request=request,
        title=_(OWNER_TITLES[why]) % {"ref": request.reference},
        body=" · ".join(parts),
        created_at=now,
    )


def _claim(qs, **values) -> bool:
    return bool(qs.update(**values))


def _cached(cache: dict, request, level: int) -> list:
    key = (request.kind == Kind.REPORT, request.station_id, request.branch_id, level)
    if key not in cache:
        cache[key] = recipients_for(request, level=level)
    return cache[key]


BATCH = 500


def _batches(qs):
    """The due rows a batch at a time (each batch one transaction: few commits, short locks). The ids are
    found first through the (state, time) index alone, so the cost follows the due rows, not the table."""
    ids = list(qs.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        yield list(qs.filter(pk__in=ids[start : start + BATCH]).order_by("pk"))


def sweep(now: datetime) -> str:
    """Warnings → owner; breach → station head; still breached → branch; then city. Then webhook digests."""
    counts = defaultdict(int)
    cache = {}
    pending = RequestMilestone.objects.filter(state=MilestoneState.PENDING, paused_at__isnull=True)
    related = ("request", "request__owner")

    def due_text(m, template):
        return _(template) % {
            "m": m.get_milestone_display(),
            "due": f"{timezone.localtime(m.due_at):%m-%d %H:%M}",
        }

    for rows in _batches(pending.filter(warned_at__isnull=True, warn_at__lte=now).select_related(*related)):
        with transaction.atomic():
            for m in rows:
                if not _claim(
                    RequestMilestone.objects.filter(pk=m.pk, warned_at__isnull=True), warned_at=now
                ):
                    continue  # another runner took it
                sr = m.request
                people = [sr.owner] if sr.owner_id else _cached(cache, sr, 1)
                escalate(
                    request=sr,
                    reason=EscalationReason.WARNING,
                    now=now,
                    recipients=people,
                    milestone=m,
                    round=m.round,
                    note=due_text(m, gettext_noop("%(m)s due %(due)s")),
                )
                counts["warnings"] += 1

    steps = [
        (0, EscalationReason.BREACH, 1, None),
        (1, EscalationReason.BREACH_BRANCH, 2, conf("ESCALATE_BRANCH_AFTER")),
        (2, EscalationReason.BREACH_CITY, 3, conf("ESCALATE_CITY_AFTER")),
    ]
    for level, reason, new_level, after in steps:
        cutoff = now if after is None else now - after
        for rows in _batches(
            pending.filter(escalation_level=level, due_at__lte=cutoff).select_related(*related)
        ):
            with transaction.atomic():
                for m in rows:
                    extra = {"breached": True, "breached_at": m.due_at} if level == 0 else {}
                    claimed = RequestMilestone.objects.filter(pk=m.pk, escalation_level=level)
                    if not _claim(claimed, escalation_level=new_level, **extra):
                        continue
                    sr = m.request
                    people = list(_cached(cache, sr, new_level))
                    if level == 0 and sr.owner_id:
                        people = [sr.owner, *people]
                    escalate(
                        request=sr,
                        reason=reason,
                        now=now,
                        recipients=people,
                        milestone=m,
                        round=m.round,
                        note=due_text(m, gettext_noop("%(m)s was due %(due)s")),
                    )
                    counts[reason] += 1

    digests, sent, failed = send_digests(now)
    return (
        f"{counts['warnings']} warning(s), {counts[EscalationReason.BREACH]} breach(es), "
        f"{counts[EscalationReason.BREACH_BRANCH]} to branch, {counts[EscalationReason.BREACH_CITY]} to city; "
        f"{digests} digest(s), {sent} sent, {failed} failed"
    )


# ---- webhooks --------------------------------------------------------------------------------------


def digest_payload(fmt: str, user, notifications) -> dict:
    title = _("Service desk: %(n)d item(s) for %(name)s") % {"n": len(notifications), "name": user}
    lines = [f"- {n.title}" + (f": {n.body}" if n.body else "") for n in notifications]
    if fmt == WebhookFormat.WECOM:
        return {"msgtype": "markdown", "markdown": {"content": "\n".join([f"**{title}**", *lines])}}
    if fmt == WebhookFormat.DINGTALK:
        return {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": "\n".join([f"### {title}", *lines])},
        }
    return {
        "title": title,
        "user": user.username,
        "items": [
            {"title": n.title, "text": n.body, "request": n.request_id, "at": n.created_at.isoformat()}
            for n in notifications
        ],
    }


def send_digests(now: datetime) -> tuple[int, int, int]:
    """Bundles every person's new notifications into ONE message per webhook, then delivers what is due."""
    made = 0
    fresh = list(Notification.objects.filter(digested=False).select_related("user").order_by("user_id", "id"))
    by_user = defaultdict(list)
    for n in fresh:
        by_user[n.user_id].append(n)
    hooks = defaultdict(list)
    for hook in Webhook.objects.filter(active=True, user_id__in=by_user):
        hooks[hook.user_id].append(hook)
    with transaction.atomic():
        for user_id, items in by_user.items():
            for hook in hooks.get(user_id, ()):
                _, created = WebhookDelivery.objects.get_or_create(
                    webhook=hook,
                    sweep_at=now,
                    defaults={"payload": digest_payload(hook.format, items[0].user, items)},
                )
                made += created
        Notification.objects.filter(pk__in=[n.pk for n in fresh]).update(digested=True)
    sent = failed = 0
    due = WebhookDelivery.objects.filter(
        state__in=[DeliveryState.PENDING, DeliveryState.FAILED], attempts__lt=conf("WEBHOOK_MAX_ATTEMPTS")
    ).select_related("webhook")
    for delivery in due:
        ok, error = post_json(delivery.webhook.url, delivery.payload)
        delivery.attempts += 1
        if ok:
            delivery.state, delivery.sent_at, delivery.last_error = DeliveryState.SENT, now, ""
            sent += 1
        else:
            delivery.state, delivery.last_error = DeliveryState.FAILED, error[:300]
            failed += 1
        delivery.save(update_fields=["attempts", "state", "sent_at", "last_error"])
    return made, sent, failed


def post_json(url: str, payload: dict) -> tuple[bool, str]:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(req, timeout=conf("WEBHOOK_TIMEOUT")) as resp:  # noqa: S310 - admin-set URL
            text = resp.read(2000).decode("utf-8", "replace")
            if resp.status >= 300:
                return False, f"HTTP {resp.status}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return False, str(exc)
    # The robots answer 200 with {"errcode": n} on failure.
    try:
        answer = json.loads(text)
    except ValueError:
        return True, ""
    if isinstance(answer, dict) and answer.get("errcode") not in (None, 0):
        return False, f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"
    return True, ""
