"""The company's holiday calendar (days off and make-up working days), kept by the city admin.

``chinesecalendar`` knows each year only once a release carries it (1.11.0: up to 2026). For later years
the clock knows the fixed-date statutory holidays by itself (clock.FIXED_HOLIDAYS); the lunar holidays
and make-up days of the State Council's yearly schedule (published around November) are entered here.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.core.refcache import reference_forget

from .models import Holiday

WARN_FROM = (11, 1)  # from 1 November the coming year's schedule should be in
MAX_SPAN = 31  # days entered at once (the longest holiday, Spring Festival, is 8–9 days)


def package_knows(year: int) -> bool:
    try:
        import chinese_calendar

        chinese_calendar.is_workday(date(year, 6, 1))
        return True
    except (NotImplementedError, ImportError):
        return False


def schedule_ready(year: int) -> bool:
    """The year's holidays are known: the package covers it, or the company entered its schedule (at least
    the five lunar holidays' days off)."""
    return package_knows(year) or Holiday.objects.filter(date__year=year, is_workday=False).count() >= 5


def missing_years(today: date) -> list[int]:
    """Years whose schedule the city admin should enter now: this year if unknown, and from 1 November the
    next one."""
    years = [today.year]
    if (today.month, today.day) >= WARN_FROM:
        years.append(today.year + 1)
    return [y for y in years if not schedule_ready(y)]


@transaction.atomic
def holiday_add(*, first: date, last: date | None, is_workday: bool, name: str, actor, now) -> list[Holiday]:
    """One row per day from ``first`` to ``last``; an existing day is updated (the schedule was corrected)."""
    last = last or first
    if last < first:
        raise ValidationError(_("The last day is before the first."), code="range")
    if (last - first).days >= MAX_SPAN:
        raise ValidationError(_("At most %(n)d days at once.") % {"n": MAX_SPAN}, code="range")
    name = (name or "").strip()[:50]
    rows = []
    day = first
    while day <= last:
        row, _created = Holiday.objects.update_or_create(
            date=day, defaults={"is_workday": is_workday, "name": name}
        )
        rows.append(row)
        day += timedelta(days=1)
    kind = _("working day") if is_workday else _("day off")
    audit_record(
        actor=actor,
        action="servicedesk.holiday",
        obj=rows[0],
        summary=f"{first:%Y-%m-%d}–{last:%Y-%m-%d} {kind} {name}",
        data={"first": first.isoformat(), "last": last.isoformat(), "is_workday": is_workday, "name": name},
        now=now,
    )
    transaction.on_commit(lambda: reference_forget("sla:calendar:"))  # core.refcache
    return rows


@transaction.atomic
def holiday_delete(*, holiday: Holiday, actor, now) -> None:
    audit_record(
        actor=actor,
        action="servicedesk.holiday_delete",
        obj=holiday,
        summary=f"{holiday.date:%Y-%m-%d} {holiday.name}",
        data={"date": holiday.date.isoformat(), "is_workday": holiday.is_workday, "name": holiday.name},
        now=now,
    )
    holiday.delete()
    transaction.on_commit(lambda: reference_forget("sla:calendar:"))
