"""The acknowledgement clock (签收时限): working days, statutory holidays counted."""
from __future__ import annotations

from datetime import date

import pytest

from services.alerts.domain import acknowledgement_deadline, overdue_level
from shared.workdays import WorkingCalendar

CALENDAR = WorkingCalendar()
WITHIN = {"red": 1, "orange": 3}


def alert(severity="red", raised="2026-09-30T16:00:00+08:00", level="county", **extra):
    return {"severity": severity, "status": "firing", "level": level, "raised_at": raised,
            "level_since": raised, "acknowledged_at": None, **extra}


def test_a_red_raised_on_the_eve_of_national_day_is_due_the_first_working_day_after_it():
    # Wed 30 Sep 2026; 1-7 Oct are holidays; Thu 8 Oct is the first working day.
    assert acknowledgement_deadline(alert(), WITHIN, CALENDAR) == date(2026, 10, 8)
    assert overdue_level(alert(), WITHIN, CALENDAR, date(2026, 10, 7)) is None
    assert overdue_level(alert(), WITHIN, CALENDAR, date(2026, 10, 8)) is None
    assert overdue_level(alert(), WITHIN, CALENDAR, date(2026, 10, 9)) == "city"


def test_orange_counts_the_make_up_saturday_as_a_working_day():
    # Thu 8, Fri 9, Sat 10 Oct (调休 make-up working day): three working days.
    assert acknowledgement_deadline(alert("orange"), WITHIN, CALENDAR) == date(2026, 10, 10)
    assert overdue_level(alert("orange"), WITHIN, CALENDAR, date(2026, 10, 11)) == "city"


def test_the_city_clock_starts_when_the_alert_reached_the_city_then_the_province():
    at_city = alert(level="city", level_since="2026-10-16T00:01:00+08:00")      # a Friday
    assert [overdue_level(at_city, WITHIN, CALENDAR, date(2026, 10, day)) for day in (17, 18, 19, 20)] == [
        None, None, None, "province"]                                              # due Monday 19
    from_friday_before_make_up = alert(level="city", level_since="2026-10-09T00:01:00+08:00")
    assert overdue_level(from_friday_before_make_up, WITHIN, CALENDAR, date(2026, 10, 11)) == "province"


@pytest.mark.parametrize("case", [
    alert(acknowledged_at="2026-10-08T09:00:00+08:00"),
    alert(status="resolved"),
    alert(level="province"),
    alert("yellow"),
    alert("blue"),
])
def test_the_clock_does_not_run_for_acknowledged_resolved_province_or_low_colours(case):
    assert overdue_level(case, WITHIN, CALENDAR, date(2027, 1, 1)) is None
