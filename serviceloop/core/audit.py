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
