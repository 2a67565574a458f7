"""The SLA clock: calendar and working time, statutory holidays, make-up days, pauses, the 2027 fallback."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from serviceloop.servicedesk import clock

TZ = ZoneInfo("Asia/Shanghai")
CAL = clock.WorkingCalendar(tz=TZ)
W, C = clock.WORKING, clock.CALENDAR


def at(*args):
    return datetime(*args, tzinfo=TZ)


def test_it_adds_calendar_time_straight_through_nights_and_holidays():
    assert clock.add(at(2026, 9, 30, 17, 0), timedelta(hours=24), clock=C, calendar=CAL) == at(
        2026, 10, 1, 17, 0
    )


def test_it_knows_the_2026_national_day_holiday_and_its_make_up_days_from_the_package():
    # chinesecalendar 1.11.0: 中秋 Fri 25 Sep + 国庆 1–7 Oct off; Sun 20 Sep and Sat 10 Oct are make-up working days.
    assert not CAL.is_workday(date(2026, 10, 1)) and not CAL.is_workday(date(2026, 10, 7))
    assert not CAL.is_workday(date(2026, 9, 25))
    assert CAL.is_workday(date(2026, 9, 20)) and date(2026, 9, 20).weekday() == 6
    assert CAL.is_workday(date(2026, 10, 10)) and date(2026, 10, 10).weekday() == 5


def test_it_skips_the_national_day_holiday_in_working_time():
    # 1 h left on 30 Sep 16:30 → 17:30; the remaining hour lands on 8 Oct 09:30 (1–7 Oct are off).
    assert clock.add(at(2026, 9, 30, 16, 30), timedelta(hours=2), clock=W, calendar=CAL) == at(
        2026, 10, 8, 9, 30
    )


def test_it_counts_a_make_up_saturday_as_a_working_day():
    # Fri 9 Oct 17:00 + 1 h → Sat 10 Oct (make-up day) 09:00, not Monday.
    assert clock.add(at(2026, 10, 9, 17, 0), timedelta(hours=1), clock=W, calendar=CAL) == at(
        2026, 10, 10, 9, 0
    )


def test_it_counts_a_make_up_sunday_as_a_working_day():
    assert clock.add(at(2026, 9, 19, 12, 0), timedelta(hours=1), clock=W, calendar=CAL) == at(
        2026, 9, 20, 9, 30
    )


def test_it_skips_an_ordinary_weekend():
    # Fri 20 Nov 2026 17:00 + 2 h: half an hour on Friday, 1.5 h from Monday 08:30 → 10:00.
    assert clock.add(at(2026, 11, 20, 17, 0), timedelta(hours=2), clock=W, calendar=CAL) == at(
        2026, 11, 23, 10, 0
    )


def test_it_starts_counting_at_the_opening_hour_when_filed_at_night():
    assert clock.add(at(2026, 11, 23, 22, 0), timedelta(minutes=15), clock=W, calendar=CAL) == at(
        2026, 11, 24, 8, 45
    )


def test_it_measures_elapsed_working_time_back_to_the_same_duration():
    start = at(2026, 9, 28, 11, 0)
    for hours in (1, 9, 24, 72):
        due = clock.add(start, timedelta(hours=hours), clock=W, calendar=CAL)
        assert clock.elapsed(start, due, clock=W, calendar=CAL) == timedelta(hours=hours)


def test_it_measures_nothing_over_a_holiday():
    assert clock.elapsed(at(2026, 10, 1, 0, 0), at(2026, 10, 7, 23, 0), clock=W, calendar=CAL) == timedelta(0)


def test_it_moves_the_deadline_by_a_pause_in_calendar_time():
    due = at(2026, 11, 24, 10, 0)
    new = clock.resume(due, at(2026, 11, 23, 12, 0), at(2026, 11, 23, 15, 0), clock=C, calendar=CAL)
    assert new == at(2026, 11, 24, 13, 0)


def test_it_moves_the_deadline_by_a_pause_in_working_time_across_a_weekend():
    # Paused Fri 16:30 with 2 working hours left (due Mon 09:30); resumed Mon 10:00 → due Mon 12:00.
    due = clock.add(at(2026, 11, 20, 16, 30), timedelta(hours=2), clock=W, calendar=CAL)
    assert due == at(2026, 11, 23, 9, 30)
    new = clock.resume(due, at(2026, 11, 20, 16, 30), at(2026, 11, 23, 10, 0), clock=W, calendar=CAL)
    assert new == at(2026, 11, 23, 12, 0)


def test_it_keeps_an_already_breached_deadline_through_a_pause():
    due = at(2026, 11, 23, 9, 0)
    assert clock.resume(due, at(2026, 11, 23, 10, 0), at(2026, 11, 23, 12, 0), clock=C, calendar=CAL) == due


def test_it_falls_back_to_weekends_for_2027_which_the_package_does_not_know():
    with pytest.raises(NotImplementedError):
        import chinese_calendar

        chinese_calendar.is_workday(date(2027, 3, 1))
    assert CAL.is_workday(date(2027, 3, 1))  # Monday
    assert not CAL.is_workday(date(2027, 3, 6))  # Saturday
    # Fri 5 Mar 2027 17:00 + 1 h → Mon 8 Mar 09:00.
    assert clock.add(at(2027, 3, 5, 17, 0), timedelta(hours=1), clock=W, calendar=CAL) == at(2027, 3, 8, 9, 0)


def test_it_lets_company_days_override_the_fallback_in_2027():
    cal = clock.WorkingCalendar(tz=TZ, overrides={date(2027, 10, 1): False, date(2027, 10, 9): True})
    assert not cal.is_workday(date(2027, 10, 1))  # a Friday, declared off
    assert cal.is_workday(date(2027, 10, 9))  # a Saturday, declared a working day
    assert clock.add(at(2027, 9, 30, 17, 0), timedelta(hours=1), clock=W, calendar=cal) == at(
        2027, 10, 4, 9, 0
    )


def test_it_computes_the_warning_time_at_a_share_of_the_limit():
    assert clock.warn_time(at(2026, 11, 23, 10, 0), timedelta(hours=24), 0.75, clock=C, calendar=CAL) == at(
        2026, 11, 24, 4, 0
    )


def test_it_refuses_negative_durations():
    with pytest.raises(ValueError):
        clock.add(at(2026, 11, 23, 10, 0), timedelta(hours=-1), clock=C, calendar=CAL)


def test_it_knows_the_fixed_date_statutory_holidays_of_years_the_package_does_not_know():
    # A request filed on Thu 31 Dec 2026 at 16:00 with 2 working hours: 1.5 h that day, then 1 Jan 2027
    # (Friday, 元旦) and the weekend are off, so the last half hour lands on Mon 4 Jan 09:00.
    assert not CAL.is_workday(date(2027, 1, 1))
    assert clock.add(at(2026, 12, 31, 16, 0), timedelta(hours=2), clock=W, calendar=CAL) == at(
        2027, 1, 4, 9, 0
    )
    for day in (date(2030, 5, 1), date(2031, 10, 1), date(2031, 10, 2), date(2031, 10, 3)):
        assert not CAL.is_workday(day), day
    # a company-declared make-up working day still wins over the fixed rule
    assert clock.WorkingCalendar(tz=TZ, overrides={date(2027, 1, 1): True}).is_workday(date(2027, 1, 1))
