import contextlib

from django.utils import timezone

from .models import AuditEvent


def audit_record(
    *, actor, action: str, obj=None, summary: str = "", data: dict | None = None, now=None
) -> AuditEvent:
    """Append one audit row. Called by services, inside their transaction."""
    return AuditEvent.objects.create(
        at=now or timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:300],
        data=data or {},
    )


@contextlib.contextmanager
def trail_purge(using: str = "default"):
    """The one way to delete audit and event rows (the database refuses it otherwise; see core migration
    0006): inside a transaction that says so. Only the demo reset uses it."""
    from django.db import connections, transaction

    with transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL serviceloop.purge = 'on'")
        try:
            yield
        finally:
            if connection.vendor == "postgresql" and not connection.needs_rollback:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL serviceloop.purge = 'off'")
