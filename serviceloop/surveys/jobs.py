"""Background job of the survey app (in the schedule, ``settings.JOBS``)."""

from .models import Wave, WaveStatus
from .selectors import due_reminders


def survey_reminders_due(now) -> str:
    """Lists, per open wave, the shops that have not answered and were not reminded in the last three days;
    staff see them on the wave's progress page (filter "not answered yet") and record each reminder there."""
    parts = []
    for wave in Wave.objects.filter(status=WaveStatus.OPEN).order_by("id"):
        n = due_reminders(wave=wave, now=now).count()
        if n:
            parts.append(f"{wave.name}: {n}")
    return "reminders due — " + ("; ".join(parts) if parts else "none")
