"""Moves the rows of the two per-shop message tables into the shop-message outbox (issue 12 clean-up):
``growth.ShopReminder`` (order-day reminders) and ``trainings.ShopNotice`` (training invitations, cancellations,
feedback links). Every field carries over (text, phone, state, attempts, last error, sent at, sent by, created
at); the kind keeps its value; the dedupe key is built as ``OutboxMessage.key`` builds it, so that a reminder
job or an invitation after the move recognises what was sent before and sends nothing twice. Rows get new ids
(two tables become one): their gateway message ids change prefix (R…/T… → O…), which a gateway never saw.

A move in both directions: forward copies then empties the old tables, backward copies back and empties the
outbox (growth 0006 and trainings 0003, which drop the old tables, run after this one)."""

from django.db import migrations

BATCH = 2000
REMINDER_KINDS = ("restock", "settlement")
FIELDS = ("customer_id", "kind", "phone", "text", "created_at", "notifier", "state", "attempts", "last_error",
          "sent_at")  # fmt: skip


def reminder_key(kind, customer_id, cycle) -> str:  # = OutboxMessage.key(kind=…, customer_id=…, cycle=…)
    return f"{kind}:{customer_id}:d{cycle:%Y%m%d}"


def notice_key(
    kind, customer_id, session_id
) -> str:  # = OutboxMessage.key(kind=…, customer_id=…, session_id=…)
    return f"{kind}:{customer_id}:s{session_id}"


def _copy(rows, make, model):
    batch = []
    for row in rows.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(make(row))
        if len(batch) >= BATCH:
            model.objects.bulk_create(batch)
            batch = []
    model.objects.bulk_create(batch)


def forward(apps, schema_editor):
    outbox = apps.get_model("customers", "OutboxMessage")
    reminder = apps.get_model("growth", "ShopReminder")
    notice = apps.get_model("trainings", "ShopNotice")

    def from_reminder(r):
        return outbox(**{f: getattr(r, f) for f in FIELDS}, cycle=r.cycle,
                      dedupe_key=reminder_key(r.kind, r.customer_id, r.cycle))  # fmt: skip

    def from_notice(n):
        return outbox(**{f: getattr(n, f) for f in FIELDS}, session_id=n.session_id,
                      dedupe_key=notice_key(n.kind, n.customer_id, n.session_id))  # fmt: skip

    _copy(reminder.objects.all(), from_reminder, outbox)
    _copy(notice.objects.all(), from_notice, outbox)
    reminder.objects.all().delete()
    notice.objects.all().delete()


def backward(apps, schema_editor):
    outbox = apps.get_model("customers", "OutboxMessage")
    reminder = apps.get_model("growth", "ShopReminder")
    notice = apps.get_model("trainings", "ShopNotice")
    _copy(outbox.objects.filter(kind__in=REMINDER_KINDS), lambda m: reminder(**{f: getattr(m, f) for f in FIELDS},
                                                                              cycle=m.cycle), reminder)  # fmt: skip
    _copy(outbox.objects.exclude(kind__in=REMINDER_KINDS), lambda m: notice(**{f: getattr(m, f) for f in FIELDS},
                                                                             session_id=m.session_id), notice)  # fmt: skip
    outbox.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_shop_outbox"),
        ("growth", "0005_shop_reminder"),
        ("trainings", "0002_seed_topics_append_only_events"),
    ]

    operations = [migrations.RunPython(forward, backward)]
