"""SLA clock arithmetic: calendar time, or working time on China's working days. Pure, no Django.

Working days come from ``chinesecalendar`` (statutory holidays and make-up working days, 调休), overridden
by company-defined days. The package only knows the years it was built for (1.11.0: up to 2026) and
raises NotImplementedError beyond; then the statutory holidays that fall on fixed dates (元旦 1 Jan, 劳动节
1 May, 国庆 1–3 Oct) and weekends are days off, unless the company says otherwise — the lunar holidays and
make-up days of a year the package does not know are entered by the city admin (servicedesk Holiday rows).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

CALENDAR = "calendar"
WORKING = "working"
# Statutory days off on fixed dates every year (国务院《全国年节及纪念日放假办法》): New Year's Day,
# Labour Day, National Day 1–3 Oct. Spring Festival, Qingming, Dragon Boat and Mid-Autumn move.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)})
_MAX_DAYS = 3660  # a ten-year deadline is a configuration error, not a loop to run forever


@dataclass(frozen=True)
class WorkingCalendar:
    tz: ZoneInfo = ZoneInfo("Asia/Shanghai")
    day_start: time = time(8, 30)
    day_end: time = time(17, 30)
    overrides: Mapping[date, bool] = field(default_factory=dict)  # date → is a working day

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if (day.month, day.day) in FIXED_HOLIDAYS:
                return False
            return day.weekday() < 5

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        if not self.is_workday(day):
            return None
        return (datetime.combine(day, self.day_start, self.tz), datetime.combine(day, self.day_end, self.tz))


def add(start: datetime, duration: timedelta, *, clock: str, calendar: WorkingCalendar) -> datetime:
    """The moment ``duration`` of clock time after ``start``."""
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    if clock == CALENDAR:
        return start + duration
    remaining = duration
    cursor = start.astimezone(calendar.tz)
    day = cursor.date()
    for _ in range(_MAX_DAYS):
        win = calendar.window(day)
        if win is not None:
            begin = max(cursor, win[0])
            if begin < win[1]:
                available = win[1] - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
    raise ValueError("deadline is more than ten years away")


def elapsed(a: datetime, b: datetime, *, clock: str, calendar: WorkingCalendar) -> timedelta:
    """Clock time between ``a`` and ``b`` (zero if ``b`` is not after ``a``)."""
    if b <= a:
        return timedelta(0)
    if clock == CALENDAR:
        return b - a
    a, b = a.astimezone(calendar.tz), b.astimezone(calendar.tz)
    total = timedelta(0)
    day = a.date()
    if (b.date() - day).days > _MAX_DAYS:
        raise ValueError("span is more than ten years")
    while day <= b.date():
        win = calendar.window(day)
        if win is not None:
            lo, hi = max(a, win[0]), min(b, win[1])
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total


def resume(
    due: datetime, paused_at: datetime, resumed_at: datetime, *, clock: str, calendar: WorkingCalendar
) -> datetime:
    """A deadline moved by a pause: the clock time left at the pause is counted again from the resume."""
    left = elapsed(paused_at, due, clock=clock, calendar=calendar)
    if left <= timedelta(0):
        return due  # already overdue when paused: a hold does not hide a breach
    return add(resumed_at, left, clock=clock, calendar=calendar)


def warn_time(
    start: datetime, duration: timedelta, share: float, *, clock: str, calendar: WorkingCalendar
) -> datetime:
    return add(start, duration * share, clock=clock, calendar=calendar)
