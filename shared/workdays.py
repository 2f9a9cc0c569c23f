"""Working-day clocks with China's statutory holidays and make-up working days (调休).

The law counts complaint deadlines in working days (accept within 5, close within 60) and
provincial platforms escalate on working-day clocks. chinesecalendar knows each year once
the State Council publishes it (about each November for the next year). For a year it
does not know yet, the configured lists are used, falling back to Monday-Friday; the
calendar says so (``estimated``) so a report can flag deadlines computed that way.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import chinese_calendar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)   # configured days off
    workdays: frozenset[date] = field(default_factory=frozenset)   # configured make-up working days

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> WorkingCalendar:
        """``WORKING_CALENDAR: {holidays: [YYYY-MM-DD…], workdays: [YYYY-MM-DD…]}``."""
        section = config.get("WORKING_CALENDAR") or {}
        def as_dates(values: list[Any] | None) -> frozenset[date]:
            return frozenset(date.fromisoformat(str(v)) for v in values or ())

        return cls(as_dates(section.get("holidays")), as_dates(section.get("workdays")))

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))   # chinesecalendar is untyped
        except NotImplementedError:
            return day.weekday() < 5

    def estimated(self, day: date) -> bool:
        """True when ``day``'s year is not in chinesecalendar's published data."""
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            return True
        return False

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself not counted)."""
        day, remaining = start, count
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many working days of a clock have elapsed."""
        if end <= start:
            return 0
        return sum(1 for offset in range(1, (end - start).days + 1)
                   if self.is_working_day(start + timedelta(days=offset)))
