"""The data migration that folds the two per-shop message tables (growth.ShopReminder, trainings.ShopNotice) into
the shop-message outbox, run by Django's migration executor on real rows, forward and backward."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from serviceloop.customers.models import OutboxMessage

# serialized_rollback: the database is migrated back and forth; the seeded rows come back after the test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [
    ("customers", "0006_shop_outbox"),
    ("growth", "0005_shop_reminder"),
    ("trainings", "0002_seed_topics_append_only_events"),
]
AFTER = [
    ("customers", "0007_move_shop_messages"),
    ("growth", "0006_remove_shop_reminder"),
    ("trainings", "0003_remove_shop_notice"),
]
NOW = timezone.make_aware(dt.datetime(2026, 11, 25, 9, 0))


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    """Every app at its latest migration afterwards (AFTER is only the outbox's own step; later migrations of
    the apps, e.g. customers 0009, would be missing for the next tests)."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def old_rows(apps, a, b, session):
    """Two reminders (one sent, one failed twice) and two training messages (one pending, one sent), written
    with the models as they were before the outbox."""
    reminder = apps.get_model("growth", "ShopReminder")
    reminder.objects.create(customer_id=a.pk, kind="restock", cycle=dt.date(2026, 11, 27), phone=a.phone,
                            text="该订货了", created_at=NOW, notifier="LogNotifier", state="sent", attempts=1,
                            sent_at=NOW)  # fmt: skip
    reminder.objects.create(customer_id=b.pk, kind="settlement", cycle=dt.date(2026, 11, 27), phone=b.phone,
                            text="结算提醒", created_at=NOW, notifier="HttpSmsNotifier", state="failed", attempts=2,
                            last_error="gateway down")  # fmt: skip
    notice = apps.get_model("trainings", "ShopNotice")
    notice.objects.create(session_id=session.pk, customer_id=a.pk, kind="invitation", phone=a.phone, text="邀请",
                          created_at=NOW, notifier="LogNotifier")  # fmt: skip
    notice.objects.create(session_id=session.pk, customer_id=b.pk, kind="cancelled", phone=b.phone, text="取消",
                          created_at=NOW, notifier="LogNotifier", state="sent", attempts=1, sent_at=NOW)  # fmt: skip


def test_the_old_rows_move_to_the_outbox_and_back(world):
    from serviceloop.trainings.tests.helpers import make_session

    a, b = world.shops["张湾1号线"]
    session = make_session(world)
    apps = migrate(BEFORE)
    old_rows(apps, a, b, session)
    migrate(AFTER)
    rows = {m.dedupe_key: m for m in OutboxMessage.objects.all()}
    keys = {
        OutboxMessage.key(kind="restock", customer_id=a.pk, cycle=dt.date(2026, 11, 27)),
        OutboxMessage.key(kind="settlement", customer_id=b.pk, cycle=dt.date(2026, 11, 27)),
        OutboxMessage.key(kind="invitation", customer_id=a.pk, session_id=session.pk),
        OutboxMessage.key(kind="cancelled", customer_id=b.pk, session_id=session.pk),
    }
    # the keys the new code builds: a reminder job or an invitation after the move sends nothing twice
    assert set(rows) == keys
    failed = rows[f"settlement:{b.pk}:d20261127"]
    assert (failed.state, failed.attempts, failed.last_error, failed.phone, failed.text, failed.notifier) == (
        "failed", 2, "gateway down", b.phone, "结算提醒", "HttpSmsNotifier"
    )  # fmt: skip
    assert failed.cycle == dt.date(2026, 11, 27) and failed.session_id is None and failed.created_at == NOW
    sent = rows[f"restock:{a.pk}:d20261127"]
    assert sent.state == "sent" and sent.sent_at == NOW and sent.attempts == 1
    invitation = rows[f"invitation:{a.pk}:s{session.pk}"]
    assert invitation.session_id == session.pk and invitation.state == "pending" and invitation.cycle is None
    assert rows[f"cancelled:{b.pk}:s{session.pk}"].state == "sent"
    assert "growth_shopreminder" not in connection.introspection.table_names()
    assert "trainings_shopnotice" not in connection.introspection.table_names()

    # backward: the old tables come back with the same rows, the outbox empties
    apps = migrate(BEFORE)
    assert apps.get_model("customers", "OutboxMessage").objects.count() == 0
    back = apps.get_model("growth", "ShopReminder").objects.get(kind="settlement")
    assert (back.customer_id, back.cycle, back.state, back.attempts, back.last_error) == (
        b.pk, dt.date(2026, 11, 27), "failed", 2, "gateway down"
    )  # fmt: skip
    notices = apps.get_model("trainings", "ShopNotice").objects.order_by("kind")
    assert [(n.kind, n.customer_id, n.session_id, n.state) for n in notices] == [
        ("cancelled", b.pk, session.pk, "sent"),
        ("invitation", a.pk, session.pk, "pending"),
    ]
    migrate(AFTER)
    assert OutboxMessage.objects.count() == 4
