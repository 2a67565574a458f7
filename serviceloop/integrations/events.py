"""Outbound events: services call ``event_record`` inside their own transaction (an outbox row and one delivery
row per interested subscription), so an event exists exactly when the change it reports was committed. The job
``deliver_events`` (run by ``run_jobs``) POSTs them, signed, and retries with back-off.

Signature (what a receiver checks): header ``X-ServiceLoop-Timestamp`` (Unix seconds) and
``X-ServiceLoop-Signature: sha256=<hex>``, the HMAC-SHA256 of ``"<timestamp>." + body`` with the subscription's
secret. Receivers should refuse timestamps more than 5 minutes old (replays).
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q

from .models import Delivery, DeliveryAttempt, DeliveryStatus, EventKind, OutboxEvent, Subscription

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ServiceLoop-Signature"
TIMESTAMP_HEADER = "X-ServiceLoop-Timestamp"
EVENT_HEADER = "X-ServiceLoop-Event"
MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10
BATCH = 50


def backoff(attempts: int) -> dt.timedelta:
    """After the n-th failed attempt: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return dt.timedelta(minutes=min(2 ** (attempts - 1), 360))


def event_record(*, kind: str, payload: dict, now) -> OutboxEvent | None:
    """Writes the event and its deliveries; call it inside the service's transaction. Nothing is written when no
    active subscription wants this kind (events are for delivery, not a second audit trail)."""
    kind = EventKind(kind)
    # The active subscriptions are kept a minute per process (core.refcache): read on every filing, changed
    # rarely; delivery checks ``active`` again, so a deactivated one never receives what was queued meanwhile.
    subs = [pk for pk, kinds in _active_subscriptions() if kind in kinds]
    if not subs:
        return None
    body = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    event = OutboxEvent.objects.create(kind=kind, payload=body, at=now)
    Delivery.objects.bulk_create(
        [Delivery(event=event, subscription_id=s, next_attempt_at=now) for s in subs]
    )
    return event


def events_record(*, kind: str, payloads: list[dict], now) -> int:
    """``event_record`` for many events of one kind (a bulk service): two inserts whatever their number."""
    kind = EventKind(kind)
    subs = [pk for pk, kinds in _active_subscriptions() if kind in kinds]
    if not subs or not payloads:
        return 0
    events = OutboxEvent.objects.bulk_create(
        [
            OutboxEvent(kind=kind, payload=json.loads(json.dumps(p, cls=DjangoJSONEncoder)), at=now)
            for p in payloads
        ],
        batch_size=1000,
    )
    Delivery.objects.bulk_create(
        [Delivery(event=e, subscription_id=s, next_attempt_at=now) for e in events for s in subs],
        batch_size=1000,
    )
    return len(events)


def _active_subscriptions() -> list[tuple[int, list]]:
    from serviceloop.core.refcache import reference

    return reference(
        "integrations:subscriptions",
        lambda: [(s.pk, list(s.kinds)) for s in Subscription.objects.filter(active=True).only("pk", "kinds")],
    )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None,
           tolerance: int = 300) -> bool:  # fmt: skip
    """What a receiver does (also used by the tests and shown in docs/api.md)."""
    try:
        age = abs((now or time.time()) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


def envelope(event: OutboxEvent) -> bytes:
    data = {"id": event.pk, "kind": event.kind, "at": event.at.isoformat(), "data": event.payload}
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - admin-set URL
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", exc))[:300]


def deliver(delivery: Delivery, *, now) -> Delivery:
    """One attempt: POST, log the answer, and either finish (2xx), schedule a retry, or give up."""
    sub, event = delivery.subscription, delivery.event
    body = envelope(event)
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "ServiceLoop-Webhooks/1",
        EVENT_HEADER: event.kind,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(sub.secret, timestamp, body),
        "X-ServiceLoop-Delivery": str(delivery.pk),
    }
    started = time.monotonic()
    code, error = _post(sub.url, body, headers)
    ms = int((time.monotonic() - started) * 1000)
    if code is not None and not 200 <= code < 300 and not error:
        error = f"HTTP {code}"
    DeliveryAttempt.objects.create(delivery=delivery, at=now, status_code=code, error=error, milliseconds=ms)
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = code, error
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    delivery.save(update_fields=["attempts", "last_status_code", "last_error", "status", "delivered_at",
                                 "next_attempt_at"])  # fmt: skip
    return delivery


def _claim(now, limit: int) -> list[int]:
    """Claims due deliveries by pushing their next attempt past the POST's timeout (a lease): another runner
    skips them; a runner that dies mid-way leaves them to be retried after the lease."""
    lease = now + dt.timedelta(seconds=TIMEOUT_SECONDS * 3)
    with transaction.atomic():
        qs = Delivery.objects.filter(Q(status=DeliveryStatus.PENDING), Q(next_attempt_at__lte=now))
        ids = list(qs.order_by("next_attempt_at", "id").select_for_update(skip_locked=True)
                   .values_list("pk", flat=True)[:limit])  # fmt: skip
        Delivery.objects.filter(pk__in=ids).update(next_attempt_at=lease)
    return ids


def deliver_due(now, *, limit: int = BATCH) -> dict:
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    for pk in _claim(now, limit):
        delivery = Delivery.objects.select_related("event", "subscription").get(pk=pk)
        if not delivery.subscription.active:
            Delivery.objects.filter(pk=pk).update(status=DeliveryStatus.FAILED, next_attempt_at=None,
                                                  last_error="subscription inactive")  # fmt: skip
            counts["failed"] += 1
            continue
        done = deliver(delivery, now=now)
        counts[{"delivered": "delivered", "failed": "failed"}.get(done.status, "retry")] += 1
    return counts


