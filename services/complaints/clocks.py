"""A complaint case's working-day clocks, read from its record of changes.

Two clocks, one after the other:

- **acceptance** (受理): accept, or refuse in writing, within 5 working days of filing, or
  of a transfer to a new desk (关于实施《劳动保障监察条例》若干规定, 劳社部令第25号, Art 18;
  a desk that is not competent transfers rather than turns it away, 首问负责, Regulation on
  Guaranteeing Payment of Wages to Migrant Workers Art 10). It runs while the case is
  ``received``.
- **investigation** (办结): close within 60 working days of acceptance (立案), 90 once
  extended with approval (Regulation on Labour Security Supervision, 劳动保障监察条例,
  Art 17). It runs while the case is ``accepted``, ``investigating`` or ``resolved``.

Neither runs while the case is ``waiting`` (the clock is paused), nor once it is closed or
refused; reopening resumes the clock where it stopped. A change that takes effect on day
*d* ends the previous state on *d*, and the new state counts from the next day, just as
``WorkingCalendar.add_working_days`` does not count its start.

Everything is derived from the record, never stored, so a clock can be read as of any
date (the figures do) and a calendar correction applies to every open case at once.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from services.complaints.domain import (
    ACCEPTED,
    CLOSED,
    EXTEND,
    FILE,
    FINAL_STATUSES,
    INVESTIGATING,
    RECEIVED,
    RESOLVED,
    TRANSFER,
    since_acceptance,
)
from shared.workdays import WorkingCalendar

ACCEPTANCE, INVESTIGATION = "acceptance", "investigation"
RUNS_IN = {ACCEPTANCE: (RECEIVED,), INVESTIGATION: (ACCEPTED, INVESTIGATING, RESOLVED)}


@dataclass(frozen=True)
class ClockLimits:
    accept_days: int = 5        # working days to accept or refuse
    close_days: int = 60        # working days from acceptance to closing
    extension_days: int = 30    # added once, with approval


@dataclass(frozen=True)
class Clock:
    stage: str
    started_on: date
    allowed: int            # working days
    elapsed: int            # working days counted so far
    running: bool           # False while paused (waiting)
    deadline: date | None   # the last working day allowed; None while paused short of it
    estimated: bool         # the calendar had no published data for the deadline's year

    @property
    def overdue(self) -> bool:
        return self.elapsed > self.allowed

    @property
    def remaining(self) -> int:
        return self.allowed - self.elapsed

    def as_dict(self) -> dict:
        return {"stage": self.stage, "started_on": self.started_on.isoformat(), "allowed": self.allowed,
                "elapsed": self.elapsed, "remaining": self.remaining, "running": self.running,
                "deadline": self.deadline.isoformat() if self.deadline else None,
                "overdue": self.overdue, "estimated": self.estimated}


def entries_until(history: list[dict], as_of: date) -> list[dict]:
    """The record as it stood at the end of ``as_of``."""
    day = as_of.isoformat()
    return [entry for entry in history if entry["on"] <= day]


def clock_at(history: list[dict], as_of: date, calendar: WorkingCalendar, limits: ClockLimits) -> Clock | None:
    """The clock that applies to the case as of a date; None once it is closed or refused
    (or before it was filed)."""
    entries = entries_until(history, as_of)
    if not entries or entries[-1]["to_status"] in FINAL_STATUSES:
        return None
    handling = since_acceptance(entries)
    if handling:
        return _measure(handling, as_of, INVESTIGATION, _investigation_days(handling, limits), calendar)
    return _measure(_since_reset(entries), as_of, ACCEPTANCE, limits.accept_days, calendar)


def closed_on_time(history: list[dict], as_of: date, calendar: WorkingCalendar,
                   limits: ClockLimits) -> bool | None:
    """For a case closed as of a date: was it closed within its investigation deadline?
    None when it is not closed."""
    entries = entries_until(history, as_of)
    if not entries or entries[-1]["to_status"] != CLOSED:
        return None
    handling = since_acceptance(entries)
    closed_on = date.fromisoformat(entries[-1]["on"])
    clock = _measure(handling, closed_on, INVESTIGATION, _investigation_days(handling, limits), calendar)
    return not clock.overdue


def _investigation_days(handling: list[dict], limits: ClockLimits) -> int:
    extended = any(entry["action"] == EXTEND for entry in handling)
    return limits.close_days + (limits.extension_days if extended else 0)


def _since_reset(entries: list[dict]) -> list[dict]:
    """From the latest filing or transfer: a new desk gets a fresh acceptance clock."""
    start = max(i for i, entry in enumerate(entries) if entry["action"] in (FILE, TRANSFER))
    return entries[start:]


def _measure(entries: list[dict], until: date, stage: str, allowed: int, calendar: WorkingCalendar) -> Clock:
    runs, days = RUNS_IN[stage], _counter(calendar)
    elapsed, reached = 0, None
    for entry, following in zip(entries, [*entries[1:], None], strict=True):
        if entry["to_status"] not in runs:
            continue
        start = date.fromisoformat(entry["on"])
        end = date.fromisoformat(following["on"]) if following else until
        counted = days.between(start, end)
        if reached is None and elapsed < allowed <= elapsed + counted:
            reached = days.after(start, allowed - elapsed)
        elapsed += counted
    running = entries[-1]["to_status"] in runs
    deadline = reached or (days.after(until, allowed - elapsed) if running else None)
    return Clock(stage=stage, started_on=date.fromisoformat(entries[0]["on"]), allowed=allowed,
                 elapsed=elapsed, running=running, deadline=deadline,
                 estimated=days.estimated(deadline or until))


class _WorkingDayIndex:
    """Working days counted by prefix sums, so a sweep over a province's open cases does
    not walk every day of every clock. Same answers as ``WorkingCalendar``'s own
    ``working_days_between`` and ``add_working_days`` (a unit test holds them equal)."""

    def __init__(self, calendar: WorkingCalendar, origin: date = date(2020, 1, 1)):
        self.calendar, self.origin = calendar, origin
        self.cumulative = [0]          # cumulative[i]: working days in (origin, origin + i]
        self.estimated_years: dict[int, bool] = {}

    def estimated(self, day: date) -> bool:
        """Whether the calendar guessed ``day``'s year (asked once per year)."""
        if day.year not in self.estimated_years:
            self.estimated_years[day.year] = self.calendar.estimated(day)
        return self.estimated_years[day.year]

    def _upto(self, day: date) -> int:
        index = (day - self.origin).days
        while len(self.cumulative) <= index:
            next_day = self.origin + timedelta(days=len(self.cumulative))
            self.cumulative.append(self.cumulative[-1] + self.calendar.is_working_day(next_day))
        return self.cumulative[index]

    def between(self, start: date, end: date) -> int:
        """Working days in (start, end]."""
        if end <= start:
            return 0
        if start < self.origin:
            return self.calendar.working_days_between(start, end)
        return self._upto(end) - self._upto(start)

    def after(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start``."""
        if start < self.origin or count <= 0:
            return self.calendar.add_working_days(start, count)
        target = self._upto(start) + count
        self._upto(start + timedelta(days=count * 2 + 60))   # always enough for a real calendar
        while self.cumulative[-1] < target:
            self._upto(self.origin + timedelta(days=len(self.cumulative) + 365))
        return self.origin + timedelta(days=bisect_left(self.cumulative, target))


@lru_cache(maxsize=8)
def _counter(calendar: WorkingCalendar) -> _WorkingDayIndex:
    return _WorkingDayIndex(calendar)
