"""Working-day clocks across China's statutory holidays and make-up working days."""
from __future__ import annotations

from datetime import date

from shared.workdays import WorkingCalendar

CALENDAR = WorkingCalendar()


def test_national_day_week_is_not_working_and_its_make_up_saturday_is():
    assert not any(CALENDAR.is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert CALENDAR.is_working_day(date(2026, 10, 10))          # Saturday, 调休
    assert CALENDAR.is_working_day(date(2026, 9, 20))           # Sunday, 调休


def test_five_working_days_from_the_eve_of_national_day():
    # Filed Wed 30 Sep: 1-7 Oct are holidays; Thu 8, Fri 9, Sat 10 (make-up), Mon 12, Tue 13.
    assert CALENDAR.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert CALENDAR.working_days_between(date(2026, 9, 30), date(2026, 10, 13)) == 5
    assert CALENDAR.working_days_between(date(2026, 10, 13), date(2026, 9, 30)) == 0


def test_a_year_without_published_data_uses_configuration_then_weekdays():
    calendar = WorkingCalendar.from_config({"WORKING_CALENDAR": {
        "holidays": ["2027-01-01"], "workdays": ["2027-01-09"]}})
    assert calendar.estimated(date(2027, 1, 4)) and not calendar.estimated(date(2026, 12, 31))
    assert not calendar.is_working_day(date(2027, 1, 1))        # configured holiday (a Friday)
    assert calendar.is_working_day(date(2027, 1, 9))            # configured make-up Saturday
    assert calendar.is_working_day(date(2027, 1, 4)) and not calendar.is_working_day(date(2027, 1, 10))
