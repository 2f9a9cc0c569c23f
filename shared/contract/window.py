"""What the platform can compute with: the one place that bounds values at the edge.

A value the schema's form accepts can still be one the rules cannot hold: a project
started in year 1 makes a sweep walk 24,000 months, a payroll for 9999-12 is due in year
10000, 10^30 workers overflow a 64-bit integer, a lone surrogate (``"\\ud800"``) cannot be
written as UTF-8. Such values are refused here, each with a field error, so that nothing
that passed validation can raise later.

Dates are judged from an explicit :class:`Window`, made by the entrypoint from the moment
a message arrived (the only place that reads the clock). Schemas read it with
:func:`judged_from` around a load; a schema loaded outside one checks form only.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from marshmallow.experimental.context import Context

from shared.calendar import SHANGHAI, Month

EARLIEST = date(2000, 1, 1)
YEARS_AHEAD = 10        # planned dates (a project's planned end) reach this far ahead
# County systems' clocks drift: an event a few minutes after the platform received its
# message is a clock, not the future (complaints use the same tolerance).
CLOCK_TOLERANCE = timedelta(minutes=10)
MAX_YUAN = 10**12       # as fen (10^14) exact in a double, and 20,000 lines' total fits int64
MAX_COUNT = 1_000_000   # people in one record (workers affected by one complaint)

PAST, PLAN = "past", "plan"   # an event that happened / a date that may lie ahead


@dataclass(frozen=True)
class Window:
    """The dates a message may carry, seen from when it arrived (``received``, aware).

    Nothing before ``earliest``; an event (``PAST``) no later than its arrival (plus
    CLOCK_TOLERANCE); a planned date (``PLAN``) at most ``years_ahead`` years on.
    """

    received: datetime
    earliest: date = EARLIEST
    years_ahead: int = YEARS_AHEAD

    @classmethod
    def arriving(cls, received_at: str, settings: dict[str, Any] | None = None) -> Window:
        """The window for a message received at ``received_at`` (ISO 8601 with offset);
        ``settings`` is the ``INGRESS_WINDOW`` configuration (``earliest``, ``years_ahead``)."""
        settings = settings or {}
        earliest = settings.get("earliest") or EARLIEST
        return cls(datetime.fromisoformat(received_at),
                   earliest if isinstance(earliest, date) else date.fromisoformat(str(earliest)),
                   int(settings.get("years_ahead") or YEARS_AHEAD))

    @property
    def today(self) -> date:
        """The latest day an event may carry (Asia/Shanghai)."""
        return (self.received + CLOCK_TOLERANCE).astimezone(SHANGHAI).date()

    @property
    def latest(self) -> date:
        return self.today + timedelta(days=round(365.25 * self.years_ahead))

    def date_problem(self, value: date, when: str) -> str | None:
        if value < self.earliest:
            return f"Must not be before {self.earliest.isoformat()} (the earliest date the platform takes)."
        if when == PAST and value > self.today:
            return f"Must not be in the future: the platform received this on {self.today.isoformat()}."
        if value > self.latest:
            return f"Must not be after {self.latest.isoformat()} ({self.years_ahead} years ahead)."
        return None

    def month_problem(self, value: Month, when: str) -> str | None:
        if value < Month.of(self.earliest):
            return f"Must not be before {Month.of(self.earliest)} (the earliest month the platform takes)."
        if when == PAST and value > Month.of(self.today):
            return f"Must not be a future month: the platform received this in {Month.of(self.today)}."
        if value > Month.of(self.latest):
            return f"Must not be after {Month.of(self.latest)} ({self.years_ahead} years ahead)."
        return None

    def timestamp_problem(self, value: datetime, when: str) -> str | None:
        # Compared, never converted: astimezone() overflows on year 1 or 9999 with an offset.
        if value < datetime.combine(self.earliest, time(), SHANGHAI):
            return f"Must not be before {self.earliest.isoformat()} (the earliest date the platform takes)."
        if when == PAST and value > self.received + CLOCK_TOLERANCE:
            return f"Must not be later than when the platform received the message ({self.received.isoformat()})."
        if value >= datetime.combine(self.latest + timedelta(days=1), time(), SHANGHAI):
            return f"Must not be after {self.latest.isoformat()} ({self.years_ahead} years ahead)."
        return None


_JUDGED_FROM = Context[Window]


@contextmanager
def judged_from(window: Window) -> Iterator[Window]:
    """Schemas loaded inside judge dates from ``window``."""
    with _JUDGED_FROM(window):
        yield window


def current_window() -> Window | None:
    return _JUDGED_FROM.get(None)


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored or sent as UTF-8 (a lone surrogate), or None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"Not valid Unicode text: a lone surrogate at character {exc.start + 1}."
    return None


def printable(value: str) -> str:
    """``value`` as valid UTF-8 text (a lone surrogate written as ``\\ud800``, NUL as
    ``\\x00``, which a MongoDB field name cannot hold), for what the platform echoes in a
    receipt or stores: it may be exactly what was refused."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
