"""The shop-message outbox: text messages to shops (order-day reminders, training invitations, cancellations,
feedback links) are written as `OutboxMessage` rows by their senders and sent by one job, ``shop_outbox_send``.

Senders only enqueue — never send on a request thread: a training of 200 shops would otherwise wait on 200
gateway calls. The job claims each row by a conditional update (of two runners only one moves the attempt
counter), sends it through the service desk's notifier (``SERVICEDESK["SHOP_NOTIFIER"]``: the log, or the SMS
gateway) and records the outcome; a failed send stays "not sent" and is tried again by the next run, up to
``SMS_MAX_ATTEMPTS`` times. The unique ``dedupe_key`` makes enqueueing idempotent: a job run twice, a second
runner or a double click inserts nothing and so sends nothing new.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F

from .models import OutboxMessage, OutboxState

log = logging.getLogger(__name__)
DUE = [OutboxState.PENDING, OutboxState.FAILED]


@dataclass(frozen=True)
class Outgoing:
    """What a notifier reads from a message (``pk`` is the gateway's message id)."""

    pk: str
    phone: str
    text: str
    request_id: str


def outbox_enqueue(messages: list[OutboxMessage]) -> int:
    """Inserts the messages whose ``dedupe_key`` is not there yet; returns how many are new.

    The keys already there are looked up first (only those of these messages, never a count of the growing
    table) so that the answer is exact; ``ignore_conflicts`` settles a race with another runner."""
    if not messages:
        return 0
    for m in messages:
        m.dedupe_key = m.dedupe_key or OutboxMessage.key(
            kind=m.kind, customer_id=m.customer_id, cycle=m.cycle, session_id=m.session_id
        )
        m.text = m.text[:300]
    keys = [m.dedupe_key for m in messages]
    there = set()
    for i in range(0, len(keys), 2000):
        there |= set(
            OutboxMessage.objects.filter(dedupe_key__in=keys[i : i + 2000]).values_list(
                "dedupe_key", flat=True
            )
        )
    new, seen = [], set(there)
    for m in messages:
        if m.dedupe_key not in seen:
            seen.add(m.dedupe_key)
            new.append(m)
    OutboxMessage.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    return len(new)


def outbox_deliver(*, message: OutboxMessage, now) -> bool:
    """Sends one message unless another runner got it first; records the outcome on the row."""
    from serviceloop.servicedesk.notifiers import shop_notifier

    claimed = OutboxMessage.objects.filter(pk=message.pk, attempts=message.attempts, state__in=DUE).update(
        attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    notifier = shop_notifier()
    outgoing = Outgoing(
        pk=message.msgid, phone=message.phone, text=message.text, request_id=message.request_id
    )
    try:
        notifier.send(outgoing)
    except Exception as exc:  # noqa: BLE001 - any failure stays on the row for the next run, never lost
        error = str(exc) or type(exc).__name__
        log.warning("shop message %s (%s) not sent: %s", message.pk, message.kind, error)
        OutboxMessage.objects.filter(pk=message.pk).update(
            state=OutboxState.FAILED, last_error=error[:300], notifier=type(notifier).__name__
        )
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxState.SENT, sent_at=now, last_error="", notifier=type(notifier).__name__
    )
    return True


def job_shop_outbox_send(now, *, limit: int = 5000) -> str:
    """The job: messages pending or failed (fewer than ``SMS_MAX_ATTEMPTS`` tries), oldest first."""
    due = OutboxMessage.objects.filter(state__in=DUE, attempts__lt=settings.SMS_MAX_ATTEMPTS).order_by("pk")
    sent = failed = 0
    for message in list(due.only("pk", "kind", "session_id", "phone", "text", "attempts")[:limit]):
        if outbox_deliver(message=message, now=now):
            sent += 1
        else:
            failed += 1
    return f"{sent} shop message(s) sent, {failed} not sent"