KEEP_DAYS = 90


def purge_old_events(now) -> int:
    """Events whose every delivery is finished (delivered or given up) are kept KEEP_DAYS, then removed with their
    delivery log: the outbox is a queue, not an archive (the audit trail and the domain event rows are that)."""
    cutoff = now - dt.timedelta(days=KEEP_DAYS)
    old = OutboxEvent.objects.filter(at__lt=cutoff).exclude(deliveries__status=DeliveryStatus.PENDING)
    deleted, _ = OutboxEvent.objects.filter(pk__in=list(old.values_list("pk", flat=True)[:5000])).delete()
    return deleted


def job_deliver_events(now) -> str:
    c = deliver_due(now)
    purged = purge_old_events(now)
    return f"delivered {c['delivered']}, to retry {c['retry']}, gave up {c['failed']}, purged {purged}"


# --- the events services report (one call each; payloads carry ids and codes, never phone numbers) ----------
_REQUEST_KINDS = {
    "filed": EventKind.REQUEST_FILED,
    "dispatched": EventKind.REQUEST_DISPATCHED,
    "resolved": EventKind.REQUEST_RESOLVED,
    "closed": EventKind.REQUEST_CLOSED,
    "reopened": EventKind.REQUEST_REOPENED,
    "escalated": EventKind.REQUEST_ESCALATED,
}


def request_event(request, what: str, *, now, **extra) -> None:
    """``what``: filed, escalated, or the status the request moved to (only those integrators wait for)."""
    kind = _REQUEST_KINDS.get(str(what))
    if kind is None:
        return
    event_record(kind=kind, now=now, payload={
        "id": request.pk, "reference": request.reference, "status": request.status, "kind": request.kind,
        "channel": request.channel, "category": getattr(request.category, "code", None),
        "shop": request.shop_id, "licence_no": getattr(request.shop, "licence_no", None),
        "owner": request.owner_id, "reopen_count": request.reopen_count, **extra,
    })  # fmt: skip


def tag_event(ctag, action: str, *, now) -> None:
    kind = {
        "attach": EventKind.TAG_ATTACHED,
        "remove": EventKind.TAG_REMOVED,
        "verify": EventKind.TAG_VERIFIED,
    }.get(str(action))
    if kind is None:
        return
    event_record(kind=kind, now=now, payload=_tag_payload(ctag, ctag.tag.name, ctag.customer.licence_no))


def tags_attached_events(ctags, *, tag, licences: dict[int, str], now) -> int:
    """One "tag.attached" per shop of a bulk attach, as the single attach sends (``licences``: shop id → licence)."""
    payloads = [_tag_payload(c, tag.name, licences.get(c.customer_id)) for c in ctags]
    return events_record(kind=EventKind.TAG_ATTACHED, payloads=payloads, now=now)


def _tag_payload(ctag, tag_name, licence_no) -> dict:
    return {
        "id": ctag.pk, "tag": ctag.tag_id, "tag_name": tag_name, "status": ctag.status,
        "shop": ctag.customer_id, "licence_no": licence_no, "due_at": ctag.due_at,
    }  # fmt: skip


def answer_event(answer, *, now) -> None:
    """A submitted answer: which wave and shop (none of an anonymous wave's shop), by which channel."""
    anonymous = answer.wave.anonymous
    event_record(kind=EventKind.SURVEY_ANSWERED, now=now, payload={
        "id": answer.pk, "wave": answer.wave_id, "channel": answer.channel, "submitted_at": answer.submitted_at,
        "shop": None if anonymous else answer.customer_id,
    })  # fmt: skip


def allocation_event(run, *, now) -> None:
    event_record(kind=EventKind.ALLOCATION_FINISHED, now=now, payload={
        "id": run.pk, "title": run.title, "status": run.status, "sha256": run.sha256,
        "total_target": run.total_target, "total_allocated": run.total_allocated,
        "total_abs_error": run.total_abs_error, "rerun_of": run.rerun_of_id,
    })  # fmt: skip


def risk_event(risk, what: str, *, now) -> None:
    """``what``: raised or closed (the register's start and end; the steps in between stay on the page)."""
    kind = {"raised": EventKind.RISK_RAISED, "closed": EventKind.RISK_CLOSED}.get(str(what))
    if kind is None:
        return
    event_record(kind=kind, now=now, payload={
        "id": risk.pk, "reference": risk.reference, "level": risk.level, "status": risk.status,
        "branch": risk.branch_id, "station": risk.station_id, "title": risk.title, "cause": risk.cause,
        "owner": risk.owner_id, "deadline": risk.deadline, "review": risk.review if kind == EventKind.RISK_CLOSED
        else "",
    })  # fmt: skip


def inspection_event(record, *, rectification=None, now) -> None:
    """An inspection finding: the item, its station and shop, the finding and severity, the rectification opened."""
    item = record.item
    event_record(kind=EventKind.INSPECTION_RECORDED, now=now, payload={
        "id": record.pk, "item": item.pk, "plan": item.plan_id, "month": item.month, "station": item.station_id,
        "source": item.source, "shop": item.customer_id, "licence_no": getattr(item.customer, "licence_no", None),
        "finding": record.finding, "severity": record.severity, "checked_at": record.checked_at,
        "rectification": rectification.pk if rectification else None,
        "deadline": rectification.deadline if rectification else None,
    })  # fmt: skip
